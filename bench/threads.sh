#!/usr/bin/env bash
# The kernel library's own threads against LLVM's OpenMP runtime (libomp)
# on the same jobs (bench/threads.c): why vitq keeps a small pool of its
# own. Needs the build and libomp-dev (apt-get install libomp-dev).
#
#   bench/threads.sh [THREADS]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${VITQ_BUILD_DIR:-build}
OMP_H=$(find /usr/lib/llvm-*/lib/clang -name omp.h | sort -V | tail -1)
OMP_LIB=$(dirname "$(ls /usr/lib/llvm-*/lib/libomp.so | sort -V | tail -1)")
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# omp.h alone: the rest of that clang's resource headers are not ours.
mkdir -p "$OUT/include" && cp "$OMP_H" "$OUT/include/"
clang-22 -O2 -std=c11 -fopenmp -I"$OUT/include" -Iruntime/include bench/threads.c \
  "$BUILD/lib/libvitq_kernels.a" -L"$OMP_LIB" -Wl,-rpath,"$OMP_LIB" -lomp -lm -lpthread \
  -o "$OUT/threads"
T=${1:-2}
echo "# $T threads; median microseconds per call (jobs: an empty one, $T pieces"
echo "# of ~6 us of arithmetic, DeiT-T's fc1 int8 layer in row pieces);"
echo "# each contender in its own process, alternated 3 times"
for round in 1 2 3; do
  "$OUT/threads" "$T" vitq
  "$OUT/threads" "$T" omp
done | awk '{ t[$1" "$2] = t[$1" "$2] " " $3 }
  END { printf "%-8s %-18s %-18s\n", "job", "vitq pool", "libomp";
        split("empty pieces fc1", jobs, " ");
        for (i = 1; i <= 3; ++i) {
          printf "%-8s %-18s %-18s\n", jobs[i], t["vitq " jobs[i]], t["libomp " jobs[i]] } }'
