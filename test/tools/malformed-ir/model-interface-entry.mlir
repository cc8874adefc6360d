// RUN: not vitq-opt %s --vitq-emit-model-interface="entry=forward" 2>&1 | FileCheck %s

// The entry named by the option does not exist.
// CHECK: {{.*}}model-interface-entry.mlir:0:0: error: no model function 'forward' to compile
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
