// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// CHECK: {{.*}}compile-bf16-input.mlir:[[@LINE+1]]:1: error: 'func.func' op input 0 has type 'tensor<4xbf16>'; the model interface takes static tensors of f32, f64, i8, i16, i32 or i64
func.func @main(%x: tensor<4xbf16>) -> tensor<4xbf16> {
  return %x : tensor<4xbf16>
}
