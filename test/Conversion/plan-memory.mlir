// RUN: vitq-opt %s --vitq-plan-memory --split-input-file --verify-diagnostics | FileCheck %s

// Three 256-byte buffers: %a dies when %c is made, so %c reuses its memory;
// %b overlaps both. The arena is 512 bytes, the metadata says so, and no
// allocation or deallocation is left.
// CHECK-LABEL: llvm.mlir.global external constant @vitq_model_metadata("vitq-model 1\0Aworkspace 512\0Aoutput f32 64 y\0A\00")
// CHECK-LABEL: func.func @vitq_model_run
// CHECK: %[[WS:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)> to memref<512xi8>
// CHECK: %[[O1:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[WS]][%[[O1]]][] : memref<512xi8> to memref<64xf32>
// CHECK: %[[O2:.*]] = arith.constant 256 : index
// CHECK-NEXT: memref.view %[[WS]][%[[O2]]][] : memref<512xi8> to memref<64xf32>
// CHECK: %[[O3:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %[[WS]][%[[O3]]][] : memref<512xi8> to memref<64xf32>
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.dealloc
// CHECK: return
module attributes {} {
  llvm.mlir.global external constant @vitq_model_metadata("vitq-model 1\0Aworkspace 0\0Aoutput f32 64 y\0A\00") {addr_space = 0 : i32}
  // expected-remark @below {{activation arena: 512 bytes for 3 buffers (768 bytes without reuse)}}
  func.func @vitq_model_run(%in: !llvm.ptr, %out: !llvm.ptr, %ws: !llvm.ptr) -> i32 {
    %f = arith.constant 1.0 : f32
    %a = memref.alloc() : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%a : memref<64xf32>)
    %b = memref.alloc() : memref<64xf32>
    linalg.copy ins(%a : memref<64xf32>) outs(%b : memref<64xf32>)
    %c = memref.alloc() : memref<64xf32>
    linalg.copy ins(%b : memref<64xf32>) outs(%c : memref<64xf32>)
    %v = memref.subview %c[0] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1]>>
    linalg.fill ins(%f : f32) outs(%v : memref<32xf32, strided<[1]>>)
    memref.dealloc %a : memref<64xf32>
    memref.dealloc %b : memref<64xf32>
    memref.dealloc %c : memref<64xf32>
    %ok = arith.constant 0 : i32
    return %ok : i32
  }
}

// -----

// A buffer used through a view stays alive until the view's last use, and
// allocations that are not freed in the entry block keep their allocator.
// CHECK-LABEL: func.func @vitq_model_run
// CHECK: memref.alloc() : memref<8xf32>
module {
  llvm.mlir.global external constant @vitq_model_metadata("vitq-model 1\0Aworkspace 0\0A\00") {addr_space = 0 : i32}
  // expected-remark @below {{activation arena: 0 bytes for 0 buffers (0 bytes without reuse)}}
  func.func @vitq_model_run(%in: !llvm.ptr, %out: !llvm.ptr, %ws: !llvm.ptr) -> i32 {
    %a = memref.alloc() : memref<8xf32>
    %ok = arith.constant 0 : i32
    return %ok : i32
  }
}

// -----

// A view keeps its buffer alive: %b and %c are made after %a's last direct
// use but while the view of %a is still written, so neither shares %a's
// memory; %c starts after %b's last use and reuses %b's.
// CHECK-LABEL: func.func @vitq_model_run
// CHECK: %[[OA:.*]] = arith.constant 0 : index
// CHECK-NEXT: memref.view %{{.*}}[%[[OA]]][] : memref<512xi8> to memref<64xf32>
// CHECK: %[[OB:.*]] = arith.constant 256 : index
// CHECK-NEXT: memref.view %{{.*}}[%[[OB]]][] : memref<512xi8> to memref<64xf32>
// CHECK: %[[OC:.*]] = arith.constant 256 : index
// CHECK-NEXT: memref.view %{{.*}}[%[[OC]]][] : memref<512xi8> to memref<64xf32>
module {
  llvm.mlir.global external constant @vitq_model_metadata("vitq-model 1\0Aworkspace 0\0A\00") {addr_space = 0 : i32}
  // expected-remark @below {{activation arena: 512 bytes for 3 buffers (768 bytes without reuse)}}
  func.func @vitq_model_run(%in: !llvm.ptr, %out: !llvm.ptr, %ws: !llvm.ptr) -> i32 {
    %f = arith.constant 1.0 : f32
    %a = memref.alloc() : memref<64xf32>
    %v = memref.subview %a[0] [32] [1] : memref<64xf32> to memref<32xf32, strided<[1]>>
    %b = memref.alloc() : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%b : memref<64xf32>)
    %c = memref.alloc() : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%c : memref<64xf32>)
    linalg.fill ins(%f : f32) outs(%v : memref<32xf32, strided<[1]>>)
    memref.dealloc %a : memref<64xf32>
    memref.dealloc %b : memref<64xf32>
    memref.dealloc %c : memref<64xf32>
    %ok = arith.constant 0 : i32
    return %ok : i32
  }
}

// -----

// Memory that escapes into a non-view value (here a select) has no known
// lifetime: both buffers keep their allocator.
// CHECK-LABEL: func.func @vitq_model_run
// CHECK: memref.alloc() : memref<64xf32>
// CHECK: memref.alloc() : memref<64xf32>
// CHECK-NOT: memref.view
module {
  llvm.mlir.global external constant @vitq_model_metadata("vitq-model 1\0Aworkspace 0\0A\00") {addr_space = 0 : i32}
  // expected-remark @below {{activation arena: 0 bytes for 0 buffers (0 bytes without reuse)}}
  func.func @vitq_model_run(%in: !llvm.ptr, %out: !llvm.ptr, %ws: !llvm.ptr) -> i32 {
    %f = arith.constant 1.0 : f32
    %cond = arith.constant true
    %a = memref.alloc() : memref<64xf32>
    %b = memref.alloc() : memref<64xf32>
    %s = arith.select %cond, %a, %b : memref<64xf32>
    linalg.fill ins(%f : f32) outs(%s : memref<64xf32>)
    memref.dealloc %a : memref<64xf32>
    memref.dealloc %b : memref<64xf32>
    %ok = arith.constant 0 : i32
    return %ok : i32
  }
}

// -----

// Planning twice would reset the workspace size: an error.
module attributes {vitq.workspace_bytes = 512 : i64} {
  llvm.mlir.global external constant @vitq_model_metadata("vitq-model 1\0Aworkspace 512\0A\00") {addr_space = 0 : i32}
  // expected-error @below {{the model's memory is already planned}}
  func.func @vitq_model_run(%in: !llvm.ptr, %out: !llvm.ptr, %ws: !llvm.ptr) -> i32 {
    %ok = arith.constant 0 : i32
    return %ok : i32
  }
}
