// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// An already-bufferised argument.
// CHECK: {{.*}}compile-memref-input.mlir:[[@LINE+1]]:1: error: 'func.func' op input 0 has type 'memref<4xf32>'; the model interface takes static tensors of f32, f64, i8, i16, i32 or i64
func.func @main(%x: memref<4xf32>) -> tensor<4xf32> {
  %0 = bufferization.to_tensor %x : memref<4xf32> to tensor<4xf32>
  return %0 : tensor<4xf32>
}
