// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: {{.*}}compile-missing-callee.mlir:[[@LINE+1]]:8: error: 'func.call' op 'helper' does not reference a valid function
  %0 = func.call @helper(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
