#!/usr/bin/env bash
# The kernel library's own threads against LLVM's OpenMP runtime (libomp)
# on the same jobs (bench/threads.c): why vitq keeps a small pool of its
# own. Needs the build and libomp-dev (apt-get install libomp-dev).
#
#   bench/threads.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VITQ_BUILD_DIR:-build}
OMP_INCLUDE=$(dirname "$(find /usr/lib/llvm-*/lib/clang -name omp.h | sort -V | tail -1)")
OMP_LIB=$(dirname "$(ls /usr/lib/llvm-*/lib/libomp.so | sort -V | tail -1)")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
clang-22 -O2 -std=c11 -fopenmp -I"$OMP_INCLUDE" -Iruntime/include bench/threads.c \
  "$BUILD/lib/libvitq_kernels.a" -L"$OMP_LIB" -Wl,-rpath,"$OMP_LIB" -lomp -lm -lpthread \
  -o "$OUT/threads"
"$OUT/threads" "${1:-2}"
