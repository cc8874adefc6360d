//===- Tile.cpp - Cache tiling of contractions ----------------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQTILE
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;

namespace {

/// The loop positions of a marked contraction: the reduction k and the
/// output column n (the parallel loop the weight's operand map uses last or
/// next to last).
struct ContractionLoops {
  unsigned k, n;
  int64_t kSize, nSize;
};

std::optional<ContractionLoops> analyse(linalg::GenericOp op) {
  SmallVector<utils::IteratorType> kinds = op.getIteratorTypesArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::count(kinds, utils::IteratorType::reduction) != 1 ||
      op.getNumDpsInputs() != 2)
    return std::nullopt;
  std::optional<unsigned> k =
      llvm::find(kinds, utils::IteratorType::reduction) - kinds.begin();
  // n: the parallel loop of the weight (second input) map.
  AffineMap weight = op.getIndexingMapsArray()[1];
  std::optional<unsigned> n;
  for (AffineExpr e : weight.getResults().take_back(2))
    if (auto dim = dyn_cast<AffineDimExpr>(e))
      if (dim.getPosition() != *k)
        n = dim.getPosition();
  if (!n || ShapedType::isDynamic(ranges[*k]) ||
      ShapedType::isDynamic(ranges[*n]))
    return std::nullopt;
  return ContractionLoops{*k, *n, ranges[*k], ranges[*n]};
}

struct TilePass : vitq::impl::VitqTileBase<TilePass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<linalg::GenericOp> contractions;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (op->hasAttr("vitq.contraction"))
        contractions.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : contractions)
      if (failed(tile(rewriter, op)))
        return signalPassFailure();
  }

  /// The n tile: the widest multiple of the int32 lanes that divides N and
  /// whose K x n panel of int8 weights fits in half of L1; 0 when the whole
  /// weight fits or no such tile exists. Dividing N keeps every tile static,
  /// which LLVM's vectoriser needs (a ragged last tile costs 3x here).
  int64_t nTile(const ContractionLoops &loops) const {
    int64_t lanes = std::max<int64_t>(vectorBits / 32, 1);
    int64_t budget = l1Bytes / 2;
    if (loops.kSize * loops.nSize <= budget)
      return 0;
    int64_t widest = budget / std::max<int64_t>(loops.kSize, 1) / lanes * lanes;
    for (int64_t tile = widest; tile >= lanes; tile -= lanes)
      if (loops.nSize % tile == 0 && tile < loops.nSize)
        return tile;
    return 0;
  }

  LogicalResult tile(IRRewriter &rewriter, linalg::GenericOp op) {
    std::optional<ContractionLoops> loops = analyse(op);
    if (!loops)
      return success();
    int64_t size = nTile(*loops);
    if (size == 0)
      return success();
    SmallVector<OpFoldResult> sizes(op.getNumLoops(), rewriter.getIndexAttr(0));
    sizes[loops->n] = rewriter.getIndexAttr(size);
    scf::SCFTilingOptions options;
    options.setTileSizes(sizes);
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(op.getOperation()), options);
    if (failed(tiled))
      return op.emitError("cannot tile this contraction");
    rewriter.replaceOp(op, tiled->replacements);
    return success();
  }
};

} // namespace
