// RUN: not vitq-compile %s -o %t.so --quiet --symbol-prefix=net 2>&1 | FileCheck %s

// A global already takes the name of the metadata for --symbol-prefix=net.
// CHECK: {{.*}}compile-prefix-clash.mlir:0:0: error: symbol 'net_metadata' already exists
llvm.mlir.global external constant @net_metadata("x\00")
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
