// RUN: vitq-opt %s --split-input-file --vitq-split-loop-nests | FileCheck %s

// A large parallel nest of a model that calls the kernel library takes
// (task, tasks) and runs the task-th range of its outermost dimension with
// at least 16 iterations (not the innermost); its call runs piece 0 of 1.
// CHECK-LABEL: func.func private @run_nest0_tasks(
// CHECK-SAME: %[[IN:.*]]: memref<1x197x192xi8>, %[[OUT:.*]]: memref<1x197x192xi8>, %[[TASK:.*]]: i64, %[[TASKS:.*]]: i64)
// Piece `task` is [task * 197 / tasks, (task + 1) * 197 / tasks).
// CHECK: %[[N:c197_[0-9]+]] = arith.constant 197 : index
// CHECK-NEXT: %[[TASKSI:.*]] = arith.index_cast %[[TASKS]] : i64 to index
// CHECK-NEXT: %[[TASKI:.*]] = arith.index_cast %[[TASK]] : i64 to index
// CHECK-NEXT: %[[FIRST:.*]] = arith.muli %[[TASKI]], %[[N]]
// CHECK-NEXT: %[[BEGIN:.*]] = arith.divui %[[FIRST]], %[[TASKSI]]
// CHECK: %[[NEXT:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[LAST:.*]] = arith.muli %[[NEXT]], %[[N]]
// CHECK-NEXT: %[[END:.*]] = arith.divui %[[LAST]], %[[TASKSI]]
// CHECK: %[[LB:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: %[[UB:.*]] = arith.addi %{{.*}}, %{{.*}} : index
// CHECK: scf.parallel (%{{.*}}, %{{.*}}, %{{.*}}) = (%{{.*}}, %[[LB]], %{{.*}}) to (%{{.*}}, %[[UB]], %{{.*}})
// CHECK-LABEL: func.func @run(
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[ONE:.*]] = arith.constant 1 : i64
// CHECK: call @run_nest0_tasks(%{{.*}}, %{{.*}}, %[[ZERO]], %[[ONE]])
func.func private @vitq_kernel_linear_i8_call()
func.func private @run_nest0(%in: memref<1x197x192xi8>, %out: memref<1x197x192xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c197 = arith.constant 197 : index
  %c192 = arith.constant 192 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c1, %c197, %c192) step (%c1, %c1, %c1) {
    %v = memref.load %in[%i, %j, %k] : memref<1x197x192xi8>
    memref.store %v, %out[%i, %j, %k] : memref<1x197x192xi8>
    scf.reduce
  }
  return
}
func.func @run(%in: memref<1x197x192xi8>, %out: memref<1x197x192xi8>) {
  call @run_nest0(%in, %out) : (memref<1x197x192xi8>, memref<1x197x192xi8>) -> ()
  return
}

// -----

// Too small (17 x 64 elements), or a model without kernel calls: untouched.
// CHECK-LABEL: func.func private @small_nest0(
// CHECK-NOT: i64
func.func private @vitq_kernel_linear_i8_call()
func.func private @small_nest0(%in: memref<17x64xi8>, %out: memref<17x64xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c17 = arith.constant 17 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c17, %c64) step (%c1, %c1) {
    %v = memref.load %in[%i, %j] : memref<17x64xi8>
    memref.store %v, %out[%i, %j] : memref<17x64xi8>
    scf.reduce
  }
  return
}

// -----

// CHECK-LABEL: func.func private @nokernels_nest0(
// CHECK-SAME: %{{.*}}: memref<1x197x192xi8>, %{{.*}}: memref<1x197x192xi8>) {
func.func private @nokernels_nest0(%in: memref<1x197x192xi8>, %out: memref<1x197x192xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c197 = arith.constant 197 : index
  %c192 = arith.constant 192 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c1, %c197, %c192) step (%c1, %c1, %c1) {
    %v = memref.load %in[%i, %j, %k] : memref<1x197x192xi8>
    memref.store %v, %out[%i, %j, %k] : memref<1x197x192xi8>
    scf.reduce
  }
  return
}
