// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s

// @main is only declared.
// CHECK: {{.*}}compile-declaration.mlir:0:0: error: no model function 'main' to compile
func.func private @main(tensor<4xf32>) -> tensor<4xf32>
