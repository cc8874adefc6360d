//===- Passes.td - vitq conversion passes ------------------*- tablegen -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_CONVERSION_PASSES_TD
#define VITQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertVitqToLinalg : Pass<"convert-vitq-to-linalg"> {
  let summary = "Expand vitq ops into linalg, tensor, arith and math ops";
  let description = [{
    Replaces every vitq op by upstream ops that compute exactly the semantics
    of `docs/integer-semantics.md`: contractions and convolutions become
    `linalg.generic` reductions with int32 accumulators, rescales and the
    I-ViT non-linears (`vitq.shiftmax`, `vitq.shiftgelu`,
    `vitq.ilayernorm`) become integer `linalg.generic` sequences over 64-bit
    intermediates (shifts, adds, multiplies and one divide per row), and
    `vitq.quantize` / `vitq.dequantize` become the float arithmetic of ONNX
    QuantizeLinear / DequantizeLinear. Quantized tensor types are replaced by
    their storage types and `quant.scast` disappears.

    The float-semantic ops (`vitq.softmax`, `vitq.gelu`, `vitq.layernorm`)
    are lowered when their tensors are float (FP32 models); on quantized
    tensors they are an error: run `vitq-legalize-nonlinear` first.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def VitqEmitModelInterface : Pass<"vitq-emit-model-interface", "ModuleOp"> {
  let summary = "Give the model function the C entry point of the vitq runtime";
  let description = [{
    Turns the model function (`entry`, by default `main`: static-shaped
    tensor arguments and results) into what a compiled model exports for the
    runtime (`docs/runtime.md`):

    - `<prefix>_run(void *const *inputs, void *const *outputs, void
      *workspace) -> i32`: reads each input from and writes each output to
      caller-owned dense row-major buffers, returns 0;
    - `<prefix>_metadata`: a NUL-terminated text description of the
      interface (ABI version, workspace size, and one line per input and
      output with element type, shape and ONNX name).

    Runs on tensors, before bufferisation: buffers enter as memrefs cast
    from LLVM descriptors, so one-shot bufferisation writes outputs in
    place. The model function becomes private, to be inlined.
  }];
  let options = [
    Option<"entry", "entry", "std::string", /*default=*/"\"main\"",
           "Name of the model function">,
    Option<"prefix", "prefix", "std::string", /*default=*/"\"vitq_model\"",
           "Prefix of the exported symbols">
  ];
  let dependentDialects = [
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::LLVM::LLVMDialect"
  ];
}

def VitqContractionLoopOrder : Pass<"vitq-contraction-loop-order"> {
  let summary = "Loop over n innermost in float matmuls whose rhs is [k, n]";
  let description = [{
    `linalg.matmul` and `linalg.batch_matmul` (the importer's float MatMul)
    loop `m, n, k` with the reduction innermost, which walks a `[k, n]` rhs
    with a stride of `N`. This pass rewrites them as `linalg.generic` looping
    `m, k, n`, so the innermost loop reads the rhs row and updates the output
    row contiguously and LLVM vectorises it, as `convert-vitq-to-linalg` does
    for the integer contractions. Matmuls with other indexing maps are left
    alone.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def VitqUseKernels : Pass<"vitq-use-kernels", "ModuleOp"> {
  let summary = "int8 contractions onto the kernel library's ops";
  let description = [{
    Rewrites the int8 contractions with static shapes into the ops that
    become calls of the kernel library (`runtime/include/vitq/kernels.h`):

    - `vitq.linear` with a constant weight into `vitq.packed_linear`, the
      weight packed at compile time in the kernels' layout, the bias,
      rescale and zero points as its operands and attributes;
    - ungrouped `vitq.conv2d` with a constant weight into im2col (one
      `linalg.generic` gathering the, possibly padded, input into rows of
      `C * KH * KW`) and `vitq.packed_linear`, the result transposed back
      to NCHW;
    - `vitq.matmul` (both operands computed at run time, as in attention)
      into `vitq.kernel_matmul`, whose right operand the library packs at
      run time.

    `vitq-lower-kernel-calls` turns them into calls after bufferisation, and
    vitq-compile links the library into the model.

    Runs only where kernels exist: for a module whose `llvm.target` is
    x86-64 (vitq/Support/Target.h), or with `force`.
  }];
  let options = [
    Option<"force", "force", "bool", /*default=*/"false",
           "Use the kernels whatever the target">
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def VitqLowerKernelCalls : Pass<"vitq-lower-kernel-calls", "ModuleOp"> {
  let summary = "Bufferised kernel ops as calls of the kernel library";
  let description = [{
    Replaces each `vitq.packed_linear` and `vitq.kernel_matmul` on memrefs
    by a call of the kernel library's entry point for it
    (`vitq_kernel_{linear,matmul}_{i8,f32}_call`, which picks the kernel of
    the CPU's instruction set at run time) with raw pointers, row counts and
    strides, the rescale as constant arrays of per-column multipliers and
    shifts, and for matmuls a workspace for the run-time packing. Operands whose rows are not evenly
    strided go through a contiguous copy. The L2 size of the module's target
    description (DLTI, `vitq/Support/Target.h`), when it names one, is what
    the kernels size their weight panels for; otherwise the running CPU's.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def VitqPlanMemory : Pass<"vitq-plan-memory", "ModuleOp"> {
  let summary = "Place the model's activations in one reused workspace arena";
  let description = [{
    After bufferisation and buffer deallocation, the model's entry point
    (`<prefix>_run`, see `vitq-emit-model-interface`) allocates every
    intermediate buffer with `memref.alloc` and frees it after its last use.
    This pass replaces each such allocation at the top level of the entry
    point by a `memref.view` into the `workspace` argument at a fixed offset:
    buffers whose lifetimes (allocation to the last use through the buffer
    or any view of it) overlap get disjoint 64-byte aligned ranges, and
    buffers that are never alive together share memory. A buffer whose
    memory escapes into a value that is not a view (a select, a loop or call
    result), or that is not a plain static buffer of 1-, 2-, 4- or 8-byte
    elements, keeps its allocator. Offsets are assigned largest buffer first, each at the lowest
    offset free during its lifetime. The arena size becomes the metadata's
    `workspace` line and the module attribute `vitq.workspace_bytes`; a
    remark reports it next to the total without reuse. The compiled model
    then calls no allocator.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"vitq_model\"",
           "Prefix of the model's exported symbols">,
    Option<"remark", "remark", "bool", /*default=*/"true",
           "Report the arena size in a remark">
  ];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

#endif // VITQ_CONVERSION_PASSES_TD
