//===- VitqBase.td - vitq dialect and attribute definitions -*- tablegen -*-===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef VITQ_DIALECT_VITQ_VITQBASE_TD
#define VITQ_DIALECT_VITQ_VITQBASE_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/OpBase.td"
include "mlir/Dialect/Quant/IR/QuantBase.td"

def Vitq_Dialect : Dialect {
  let name = "vitq";
  let cppNamespace = "::mlir::vitq";
  let summary = "Quantized Vision Transformer operations";
  let description = [{
    The `vitq` dialect models quantized Vision Transformers at two levels.

    **Imported level.** Tensors carry their quantisation parameters in the
    element type, using the upstream `quant` dialect
    (`!quant.uniform<i8:f32, 0.02>`, or per-axis
    `!quant.uniform<i8:f32:0, {0.01, 0.02}>`). `vitq.quantize` and
    `vitq.dequantize` cross between float and quantized tensors, and the
    float-semantic non-linear ops (`vitq.softmax`, `vitq.gelu`,
    `vitq.layernorm`) compute the real-valued function of their quantized
    input and round the result into their quantized output type. The same ops
    also accept plain float tensors, which is how FP32 models are represented.

    **Integer level.** Tensors are signless integers (`i8`, `i16`, `i32`),
    interpreted as two's-complement signed values. Scale factors are dyadic
    numbers (`#vitq.rescale`): an int32 multiplier and a right shift, applied
    in 64-bit arithmetic with round-half-up. `vitq.matmul`, `vitq.linear`,
    `vitq.conv2d`, `vitq.requantize`, `vitq.add` and the integer non-linear
    forms (`vitq.shiftmax`, `vitq.shiftgelu`, `vitq.ilayernorm`) live here;
    every constant they use is an attribute, so the integer semantics of a
    function is fully defined by its IR.

    Unsigned 8-bit data (`u8` with zero point `z`) is represented at the
    integer level as `i8` with zero point `z - 128`: `u - z == (u - 128) -
    (z - 128)`, so the two are exactly equivalent and the integer level needs
    no unsigned types.

    Shape manipulation (reshape, transpose, concat, slice) uses the upstream
    `tensor` and `linalg` ops; the dialect does not duplicate them.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::quant::QuantDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
  private:
    /// Registers the attributes; defined beside their storage classes.
    void registerAttributes();
  public:
  }];
}

//===----------------------------------------------------------------------===//
// Attributes
//===----------------------------------------------------------------------===//

class Vitq_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Vitq_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def Vitq_RescaleAttr : Vitq_Attr<"Rescale", "rescale"> {
  let summary = "Dyadic rescale factor(s): int32 multiplier and right shift";
  let description = [{
    A real factor `M` approximated as `multiplier * 2^-shift`. Applying it to
    an integer `x` computes, exactly, in at least 64-bit arithmetic:

    ```
    rescale(x) = floor((x * multiplier + 2^(shift - 1)) / 2^shift)   (shift > 0)
    rescale(x) = x * multiplier                                      (shift = 0)
    ```

    i.e. the product rounded half towards positive infinity. The consumer then
    saturates the result to its output type.

    A per-tensor rescale has one multiplier/shift pair. A per-channel rescale
    has one pair per index of dimension `axis` (non-negative) of the tensor
    it applies to.

    `multiplier` is a signed 32-bit value other than `-2^31` (a negative
    multiplier folds a negative per-channel gain, e.g. a LayerNorm gamma);
    `shift` is in [0, 63]. `vitq::computeDyadicScale` produces multipliers in
    [2^30, 2^31) with a relative error of at most 2^-31.

    Syntax:

    ```mlir
    // Per tensor: 1518500250 * 2^-38 (~0.00552).
    #vitq.rescale<1518500250, 38>
    // Per channel along dimension 1: one (multiplier, shift) pair a channel.
    #vitq.rescale<axis = 1, [(1518500250, 38), (1073741824, 37)]>
    ```
  }];
  let parameters = (ins
    ArrayRefParameter<"int32_t", "multipliers">:$multipliers,
    ArrayRefParameter<"int32_t", "right shifts">:$shifts,
    OptionalParameter<"std::optional<int64_t>">:$axis
  );
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "int32_t":$multiplier, "int32_t":$shift), [{
      return $_get($_ctxt, ::llvm::ArrayRef<int32_t>{multiplier},
                   ::llvm::ArrayRef<int32_t>{shift}, std::nullopt);
    }]>
  ];
  let extraClassDeclaration = [{
    /// True when one multiplier/shift pair applies to the whole tensor.
    bool isPerTensor() const { return !getAxis().has_value(); }
    /// Number of multiplier/shift pairs.
    size_t size() const { return getMultipliers().size(); }
    /// True when every pair is exactly 1.0.
    bool isIdentity() const;
    /// Rescales `value` with the pair of `channel` (ignored when per-tensor).
    int64_t apply(int64_t value, size_t channel) const;
  }];
}

#endif // VITQ_DIALECT_VITQ_VITQBASE_TD
