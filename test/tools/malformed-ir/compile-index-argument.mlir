// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// A dynamic size passed as an index argument.
// CHECK: {{.*}}compile-index-argument.mlir:[[@LINE+1]]:1: error: 'func.func' op input 1 has type 'index'; the model interface takes static tensors of f32, f64, i8, i16, i32 or i64
func.func @main(%x: tensor<4xf32>, %n: index) -> tensor<4xf32> {
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %0 = vitq.softmax %e : tensor<?x4xf32> -> tensor<?x4xf32>
  return %x : tensor<4xf32>
}
