//===- CodeGen.cpp - LLVM-dialect modules to native code ------------------===//
//
// Part of the vitq project, under the Apache License v2.0 with LLVM
// Exceptions.
//
//===----------------------------------------------------------------------===//

#include "vitq/Target/LLVM/CodeGen.h"

#include "vitq/Conversion/Passes.h"
#include "vitq/cpu.h"

#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/Linker/Linker.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

#include <memory>

#include <unistd.h>

using namespace mlir;
using namespace mlir::vitq;

namespace {

void initializeTargets() {
  static const bool once = [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
    // The kernel library's CPUID and XGETBV are inline assembly.
    llvm::InitializeAllAsmParsers();
    return true;
  }();
  (void)once;
}

/// The triple, CPU and feature string `options` stand for: the host's where
/// they are empty. Host features apply only to the host CPU.
struct ResolvedTarget {
  llvm::Triple triple;
  std::string cpu;
  std::string features;
};

ResolvedTarget resolve(const TargetOptions &options) {
  ResolvedTarget r;
  r.triple = llvm::Triple(options.triple.empty()
                              ? llvm::sys::getDefaultTargetTriple()
                              : llvm::Triple::normalize(options.triple));
  // The host's CPU and features are the default for the host's triple,
  // also when that triple is named explicitly.
  bool host = options.cpu.empty() &&
              r.triple == llvm::Triple(llvm::sys::getDefaultTargetTriple());
  r.cpu = options.cpu.empty() ? (host ? llvm::sys::getHostCPUName().str()
                                      : std::string("generic"))
                              : options.cpu;
  llvm::SubtargetFeatures features;
  if (host)
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      features.AddFeature(feature.getKey(), feature.getValue());
  if (!options.features.empty())
    for (StringRef f : llvm::split(options.features, ','))
      if (!f.trim().empty())
        features.AddFeature(f.trim());
  r.features = features.getString();
  return r;
}

/// A target machine for `options`, or an error naming what is wrong.
std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const TargetOptions &options, std::string &error) {
  initializeTargets();
  ResolvedTarget r = resolve(options);
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(r.triple, error);
  if (!target)
    return nullptr;
  std::unique_ptr<llvm::MCSubtargetInfo> info(
      target->createMCSubtargetInfo(r.triple, "", ""));
  if (info && !info->isCPUStringValid(r.cpu)) {
    error = "unknown CPU '" + r.cpu + "' for " + r.triple.str() +
            " (llc -mtriple=" + r.triple.str() + " -mcpu=help lists them)";
    return nullptr;
  }
  // LLVM only warns about unknown features; a typo must not silently
  // produce code for another machine.
  if (info)
    for (StringRef f : llvm::split(options.features, ',')) {
      StringRef name =
          f.trim().drop_while([](char c) { return c == '+' || c == '-'; });
      if (!name.empty() &&
          !llvm::any_of(info->getAllProcessorFeatures(),
                        [&](const llvm::SubtargetFeatureKV &kv) {
                          return name == kv.Key;
                        })) {
        error = "unknown target feature '" + name.str() + "' for " +
                r.triple.str() + " (llc -mtriple=" + r.triple.str() +
                " -mattr=help lists them)";
        return nullptr;
      }
    }
  if (options.optLevel > 3) {
    error = "optimisation level must be 0 to 3";
    return nullptr;
  }
  auto level = static_cast<llvm::CodeGenOptLevel>(options.optLevel);
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      r.triple, r.cpu, r.features, llvm::TargetOptions(), llvm::Reloc::PIC_,
      std::nullopt, level));
  if (!machine)
    error = "cannot create a target machine for " + r.triple.str();
  return machine;
}

void optimize(llvm::Module &module, llvm::TargetMachine &machine,
              unsigned level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder builder(&machine);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel levels[] = {
      llvm::OptimizationLevel::O0, llvm::OptimizationLevel::O1,
      llvm::OptimizationLevel::O2, llvm::OptimizationLevel::O3};
  llvm::ModulePassManager pm =
      level == 0 ? builder.buildO0DefaultPipeline(levels[0])
                 : builder.buildPerModuleDefaultPipeline(levels[level]);
  pm.run(module, mam);
}

/// Stamps the CPU and features on every function so that the optimiser's
/// cost model and the code generator agree with the chosen machine.
void setFunctionTargets(llvm::Module &module, llvm::TargetMachine &machine) {
  for (llvm::Function &fn : module) {
    if (fn.isDeclaration())
      continue;
    fn.addFnAttr("target-cpu", machine.getTargetCPU());
    if (!machine.getTargetFeatureString().empty())
      fn.addFnAttr("target-features", machine.getTargetFeatureString());
  }
}

} // namespace

namespace {

/// Whether `machine` has `feature` (an LLVM name without '+'), listed or
/// implied by its CPU.
/// The subtarget resolves the CPU's features and the feature string in
/// order, so a later "+x" after the host's "-x" counts.
bool hasFeature(const llvm::TargetMachine &machine, StringRef feature) {
  return machine.getMCSubtargetInfo()->checkFeatures(("+" + feature).str());
}

#include "vitq/KernelBitcode.inc"

/// Links the kernel library (runtime/kernels, embedded as bitcode) into a
/// model that calls it, and makes what it brings internal: the model
/// exports its entry points only, and two models in one program keep their
/// own copies.
LogicalResult linkKernels(llvm::Module &module,
                          const llvm::TargetMachine &machine) {
  bool calls = llvm::any_of(module.functions(), [](llvm::Function &f) {
    return f.isDeclaration() && f.getName().starts_with("vitq_kernel_");
  });
  // The model's thread-count setter calls the library's; without kernels
  // there are no threads to set, and the setter does nothing.
  llvm::Function *setThreads = module.getFunction("vitq_kernels_set_threads");
  if (!calls) {
    if (setThreads && setThreads->isDeclaration()) {
      setThreads->setLinkage(llvm::GlobalValue::InternalLinkage);
      llvm::ReturnInst::Create(
          module.getContext(),
          llvm::BasicBlock::Create(module.getContext(), "", setThreads));
    }
    return success();
  }
  if (machine.getTargetTriple().getArch() != llvm::Triple::x86_64)
    return failure();
  llvm::StringSet<> defined;
  for (llvm::GlobalValue &value : module.global_values())
    if (!value.isDeclaration())
      defined.insert(value.getName());
  llvm::MemoryBufferRef buffer(
      StringRef(reinterpret_cast<const char *>(kKernelBitcode),
                kKernelBitcode_size),
      "vitq_kernels.bc");
  llvm::Expected<std::unique_ptr<llvm::Module>> kernels =
      llvm::parseBitcodeFile(buffer, module.getContext());
  if (!kernels) {
    llvm::consumeError(kernels.takeError());
    return failure();
  }
  (*kernels)->setTargetTriple(module.getTargetTriple());
  (*kernels)->setDataLayout(module.getDataLayout());
  // The library's constructors and destructors (its worker threads are
  // joined at dlclose) are referenced by nothing, so linking only what is
  // needed would drop them: they are taken out of the library's
  // llvm.global_ctors/dtors, given names the model declares, and
  // registered again in the model after the link.
  SmallVector<std::pair<std::string, int>> ctors, dtors;
  for (auto [arrayName, found] : {std::pair{"llvm.global_ctors", &ctors},
                                  {"llvm.global_dtors", &dtors}}) {
    llvm::GlobalVariable *array = (*kernels)->getNamedGlobal(arrayName);
    if (!array)
      continue;
    if (auto *init = llvm::dyn_cast_or_null<llvm::ConstantArray>(
            array->getInitializer()))
      for (llvm::Use &entry : init->operands()) {
        auto *fields = llvm::cast<llvm::ConstantStruct>(entry.get());
        auto *fn = llvm::dyn_cast<llvm::Function>(fields->getOperand(1));
        if (!fn)
          continue;
        std::string name = "vitq_kernels." + std::string(arrayName) + "." +
                           std::to_string(found->size());
        fn->setName(name);
        fn->setLinkage(llvm::GlobalValue::ExternalLinkage);
        int priority = static_cast<int>(
            llvm::cast<llvm::ConstantInt>(fields->getOperand(0))
                ->getZExtValue());
        found->push_back({name, priority});
        module.getOrInsertFunction(name, fn->getFunctionType());
      }
    array->eraseFromParent();
  }
  if (llvm::Linker::linkModules(module, std::move(*kernels),
                                llvm::Linker::Flags::LinkOnlyNeeded))
    return failure();
  for (auto &[name, priority] : ctors)
    llvm::appendToGlobalCtors(module, module.getFunction(name), priority);
  for (auto &[name, priority] : dtors)
    llvm::appendToGlobalDtors(module, module.getFunction(name), priority);
  for (llvm::GlobalValue &value : module.global_values())
    if (!value.isDeclaration() && !defined.contains(value.getName()) &&
        !value.hasLocalLinkage() && !value.hasAppendingLinkage())
      value.setLinkage(llvm::GlobalValue::InternalLinkage);
  // The library must define everything it is asked for.
  return failure(llvm::any_of(module.functions(), [](llvm::Function &f) {
    return f.isDeclaration() && f.getName().starts_with("vitq_kernel");
  }));
}

} // namespace

SmallVector<std::string> vitq::getKernelLibraryIsas(StringRef triple) {
  if (llvm::Triple(triple).getArch() != llvm::Triple::x86_64)
    return {};
  // Read once from the embedded bitcode: the instruction sets whose
  // kernels it defines.
  static const SmallVector<std::string> isas = [] {
    SmallVector<std::string> found;
    llvm::LLVMContext context;
    llvm::MemoryBufferRef buffer(
        StringRef(reinterpret_cast<const char *>(kKernelBitcode),
                  kKernelBitcode_size),
        "vitq_kernels.bc");
    auto kernels = llvm::getLazyBitcodeModule(buffer, context);
    if (!kernels) {
      llvm::consumeError(kernels.takeError());
      return found;
    }
    static constexpr llvm::StringLiteral names[] = {
#define VITQ_ISA_NAME(id, name, features) name,
        VITQ_ISAS(VITQ_ISA_NAME)
#undef VITQ_ISA_NAME
    };
    for (StringRef name : names) {
      llvm::Function *kernel =
          (*kernels)->getFunction(("vitq_kernel_linear_i8_" + name).str());
      if (kernel && !kernel->isDeclaration())
        found.push_back(name.str());
    }
    return found;
  }();
  return isas;
}

FailureOr<TargetDescription> vitq::describeTarget(const TargetOptions &target,
                                                  int64_t l2Bytes,
                                                  std::string &error) {
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(target, error);
  if (!machine)
    return failure();
  TargetDescription d;
  d.info.triple = machine->getTargetTriple().str();
  d.info.cpu = machine->getTargetCPU().str();
  d.summary = d.info.triple + ", CPU " + d.info.cpu;
  if (machine->getTargetTriple().isX86()) {
    // The features of vitq/cpu.h's table: what the runtime checks before
    // running the code and what picks the kernels.
    static constexpr llvm::StringLiteral kFeatures[] = {
#define VITQ_CPU_FEATURE_NAME(id, name, leaf, subleaf, reg, bit, xcr0) name,
        VITQ_CPU_FEATURES(VITQ_CPU_FEATURE_NAME)
#undef VITQ_CPU_FEATURE_NAME
    };
    for (StringRef f : kFeatures)
      if (hasFeature(*machine, f))
        d.info.features.insert(f);
    // The int8 features that decide which kernels the code can use.
    SmallVector<StringRef> shown;
    for (StringRef f : {"avx2", "avx512f", "avx512bw", "avx512vnni", "avxvnni",
                        "amx-int8", "amx-tile"})
      if (d.info.has(f))
        shown.push_back(f);
    if (!shown.empty())
      d.summary += " (+" + llvm::join(shown, ",+") + ")";
  }
  // Only a given size: by default the kernels size their panels for the L2
  // of the CPU the model runs on.
  d.info.l2Bytes = std::max<int64_t>(l2Bytes, 0);
  return d;
}

LogicalResult vitq::emitNativeCode(ModuleOp module, const TargetOptions &target,
                                   OutputKind kind, llvm::raw_ostream &os) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine =
      createTargetMachine(target, error);
  if (!machine)
    return emitError(module.getLoc()) << error;
  registerBuiltinDialectTranslation(*module.getContext());
  registerLLVMDialectTranslation(*module.getContext());
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(module, llvmContext);
  if (!llvmModule)
    return emitError(module.getLoc())
           << "cannot translate to LLVM IR (is the module fully lowered to "
              "the LLVM dialect?)";
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  // The model's own code is compiled for the target; the kernels keep the
  // instruction sets they were written for, and the library's dispatch
  // (for the target's baseline) picks one at run time.
  setFunctionTargets(*llvmModule, *machine);
  if (failed(linkKernels(*llvmModule, *machine)))
    return emitError(module.getLoc())
           << "cannot link the kernel library into the model";
  optimize(*llvmModule, *machine, target.optLevel);
  if (kind == OutputKind::LLVMIR) {
    llvmModule->print(os, nullptr);
    return success();
  }
  SmallString<0> buffer;
  llvm::raw_svector_ostream bufferStream(buffer);
  llvm::legacy::PassManager pm;
  auto fileType = kind == OutputKind::Object
                      ? llvm::CodeGenFileType::ObjectFile
                      : llvm::CodeGenFileType::AssemblyFile;
  if (machine->addPassesToEmitFile(pm, bufferStream, nullptr, fileType))
    return emitError(module.getLoc())
           << "the target cannot emit this file type";
  pm.run(*llvmModule);
  os << buffer;
  return success();
}

void vitq::registerNativeCodeTranslations() {
  static llvm::cl::opt<std::string> triple(
      "mtriple", llvm::cl::desc("Target triple (default: the host's)"));
  static llvm::cl::opt<std::string> cpu(
      "mcpu", llvm::cl::desc("Target CPU, e.g. znver5, sapphirerapids, "
                             "x86-64 (default: the host CPU)"));
  static llvm::cl::opt<std::string> features(
      "mattr",
      llvm::cl::desc("Target features to add or remove: +avx512vnni,-avx512f"));
  static llvm::cl::opt<unsigned> optLevel(
      "opt-level", llvm::cl::desc("LLVM optimisation level, 0 to 3"),
      llvm::cl::init(2));
  auto registerKind = [](StringRef name, StringRef description,
                         OutputKind kind) {
    TranslateFromMLIRRegistration(
        name, description,
        [kind](ModuleOp module, llvm::raw_ostream &os) {
          TargetOptions options{triple, cpu, features, optLevel};
          return emitNativeCode(module, options, kind, os);
        },
        [](DialectRegistry &registry) {
          registerBuiltinDialectTranslation(registry);
          registerLLVMDialectTranslation(registry);
        });
  };
  registerKind("emit-llvmir", "Translate to optimised LLVM IR for the target",
               OutputKind::LLVMIR);
  registerKind("emit-asm", "Translate to target assembly",
               OutputKind::Assembly);
  registerKind("emit-obj", "Translate to a relocatable object file",
               OutputKind::Object);
}
