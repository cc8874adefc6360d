//===- ModelInterface.cpp - The runtime's entry point of a model ----------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// A compiled model exports two symbols (docs/runtime.md): a run function
// over arrays of raw buffer pointers, and a text description of its
// interface. The run function is built here on tensors: each buffer pointer
// becomes a static memref descriptor (LLVM struct) cast to its memref type,
// inputs enter as `bufferization.to_tensor` and outputs leave through
// `bufferization.materialize_in_destination`, so bufferisation writes the
// results straight into the caller's buffers. The casts cancel against the
// memref-to-LLVM conversion at the end of the pipeline.
//
//===----------------------------------------------------------------------===//

#include "vitq/Conversion/Passes.h"
#include "vitq/Dialect/Vitq/VitqOps.h"

#include "vitq/Support/Target.h"

#include "PointerMemRef.h"

#include "mlir/Conversion/LLVMCommon/MemRefBuilder.h"
#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::vitq {
#define GEN_PASS_DEF_VITQEMITMODELINTERFACE
#include "vitq/Conversion/Passes.h.inc"
} // namespace mlir::vitq

using namespace mlir;
using namespace mlir::vitq;

namespace {

/// The version of the metadata text and run-function contract; the runtime
/// refuses models of versions it does not read. Version 2 adds `requires`.
constexpr int kAbiVersion = 2;

/// No tensor of a compiled model may need more bytes than this (1 TiB).
constexpr int64_t kMaxTensorBytes = int64_t(1) << 40;

/// One graph input or output as the runtime sees it.
struct Slot {
  std::string name;
  RankedTensorType type;
};

/// The metadata name of a supported element type, or "" if unsupported.
StringRef elementTypeName(Type t) {
  if (t.isF32())
    return "f32";
  if (t.isF64())
    return "f64";
  for (unsigned width : {8u, 16u, 32u, 64u})
    if (t.isSignlessInteger(width))
      return width == 8    ? "i8"
             : width == 16 ? "i16"
             : width == 32 ? "i32"
                           : "i64";
  return "";
}

/// The ONNX name recorded by the importer, or `fallback`; names are one
/// line in the metadata, so line breaks become spaces.
std::string slotName(DictionaryAttr attrs, std::string fallback) {
  if (attrs)
    if (auto name = attrs.getAs<StringAttr>("vitq.onnx_name"))
      fallback = name.str();
  // Control characters (line breaks, NUL) would end the line or the text.
  for (char &c : fallback)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = ' ';
  return fallback;
}

/// Checks that `type` crosses the C interface: a static tensor of a plain
/// element type.
LogicalResult checkSlotType(func::FuncOp fn, Type type, StringRef what,
                            unsigned index) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  if (!tensor || !tensor.hasStaticShape() ||
      elementTypeName(tensor.getElementType()).empty())
    return fn.emitOpError() << what << " " << index << " has type " << type
                            << "; the model interface takes static tensors of "
                               "f32, f64, i8, i16, i32 or i64";
  return success();
}

/// "vitq-model 2\nworkspace 0\nrequires avx2,fma\ninput f32 1x3x224x224
/// pixel_values\n...": the CPU features of the module's target (the ones the
/// runtime checks, vitq/cpu.h), when it has one.
std::string buildMetadata(ModuleOp module, ArrayRef<Slot> inputs,
                          ArrayRef<Slot> outputs) {
  std::string text =
      llvm::formatv("vitq-model {0}{1}0\n", kAbiVersion, kWorkspaceLine).str();
  if (std::optional<TargetInfo> target = getTargetInfo(module)) {
    SmallVector<std::string> required = getRequiredCpuFeatures(*target);
    if (!required.empty())
      text += "requires " + llvm::join(required, ",") + "\n";
  }
  auto append = [&](StringRef kind, const Slot &slot) {
    std::string dims;
    for (int64_t d : slot.type.getShape())
      dims += (dims.empty() ? "" : "x") + std::to_string(d);
    text += llvm::formatv("{0} {1} {2} {3}\n", kind,
                          elementTypeName(slot.type.getElementType()),
                          dims.empty() ? "scalar" : dims, slot.name)
                .str();
  };
  for (const Slot &s : inputs)
    append("input", s);
  for (const Slot &s : outputs)
    append("output", s);
  return text;
}

/// The memref over the buffer whose pointer is `array[index]`.
Value bufferAt(OpBuilder &b, Location loc, Value array, int64_t index,
               RankedTensorType type) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, array,
                                   ArrayRef<LLVM::GEPArg>{index});
  Value buffer = LLVM::LoadOp::create(b, loc, ptr, slot);
  return memrefFromPointer(
      b, loc, buffer, MemRefType::get(type.getShape(), type.getElementType()));
}

struct EmitModelInterfacePass
    : vitq::impl::VitqEmitModelInterfaceBase<EmitModelInterfacePass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto fn = module.lookupSymbol<func::FuncOp>(entry);
    if (!fn || fn.isExternal()) {
      emitError(module.getLoc())
          << "no model function '" << entry << "' to compile";
      return signalPassFailure();
    }
    if (failed(checkTensors(module)))
      return signalPassFailure();
    SmallVector<Slot> inputs, outputs;
    if (failed(collectSlots(fn, inputs, outputs)))
      return signalPassFailure();
    for (const std::string &name :
         {runFunctionName(prefix), metadataName(prefix),
          setThreadsFunctionName(prefix)})
      if (module.lookupSymbol(name)) {
        emitError(module.getLoc()) << "symbol '" << name << "' already exists";
        return signalPassFailure();
      }
    emitMetadata(module, buildMetadata(module, inputs, outputs));
    emitRun(module, fn, inputs, outputs);
    emitSetThreads(module);
    // The entry points are the model's only exports: every other function
    // becomes private (and is inlined or internal).
    for (auto other : module.getOps<func::FuncOp>())
      if (other.getSymName() != runFunctionName(prefix) &&
          other.getSymName() != setThreadsFunctionName(prefix) &&
          !other.isExternal())
        other.setPrivate();
  }

  /// Every tensor must fit the address space of the generated code (its
  /// byte count is computed without overflow) and every constant must carry
  /// its data: the lowering assumes both.
  static LogicalResult checkTensors(ModuleOp module) {
    auto checkType = [](Location loc, Type type) -> LogicalResult {
      auto shaped = dyn_cast<ShapedType>(type);
      if (!shaped || !shaped.hasStaticShape() ||
          !shaped.getElementType().isIntOrIndexOrFloat())
        return success();
      int64_t bytes = std::max<int64_t>(
          1, llvm::divideCeil(shaped.getElementTypeBitWidth(), 8));
      for (int64_t d : shaped.getShape())
        if (llvm::MulOverflow(bytes, d, bytes) || bytes > kMaxTensorBytes)
          return emitError(loc) << type << " needs more than 2^40 bytes";
      return success();
    };
    WalkResult walk = module.walk([&](Operation *op) {
      for (Region &region : op->getRegions())
        for (BlockArgument arg : region.getArguments())
          if (failed(checkType(arg.getLoc(), arg.getType())))
            return WalkResult::interrupt();
      for (Type type : op->getResultTypes())
        if (failed(checkType(op->getLoc(), type)))
          return WalkResult::interrupt();
      auto constant = dyn_cast<arith::ConstantOp>(op);
      auto resource =
          constant ? dyn_cast<DenseResourceElementsAttr>(constant.getValue())
                   : DenseResourceElementsAttr();
      if (!resource)
        return WalkResult::advance();
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      auto type = cast<ShapedType>(resource.getType());
      size_t expected = type.getNumElements() *
                        llvm::divideCeil(type.getElementTypeBitWidth(), 8);
      if (!blob) {
        op->emitError() << "constant 'dense_resource<"
                        << resource.getRawHandle().getKey()
                        << ">' has no data in the file";
        return WalkResult::interrupt();
      }
      if (blob->getData().size() != expected) {
        op->emitError() << "constant 'dense_resource<"
                        << resource.getRawHandle().getKey() << ">' holds "
                        << blob->getData().size() << " bytes; " << type
                        << " needs " << expected;
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return failure(walk.wasInterrupted());
  }

  LogicalResult collectSlots(func::FuncOp fn, SmallVectorImpl<Slot> &inputs,
                             SmallVectorImpl<Slot> &outputs) {
    FunctionType type = fn.getFunctionType();
    auto collect = [&](TypeRange types, bool isInput,
                       SmallVectorImpl<Slot> &slots) {
      for (auto [i, t] : llvm::enumerate(types)) {
        if (failed(checkSlotType(fn, t, isInput ? "input" : "result", i)))
          return failure();
        DictionaryAttr attrs =
            isInput ? fn.getArgAttrDict(i) : fn.getResultAttrDict(i);
        slots.push_back({slotName(attrs, (isInput ? "input" : "output") +
                                             std::to_string(i)),
                         cast<RankedTensorType>(t)});
      }
      return success();
    };
    if (failed(collect(type.getInputs(), true, inputs)) ||
        failed(collect(type.getResults(), false, outputs)))
      return failure();
    if (outputs.empty())
      return fn.emitOpError("the model function has no results");
    return success();
  }

  void emitMetadata(ModuleOp module, const std::string &text) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    std::string data = text + '\0';
    auto type = LLVM::LLVMArrayType::get(b.getI8Type(), data.size());
    LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                           LLVM::Linkage::External, metadataName(prefix),
                           b.getStringAttr(data));
  }

  /// `<prefix>_set_num_threads(int32_t n)`: the thread count of the kernel
  /// library the model carries (0: its default). The code generation
  /// links the library's setter, or an empty one into a model without
  /// kernel calls, which runs on the calling thread.
  void emitSetThreads(ModuleOp module) {
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = module.getLoc();
    auto type = b.getFunctionType({b.getI32Type()}, {});
    StringRef library = "vitq_kernels_set_threads";
    auto callee = module.lookupSymbol<func::FuncOp>(library);
    if (!callee) {
      callee = func::FuncOp::create(b, loc, library, type);
      callee.setPrivate();
    }
    auto setThreads =
        func::FuncOp::create(b, loc, setThreadsFunctionName(prefix), type);
    b.setInsertionPointToStart(setThreads.addEntryBlock());
    func::CallOp::create(b, loc, callee, setThreads.getArgument(0));
    func::ReturnOp::create(b, loc);
  }

  void emitRun(ModuleOp module, func::FuncOp fn, ArrayRef<Slot> inputs,
               ArrayRef<Slot> outputs) {
    MLIRContext *ctx = module.getContext();
    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    Location loc = fn.getLoc();
    auto ptr = LLVM::LLVMPointerType::get(ctx);
    auto runType = b.getFunctionType({ptr, ptr, ptr}, {b.getI32Type()});
    auto run = func::FuncOp::create(b, loc, runFunctionName(prefix), runType);
    b.setInsertionPointToStart(run.addEntryBlock());
    Value inArray = run.getArgument(0), outArray = run.getArgument(1);
    SmallVector<Value> args;
    for (auto [i, slot] : llvm::enumerate(inputs)) {
      Value buffer = bufferAt(b, loc, inArray, i, slot.type);
      args.push_back(bufferization::ToTensorOp::create(
          b, loc, slot.type, buffer, /*restrict=*/true, /*writable=*/false));
    }
    // The output buffers exist before the call, so that bufferisation can
    // compute the results in them (eliminate-empty-tensors needs the
    // destination to dominate the computation).
    SmallVector<Value> destinations;
    for (auto [i, slot] : llvm::enumerate(outputs))
      destinations.push_back(bufferAt(b, loc, outArray, i, slot.type));
    auto call = func::CallOp::create(b, loc, fn, args);
    for (auto [i, buffer] : llvm::enumerate(destinations)) {
      bufferization::MaterializeInDestinationOp::create(
          b, loc, /*result=*/Type(), call.getResult(i), buffer,
          /*restrict=*/true, /*writable=*/true);
    }
    Value ok = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
    func::ReturnOp::create(b, loc, ok);
  }
};

} // namespace

Value vitq::memrefFromPointer(OpBuilder &b, Location loc, Value pointer,
                              MemRefType type) {
  LLVMTypeConverter converter(b.getContext());
  Value descriptor =
      MemRefDescriptor::fromStaticShape(b, loc, converter, type, pointer);
  return UnrealizedConversionCastOp::create(b, loc, type, descriptor)
      .getResult(0);
}
