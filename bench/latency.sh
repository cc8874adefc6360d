#!/usr/bin/env bash
# Latency of vitq-compiled models against ONNX Runtime (1 thread), measured
# in the same run with the contenders interleaved, medians reported.
#
#   bench/latency.sh [ROUNDS]
#
# Models: the bundled digits ViT (FP32 and int8 by the repo's QDQ maker) and
# a DeiT-Tiny-shaped random-weight model (int8), made in a temporary
# directory. Needs the build (scripts/build.sh) and .venv (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
BIN=${VITQ_BUILD_DIR:-build}/bin
PY="env PYTHONPATH=python .venv/bin/python"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
D=examples/digits-vit

$PY -m vitq_quant.qdq $D/digits_vit.onnx $D/train_images.f32 -o "$OUT/digits_int8.onnx" >/dev/null
$PY -m vitq_quant.deit "$OUT/deit" --preset tiny >/dev/null
$PY -m vitq_quant.qdq "$OUT/deit/deit.onnx" "$OUT/deit/calib.f32" -o "$OUT/deit_int8.onnx" >/dev/null
head -c $((4 * 3 * 224 * 224 * 4)) "$OUT/deit/test.f32" > "$OUT/deit4.f32"

"$BIN/vitq-compile" $D/digits_vit.onnx -o "$OUT/digits_fp32.so" --quiet 2>/dev/null
"$BIN/vitq-compile" "$OUT/digits_int8.onnx" -o "$OUT/digits_int8.so" --quiet --integer-only 2>/dev/null
"$BIN/vitq-compile" "$OUT/deit_int8.onnx" -o "$OUT/deit_int8.so" --quiet --integer-only 2>/dev/null

# name, ONNX model, vitq library, input file, repeats
cases=(
  "digits-fp32|$D/digits_vit.onnx|$OUT/digits_fp32.so|$D/test_images.f32|5"
  "digits-int8|$OUT/digits_int8.onnx|$OUT/digits_int8.so|$D/test_images.f32|5"
  "deit-tiny-int8|$OUT/deit_int8.onnx|$OUT/deit_int8.so|$OUT/deit4.f32|3"
)
median() { sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
for c in "${cases[@]}"; do
  IFS='|' read -r name onnx lib input repeat <<<"$c"
  vitq=() ort=()
  for ((r = 0; r < ROUNDS; r++)); do
    vitq+=("$("$BIN/vitq-run" "$lib" --input "$input" --repeat "$repeat" --warmup 1 |
      sed -E 's/.*median ([0-9.]+) ms.*/\1/')")
    ort+=("$($PY -m vitq_quant.evaluate run "$onnx" --input "$input" --latency \
      --repeat $((repeat * 20)) --warmup 5 | sed -E 's/.*latency median ([0-9.]+) ms.*/\1/')")
  done
  v=$(printf '%s\n' "${vitq[@]}" | median)
  o=$(printf '%s\n' "${ort[@]}" | median)
  awk -v n="$name" -v v="$v" -v o="$o" 'BEGIN {
    printf "%-16s vitq %9.3f ms   onnxruntime %9.3f ms   vitq/ort %5.2fx\n", n, v, o, v / o }'
done
