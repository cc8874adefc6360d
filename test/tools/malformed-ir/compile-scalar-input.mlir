// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// A bare f32 argument rather than a tensor.
// CHECK: {{.*}}compile-scalar-input.mlir:[[@LINE+1]]:1: error: 'func.func' op input 0 has type 'f32'; the model interface takes static tensors of f32, f64, i8, i16, i32 or i64
func.func @main(%x: f32) -> tensor<4xf32> {
  %0 = tensor.splat %x : tensor<4xf32>
  return %0 : tensor<4xf32>
}
