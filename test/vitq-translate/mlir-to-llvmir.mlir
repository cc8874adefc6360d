// RUN: vitq-translate --mlir-to-llvmir %s | FileCheck %s
// RUN: vitq-translate --help | FileCheck %s --check-prefix=HELP

// The translation driver turns lowered (LLVM dialect) modules into LLVM IR.

// HELP: vitq translation driver
// HELP: --mlir-to-llvmir

// CHECK-LABEL: define i32 @requantize_scalar
// CHECK: mul i64
// CHECK: ashr i64
llvm.func @requantize_scalar(%x: i32) -> i32 {
  %m = llvm.mlir.constant(1518500250 : i64) : i64
  %r = llvm.mlir.constant(137438953472 : i64) : i64
  %s = llvm.mlir.constant(38 : i64) : i64
  %0 = llvm.sext %x : i32 to i64
  %1 = llvm.mul %0, %m : i64
  %2 = llvm.add %1, %r : i64
  %3 = llvm.ashr %2, %s : i64
  %4 = llvm.trunc %3 : i64 to i32
  llvm.return %4 : i32
}
