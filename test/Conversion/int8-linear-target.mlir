// Without options, vitq-int8-linear takes the instruction set and cache
// sizes from the target the module describes (llvm.target features and the
// DLTI "CPU" device's L1/L2): here AVX2 and a 4 KiB L1, which shrinks the
// k tile; without a target there are no kernels.
// RUN: vitq-opt %s --split-input-file --mlir-print-op-on-diagnostic=false --convert-vitq-to-linalg --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" --vitq-int8-linear="remark=true" -o /dev/null 2>&1 | FileCheck %s

// CHECK: remark: avx2 kernel: M=4 K=512 N=32, register block 4x16, k tile 128, row tile 4
module attributes {
  llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+fma"]>>,
  dlti.target_system_spec = #dlti.target_system_spec<"CPU" = #dlti.target_device_spec<"L1_cache_size_in_bytes" = 4096 : i64, "L2_cache_size_in_bytes" = 262144 : i64>>
} {
  func.func @linear(%x: tensor<4x512xi8>) -> tensor<4x32xi32> {
    %w = arith.constant dense<1> : tensor<512x32xi8>
    %y = vitq.linear %x, %w : (tensor<4x512xi8>, tensor<512x32xi8>) -> tensor<4x32xi32>
    return %y : tensor<4x32xi32>
  }
}

// -----

// CHECK-NOT: kernel
module {
  func.func @linear(%x: tensor<4x512xi8>) -> tensor<4x32xi32> {
    %w = arith.constant dense<1> : tensor<512x32xi8>
    %y = vitq.linear %x, %w : (tensor<4x512xi8>, tensor<512x32xi8>) -> tensor<4x32xi32>
    return %y : tensor<4x32xi32>
  }
}
