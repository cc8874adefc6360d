//===- Passes.td - vitq transformation passes --------------*- tablegen -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_TRANSFORMS_PASSES_TD
#define VITQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def VitqLegalizeNonlinear : Pass<"vitq-legalize-nonlinear"> {
  let summary = "Replace quantized softmax/GELU/LayerNorm by their I-ViT integer forms";
  let description = [{
    Rewrites the float-semantic non-linear ops on quantized tensors into the
    integer-only ops of I-ViT, choosing every constant from the quantization
    parameters of their input and result types:

    - `vitq.softmax` -> `vitq.shiftmax` to int16 at scale 2^-15, then one
      `vitq.requantize` to the declared result type (or the 8-bit form
      directly when the result is int8 at scale 2^-7 with zero point 0);
    - `vitq.gelu` -> `vitq.shiftgelu` with the rescale from `s_in * 2^-15`
      to the result scale;
    - `vitq.layernorm` -> `vitq.ilayernorm` with gamma folded into a
      per-channel rescale and beta into an integer bias.

    `x0 = -round(1 / s_in)`, and `exp_shift` is the largest value <= 30
    with `|x0| * 2^exp_shift` inside 31 bits. LayerNorm's epsilon becomes
    the `variance_offset` `N * epsilon / s_in^2`. Softmax and LayerNorm must
    normalise the last dimension; quantized types must be per tensor.
    Anything else is a located error. Float ops are left alone. The
    constants are documented in `docs/integer-semantics.md`.
  }];
}

def VitqVerifyIntegerOnly : Pass<"vitq-verify-integer-only", "::mlir::ModuleOp"> {
  let summary = "Fail on any float computation between quantize and dequantize";
  let description = [{
    Checks that every value between the first `vitq.quantize` and the last
    `vitq.dequantize` is an integer: an op that takes or produces floats on
    data flowing from a quantize to a dequantize (a float island), or a
    float-semantic vitq op (`vitq.softmax`, `vitq.gelu`, `vitq.layernorm`)
    on quantized tensors, is reported with its location (and ONNX node
    name) and the pass fails. Float parameters of such ops do not make an
    op float by themselves; float computation before the first quantize or
    after the last dequantize is allowed. The IR is not changed.
  }];
}

#endif // VITQ_TRANSFORMS_PASSES_TD
