# -*- Python -*-
# lit configuration of the vitq regression tests.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "VITQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.vitq_obj_root, "test")
# Unit/ has its own GoogleTest-format suite, found through its site config.
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.substitutions.append(("%vitq_src_root", config.vitq_src_root))
config.substitutions.append(("%vitq_obj_root", config.vitq_obj_root))

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Python test drivers (test/reference) find vitq-opt and mlir-runner on PATH.
llvm_config.with_environment("PATH", config.vitq_tools_dir, append_path=True)
config.substitutions.append(("%python", "/usr/bin/python3"))
config.excludes.append("reference")
llvm_config.add_tool_substitutions(
    ["vitq-opt", "vitq-translate"], [config.vitq_tools_dir])
