# -*- Python -*-
# lit configuration of the vitq regression tests.

import os
import shutil

import lit.formats
from lit.llvm import llvm_config

config.name = "VITQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.vitq_obj_root, "test")
# Unit/ has its own GoogleTest-format suite, found through its site config.
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py", "Inputs"]

config.substitutions.append(("%vitq_src_root", config.vitq_src_root))
config.substitutions.append(("%vitq_obj_root", config.vitq_obj_root))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Python test drivers (test/reference) find vitq-opt and mlir-runner on PATH.
llvm_config.with_environment("PATH", config.vitq_tools_dir, append_path=True)
config.substitutions.append(("%python", "/usr/bin/python3"))
# ONNX test models (Debian's python3-onnx): `%make_models OUTDIR NAME...`
# writes OUTDIR/NAME.onnx (test/Target/ONNX/make_models.py --list).
config.substitutions.insert(0, (
    "%make_models",
    "/usr/bin/python3 " + os.path.join(config.vitq_src_root, "test", "Target",
                                       "ONNX", "make_models.py")))
config.excludes.append("reference")
llvm_config.add_tool_substitutions(
    ["vitq-opt", "vitq-translate", "vitq-compile", "vitq-run"],
    [config.vitq_tools_dir])
# The kernel benchmark (x86 builds).
if os.path.exists(os.path.join(config.vitq_tools_dir, "vitq-bench-kernels")):
    config.available_features.add("bench")
    llvm_config.add_tool_substitutions(["vitq-bench-kernels"],
                                       [config.vitq_tools_dir])
# C programs against the runtime:
#   clang-22 %runtime_cflags prog.c model.o %runtime_lib -o prog
# A sanitiser build instruments the runtime library, so programs linking it
# are built with the same sanitisers.
sanitize_flags = ""
if config.vitq_sanitizer:
    sanitize_flags = " -fno-omit-frame-pointer -fsanitize=" + ",".join(
        s.strip().lower() for s in config.vitq_sanitizer.split(";")
        if s.strip())
    config.available_features.add("sanitizer")
    # Every finding fails the test that triggered it.
    # libMLIR.so is not instrumented: its arenas do not unpoison what the
    # instrumented inline allocator code poisoned, so manual poisoning is off.
    config.environment["ASAN_OPTIONS"] = "detect_leaks=1:allow_user_poisoning=0"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1"
config.substitutions.append((
    "%runtime_cflags",
    "-std=c11 -Wall -Werror" + sanitize_flags + " -I" +
    os.path.join(config.vitq_src_root, "runtime", "include")))
config.substitutions.append((
    "%runtime_lib",
    os.path.join(config.vitq_obj_root, "lib", "libvitq_runtime.a")
    + " -lm -lpthread"))
# Programs against the kernel library (vitq/kernels.h), built like those.
config.substitutions.append((
    "%kernel_cflags",
    "-std=c11 -O2 -Wall -Werror" + sanitize_flags + " -I" +
    os.path.join(config.vitq_src_root, "runtime", "include")))
config.substitutions.append((
    "%kernel_lib",
    os.path.join(config.vitq_obj_root, "lib", "libvitq_kernels.a")
    + " -lm -lpthread"))
# With the x86 kernels built emulated (test support, kernels/emulated.h).
config.substitutions.insert(0, (
    "%kernel_emulated_lib",
    "-I" + os.path.join(config.vitq_src_root, "runtime", "kernels") + " " +
    os.path.join(config.vitq_obj_root, "lib", "libvitq_kernels_emulated.a")
    + " " + os.path.join(config.vitq_obj_root, "lib", "libvitq_kernels.a")
    + " -lm -lpthread"))
# The same as a shared library, for MLIR's JIT (mlir-runner --shared-libs).
config.substitutions.append((
    "%kernel_shared_lib",
    os.path.join(config.vitq_obj_root, "lib", "libvitq_kernels.so")))

# valgrind (memcheck) runs the runtime's leak test where it is installed;
# the sanitiser build has LeakSanitizer instead (the two do not mix).
if shutil.which("valgrind"):
    config.available_features.add("valgrind")

# The host's int8 SIMD extensions: kernels are JIT-run only where the CPU
# has them.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                      if line.startswith("flags")), [])
except OSError:
    flags = []
for flag, feature in (("avx2", "avx2"), ("avx512f", "avx512f"),
                      ("avx512bw", "avx512bw"), ("avx512_vnni", "avx512vnni"),
                      ("avx_vnni", "avxvnni"), ("amx_int8", "amx-int8")):
    if flag in flags:
        config.available_features.add(feature)

# The Python tooling's venv (scripts/setup.sh makes it): onnxruntime as the
# FP32 oracle and int8 peer, and the QDQ quantiser.
venv_python = os.path.join(config.vitq_src_root, ".venv", "bin", "python")
if os.path.exists(venv_python):
    config.available_features.add("venv")
config.substitutions.append((
    "%venv_python",
    "env PYTHONPATH=" + os.path.join(config.vitq_src_root, "python") + " "
    + venv_python))
config.substitutions.append(
    ("%model_jit", "/usr/bin/python3 " + os.path.join(
        config.vitq_src_root, "test", "reference", "model_jit.py")))

# The libFuzzer targets exist in a VITQ_ENABLE_FUZZERS build (the sanitiser
# stage): the fuzz regression inputs are replayed through them too.
if os.path.exists(os.path.join(config.vitq_tools_dir, "vitq-fuzz-onnx")):
    config.available_features.add("fuzzers")
    llvm_config.add_tool_substitutions(["vitq-fuzz-onnx", "vitq-fuzz-ir"],
                                       [config.vitq_tools_dir])
