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
    Replaces each `vitq.packed_linear` on memrefs by a call of
    `vitq_kernel_linear_i8_call` (the kernel library's entry point, which
    picks the kernel of the CPU's instruction set at run time) with raw
    pointers, row counts and strides, and the rescale as constant arrays of
    per-column multipliers and shifts. Operands whose rows are not evenly
    strided go through a contiguous copy.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def VitqInt8Linear : Pass<"vitq-int8-linear", "ModuleOp"> {
  let summary = "int8 linear layers with constant weights as x86 SIMD kernels";
  let description = [{
    Replaces the int32 contraction of a `vitq.linear` with a constant int8
    weight (as `convert-vitq-to-linalg` produces and marks it) by a
    register-blocked, cache-tiled loop nest around one x86 instruction:

    - `isa=avx512vnni`: `vpdpbusd` (`llvm.x86.avx512.vpdpbusd.512`, u8 x s8,
      4 k per int32 lane, 16 lanes). The signed activations enter as
      `x + 128` (an xor with 0x80) and the accumulators start at
      `-(128 + input_zp) * colsum(w)`.
    - `isa=avx512bw`: `vpmaddwd` on 512 bits (2 k per lane) plus an add.
    - `isa=avx2`: `vpmaddwd` on 256 bits plus an add.

    For the `vpmaddwd` forms both operands are sign-extended to int16, so no
    product or pair sum saturates (unlike `vpmaddubsw`), and the
    accumulators start at `-input_zp * colsum(w)`. Every form equals the
    contraction exactly (int32 wraps identically). `K` must be a multiple of
    the k group (4 or 2); a ragged last column block is padded with zero
    weights and stored under a mask.

    The weight is packed at compile time to `[ceil(N/L)][K/G][L*G]` (L
    lanes, G k per lane) as a private constant global. Tiles:
    - register block: `rows` x `column-blocks` accumulators (4 x 512-bit or
      2 x 256-bit column vectors, and as many rows, at most 6, as the
      vector registers then hold);
    - k tile: the packed weight panel a register block walks
      (`k-tile x column-blocks x L` bytes) fits in half of `l1-bytes`, so
      every row reuses it from L1; later k tiles add to the partial sums;
    - row tile: `row-tile x k-tile` activation bytes fit in half of
      `l2-bytes`, so every column panel rereads them from L2.
    Zero for `rows`, `column-blocks`, `k-tile` or `row-tile` derives it;
    `remark` reports the choice per layer.

    Runs after bufferisation and buffer deallocation (the intrinsic calls
    have effects that neither can analyse). Sets the module attribute
    `vitq.int8_kernels` to the number of layers it rewrote. Without
    options it reads the target from the IR (vitq/Support/Target.h: the
    module's `llvm.target` features and DLTI cache sizes, which
    `vitq-compile` writes) and uses its best instruction set.
  }];
  let options = [
    Option<"isaName", "isa", "std::string", /*default=*/"\"\"",
           "Instruction set: avx512vnni, avx512bw or avx2 (default: the best "
           "the module's llvm.target has; none without one)">,
    Option<"l1Bytes", "l1-bytes", "int64_t", /*default=*/"0",
           "L1 data cache size in bytes (0: the module's DLTI spec, else "
           "32 KiB)">,
    Option<"l2Bytes", "l2-bytes", "int64_t", /*default=*/"0",
           "L2 cache size in bytes (0: the module's DLTI spec, else 1 MiB)">,
    Option<"rows", "rows", "int64_t", /*default=*/"0",
           "Rows per register block (0: derive)">,
    Option<"columnBlocks", "column-blocks", "int64_t", /*default=*/"0",
           "Column vectors per register block (0: derive)">,
    Option<"kTile", "k-tile", "int64_t", /*default=*/"0",
           "Reduction length per cache tile (0: derive from l1-bytes)">,
    Option<"rowTile", "row-tile", "int64_t", /*default=*/"0",
           "Rows per cache tile (0: derive from l2-bytes)">,
    Option<"remarks", "remark", "bool", /*default=*/"false",
           "Report each kernel's shape and tiles as a remark">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::LLVM::LLVMDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def VitqTile : Pass<"vitq-tile"> {
  let summary = "Tile contractions so their weight panel stays in the L1 cache";
  let description = [{
    `convert-vitq-to-linalg` marks the contractions of `vitq.linear` and
    `vitq.matmul` (`vitq.contraction`); their innermost loop walks the output
    columns `n` (or the reduction `k` for transposed weights). A row of
    output then reads the whole `K x N` weight, which for transformer layers
    (192 x 576 bytes in DeiT-Tiny) leaves the L1 cache before the next row.
    This pass tiles `n` with one outer `scf.for` so that a `K x n_tile` panel
    fits in half the L1 data cache (`l1-bytes`), with `n_tile` a multiple of
    the vector lanes for int32 (`vector-bits / 32`): every row of the tile
    reuses the panel from L1. Contractions whose whole weight fits are left
    alone. Runs on tensors, before bufferisation.

    Not yet in the model pipeline: with scalar loops that LLVM vectorises,
    the 64-wide inner loop of a tile pays LLVM's runtime alias checks on
    every (m, k) iteration, and DeiT-Tiny int8 runs 3.5x slower (82 ms ->
    309 ms). It becomes useful with explicit vector code for the tile.
  }];
  let options = [
    Option<"l1Bytes", "l1-bytes", "int64_t", /*default=*/"32768",
           "L1 data cache size in bytes">,
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"512",
           "Vector register width in bits">
  ];
  let dependentDialects = [
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::affine::AffineDialect"
  ];
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
