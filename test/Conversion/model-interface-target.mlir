// The metadata requires the CPU features of the target the module carries
// (those vitq/cpu.h lists, in its order; cx16 is not one of them).
// RUN: vitq-opt %s --vitq-emit-model-interface | FileCheck %s

// CHECK: llvm.mlir.global external constant @vitq_model_metadata("vitq-model 2\0Aworkspace 0\0Arequires fma,sse4.2,avx2\0Ainput f32 4 input0\0Aoutput f32 4 output0\0A\00")
module attributes {llvm.target = #llvm.target<triple = "x86_64-unknown-linux-gnu", chip = "haswell", features = #llvm.target_features<["+avx2", "+cx16", "+fma", "+sse4.2"]>>} {
  func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
}
