//===- Passes.td - vitq transformation passes --------------*- tablegen -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_TRANSFORMS_PASSES_TD
#define VITQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def VitqFuseRequant : Pass<"vitq-fuse-requant"> {
  let summary = "Fold requantisation, zero points and biases into integer epilogues";
  let description = [{
    Moves rescaling work into the int32 epilogues of `vitq.linear` and
    `vitq.conv2d` so each tensor is rounded once:

    - `vitq.quantize(vitq.dequantize(x))` with different per-tensor
      parameters becomes one `vitq.requantize` of the storage integers;
    - a `vitq.requantize` of an accumulator-only linear/conv2d becomes the
      op's fused rescale and output zero point (exact);
    - a constant-weight linear's input zero point moves into its int32 bias,
      `bias - zp * sum_k w` (exact), which keeps zero-point handling out of
      the inner loop;
    - a `vitq.add` of a rescaled linear/conv2d and a per-channel constant (a
      bias added after requantisation, as QDQ exports write it) folds the
      constant into the int32 bias and the add's factor into the rescale;

    - a `vitq.add` operand produced by a per-tensor `vitq.requantize` of
      int8/int16 data takes the requantize's factor into its multiplier, so
      both rescale factors of a residual add live in the add and the
      residual stream (int16 in I-ViT) is rounded once.

    The last two remove an intermediate rounding and saturation, so results
    can differ from the unfused IR by an output step; they are closer to the
    float model.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::quant::QuantDialect"];
}

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

def VitqCheckOverflow : Pass<"vitq-check-overflow"> {
  let summary = "Prove that no fixed-width integer intermediate can overflow";
  let description = [{
    Bounds every intermediate that the integer semantics of the vitq ops
    compute in a fixed-width register: the int32 operand differences,
    products and accumulators (bias included) of `vitq.matmul`,
    `vitq.linear` and `vitq.conv2d`, and the 64-bit products, sums, shifted
    exponentials, squares and Newton steps of `vitq.requantize`, `vitq.add`,
    `vitq.shiftmax`, `vitq.shiftgelu` and `vitq.ilayernorm`. Bounds follow
    from the operands' bit widths (or, for constants such as weights and
    biases, their exact values, per output column), the reduction lengths
    and the ops' attributes. Results that the semantics saturate (int8 and
    int16 outputs) are bounded by their type. An intermediate whose bound
    does not fit its width is a located error naming it, its range and how
    the range arises, and the pass fails. With `remarks`, every proven
    bound is reported too. The IR is not changed.
  }];
  let options = [
    Option<"remarks", "remarks", "bool", /*default=*/"false",
           "Emit a remark with the proven bounds of every checked op">
  ];
}

def VitqCopiesToLinalg : Pass<"vitq-copies-to-linalg"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    `memref.copy` between non-contiguous memrefs lowers to a call of
    `memrefCopy` from MLIR's C runner utilities, a library a compiled model
    must not need. As `linalg.copy` it becomes plain loops (or a vector copy)
    with the rest of the model.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def VitqApproximateMath : Pass<"vitq-approximate-math"> {
  let summary = "f32 erf, exp and tanh as polynomials instead of libm calls";
  let description = [{
    A float model's GELU (erf or tanh) and softmax (exp) otherwise become
    one scalar libm call per element, which also keeps LLVM from
    vectorising their loops. This pass replaces `math.erf`, `math.exp` and
    `math.tanh` on `f32` (scalars or vectors) by MLIR's polynomial
    approximations (range reduction plus minimax polynomials, a few ulp off
    the correctly rounded value), made of arithmetic the loops vectorise.
    Integer-only models have none of these ops.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def VitqSplitLoopNests : Pass<"vitq-split-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Let the large outlined parallel loop nests run in pieces";
  let description = [{
    In a model that calls the kernel library (whose threads then run it), an
    outlined loop nest (`vitq-outline-loop-nests`) whose outer loop is an
    `scf.parallel` with static bounds and at least `min-iterations`
    iterations in all gets two trailing `i64` arguments, `task` and `tasks`:
    it then runs only the `task`-th of `tasks` equal ranges of one parallel
    dimension (the outermost with at least 16 iterations; the innermost of
    several, along which the code is vectorised, never). It is renamed `<name>_tasks` and its calls pass
    0 and 1 (the whole range); `vitq-dispatch-loop-nests` later hands them
    to the library's threads. Each piece computes whole rows of the same
    outputs in the same order, so the results do not depend on the count.
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", /*default=*/"16384",
           "Smallest total iteration count worth splitting">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::func::FuncDialect",
    "::mlir::scf::SCFDialect"
  ];
}

def VitqDispatchLoopNests
    : Pass<"vitq-dispatch-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Run the split loop nests on the kernel library's threads";
  let description = [{
    On the LLVM dialect: each call of a `<name>_tasks` function (see
    `vitq-split-loop-nests`) becomes a call of
    `vitq_kernels_parallel_nest(trampoline, context)`: the arguments are
    stored in a stack structure, and a trampoline `(context, task, tasks)`
    loads them and calls the nest with its piece.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def VitqProfileLayers : Pass<"vitq-profile-layers", "::mlir::ModuleOp"> {
  let summary = "Time every loop nest and kernel call of a model, when asked";
  let description = [{
    After the loop nests are outlined, `<prefix>_run` is a sequence of calls:
    one per loop nest and one per kernel-library contraction. Each becomes a
    layer of the model's profile: its ONNX node (the `NameLoc` of the call),
    its kind (the vitq op it was lowered from, or the kernel), the
    multiply-adds it performs and the bytes its operands span. The pass
    writes them as the string `<prefix>_profile_layers` (one line per layer:
    name, kind, multiply-adds, bytes, tab-separated), adds the counters
    `<prefix>_profile_counters` (nanoseconds and calls per layer) and the
    switch `<prefix>_profile_enabled`, and brackets every call with a
    clock read that runs only while the switch is on (one load and one
    branch per layer when it is off). The runtime reads them
    (`vitq_model_profile_*`, `vitq-run --profile`).
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"vitq_model\"",
           "The symbol prefix of the model (`<prefix>_run`)">
  ];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::arith::ArithDialect"
  ];
}

def VitqOutlineLoopNests : Pass<"vitq-outline-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Move each top-level loop nest of a function into its own function";
  let description = [{
    After bufferisation and the lowering of linalg to loops, a model is one
    function holding hundreds of loop nests. LLVM's loop passes and register
    allocation grow faster than linearly with function size, so every
    `scf.for` at the top level of a function body moves into a private
    function of its own (the values it uses become arguments, index
    constants are cloned) marked `noinline`, and is called in its place.
    The outlined functions are named `<function>_nest<N>`; `scf.parallel`
    nests (the parallel dimensions of linalg ops) are outlined the same way.
  }];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::scf::SCFDialect"
  ];
}

#endif // VITQ_TRANSFORMS_PASSES_TD
