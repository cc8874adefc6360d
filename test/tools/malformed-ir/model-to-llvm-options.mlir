// Bad --vitq-model-to-llvm pipeline options: one error each, before any work.
// RUN: not vitq-opt %s --vitq-model-to-llvm="int8-isa=sse9" 2>&1 | FileCheck %s --check-prefix=ISA
// RUN: not vitq-opt %s --vitq-model-to-llvm="prefix=9lives" 2>&1 | FileCheck %s --check-prefix=PREFIX
// RUN: not vitq-opt %s --vitq-model-to-llvm="l1-bytes=0" 2>&1 | FileCheck %s --check-prefix=CACHE
// RUN: not vitq-opt %s --vitq-model-to-llvm="l2-bytes=-4096" 2>&1 | FileCheck %s --check-prefix=CACHE
// RUN: not vitq-opt %s --vitq-model-to-llvm="l1-bytes=lots" 2>&1 | FileCheck %s --check-prefix=NUMBER

// ISA: error: vitq-model-to-llvm: unknown int8-isa 'sse9' (avx512vnni, avx512bw, avx2 or empty)
// PREFIX: error: vitq-model-to-llvm: prefix '9lives' is not a C identifier
// CACHE: error: vitq-model-to-llvm: cache sizes must be positive
// NUMBER: for the --l1-bytes option: 'lots' value invalid for long argument!
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
