// RUN: not vitq-opt %s --vitq-emit-model-interface --vitq-emit-model-interface 2>&1 | FileCheck %s

// The second run finds the entry point the first one made.
// CHECK: {{.*}}model-interface-twice.mlir:0:0: error: symbol 'vitq_model_run' already exists
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
