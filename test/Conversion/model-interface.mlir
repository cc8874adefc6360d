// RUN: vitq-opt %s --vitq-emit-model-interface --split-input-file --verify-diagnostics | FileCheck %s

// The entry point reads buffer pointers from the two arrays, views them as
// static memrefs (the outputs before the call, so bufferisation can compute
// into them) and calls the (now private) model function; outputs are
// materialised in the caller's buffers. The metadata names every tensor.
// Other functions become private.
// CHECK-LABEL: func.func private @helper
// CHECK-LABEL: func.func private @main
// CHECK: llvm.mlir.global external constant @vitq_model_metadata("vitq-model 2\0Aworkspace 0\0Ainput f32 1x4 pixels\0Ainput i8 scalar input1\0Aoutput f32 1x2 logits\0A\00")
// CHECK-LABEL: func.func @vitq_model_run(%arg0: !llvm.ptr, %arg1: !llvm.ptr, %arg2: !llvm.ptr) -> i32
// CHECK: %[[P0:.*]] = llvm.getelementptr %arg0[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[M0:.*]] = builtin.unrealized_conversion_cast %{{.*}} : !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)> to memref<1x4xf32>
// CHECK: %[[T0:.*]] = bufferization.to_tensor %[[M0]] restrict : memref<1x4xf32> to tensor<1x4xf32>
// CHECK: llvm.getelementptr %arg0[1]
// CHECK: %[[T1:.*]] = bufferization.to_tensor %{{.*}} restrict : memref<i8> to tensor<i8>
// CHECK: llvm.getelementptr %arg1[0]
// CHECK: %[[O:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<1x2xf32>
// CHECK: %[[R:.*]] = call @main(%[[T0]], %[[T1]])
// CHECK: bufferization.materialize_in_destination %[[R]] in restrict writable %[[O]] : (tensor<1x2xf32>, memref<1x2xf32>) -> ()
// CHECK: return %{{.*}} : i32
func.func @helper(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  return %x : tensor<1x4xf32>
}
func.func @main(%x: tensor<1x4xf32> {vitq.onnx_name = "pixels"}, %y: tensor<i8>)
    -> (tensor<1x2xf32> {vitq.onnx_name = "logits"}) {
  %0 = tensor.extract_slice %x[0, 0] [1, 2] [1, 1] : tensor<1x4xf32> to tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}

// -----

// expected-error @below {{no model function 'main' to compile}}
module {
  func.func @other(%x: tensor<2xf32>) -> tensor<2xf32> {
    return %x : tensor<2xf32>
  }
}

// -----

// expected-error @below {{'func.func' op input 0 has type 'tensor<?x4xf32>'; the model interface takes static tensors of f32, f64, i8, i16, i32 or i64}}
func.func @main(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %x : tensor<?x4xf32>
}

// -----

// expected-error @below {{'func.func' op result 0 has type 'tensor<4x!quant.uniform<i8:f32, 1.000000e-01>>'}}
func.func @main(%x: tensor<4xf32>) -> tensor<4x!quant.uniform<i8:f32, 0.1>> {
  %0 = vitq.quantize %x : tensor<4xf32> -> tensor<4x!quant.uniform<i8:f32, 0.1>>
  return %0 : tensor<4x!quant.uniform<i8:f32, 0.1>>
}

// -----

// expected-error @below {{'func.func' op the model function has no results}}
func.func @main(%x: tensor<4xf32>) {
  return
}
