// The L2 size of the module's target description (DLTI's "CPU" device)
// reaches every kernel call as its l2_bytes; without one the calls pass 0
// (the running CPU's L2).
// RUN: vitq-opt %s --split-input-file --vitq-lower-kernel-calls | FileCheck %s

// CHECK-LABEL: func.func @given
// CHECK: %[[L2:.*]] = arith.constant 3145728 : i64
// CHECK: call @vitq_kernel_linear_f32_call({{.*}}, %[[L2]])
// CHECK: %[[L2B:.*]] = arith.constant 3145728 : i64
// CHECK: call @vitq_kernel_matmul_f32_call({{.*}}, %[[L2B]])
module attributes {
  llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "x86-64", features = #llvm.target_features<[]>>,
  dlti.target_system_spec = #dlti.target_system_spec<"CPU" = #dlti.target_device_spec<"L2_cache_size_in_bytes" = 3145728 : i64>>
} {
  memref.global "private" constant @packed : memref<192xi8> = dense<0>
  func.func @given(%x: memref<2x3xf32>, %y: memref<2x2xf32>, %a: memref<2x3x4xf32>, %b: memref<2x4x5xf32>, %c: memref<2x3x5xf32>) {
    %p = memref.get_global @packed : memref<192xi8>
    vitq.packed_linear ins(%x, %p : memref<2x3xf32>, memref<192xi8>) outs(%y : memref<2x2xf32>)
    vitq.kernel_matmul ins(%a, %b : memref<2x3x4xf32>, memref<2x4x5xf32>) outs(%c : memref<2x3x5xf32>)
    return
  }
}

// -----

// CHECK-LABEL: func.func @derived
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: call @vitq_kernel_linear_f32_call({{.*}}, %[[ZERO]])
module {
  memref.global "private" constant @packed : memref<192xi8> = dense<0>
  func.func @derived(%x: memref<2x3xf32>, %y: memref<2x2xf32>) {
    %p = memref.get_global @packed : memref<192xi8>
    vitq.packed_linear ins(%x, %p : memref<2x3xf32>, memref<192xi8>) outs(%y : memref<2x2xf32>)
    return
  }
}
