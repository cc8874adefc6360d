// RUN: not vitq-translate --emit-llvmir %s 2>&1 | FileCheck %s

// --emit-llvmir takes the LLVM dialect, not a model function.
// CHECK: {{.*}}translate-unlowered.mlir:[[@LINE+1]]:1: error: Dialect `func' not found for custom op 'func.func'
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
