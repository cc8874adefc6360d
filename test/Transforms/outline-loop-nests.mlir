// RUN: vitq-opt %s --vitq-outline-loop-nests | FileCheck %s

// Each top-level loop nest becomes an internal, noinline function that the
// original function calls in its place; the values it uses from outside
// become arguments.
// CHECK: func.func private @two_nests_nest0(%{{.*}}: memref<4xf32>, %{{.*}}: f32, %{{.*}}: memref<4xf32>, {{.*}}) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: scf.for
// CHECK: arith.mulf
// CHECK: func.func private @two_nests_nest1(%{{.*}}: memref<4xf32>, {{.*}}) attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"]}
// CHECK: arith.addf
// CHECK-LABEL: func.func @two_nests(%arg0: memref<4xf32>, %arg1: memref<4xf32>)
// CHECK-NOT: scf.for
// CHECK: call @two_nests_nest0(%arg0, %{{.*}}, %arg1, {{.*}})
// CHECK-NEXT: call @two_nests_nest1(%arg1, {{.*}})
// CHECK-NEXT: return
func.func @two_nests(%in: memref<4xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %two = arith.constant 2.0 : f32
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %in[%i] : memref<4xf32>
    %y = arith.mulf %x, %two : f32
    memref.store %y, %out[%i] : memref<4xf32>
  }
  scf.for %i = %c0 to %c4 step %c1 {
    %x = memref.load %out[%i] : memref<4xf32>
    %y = arith.addf %x, %x : f32
    memref.store %y, %out[%i] : memref<4xf32>
  }
  return
}
