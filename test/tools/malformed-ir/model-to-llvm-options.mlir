// Bad --vitq-model-to-llvm pipeline options: one error each, before any work.
// RUN: not vitq-opt %s --vitq-model-to-llvm="prefix=9lives" 2>&1 | FileCheck %s --check-prefix=PREFIX
// RUN: not vitq-opt %s --vitq-model-to-llvm="remarks=sometimes" 2>&1 | FileCheck %s --check-prefix=BOOL
// RUN: not vitq-opt %s --vitq-model-to-llvm="int8-isa=avx2" 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// PREFIX: error: vitq-model-to-llvm: prefix '9lives' is not a C identifier
// BOOL: for the --remarks option: 'sometimes' is invalid value for boolean argument!
// UNKNOWN: no such option int8-isa
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
