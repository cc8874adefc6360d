// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// CHECK: {{.*}}compile-i1-result.mlir:[[@LINE+1]]:1: error: 'func.func' op result 0 has type 'tensor<4xi1>'; the model interface takes static tensors of f32, f64, i8, i16, i32 or i64
func.func @main(%x: tensor<4xf32>) -> tensor<4xi1> {
  %0 = arith.cmpf ogt, %x, %x : tensor<4xf32>
  return %0 : tensor<4xi1>
}
