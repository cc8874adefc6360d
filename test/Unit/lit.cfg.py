# -*- Python -*-
# lit configuration that runs the vitq GoogleTest binaries, one lit test per
# test case.

import lit.formats

config.name = "VITQ-Unit"
config.suffixes = []
config.test_source_root = config.vitq_unit_test_dir
config.test_exec_root = config.vitq_unit_test_dir
config.test_format = lit.formats.GoogleTest(".", "Tests")
