#!/usr/bin/env bash
# Installs the dependencies, builds vitq and runs the whole test suite: the
# lit/FileCheck tests (including the GoogleTest unit tests), the unit tests one
# by one, and the clang-format check. This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
scripts/setup.sh
VITQ_WERROR=${VITQ_WERROR:-ON} scripts/build.sh
echo "test: built in $((SECONDS - start)) s"
cd "${VITQ_BUILD_DIR:-build}"
ctest --output-on-failure
echo "test: finished in $((SECONDS - start)) s"
