//===- VitqOps.td - vitq operation definitions -------------*- tablegen -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_DIALECT_VITQ_VITQOPS_TD
#define VITQ_DIALECT_VITQ_VITQOPS_TD

include "vitq/Dialect/Vitq/VitqBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def Vitq_FloatTensor : RankedTensorOf<[AnyFloat]>;
def Vitq_QuantizedTensor : RankedTensorOf<[quant_QuantizedType]>;
def Vitq_FloatOrQuantizedTensor
    : RankedTensorOf<[AnyFloat, quant_QuantizedType]>;
def Vitq_I8Tensor : RankedTensorOf<[I8]>;
def Vitq_I32Tensor : RankedTensorOf<[I32]>;
/// Activations between integer ops: int8, or int16 for the residual stream.
def Vitq_ActTensor : RankedTensorOf<[I8, I16]>;
/// Inputs of rescaling ops: activations or int32 accumulators.
def Vitq_IntTensor : RankedTensorOf<[I8, I16, I32]>;

/// Signless integer attributes read back as signed C++ values (upstream's
/// I32Attr/I64Attr getters return unsigned types, which silently breaks
/// arithmetic on negative zero points and axes).
def Vitq_I32Attr : TypedSignlessIntegerAttrBase<I32, "int32_t",
                                                "32-bit signless integer attribute"> {
  let convertFromStorage = "static_cast<int32_t>($_self.getValue().getSExtValue())";
}
def Vitq_I64Attr : TypedSignlessIntegerAttrBase<I64, "int64_t",
                                                "64-bit signless integer attribute"> {
  let convertFromStorage = "$_self.getValue().getSExtValue()";
}

class Vitq_Op<string mnemonic, list<Trait> traits = []>
    : Op<Vitq_Dialect, mnemonic, !listconcat(traits, [Pure])>;

//===----------------------------------------------------------------------===//
// Quantize / dequantize (imported level)
//===----------------------------------------------------------------------===//

def Vitq_QuantizeOp : Vitq_Op<"quantize"> {
  let summary = "Quantize a float tensor to a uniform quantized type";
  let description = [{
    Converts each element `x` to `clamp(round_half_even(x / scale) + zp,
    qmin, qmax)`, where `scale`, `zp`, `qmin` and `qmax` come from the
    result's `!quant.uniform` element type (per-tensor, or per-axis along its
    quantized dimension). This is ONNX `QuantizeLinear`'s rounding. The input
    element type must be the quantized type's expressed type.

    ```mlir
    %q = vitq.quantize %x : tensor<1x197x768xf32>
           -> tensor<1x197x768x!quant.uniform<i8:f32, 0.0215>>
    ```
  }];
  let arguments = (ins Vitq_FloatTensor:$input);
  let results = (outs Vitq_QuantizedTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
}

def Vitq_DequantizeOp : Vitq_Op<"dequantize"> {
  let summary = "Dequantize a uniform quantized tensor to float";
  let description = [{
    Converts each element `q` to `(q - zp) * scale` in the result's float
    type, with the parameters of the input's `!quant.uniform` element type.

    ```mlir
    %x = vitq.dequantize %q : tensor<1x1000x!quant.uniform<i8:f32, 0.1>>
           -> tensor<1x1000xf32>
    ```
  }];
  let arguments = (ins Vitq_QuantizedTensor:$input);
  let results = (outs Vitq_FloatTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Integer rescaling and arithmetic
//===----------------------------------------------------------------------===//

def Vitq_RequantizeOp : Vitq_Op<"requantize"> {
  let summary = "Rescale integers with a dyadic factor and saturate";
  let description = [{
    Computes, per element, in 64-bit arithmetic:

    ```
    y = saturate(rescale(x - input_zp) + output_zp)
    ```

    where `rescale` is `#vitq.rescale` (round half up; see its description)
    and `saturate` clamps to the range of the signed result type. A
    per-channel `rescale` applies along its `axis` of the input. Inputs are
    int8, int16 or int32 (accumulators); results int8 or int16.

    ```mlir
    %y = vitq.requantize %acc {rescale = #vitq.rescale<1518500250, 38>}
           : tensor<197x768xi32> -> tensor<197x768xi8>
    ```
  }];
  let arguments = (ins
    Vitq_IntTensor:$input,
    Vitq_RescaleAttr:$rescale,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

def Vitq_AffineOp : Vitq_Op<"affine"> {
  let summary = "Per-channel integer scale and shift";
  let description = [{
    `y = saturate(rescale_c(x - input_zp) + bias_c)`, where `c` indexes the
    dimension of a per-channel `rescale` (one factor: every element) and
    `bias` holds one value or one per channel of that dimension. Multipliers
    may be negative (a negative scale). Inference BatchNormalization and a
    layer scale (a multiplication by a per-channel constant) on quantized
    tensors become this op, the output zero point folded into `bias`.
    Inputs are int8 or int16, results int8 or int16.

    ```mlir
    %y = vitq.affine %x {rescale = #vitq.rescale<axis = 1, [(1518500250, 31),
                                                          (-1073741824, 30)]>,
                         bias = array<i32: 3, -7>, input_zp = 2 : i32}
           : tensor<1x2x14x14xi8> -> tensor<1x2x14x14xi8>
    ```
  }];
  let arguments = (ins
    Vitq_ActTensor:$input,
    Vitq_RescaleAttr:$rescale,
    DenseI32ArrayAttr:$bias,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_AvgPool2DOp : Vitq_Op<"avg_pool2d"> {
  let summary = "Integer average pooling over NCHW windows";
  let description = [{
    For each output position, with the window of `kernel` rows and columns
    starting at `o * strides - pads` (`pads` = top, left, bottom, right):

    ```
    sum   = sum over the window's positions inside the input of (x - input_zp)
    count = kernel[0] * kernel[1] with count_include_pad, else the number of
            those positions
    y     = saturate(((sum * multipliers[count-1] + 2^(s-1)) >> s)
                     + output_zp),   s = shifts[count-1]
    ```

    in 64-bit arithmetic: the divisor of every possible count is its own
    dyadic factor (`s_in / (count * s_out)`), so borders divide by what
    they hold, as ONNX AveragePool does. Inputs and results are int8 or
    int16; the output's spatial size is the result type's (floor or ceil
    mode).

    ```mlir
    %y = vitq.avg_pool2d %x {kernel = array<i64: 3, 3>,
                             strides = array<i64: 1, 1>,
                             pads = array<i64: 1, 1, 1, 1>,
                             multipliers = array<i32: ...>,
                             shifts = array<i32: ...>}
           : tensor<1x48x56x56xi8> -> tensor<1x48x56x56xi8>
    ```
  }];
  let arguments = (ins
    Vitq_ActTensor:$input,
    DenseI64ArrayAttr:$kernel,
    DenseI64ArrayAttr:$strides,
    DenseI64ArrayAttr:$pads,
    UnitAttr:$count_include_pad,
    DenseI32ArrayAttr:$multipliers,
    DenseI32ArrayAttr:$shifts,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The number of input positions (or of window positions, with
    /// count_include_pad) of output `o` along spatial dimension `dim`.
    int64_t windowCount(unsigned dim, int64_t o);
  }];
}

def Vitq_ReduceSumOp : Vitq_Op<"reduce_sum"> {
  let summary = "Exact integer sum over dimensions";
  let description = [{
    `output = sum over dims of (input - input_zp)`, exact in int32; the
    result drops the summed dimensions (`dims`, ascending). Inputs are int8
    or int16; the verifier bounds the number of summed elements so that the
    sum fits (2^23 for int8, 2^15 for int16). A mean or an average pool is
    this sum followed by `vitq.requantize` with the count folded into the
    rescale.

    ```mlir
    %s = vitq.reduce_sum %x {dims = array<i64: 1>, input_zp = -3 : i32}
           : tensor<1x49x768xi8> -> tensor<1x768xi32>
    ```
  }];
  let arguments = (ins
    Vitq_ActTensor:$input,
    DenseI64ArrayAttr:$dims,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp
  );
  let results = (outs Vitq_I32Tensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_ResizeOp : Vitq_Op<"resize"> {
  let summary = "Exact integer separable resize of an NCHW tensor";
  let description = [{
    Interpolation with integer weights, separately along the rows and the
    columns, exact in int32:

    ```
    output[n, c, i, j] = sum_k sum_l rows[i * H + k] * columns[j * W + l]
                                     * (input[n, c, k, l] - input_zp)
    ```

    `rows` holds the `OH x H` and `columns` the `OW x W` weights (row-major),
    `H x W` the input's and `OH x OW` the result's spatial size. The
    compiler writes nearest and linear interpolation weights in fixed point
    (2^-F, each row summing to 2^F) and folds 2^-2F into the
    `vitq.requantize` that follows. The verifier keeps both sums inside
    int32: `max_i sum_k |rows| * max_j sum_l |columns| * 2^bits < 2^31` for
    a `bits`-wide input (the row pass alone is bounded by the same product).

    ```mlir
    %r = vitq.resize %x {rows = array<i32: ...>, columns = array<i32: ...>,
                         input_zp = 3 : i32}
           : tensor<1x8x7x7xi8> -> tensor<1x8x14x14xi32>
    ```
  }];
  let arguments = (ins
    Vitq_ActTensor:$input,
    DenseI32ArrayAttr:$rows,
    DenseI32ArrayAttr:$columns,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp
  );
  let results = (outs Vitq_I32Tensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let extraClassDeclaration = [{
    /// The largest absolute sum of one output row's (column's) weights.
    int64_t largestRowSum();
    int64_t largestColumnSum();
  }];
  let hasVerifier = 1;
}

def Vitq_MatmulOp : Vitq_Op<"matmul"> {
  let summary = "Batched int8 x int8 -> int32 matrix product";
  let description = [{
    `result[b..., m, n] = sum_k (lhs[b..., m, k] - lhs_zp) *
    (rhs[b..., k, n] - rhs_zp)`, accumulated exactly in int32.

    `lhs` has rank >= 2. `rhs` is either rank 2 (one matrix shared by every
    batch, as a weight) or has the same rank and batch dimensions as `lhs`
    (as in attention). With `transpose_rhs`, `rhs` holds the transposed
    matrix, `[..., N, K]`. Zero points default to 0.

    ```mlir
    // Attention scores: Q x K^T per head.
    %s = vitq.matmul %q, %k {transpose_rhs}
           : tensor<3x197x64xi8>, tensor<3x197x64xi8> -> tensor<3x197x197xi32>
    ```
  }];
  let arguments = (ins
    Vitq_I8Tensor:$lhs,
    Vitq_I8Tensor:$rhs,
    UnitAttr:$transpose_rhs,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$lhs_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$rhs_zp
  );
  let results = (outs Vitq_I32Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

def Vitq_LinearOp : Vitq_Op<"linear"> {
  let summary = "int8 linear layer with int32 bias and optional fused requantization";
  let description = [{
    ```
    acc[..., n] = sum_k (input[..., k] - input_zp) * weight[k, n] + bias[n]
    output[..., n] = saturate(rescale(acc[..., n]) + output_zp)
    ```

    `weight` is `[K, N]`, or `[N, K]` with `transpose_weight` (the layout of
    ONNX `Gemm` with `transB` and of PyTorch's `nn.Linear`). Weights are
    symmetric (zero point 0). `bias` is optional. `rescale` is per-tensor or
    per-output-channel along the last dimension of `output`. Without
    `rescale` the result is the int32 accumulator `acc` (a classifier head
    whose logits are dequantized straight from it).

    ```mlir
    %h = vitq.linear %x, %w, %b {rescale = #vitq.rescale<1518500250, 38>,
                                 transpose_weight}
           : (tensor<197x192xi8>, tensor<768x192xi8>, tensor<768xi32>)
           -> tensor<197x768xi8>
    ```
  }];
  let arguments = (ins
    Vitq_I8Tensor:$input,
    Vitq_I8Tensor:$weight,
    Optional<Vitq_I32Tensor>:$bias,
    OptionalAttr<Vitq_RescaleAttr>:$rescale,
    UnitAttr:$transpose_weight,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Vitq_IntTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:`
    `(` type($input) `,` type($weight) (`,` type($bias)^)? `)`
    `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_PackedLinearOp : Op<Vitq_Dialect, "packed_linear", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Linear layer on a weight packed for the contraction kernels";
  let description = [{
    `vitq.linear` with its constant weight packed at compile time in the
    layout of the contraction kernels (`runtime/include/vitq/kernels.h`:
    blocks of 16 output columns, groups of 4 reduction steps, then the
    column sums), ready to become a call of `vitq_kernel_linear_i8`:

    ```
    acc[m, n] = sum_k (input[m, k] - input_zp) * w[k, n] + bias[n]
    init[m, n] = saturate(rescale_n(acc[m, n]) + output_zp)  (or acc)
    ```

    where the rows `m` are all dimensions of `input` but the last (`K`) and
    `w` is what `packed` holds for `K` x `N`, `N` the last dimension of
    `init`. Destination style: on tensors it returns the new value of
    `init`; on memrefs (after bufferisation) it writes `init` and returns
    nothing. `rescale` is per tensor or per output column; without it the
    output is the int32 accumulator.

    With an `f32` input and init it is an FP32 linear layer (no bias,
    rescale or zero points): `init[m, n] = sum_k input[m, k] * w[k, n]`,
    each output one fused multiply-add chain over `k` from zero, with `w`
    packed as `vitq_kernel_pack_f32` does (`packed` holds its bytes).

    ```mlir
    %y = vitq.packed_linear ins(%x, %packed, %bias : tensor<197x192xi8>,
                                 tensor<13056xi8>, tensor<576xi32>)
           outs(%init : tensor<197x576xi8>)
           {rescale = #vitq.rescale<1518500250, 38>, input_zp = 3 : i32}
           -> tensor<197x576xi8>
    ```
  }];
  let arguments = (ins
    AnyTypeOf<[RankedTensorOf<[I8, F32]>, MemRefOf<[I8, F32]>]>:$input,
    AnyTypeOf<[RankedTensorOf<[I8]>, MemRefOf<[I8]>]>:$packed,
    Optional<AnyTypeOf<[RankedTensorOf<[I32]>, MemRefOf<[I32]>]>>:$bias,
    AnyTypeOf<[RankedTensorOf<[I8, I16, I32, F32]>,
               MemRefOf<[I8, I16, I32, F32]>]>:$init,
    OptionalAttr<Vitq_RescaleAttr>:$rescale,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $input `,` $packed (`,` $bias^)? `:` type($input) `,`
      type($packed) (`,` type($bias)^)? `)`
    `outs` `(` $init `:` type($init) `)` attr-dict (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// K and N of the contraction.
    int64_t getK() {
      return cast<ShapedType>(getInput().getType()).getShape().back();
    }
    int64_t getN() {
      return cast<ShapedType>(getInit().getType()).getShape().back();
    }
    /// Whether this is the FP32 form.
    bool isFloat() {
      return cast<ShapedType>(getInput().getType()).getElementType().isF32();
    }
  }];
  let hasVerifier = 1;
}

def Vitq_KernelMatmulOp : Op<Vitq_Dialect, "kernel_matmul", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>]> {
  let summary = "Batched matrix product on the contraction kernels (operands packed at run time)";
  let description = [{
    `vitq.matmul` in destination style, ready to become a call of
    `vitq_kernel_matmul_i8_call` (`runtime/include/vitq/kernels.h`), which
    packs each batch's `rhs` at run time and runs the linear kernel of the
    CPU's instruction set:

    ```
    init[b..., m, n] = sum_k (lhs[b..., m, k] - lhs_zp) *
                             (rhs[b..., k, n] - rhs_zp)
    ```

    in int32 (`rhs` is `[..., N, K]` with `transpose_rhs`; a rank-2 `rhs` is
    shared by every batch). With a per-tensor `rescale` the init is int8 or
    int16 and receives the product requantized in the kernel's epilogue,
    as `vitq.requantize` would:

    ```
    init[b..., m, n] = saturate(rescale(acc[b..., m, n]) + output_zp)
    ```

    On tensors it returns the new value of `init`; on memrefs it writes
    `init` and returns nothing. With `f32` operands and init (no zero
    points, no rescale) it is the FP32 product, each output one fused
    multiply-add chain over `k` from zero (`vitq_kernel_matmul_f32_call`).

    ```mlir
    %s = vitq.kernel_matmul ins(%q, %k : tensor<3x197x64xi8>,
                                tensor<3x197x64xi8>)
           outs(%init : tensor<3x197x197xi32>) {transpose_rhs}
           -> tensor<3x197x197xi32>
    ```
  }];
  let arguments = (ins
    AnyTypeOf<[RankedTensorOf<[I8, F32]>, MemRefOf<[I8, F32]>]>:$lhs,
    AnyTypeOf<[RankedTensorOf<[I8, F32]>, MemRefOf<[I8, F32]>]>:$rhs,
    AnyTypeOf<[RankedTensorOf<[I8, I16, I32, F32]>,
               MemRefOf<[I8, I16, I32, F32]>]>:$init,
    UnitAttr:$transpose_rhs,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$lhs_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$rhs_zp,
    OptionalAttr<Vitq_RescaleAttr>:$rescale,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    `ins` `(` $lhs `,` $rhs `:` type($lhs) `,` type($rhs) `)`
    `outs` `(` $init `:` type($init) `)` attr-dict (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    MutableOperandRange getDpsInitsMutable() { return getInitMutable(); }
    /// M, N and K of each product, and the number of products.
    int64_t getM() {
      return cast<ShapedType>(getInit().getType()).getShape().drop_back().back();
    }
    int64_t getN() {
      return cast<ShapedType>(getInit().getType()).getShape().back();
    }
    int64_t getK() {
      return cast<ShapedType>(getLhs().getType()).getShape().back();
    }
    int64_t getBatch() {
      return cast<ShapedType>(getInit().getType()).getNumElements() /
             std::max<int64_t>(1, getM() * getN());
    }
  }];
  let hasVerifier = 1;
}

def Vitq_Conv2DOp : Vitq_Op<"conv2d"> {
  let summary = "int8 2-D convolution (NCHW) with optional fused requantization";
  let description = [{
    A grouped 2-D convolution of an `[N, C, H, W]` int8 input with an
    `[O, C / groups, KH, KW]` int8 weight, accumulated exactly in int32:

    ```
    acc[n, o, y, x] = bias[o] + sum_{c, i, j} (input_padded[n, g*C/groups + c,
        y*sh + i*dh, x*sw + j*dw] - input_zp) * weight[o, c, i, j]
    ```

    where `g = o / (O / groups)` and padding positions hold `input_zp` (they
    contribute zero). `pads` is `[top, left, bottom, right]`. Without
    `rescale` the result is the int32 accumulator; with it, the result is
    `saturate(rescale(acc) + output_zp)` as int8/int16, and a per-channel
    `rescale` must run along dimension 1. Patch embedding is the `groups = 1`,
    stride = kernel case; `groups = C` is depthwise.

    ```mlir
    %p = vitq.conv2d %img, %w, %b {strides = array<i64: 16, 16>,
                                   rescale = #vitq.rescale<1518500250, 38>}
           : (tensor<1x3x224x224xi8>, tensor<192x3x16x16xi8>, tensor<192xi32>)
           -> tensor<1x192x14x14xi8>
    ```
  }];
  let arguments = (ins
    Vitq_I8Tensor:$input,
    Vitq_I8Tensor:$weight,
    Optional<Vitq_I32Tensor>:$bias,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$strides,
    DefaultValuedAttr<DenseI64ArrayAttr, "{0, 0, 0, 0}">:$pads,
    DefaultValuedAttr<DenseI64ArrayAttr, "{1, 1}">:$dilations,
    DefaultValuedAttr<Vitq_I64Attr, "1">:$groups,
    OptionalAttr<Vitq_RescaleAttr>:$rescale,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Vitq_IntTensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`,` $bias^)? attr-dict `:`
    `(` type($input) `,` type($weight) (`,` type($bias)^)? `)`
    `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_AddOp : Vitq_Op<"add"> {
  let summary = "Add two quantized tensors, each with its own rescale factor";
  let description = [{
    Residual and bias adds of differently-scaled operands. Both operands are
    rescaled onto a common fixed-point grid and rounded once:

    ```
    acc = (lhs - lhs_zp) * lhs_multiplier + (rhs - rhs_zp) * rhs_multiplier
    output = saturate(round_half_up(acc / 2^shift) + output_zp)
    ```

    computed in 64-bit arithmetic. Operands are int8 or int16 (mixed allowed:
    the 16-bit residual stream adds an int8 branch), broadcast NumPy-style to
    the result shape. Multipliers are in (-2^31, 2^31): a negative one
    subtracts its operand (ONNX `Sub`); `shift` in [0, 63].

    ```mlir
    %r = vitq.add %res, %branch {lhs_multiplier = 1073741824 : i32,
                                 rhs_multiplier = 1518500250 : i32,
                                 shift = 30 : i32}
           : tensor<197x192xi16>, tensor<197x192xi8> -> tensor<197x192xi16>
    ```
  }];
  let arguments = (ins
    Vitq_ActTensor:$lhs,
    Vitq_ActTensor:$rhs,
    Vitq_I32Attr:$lhs_multiplier,
    Vitq_I32Attr:$rhs_multiplier,
    Vitq_I32Attr:$shift,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$lhs_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$rhs_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
  let hasVerifier = 1;
}

class Vitq_ProductOp<string mnemonic> : Vitq_Op<mnemonic> {
  let arguments = (ins
    Vitq_ActTensor:$lhs,
    Vitq_ActTensor:$rhs,
    Vitq_RescaleAttr:$rescale,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$lhs_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$rhs_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` type($lhs) `,` type($rhs) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_MulOp : Vitq_ProductOp<"mul"> {
  let summary = "Multiply two quantized tensors";
  let description = [{
    `output = saturate(rescale((lhs - lhs_zp) * (rhs - rhs_zp)) + output_zp)`
    in 64-bit arithmetic, operands broadcast NumPy-style, one per-tensor
    dyadic `rescale` (`s_lhs * s_rhs / s_out`). Operands are int8 or int16,
    not both int16 (the product times the multiplier must fit 63 bits).
    Gates (squeeze-excitation, `x * sigmoid(y)`) on quantized tensors.

    ```mlir
    %y = vitq.mul %x, %g {rescale = #vitq.rescale<1518500250, 38>}
           : tensor<1x64x14x14xi8>, tensor<1x64x1x1xi8> -> tensor<1x64x14x14xi8>
    ```
  }];
}

def Vitq_DivOp : Vitq_ProductOp<"div"> {
  let summary = "Divide two quantized tensors";
  let description = [{
    With `n = (lhs - lhs_zp) * multiplier` and `d = rhs - rhs_zp`, in 64-bit
    arithmetic and operands broadcast NumPy-style:

    ```
    output = saturate(((floor(n / d) + 2^(shift-1)) >> shift) + output_zp)
    ```

    which is `n / (d * 2^shift)` rounded half up, exactly; `rescale` is
    `s_lhs / (s_rhs * s_out)` with `shift >= 1`. A zero divisor gives the
    largest value of the result type for `n > 0`, the smallest for `n < 0`
    and `output_zp` (the value 0) for `n = 0`, as a float division
    quantized would (infinities saturate; 0/0 is undefined there). The
    per-row normalisation of ReLU linear attention (EfficientViT,
    Trio-ViT) on quantized tensors.

    ```mlir
    %y = vitq.div %num, %den {rescale = #vitq.rescale<1518500250, 31>}
           : tensor<1x8x16x196xi8>, tensor<1x8x1x196xi8> -> tensor<1x8x16x196xi8>
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Float-semantic non-linear ops (imported level)
//===----------------------------------------------------------------------===//

class Vitq_FloatSemanticUnaryOp<string mnemonic> : Vitq_Op<mnemonic> {
  let results = (outs Vitq_FloatOrQuantizedTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_SoftmaxOp : Vitq_FloatSemanticUnaryOp<"softmax"> {
  let summary = "Softmax with real-valued semantics";
  let description = [{
    `output = softmax(input)` along `axis` (negative counts from the end),
    evaluated on the real values of the input and, for a quantized result,
    quantized with the result type's parameters. Input and result are both
    float or both per-tensor quantized, with equal shapes.
    Its integer-only counterpart is `vitq.shiftmax`.

    ```mlir
    %p = vitq.softmax %s {axis = -1 : i64}
           : tensor<3x197x197x!quant.uniform<i8:f32, 0.08>>
           -> tensor<3x197x197x!quant.uniform<i8:f32, 0.0078125>>
    ```
  }];
  let arguments = (ins
    Vitq_FloatOrQuantizedTensor:$input,
    DefaultValuedAttr<Vitq_I64Attr, "-1">:$axis
  );
}

def Vitq_GeluOp : Vitq_FloatSemanticUnaryOp<"gelu"> {
  let summary = "GELU with real-valued semantics";
  let description = [{
    `output = x * Phi(x)` with the exact erf form, or the tanh approximation
    when `approximate = "tanh"` (ONNX `Gelu`'s attribute), evaluated on real
    values like `vitq.softmax`. Its integer-only counterpart is
    `vitq.shiftgelu`.

    ```mlir
    %g = vitq.gelu %h : tensor<197x768x!quant.uniform<i8:f32, 0.05>>
                     -> tensor<197x768x!quant.uniform<i8:f32, 0.03>>
    ```
  }];
  let arguments = (ins
    Vitq_FloatOrQuantizedTensor:$input,
    DefaultValuedAttr<StrAttr, "\"none\"">:$approximate
  );
}

def Vitq_ActivationOp : Vitq_FloatSemanticUnaryOp<"activation"> {
  let summary = "Sigmoid-family and ReLU activation with real-valued semantics";
  let description = [{
    One of the activations of convolutional and hybrid vision models,
    evaluated on real values like `vitq.gelu`:

    | `kind` | output |
    |---|---|
    | `sigmoid` | `1 / (1 + e^-x)` |
    | `silu` | `x / (1 + e^-x)` (Swish, MobileViT's activation) |
    | `hard_sigmoid` | `clamp(alpha * x + beta, 0, 1)` |
    | `hard_swish` | `x * clamp(x / 6 + 1 / 2, 0, 1)` |
    | `relu` | `max(x, 0)` |

    (`alpha` and `beta` only matter to `hard_sigmoid`.) Input and result are
    both float or both per-tensor quantized. Its integer-only counterpart
    for 8-bit inputs is `vitq.lookup` on a table the compiler makes from
    the two types' parameters.

    ```mlir
    %a = vitq.activation %x {kind = "hard_swish"}
           : tensor<1x16x56x56x!quant.uniform<i8:f32, 0.05:-3>>
           -> tensor<1x16x56x56x!quant.uniform<i8:f32, 0.03:-118>>
    ```
  }];
  let arguments = (ins
    Vitq_FloatOrQuantizedTensor:$input,
    StrAttr:$kind,
    DefaultValuedAttr<F32Attr, "0.2f">:$alpha,
    DefaultValuedAttr<F32Attr, "0.5f">:$beta
  );
  let extraClassDeclaration = [{
    /// The activation of the real value `x`.
    double evaluate(double x);
  }];
}

def Vitq_LayerNormOp : Vitq_Op<"layernorm"> {
  let summary = "Layer normalisation with real-valued semantics";
  let description = [{
    Normalises over the dimensions from `axis` to the last (ONNX
    `LayerNormalization`): `output = (x - mean) / sqrt(var + epsilon) * gamma
    + beta`, with biased variance, evaluated on real values. `gamma` and
    `beta` are float tensors shaped like the normalised dimensions. Input and
    result are both float or both per-tensor quantized (typically an int16
    residual input and an int8 result). Its integer-only counterpart is
    `vitq.ilayernorm`.

    ```mlir
    %n = vitq.layernorm %x, %gamma, %beta {epsilon = 1.0e-6 : f32}
           : (tensor<197x192x!quant.uniform<i16:f32, 0.001>>, tensor<192xf32>,
              tensor<192xf32>) -> tensor<197x192x!quant.uniform<i8:f32, 0.04>>
    ```
  }];
  let arguments = (ins
    Vitq_FloatOrQuantizedTensor:$input,
    Vitq_FloatTensor:$gamma,
    Vitq_FloatTensor:$beta,
    DefaultValuedAttr<Vitq_I64Attr, "-1">:$axis,
    DefaultValuedAttr<F32Attr, "1.0e-5">:$epsilon
  );
  let results = (outs Vitq_FloatOrQuantizedTensor:$output);
  let assemblyFormat = [{
    $input `,` $gamma `,` $beta attr-dict `:`
    `(` type($input) `,` type($gamma) `,` type($beta) `)` `->` type($output)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Integer non-linear ops (I-ViT)
//===----------------------------------------------------------------------===//

def Vitq_ShiftmaxOp : Vitq_Op<"shiftmax"> {
  let summary = "Integer-only softmax over the last dimension (I-ViT Shiftmax)";
  let description = [{
    The shift-based softmax of I-ViT. With `x0 < 0` the integer that stands
    for -1.0 in the input's scale, `n = exp_shift` and `w` the result's bit
    width, per row (in 64-bit arithmetic, `>>` flooring):

    ```
    x = x - max(x)                                    (x <= 0)
    u = max(x + (x >> 1) - (x >> 4), n * x0)          (x * log2(e))
    q = floor(u / x0);  r = u - q * x0                (u = q*x0 + r)
    e = ((r >> 1) - x0) << (n - q)                    (2^u, scale 2^-n / -x0)
    f = floor(2^62 / sum(e))                          (one divide per row)
    y = saturate((e * f) >> (63 - w))
    ```

    so the result has scale `2^-(w - 1)` and zero point 0; input zero
    points cancel. Inputs are int8/int16/int32, results int8 or int16.
    `|x0| * 2^exp_shift` must fit in 31 bits. `docs/integer-semantics.md`
    is the full definition.

    ```mlir
    %p = vitq.shiftmax %s {x0 = -80 : i32, exp_shift = 24 : i32}
           : tensor<3x197x197xi8> -> tensor<3x197x197xi16>
    ```
  }];
  let arguments = (ins
    Vitq_IntTensor:$input,
    Vitq_I32Attr:$x0,
    Vitq_I32Attr:$exp_shift
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_TablemaxOp : Vitq_Op<"tablemax"> {
  let summary = "Integer-only softmax of an int8 input, exponentials from a table";
  let description = [{
    Softmax over the last dimension of an int8 input, where `x - max(x)`
    takes at most 256 values, so the exponentials are a table the compiler
    evaluates: `exp_table[d]` stands for `e^(-d * s_in)` (the legalisation
    writes `round(2^30 * e^(-d * s_in))`). Per row, in 64-bit arithmetic:

    ```
    e = exp_table[max(x) - x]
    f = floor(2^62 / sum(e))                          (one divide per row)
    y = saturate((e * f) >> (63 - w))
    ```

    the normalisation of `vitq.shiftmax`, so the result has scale
    `2^-(w - 1)` and zero point 0 (`w` the result's bit width). The 256
    entries lie in `[0, 2^31)` and `exp_table[0]` (the row maximum's) is
    positive. `docs/integer-semantics.md` is the full definition.

    ```mlir
    %p = vitq.tablemax %s {exp_table = array<i32: 1073741824, ...>}
           : tensor<3x197x197xi8> -> tensor<3x197x197xi16>
    ```
  }];
  let arguments = (ins
    Vitq_I8Tensor:$input,
    DenseI32ArrayAttr:$exp_table
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_ShiftGeluOp : Vitq_Op<"shiftgelu"> {
  let summary = "Integer-only GELU (I-ViT ShiftGELU)";
  let description = [{
    `GELU(x) ~= x * sigmoid(1.702 x)`. Per row of the last dimension, with
    `shiftexp` the exponential of `vitq.shiftmax` (`x0`, `exp_shift`):

    ```
    x  = input - input_zp
    t  = x + (x >> 1) + (x >> 3) + (x >> 4)          (1.6875 x)
    m  = max(max(t), 0)
    e1 = shiftexp(t - m);  e2 = shiftexp(-m)
    g  = (e1 * floor(2^62 / (e1 + e2))) >> 47
    y  = saturate(rescale(x * g) + output_zp)
    ```

    `g` is the sigmoid as 0..32768 at scale 2^-15, so `rescale` maps
    `s_in * 2^-15` to the output scale. Inputs are int8 or int16. See
    `docs/integer-semantics.md`.

    ```mlir
    %g = vitq.shiftgelu %h {x0 = -20 : i32, exp_shift = 26 : i32,
                            rescale = #vitq.rescale<1073741824, 45>}
           : tensor<197x768xi8> -> tensor<197x768xi8>
    ```
  }];
  let arguments = (ins
    Vitq_ActTensor:$input,
    Vitq_I32Attr:$x0,
    Vitq_I32Attr:$exp_shift,
    Vitq_RescaleAttr:$rescale,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$input_zp,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$output_zp
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_LookupOp : Vitq_Op<"lookup"> {
  let summary = "Integer-only elementwise function of an int8 input, as a table";
  let description = [{
    `output[i] = table[input[i] + 128]`: any elementwise function of an
    8-bit input is one of its 256 values. The table holds 256 values of the
    result's element type (int8 or int16). `vitq-legalize-nonlinear` makes
    the tables of `vitq.activation` on 8-bit quantized tensors: entry `v`
    is the activation of the dequantized `v`, quantized with the result's
    parameters (round half to even, saturating), so the integer result is
    the correctly rounded one. See `docs/integer-semantics.md`.

    ```mlir
    %y = vitq.lookup %x {table = dense<[...]> : tensor<256xi8>}
           : tensor<1x16x56x56xi8> -> tensor<1x16x56x56xi8>
    ```
  }];
  let arguments = (ins
    Vitq_I8Tensor:$input,
    ElementsAttr:$table
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

def Vitq_ILayerNormOp : Vitq_Op<"ilayernorm"> {
  let summary = "Integer-only layer normalisation over the last dimension";
  let description = [{
    I-ViT's I-LayerNorm with the affine part folded into integers. Per row of
    `N` elements, in 64-bit arithmetic:

    ```
    y    = N * x - sum(x)                      (N * (x - mean), exact)
    std  = isqrt(max(sum(y * y) + variance_offset, 1))
    f    = floor((2^(31 + r) - 1) / std);  z = (y * f) >> (1 + r)
    out[c] = saturate(rescale_c(z) + bias[c])
    ```

    `r = reciprocal_shift` (0 to 30) adds `r` bits to the reciprocal: with
    `r = 0` (I-ViT's form) `f` keeps few significant bits once `std`, about
    `N^1.5` times the input's spread, nears `2^31`, as in long rows.

    `isqrt` is `sqrt_iterations` integer Newton steps from above, starting
    at `2^ceil(bits(v) / 2)` and never increasing (exact after 6 steps).
    `z` has scale `sqrt(N) / 2^30`. `rescale` (per-tensor or per-channel
    along the last dimension) folds `gamma` and the output scale, so a
    negative gamma is a negative multiplier; `bias` (one entry, or one per
    channel) is `beta` in output units plus the output zero point. Nothing
    divides by gamma, so gamma ~ 0 is harmless. `variance_offset` is the
    float LayerNorm's epsilon in units of the sum of squares
    (`N^3 * epsilon / s_in^2`). Rows are at most 1625 (int16 input) or 65536
    (int8) long, which keeps the sum of squares inside 63 bits. See
    `docs/integer-semantics.md`.

    ```mlir
    %n = vitq.ilayernorm %x {rescale = #vitq.rescale<1073741824, 40>,
                             bias = array<i32: 3>}
           : tensor<197x192xi16> -> tensor<197x192xi8>
    ```
  }];
  let arguments = (ins
    Vitq_ActTensor:$input,
    Vitq_RescaleAttr:$rescale,
    DenseI32ArrayAttr:$bias,
    DefaultValuedAttr<Vitq_I32Attr, "10">:$sqrt_iterations,
    DefaultValuedAttr<Vitq_I64Attr, "0">:$variance_offset,
    DefaultValuedAttr<Vitq_I32Attr, "0">:$reciprocal_shift
  );
  let results = (outs Vitq_ActTensor:$output);
  let assemblyFormat = [{
    $input attr-dict `:` type($input) `->` type($output)
  }];
  let hasVerifier = 1;
}

#endif // VITQ_DIALECT_VITQ_VITQOPS_TD
