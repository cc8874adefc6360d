# -*- Python -*-
# lit configuration of the vitq regression tests.

import os

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
config.excludes.append("reference")
llvm_config.add_tool_substitutions(
    ["vitq-opt", "vitq-translate", "vitq-compile", "vitq-run"],
    [config.vitq_tools_dir])
# C programs against the runtime:
#   clang-22 %runtime_cflags prog.c model.o %runtime_lib -o prog
config.substitutions.append((
    "%runtime_cflags",
    "-std=c11 -Wall -Werror -I" + os.path.join(config.vitq_src_root,
                                               "runtime", "include")))
config.substitutions.append((
    "%runtime_lib",
    os.path.join(config.vitq_obj_root, "lib", "libvitq_runtime.a")
    + " -lm -lpthread"))

# The host's int8 SIMD extensions: kernels are JIT-run only where the CPU
# has them.
try:
    with open("/proc/cpuinfo") as cpuinfo:
        flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                      if line.startswith("flags")), [])
except OSError:
    flags = []
for flag, feature in (("avx2", "avx2"), ("avx512bw", "avx512bw"),
                      ("avx512_vnni", "avx512vnni")):
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
