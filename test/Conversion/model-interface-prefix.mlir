// RUN: vitq-opt %s --vitq-emit-model-interface="prefix=digits entry=forward" | FileCheck %s

// CHECK: func.func private @forward
// CHECK: llvm.mlir.global external constant @digits_metadata("vitq-model 2\0Aworkspace 0\0Ainput f32 2 input0\0Aoutput f32 2 output0\0A\00")
// CHECK: func.func @digits_run
func.func @forward(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
