#!/usr/bin/env bash
# The second CI stage: the whole lit suite on an AddressSanitizer +
# UndefinedBehaviorSanitizer build (LeakSanitizer included) in build-asan/.
# The compiler's own code, the runtime and the tools are instrumented;
# libMLIR.so and the generated model code are not. Any report fails the test
# that triggered it. Run after scripts/test.sh (which installs the packages).
set -euo pipefail
cd "$(dirname "$0")/.."

start=$SECONDS
export VITQ_BUILD_DIR=${VITQ_ASAN_BUILD_DIR:-build-asan}
VITQ_FUZZERS=ON VITQ_SANITIZER="Address;Undefined" VITQ_WERROR=${VITQ_WERROR:-ON} scripts/build.sh
echo "test-sanitized: built in $((SECONDS - start)) s"
/usr/lib/llvm-22/bin/lit -sv "$VITQ_BUILD_DIR/test"
echo "test-sanitized: finished in $((SECONDS - start)) s"
