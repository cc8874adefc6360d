// RUN: not vitq-opt %s 2>&1 | FileCheck %s

// Bytes that are no MLIR token (0xff 0xfe) inside a function.
// CHECK: {{.*}}binary-garbage.mlir:[[@LINE+2]]:3: error: unexpected character
func.func @main() {
  ÿþ return
}
