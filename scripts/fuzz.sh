#!/usr/bin/env bash
# Runs the libFuzzer targets for a fixed time each, one after the other:
#   scripts/fuzz.sh [SECONDS] [onnx|ir]...
# SECONDS defaults to 600; with no target names both run. The targets live in
# the sanitiser build (build-asan/, VITQ_FUZZERS=ON), which this builds first.
# Seeds: the ONNX test models of make_models.py, every .mlir file under test/,
# and the regression inputs in test/fuzz/. The growing corpus and any
# crashing input stay in build-asan/fuzz/TARGET/; add each crasher to
# test/fuzz/TARGET/ (lit replays them) once it is fixed.
set -euo pipefail
cd "$(dirname "$0")/.."

# VITQ_FUZZ_FLAGS adds libFuzzer flags, e.g. "-fork=1 -ignore_crashes=1" to
# collect every crasher of a run instead of stopping at the first.
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(onnx ir)

build=${VITQ_ASAN_BUILD_DIR:-build-asan}
VITQ_BUILD_DIR=$build VITQ_FUZZERS=ON VITQ_SANITIZER="Address;Undefined" \
  scripts/build.sh vitq-fuzz-onnx vitq-fuzz-ir >/dev/null

# As in lit: libMLIR.so is not instrumented, so manual poisoning is off.
export ASAN_OPTIONS=detect_leaks=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

seed_onnx() {
  # Every generated model under 256 KiB (larger ones slow mutation down).
  local dir=$1
  /usr/bin/python3 test/Target/ONNX/make_models.py "$dir" >/dev/null
  find "$dir" -type f -size +256k -delete
  cp test/fuzz/onnx/* "$dir"/ 2>/dev/null || true
}

seed_ir() {
  local dir=$1
  find test -name '*.mlir' -size -64k | while read -r f; do
    cp "$f" "$dir/$(echo "$f" | tr / _)"
  done
}

status=0
for target in "${targets[@]}"; do
  case $target in onnx | ir) ;; *)
    echo "fuzz: unknown target '$target' (onnx or ir)" >&2
    exit 2
    ;;
  esac
  work=$build/fuzz/$target
  mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"
  rm -rf "$work/seeds"/*
  "seed_$target" "$work/seeds"
  echo "fuzz: vitq-fuzz-$target for $seconds s" \
    "($(ls "$work/seeds" | wc -l) seeds, $(ls "$work/corpus" | wc -l) in corpus)"
  start=$SECONDS
  # -timeout: one input compiling for more than 60 s is a finding too.
  if ! "$build/bin/vitq-fuzz-$target" "$work/corpus" "$work/seeds" \
    -max_total_time="$seconds" -timeout=60 -rss_limit_mb=6144 \
    -max_len=262144 -print_final_stats=1 ${VITQ_FUZZ_FLAGS:-} \
    -dict="tools/vitq-fuzz/$target.dict" \
    -artifact_prefix="$work/artifacts/" >"$work/log" 2>&1; then
    status=1
    echo "fuzz: vitq-fuzz-$target found a problem; see $work/log and" \
      "$work/artifacts/" >&2
    grep -E 'ERROR|finding|SUMMARY' "$work/log" | head -5 >&2
  fi
  # The last status line: executions, coverage, corpus size.
  grep -E '^#[0-9]+' "$work/log" | tail -1 || true
  echo "fuzz: vitq-fuzz-$target ran $((SECONDS - start)) s," \
    "corpus now $(ls "$work/corpus" | wc -l) inputs"
done
exit $status
