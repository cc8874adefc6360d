// One DeiT-Tiny encoder block (197 tokens, width 192, 3 heads, MLP 768) at
// vitq's integer level: int16 residual stream, int8 activations, int32
// accumulators, dyadic rescales, and the I-ViT integer non-linears. Shape
// plumbing (reshape, transpose, slicing) uses upstream tensor/linalg ops.
//
// The constants here are illustrative: the ONNX importer and the integer-only
// legalisation derive them from a model's quantisation parameters.

func.func @deit_tiny_block(
    %x: tensor<197x192xi16>,
    %w_qkv: tensor<576x192xi8>, %b_qkv: tensor<576xi32>,
    %w_proj: tensor<192x192xi8>, %b_proj: tensor<192xi32>,
    %w_fc1: tensor<768x192xi8>, %b_fc1: tensor<768xi32>,
    %w_fc2: tensor<192x768xi8>, %b_fc2: tensor<192xi32>)
    -> tensor<197x192xi16> {
  // Attention branch.
  %ln1 = vitq.ilayernorm %x {rescale = #vitq.rescale<1431655765, 42>,
                             bias = array<i32: 0>}
           : tensor<197x192xi16> -> tensor<197x192xi8>
  %qkv = vitq.linear %ln1, %w_qkv, %b_qkv {
           rescale = #vitq.rescale<1518500250, 39>, transpose_weight}
           : (tensor<197x192xi8>, tensor<576x192xi8>, tensor<576xi32>)
           -> tensor<197x576xi8>
  %split = tensor.expand_shape %qkv [[0], [1, 2, 3]]
             output_shape [197, 3, 3, 64]
           : tensor<197x576xi8> into tensor<197x3x3x64xi8>
  %heads_init = tensor.empty() : tensor<3x3x197x64xi8>
  %heads = linalg.transpose ins(%split : tensor<197x3x3x64xi8>)
             outs(%heads_init : tensor<3x3x197x64xi8>) permutation = [1, 2, 0, 3]
  %q = tensor.extract_slice %heads[0, 0, 0, 0] [1, 3, 197, 64] [1, 1, 1, 1]
         : tensor<3x3x197x64xi8> to tensor<3x197x64xi8>
  %k = tensor.extract_slice %heads[1, 0, 0, 0] [1, 3, 197, 64] [1, 1, 1, 1]
         : tensor<3x3x197x64xi8> to tensor<3x197x64xi8>
  %v = tensor.extract_slice %heads[2, 0, 0, 0] [1, 3, 197, 64] [1, 1, 1, 1]
         : tensor<3x3x197x64xi8> to tensor<3x197x64xi8>
  %scores = vitq.matmul %q, %k {transpose_rhs}
              : tensor<3x197x64xi8>, tensor<3x197x64xi8> -> tensor<3x197x197xi32>
  %probs = vitq.shiftmax %scores {x0 = -1310 : i32, exp_shift = 15 : i32}
             : tensor<3x197x197xi32> -> tensor<3x197x197xi8>
  %ctx32 = vitq.matmul %probs, %v
             : tensor<3x197x197xi8>, tensor<3x197x64xi8> -> tensor<3x197x64xi32>
  %ctx = vitq.requantize %ctx32 {rescale = #vitq.rescale<1288490189, 38>}
           : tensor<3x197x64xi32> -> tensor<3x197x64xi8>
  %merged_init = tensor.empty() : tensor<197x3x64xi8>
  %merged = linalg.transpose ins(%ctx : tensor<3x197x64xi8>)
              outs(%merged_init : tensor<197x3x64xi8>) permutation = [1, 0, 2]
  %attn_in = tensor.collapse_shape %merged [[0], [1, 2]]
               : tensor<197x3x64xi8> into tensor<197x192xi8>
  %attn = vitq.linear %attn_in, %w_proj, %b_proj {
            rescale = #vitq.rescale<1717986918, 40>, transpose_weight}
            : (tensor<197x192xi8>, tensor<192x192xi8>, tensor<192xi32>)
            -> tensor<197x192xi8>
  %r1 = vitq.add %x, %attn {lhs_multiplier = 1073741824 : i32,
                            rhs_multiplier = 1374389535 : i32, shift = 30 : i32}
          : tensor<197x192xi16>, tensor<197x192xi8> -> tensor<197x192xi16>

  // MLP branch.
  %ln2 = vitq.ilayernorm %r1 {rescale = #vitq.rescale<1431655765, 42>,
                              bias = array<i32: 0>}
           : tensor<197x192xi16> -> tensor<197x192xi8>
  %h = vitq.linear %ln2, %w_fc1, %b_fc1 {
         rescale = #vitq.rescale<1518500250, 39>, transpose_weight}
         : (tensor<197x192xi8>, tensor<768x192xi8>, tensor<768xi32>)
         -> tensor<197x768xi8>
  %g = vitq.shiftgelu %h {x0 = -20 : i32, exp_shift = 15 : i32,
                          rescale = #vitq.rescale<1073741824, 37>}
         : tensor<197x768xi8> -> tensor<197x768xi8>
  %m = vitq.linear %g, %w_fc2, %b_fc2 {
         rescale = #vitq.rescale<1932735283, 41>, transpose_weight}
         : (tensor<197x768xi8>, tensor<192x768xi8>, tensor<192xi32>)
         -> tensor<197x192xi8>
  // An identity requantize that canonicalisation removes.
  %m_same = vitq.requantize %m {rescale = #vitq.rescale<1073741824, 30>}
              : tensor<197x192xi8> -> tensor<197x192xi8>
  %r2 = vitq.add %r1, %m_same {lhs_multiplier = 1073741824 : i32,
                               rhs_multiplier = 1374389535 : i32,
                               shift = 30 : i32}
          : tensor<197x192xi16>, tensor<197x192xi8> -> tensor<197x192xi16>
  return %r2 : tensor<197x192xi16>
}
