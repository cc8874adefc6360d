// RUN: not vitq-compile %s -o %t.so --quiet 2>&1 | FileCheck %s
// RUN: not ls %t.so

// A file of comments only: an empty module, with nothing to compile.
// CHECK: {{.*}}compile-empty.mlir:0:0: error: no model function 'main' to compile
