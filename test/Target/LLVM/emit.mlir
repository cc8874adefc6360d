// RUN: vitq-translate --emit-llvmir --mcpu=x86-64 %s | FileCheck %s --check-prefix=IR
// RUN: vitq-translate --emit-asm --mcpu=x86-64 %s | FileCheck %s --check-prefix=GENERIC
// RUN: vitq-translate --emit-asm --mcpu=x86-64 --mattr=+avx512f,+avx512bw,+avx512vnni %s | FileCheck %s --check-prefix=VNNI
// RUN: vitq-translate --emit-obj --mcpu=x86-64 %s -o %t.o && llvm-nm %t.o | FileCheck %s --check-prefix=OBJ
// RUN: not vitq-translate --emit-obj --mcpu=nosuchcpu %s -o %t.bad 2>&1 | FileCheck %s --check-prefix=BADCPU
// RUN: not vitq-translate --emit-obj --mtriple=nosuch-arch-none %s -o %t.bad 2>&1 | FileCheck %s --check-prefix=BADTRIPLE
// RUN: not vitq-translate --emit-obj --mcpu=x86-64 --mattr=+avx512vnn %s -o %t.bad 2>&1 | FileCheck %s --check-prefix=BADATTR

// The optimised IR carries the target on the module and on each function.
// IR: target triple = "x86_64
// IR: define i32 @dot(
// IR: "target-cpu"="x86-64"

// 512-bit vectors use zmm registers only where the features allow them.
// GENERIC-LABEL: dot:
// GENERIC-NOT: zmm
// VNNI-LABEL: dot:
// VNNI: zmm

// OBJ: T dot

// BADCPU: error: unknown CPU 'nosuchcpu' for x86_64
// BADTRIPLE: error: No available targets are compatible with triple "nosuch-arch-none"
// BADATTR: error: unknown target feature 'avx512vnn' for x86_64

module {
  llvm.func @dot(%a: !llvm.ptr, %b: !llvm.ptr) -> i32 {
    %x = llvm.load %a : !llvm.ptr -> vector<16xi32>
    %y = llvm.load %b : !llvm.ptr -> vector<16xi32>
    %s = llvm.add %x, %y : vector<16xi32>
    %r = "llvm.intr.vector.reduce.add"(%s) : (vector<16xi32>) -> i32
    llvm.return %r : i32
  }
}
