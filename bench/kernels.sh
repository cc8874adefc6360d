#!/usr/bin/env bash
# The kernel library against the measured peak of each unit and oneDNN's
# matmul (bench/kernels.cpp): every contraction shape of DeiT-Tiny/Small/Base
# at batch 1 and 8, on each instruction set this CPU has, one thread,
# interleaved, medians. Extra arguments go to vitq-bench-kernels
# (--models, --batches, --isas, --reps, --quick).
#
#   bench/kernels.sh [ARGS...]
#
# Needs the build (scripts/build.sh); oneDNN's column needs libdnnl-dev at
# build time (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VITQ_BUILD_DIR:-build}/bin
echo "# $(lscpu | sed -n 's/^Model name: *//p'), $(date -u +%Y-%m-%dT%H:%MZ)"
OMP_NUM_THREADS=1 exec "$BIN/vitq-bench-kernels" "$@"
