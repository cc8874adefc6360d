// RUN: not vitq-translate --mlir-to-llvmir %s 2>&1 | FileCheck %s

// A module that is not lowered yet cannot be translated; the error locates it.
// CHECK: not-lowered.mlir:5:1: error: cannot be converted to LLVM IR: {{.*}} for op: func.func
func.func @not_lowered(%x: tensor<4xi32>) -> tensor<4xi32> {
  return %x : tensor<4xi32>
}
