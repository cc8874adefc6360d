#!/usr/bin/env bash
# Configures (once) and builds vitq into ${VITQ_BUILD_DIR:-build}.
# Extra arguments are passed to ninja (e.g. a target name).
# VITQ_SANITIZER="Address;Undefined" configures a sanitiser build (LLVM's
# LLVM_USE_SANITIZER); give it its own VITQ_BUILD_DIR. VITQ_FUZZERS=ON adds
# the libFuzzer targets (scripts/fuzz.sh runs them).
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${VITQ_BUILD_DIR:-build}
LLVM_ROOT=/usr/lib/llvm-22

if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  cmake -G Ninja -S . -B "$BUILD_DIR" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DLLVM_USE_LINKER=lld-22 \
    -DMLIR_DIR="$LLVM_ROOT/lib/cmake/mlir" \
    -DLLVM_EXTERNAL_LIT="$LLVM_ROOT/bin/lit" \
    -DPython3_EXECUTABLE=/usr/bin/python3 \
    -DVITQ_WERROR="${VITQ_WERROR:-OFF}" \
    -DLLVM_USE_SANITIZER="${VITQ_SANITIZER:-}" \
    -DVITQ_ENABLE_FUZZERS="${VITQ_FUZZERS:-OFF}" \
    "${launcher[@]}"
fi

ninja -C "$BUILD_DIR" "$@"
