#!/usr/bin/env bash
# Installs the dependencies, builds vitq and runs the whole test suite: the
# lit/FileCheck tests (including the GoogleTest unit tests), the unit tests one
# by one, and the clang-format check; then, as a second stage, the lit suite
# on an AddressSanitizer + UBSan build (scripts/test-sanitized.sh; skip it
# with VITQ_SKIP_SANITIZED=1). This is what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
scripts/setup.sh
VITQ_WERROR=${VITQ_WERROR:-ON} scripts/build.sh
echo "test: built in $((SECONDS - start)) s"
(cd "${VITQ_BUILD_DIR:-build}" && ctest --output-on-failure)
echo "test: stage 1 (build, lit, unit tests, format) finished in $((SECONDS - start)) s"
if [ "${VITQ_SKIP_SANITIZED:-0}" != 1 ]; then
  scripts/test-sanitized.sh
fi
echo "test: finished in $((SECONDS - start)) s"
