//===- PlanMemory.cpp - One reused arena for the model's activations ------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"

#include "PointerMemRef.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQPLANMEMORY
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

constexpr int64_t kAlignment = 64;

/// One allocation to place: alive from `begin` to `end` (positions of its
/// alloc and of its last use in the entry block).
struct Buffer {
  memref::AllocOp alloc;
  memref::DeallocOp dealloc;
  int64_t begin, end, bytes, offset = 0;
};

int64_t alignUp(int64_t v) {
  return (v + kAlignment - 1) / kAlignment * kAlignment;
}

/// Buffers above this size keep their allocator (and the arena stays far
/// from overflowing int64).
constexpr int64_t kMaxPlannedBytes = int64_t{1} << 40;

/// The byte size of a static, identity-layout memref of 1-, 2-, 4- or
/// 8-byte elements (whose size LLVM agrees with), or nullopt.
std::optional<int64_t> staticBytes(MemRefType type) {
  if (!type.hasStaticShape() || !type.getLayout().isIdentity() ||
      type.getMemorySpace() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  unsigned bits = type.getElementTypeBitWidth();
  if (bits != 1 && bits != 8 && bits != 16 && bits != 32 && bits != 64)
    return std::nullopt;
  int64_t element = std::max(bits / 8, 1u), bytes;
  if (llvm::MulOverflow(type.getNumElements(), element, bytes) ||
      bytes > kMaxPlannedBytes)
    return std::nullopt;
  return alignUp(std::max<int64_t>(bytes, 1));
}

/// The position in `block` of the last op that uses `alloc`'s memory
/// through it or any view of it, or nullopt if the memory may escape into a
/// value that is not a view (a select, a loop or branch result, a call
/// result, a cast to another type system): its lifetime is then unknown and
/// the buffer keeps its allocator. Deallocations do not count: the
/// ownership-based deallocation puts them at the end of the block.
std::optional<int64_t> lastUse(memref::AllocOp alloc, Block &block,
                               const DenseMap<Operation *, int64_t> &position) {
  int64_t last = position.lookup(alloc);
  SmallVector<Value> work{alloc.getResult()};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::DeallocOp>(user))
        continue;
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (view && view.getViewSource() == v)
        llvm::append_range(work, user->getResults());
      else if (user->hasTrait<OpTrait::IsTerminator>() ||
               llvm::any_of(user->getResultTypes(),
                            [](Type t) { return !t.isIntOrIndexOrFloat(); }))
        return std::nullopt;
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top)
        return std::nullopt;
      last = std::max(last, position.lookup(top));
    }
  }
  return last;
}

/// The allocations of `block` that it also frees, with their lifetimes.
SmallVector<Buffer> collectBuffers(Block &block) {
  DenseMap<Operation *, int64_t> position;
  for (auto [i, op] : llvm::enumerate(block))
    position[&op] = i;
  SmallVector<Buffer> buffers;
  for (auto alloc : block.getOps<memref::AllocOp>()) {
    std::optional<int64_t> bytes = staticBytes(alloc.getType());
    SmallVector<memref::DeallocOp> deallocs;
    for (Operation *user : alloc->getUsers())
      if (auto dealloc = dyn_cast<memref::DeallocOp>(user))
        deallocs.push_back(dealloc);
    if (!bytes || alloc.getDynamicSizes().size() || deallocs.size() != 1 ||
        deallocs[0]->getBlock() != &block)
      continue;
    std::optional<int64_t> end = lastUse(alloc, block, position);
    if (!end)
      continue;
    buffers.push_back({alloc, deallocs[0], position[alloc], *end, *bytes});
  }
  return buffers;
}

/// Largest first, each at the lowest offset that is free during its
/// lifetime. Returns the arena size.
int64_t assignOffsets(MutableArrayRef<Buffer> buffers) {
  SmallVector<Buffer *> order;
  for (Buffer &b : buffers)
    order.push_back(&b);
  llvm::sort(order, [](Buffer *a, Buffer *b) {
    // Larger first; ties by position, so the plan is deterministic.
    return a->bytes != b->bytes ? a->bytes > b->bytes : a->begin < b->begin;
  });
  SmallVector<Buffer *> placed;
  int64_t arena = 0;
  for (Buffer *b : order) {
    SmallVector<std::pair<int64_t, int64_t>> taken;
    for (Buffer *p : placed)
      if (p->begin <= b->end && b->begin <= p->end)
        taken.push_back({p->offset, p->offset + p->bytes});
    llvm::sort(taken);
    int64_t offset = 0;
    for (auto [start, stop] : taken) {
      if (offset + b->bytes <= start)
        break;
      offset = std::max(offset, stop);
    }
    b->offset = offset;
    arena = std::max(arena, offset + b->bytes);
    placed.push_back(b);
  }
  return arena;
}

/// Rewrites the "workspace N" line of the metadata global.
void setWorkspaceSize(LLVM::GlobalOp metadata, int64_t bytes) {
  auto text = dyn_cast_or_null<StringAttr>(metadata.getValueAttr());
  if (!text)
    return;
  std::string updated = text.str();
  size_t line = updated.find(kWorkspaceLine);
  if (line == std::string::npos)
    return;
  size_t value = line + StringRef(kWorkspaceLine).size();
  updated.replace(value, updated.find('\n', value) - value,
                  std::to_string(bytes));
  OpBuilder b(metadata);
  metadata.setValueAttr(b.getStringAttr(updated));
  metadata.setGlobalType(
      LLVM::LLVMArrayType::get(b.getI8Type(), updated.size()));
}

struct PlanMemoryPass : vitq::impl::VitqPlanMemoryBase<PlanMemoryPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto run = module.lookupSymbol<func::FuncOp>(runFunctionName(prefix));
    auto metadata = module.lookupSymbol<LLVM::GlobalOp>(metadataName(prefix));
    if (!run || run.isExternal() || run.getNumArguments() != 3 || !metadata)
      return; // Not a model entry point: nothing to plan.
    if (module->hasAttr("vitq.workspace_bytes")) {
      emitError(run.getLoc()) << "the model's memory is already planned";
      return signalPassFailure();
    }
    Block &body = run.front();
    SmallVector<Buffer> buffers = collectBuffers(body);
    int64_t arena = assignOffsets(buffers);
    int64_t unshared = 0;
    for (const Buffer &b : buffers)
      unshared += b.bytes;
    if (arena > 0)
      rewrite(run, buffers, arena);
    setWorkspaceSize(metadata, arena);
    module->setAttr(
        "vitq.workspace_bytes",
        IntegerAttr::get(IntegerType::get(&getContext(), 64), arena));
    if (remark)
      emitRemark(run.getLoc())
          << "activation arena: " << arena << " bytes for " << buffers.size()
          << " buffers (" << unshared << " bytes without reuse)";
  }

  void rewrite(func::FuncOp run, MutableArrayRef<Buffer> buffers,
               int64_t arena) {
    OpBuilder b = OpBuilder::atBlockBegin(&run.front());
    Location loc = run.getLoc();
    Value workspace = memrefFromPointer(
        b, loc, run.getArgument(2), MemRefType::get({arena}, b.getI8Type()));
    for (Buffer &buffer : buffers) {
      b.setInsertionPoint(buffer.alloc);
      Value offset = arith::ConstantIndexOp::create(b, loc, buffer.offset);
      Value view = memref::ViewOp::create(b, buffer.alloc.getLoc(),
                                          buffer.alloc.getType(), workspace,
                                          offset, ValueRange{});
      buffer.alloc.getResult().replaceAllUsesWith(view);
      buffer.dealloc.erase();
      buffer.alloc.erase();
    }
  }
};

} // namespace
