//===- vitq-compile.cpp - ONNX to a linkable model in one command ---------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//
//
// vitq-compile model.onnx -o model.so
//
// Imports the model, legalises it to integer code (quantized models),
// lowers it behind the runtime's entry point, generates code for the target
// CPU and links a shared library, printing one line per phase. `--emit`
// stops at any stage: the vitq IR, LLVM IR, assembly, an object file or the
// shared library.
//
//===----------------------------------------------------------------------===//

#include "vitq/Analysis/FloatIslands.h"
#include "vitq/Conversion/Passes.h"
#include "vitq/Dialect/Vitq/VitqDialect.h"
#include "vitq/Dialect/Vitq/VitqOps.h"
#include "vitq/Support/Target.h"
#include "vitq/Target/LLVM/CodeGen.h"
#include "vitq/Target/ONNX/OnnxImporter.h"
#include "vitq/Transforms/Passes.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Support/ToolUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

using namespace mlir;
namespace cl = llvm::cl;

namespace {

enum class Emit { MLIR, LLVMIR, Asm, Obj, SharedLib };

cl::OptionCategory category("vitq-compile options");

cl::opt<std::string> inputFile(cl::Positional, cl::Required,
                               cl::desc("<model.onnx | model.mlir>"),
                               cl::cat(category));
cl::opt<std::string> outputFile("o", cl::Required,
                                cl::desc("Output file (model.so, model.o, "
                                         "model.s, model.ll or model.mlir)"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<Emit>
    emit("emit",
         cl::desc("What to write (default: from the output's extension)"),
         cl::values(clEnumValN(Emit::MLIR, "mlir",
                               "vitq IR after integer legalisation"),
                    clEnumValN(Emit::LLVMIR, "llvmir", "optimised LLVM IR"),
                    clEnumValN(Emit::Asm, "asm", "target assembly"),
                    clEnumValN(Emit::Obj, "obj", "relocatable object file"),
                    clEnumValN(Emit::SharedLib, "so", "shared library")),
         cl::cat(category));
cl::opt<std::string> cpu("mcpu",
                         cl::desc("Target CPU: znver5, sapphirerapids, "
                                  "x86-64 (generic)... (default: this host)"),
                         cl::cat(category));
cl::opt<std::string> features("mattr",
                              cl::desc("Target features to add or remove, "
                                       "e.g. -avx512f"),
                              cl::cat(category));
cl::opt<std::string> triple("mtriple", cl::desc("Target triple"),
                            cl::cat(category));
cl::opt<unsigned> optLevel("opt-level",
                           cl::desc("LLVM optimisation level, 0 to 3"),
                           cl::init(2), cl::cat(category));
cl::opt<int64_t>
    l2Cache("l2-cache-kib",
            cl::desc("L2 cache size the kernels size their weight panels "
                     "for, in KiB (default: the L2 of the CPU the model runs "
                     "on)"),
            cl::init(0), cl::cat(category));
cl::list<std::string> inputShapes(
    "input-shape",
    cl::desc("Static shape of a graph input, name=1x3x224x224 (repeatable)"),
    cl::cat(category));
cl::opt<bool> integerOnly(
    "integer-only",
    cl::desc("Fail if any op between quantize and dequantize computes in "
             "floating point (it lists them)"),
    cl::cat(category));
cl::opt<std::string>
    symbolPrefix("symbol-prefix",
                 cl::desc("Prefix of the exported symbols (<prefix>_run, "
                          "<prefix>_metadata)"),
                 cl::init("vitq_model"), cl::cat(category));
cl::opt<bool> timing("timing",
                     cl::desc("Print the time of every pass (MLIR pass "
                              "timing)"),
                     cl::cat(category));
cl::opt<bool> quiet("quiet", cl::desc("Do not print progress lines"),
                    cl::cat(category));

Emit emitKind() {
  if (emit.getNumOccurrences())
    return emit;
  StringRef ext = llvm::sys::path::extension(outputFile);
  if (ext == ".mlir")
    return Emit::MLIR;
  if (ext == ".ll")
    return Emit::LLVMIR;
  if (ext == ".s")
    return Emit::Asm;
  if (ext == ".o")
    return Emit::Obj;
  return Emit::SharedLib;
}

/// Prints a line when a phase starts (diagnostics follow on lines of their
/// own) and one with its time when it ends, on stderr.
class Progress {
public:
  void start(StringRef phase) {
    current = phase.str();
    begin = std::chrono::steady_clock::now();
    if (!quiet)
      llvm::errs() << "vitq-compile: " << current << "\n";
  }
  void done(StringRef detail = "") {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - begin)
            .count();
    if (quiet)
      return;
    llvm::errs() << "vitq-compile:   done in "
                 << llvm::format("%.2f s", seconds);
    if (!detail.empty())
      llvm::errs() << ", " << detail;
    llvm::errs() << "\n";
  }

private:
  std::string current;
  std::chrono::steady_clock::time_point begin;
};

/// A location naming a file, for errors about the file as a whole.
Location fileLoc(MLIRContext &context, StringRef path) {
  return FileLineColLoc::get(&context, path, 0, 0);
}

OwningOpRef<ModuleOp> loadModel(MLIRContext &context,
                                llvm::SourceMgr &sourceMgr) {
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> buffer = openInputFile(inputFile, &error);
  if (!buffer) {
    emitError(fileLoc(context, inputFile)) << error;
    return nullptr;
  }
  if (StringRef(inputFile).ends_with(".mlir")) {
    sourceMgr.AddNewSourceBuffer(std::move(buffer), SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, &context);
  }
  vitq::OnnxImportOptions options;
  for (const std::string &spec : inputShapes)
    if (failed(vitq::parseInputShape(spec, options, error))) {
      emitError(fileLoc(context, inputFile)) << "--input-shape: " << error;
      return nullptr;
    }
  return vitq::importOnnxModel(buffer->getMemBufferRef(), &context, options);
}

LogicalResult runPipeline(ModuleOp module,
                          function_ref<void(OpPassManager &)> build,
                          DefaultTimingManager &timingManager) {
  PassManager pm(module.getContext());
  build(pm);
  if (timing) {
    TimingScope scope = timingManager.getRootScope();
    pm.enableTiming(scope);
  }
  return pm.run(module);
}

/// The integer legalisation; the float islands left are remarks or, with
/// --integer-only, errors.
LogicalResult legalize(ModuleOp module, DefaultTimingManager &timingManager,
                       std::string &detail) {
  bool quantized = false;
  module.walk([&](vitq::QuantizeOp) { quantized = true; });
  if (!quantized) {
    detail = "float model";
    if (integerOnly)
      return emitError(module.getLoc())
             << "--integer-only needs a quantized model (Q/DQ or QOperator); "
                "this one has no quantize op";
    // IR may hold integer vitq ops without a quantize: they are checked
    // all the same.
    return runPipeline(
        module,
        [](OpPassManager &pm) { pm.addPass(vitq::createVitqCheckOverflow()); },
        timingManager);
  }
  if (failed(runPipeline(module, vitq::buildIntegerLegalizationPipeline,
                         timingManager)))
    return failure();
  if (integerOnly) {
    detail = "integer-only, verified";
    return runPipeline(
        module,
        [](OpPassManager &pm) {
          pm.addPass(vitq::createVitqVerifyIntegerOnly());
        },
        timingManager);
  }
  size_t islands = vitq::findFloatIslands(module).empty()
                       ? 0
                       : vitq::reportFloatIslands(module);
  detail = islands ? std::to_string(islands) + " float island(s) left"
                   : "integer-only";
  return success();
}

/// Links `object` into the shared library `output` with the system C
/// compiler driver.
LogicalResult linkSharedLibrary(MLIRContext &context, StringRef object,
                                StringRef output) {
  std::optional<std::string> driver;
  for (StringRef name : {"cc", "clang-22", "clang", "gcc"})
    if (auto path = llvm::sys::findProgramByName(name)) {
      driver = *path;
      break;
    }
  if (!driver)
    return emitError(fileLoc(context, output))
           << "no C compiler driver (cc, clang or gcc) on PATH to link the "
              "shared library; use --emit=obj and link it yourself";
  SmallVector<StringRef> args{*driver, "-shared", "-o", output, object, "-lm"};
  std::string error;
  int rc =
      llvm::sys::ExecuteAndWait(*driver, args, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return emitError(fileLoc(context, output))
           << "linking '" << output << "' with " << *driver << " failed"
           << (error.empty() ? "" : ": " + error);
  return success();
}

/// Code generation and, for a shared library, the link.
LogicalResult generate(ModuleOp module, Emit kind,
                       const vitq::TargetOptions &target, StringRef description,
                       Progress &progress) {
  std::string error;
  progress.start("code generation for " + description.str());
  SmallString<0> code;
  llvm::raw_svector_ostream os(code);
  auto outputKind = kind == Emit::LLVMIR ? vitq::OutputKind::LLVMIR
                    : kind == Emit::Asm  ? vitq::OutputKind::Assembly
                                         : vitq::OutputKind::Object;
  if (failed(vitq::emitNativeCode(module, target, outputKind, os)))
    return failure();
  progress.done(std::to_string(code.size() / 1024) + " KiB");
  if (kind != Emit::SharedLib) {
    auto file = openOutputFile(outputFile, &error);
    if (!file)
      return emitError(module.getLoc()) << error;
    file->os() << code;
    file->keep();
    return success();
  }
  progress.start("link");
  SmallString<128> object;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("vitq-model", "o", fd, object))
    return emitError(module.getLoc())
           << "cannot create a temporary object file: " << ec.message();
  llvm::FileRemover remover(object);
  {
    llvm::raw_fd_ostream objectStream(fd, /*shouldClose=*/true);
    objectStream << code;
  }
  if (failed(linkSharedLibrary(*module.getContext(), object, outputFile)))
    return failure();
  progress.done();
  return success();
}

/// Fails early, before a long compile, if the output cannot be written,
/// without touching an existing file.
LogicalResult checkOutputWritable(MLIRContext &context) {
  namespace fs = llvm::sys::fs;
  bool same = false;
  if (fs::exists(outputFile) && fs::exists(inputFile) &&
      !fs::equivalent(inputFile, outputFile, same) && same)
    return emitError(fileLoc(context, outputFile))
           << "the output would overwrite the input model";
  if (fs::exists(outputFile)) {
    if (fs::is_directory(outputFile) ||
        fs::access(outputFile, fs::AccessMode::Write))
      return emitError(fileLoc(context, outputFile))
             << "cannot write the output: it is a directory or read-only";
    return success();
  }
  StringRef parent = llvm::sys::path::parent_path(outputFile);
  if (parent.empty())
    parent = ".";
  if (!fs::is_directory(parent) || fs::access(parent, fs::AccessMode::Write))
    return emitError(fileLoc(context, outputFile))
           << "cannot write the output: directory '" << parent
           << "' does not exist or is not writable";
  return success();
}

LogicalResult compile(MLIRContext &context, llvm::SourceMgr &sourceMgr,
                      DefaultTimingManager &timingManager) {
  Progress progress;
  Emit kind = emitKind();
  if (!vitq::isValidSymbolPrefix(symbolPrefix))
    return emitError(fileLoc(context, inputFile))
           << "--symbol-prefix '" << symbolPrefix
           << "' is not a C identifier (letters, digits and '_', not "
              "starting with a digit)";
  if (failed(checkOutputWritable(context)))
    return failure();
  // The target is checked before the work, so a typo fails at once.
  vitq::TargetOptions target{triple, cpu, features, optLevel};
  std::string error;
  // 2^30 KiB (1 TiB) bounds it far above any cache and keeps the byte
  // count from overflowing.
  if (l2Cache < 0 || l2Cache > (1 << 30))
    return emitError(fileLoc(context, inputFile))
           << "--l2-cache-kib must be 0 (the running CPU's) to 1073741824 "
              "KiB";
  FailureOr<vitq::TargetDescription> description =
      vitq::describeTarget(target, l2Cache * 1024, error);
  if (failed(description))
    return emitError(fileLoc(context, inputFile)) << error;
  progress.start("import " + llvm::sys::path::filename(inputFile).str());
  OwningOpRef<ModuleOp> module = loadModel(context, sourceMgr);
  if (!module)
    return failure();
  progress.done();

  progress.start("integer legalisation");
  std::string detail;
  if (failed(legalize(*module, timingManager, detail)))
    return failure();
  progress.done(detail);
  if (kind == Emit::MLIR) {
    auto file = openOutputFile(outputFile, &error);
    if (!file)
      return emitError(module->getLoc()) << error;
    module->print(file->os());
    file->keep();
    return success();
  }

  progress.start("lowering to the LLVM dialect");
  // The passes read the target from the IR: whether the kernel library
  // runs the contractions, the L2 size its panels are sized for, and the
  // CPU features the model's metadata requires.
  vitq::setTargetInfo(*module, description->info);
  if (failed(runPipeline(
          *module,
          [&](OpPassManager &pm) {
            vitq::buildModelToLLVMPipeline(pm, symbolPrefix,
                                           /*remarks=*/false);
          },
          timingManager)))
    return failure();
  std::string arena;
  if (auto bytes =
          (*module)->getAttrOfType<IntegerAttr>("vitq.workspace_bytes"))
    arena = "activation arena " + std::to_string(bytes.getInt()) + " bytes";
  vitq::KernelLibraryCalls calls = vitq::countKernelLibraryCalls(*module);
  if (calls.linear || calls.matmul || calls.linearF32 || calls.matmulF32) {
    SmallVector<std::string> isas =
        vitq::getKernelLibraryIsas(description->info.triple);
    SmallVector<std::string> what;
    if (calls.linear)
      what.push_back(std::to_string(calls.linear) + " int8 linear layer(s)");
    if (calls.matmul)
      what.push_back(std::to_string(calls.matmul) + " int8 matmul(s)");
    if (calls.linearF32)
      what.push_back(std::to_string(calls.linearF32) + " FP32 linear layer(s)");
    if (calls.matmulF32)
      what.push_back(std::to_string(calls.matmulF32) + " FP32 matmul(s)");
    arena += ", " + llvm::join(what, ", ") + " on the kernel library (" +
             llvm::join(isas, ", ") + ": the CPU's best at run time)";
  }
  progress.done(arena);
  return generate(*module, kind, target, description->summary, progress);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAllPasses();
  vitq::registerVitqConversionPasses();
  vitq::registerVitqPasses();
  vitq::registerVitqPipelines();
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "vitq-compile: an ONNX model (FP32, QDQ or QOperator) to a shared "
      "library, object file or IR\n");

  DialectRegistry registry;
  vitq::registerVitqDialectAndModels(registry);
  registerAllDialects(registry);
  registerAllExtensions(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  context.printOpOnDiagnostic(false);
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  timingManager.setEnabled(timing);
  // A failed run removes only an output it created itself.
  bool existed = llvm::sys::fs::exists(outputFile);
  if (failed(compile(context, sourceMgr, timingManager))) {
    if (!existed)
      llvm::sys::fs::remove(outputFile);
    return 1;
  }
  return 0;
}
