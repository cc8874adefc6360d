#!/usr/bin/env bash
# The README's main command: installs, builds, quantises the bundled digits
# ViT with the repo's own calibrated QDQ maker, compiles the FP32 and the int8
# model to shared libraries with vitq-compile, and classifies the 360 bundled
# test images with each, printing accuracy and latency (ONNX Runtime's
# latency on the same models alongside, one thread).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh vitq-compile vitq-run
BIN=${VITQ_BUILD_DIR:-build}/bin
MODEL=examples/digits-vit
OUT=${VITQ_DEMO_DIR:-$(mktemp -d)}
[ -n "${VITQ_DEMO_DIR:-}" ] || trap 'rm -rf "$OUT"' EXIT
PY="env PYTHONPATH=python .venv/bin/python"

echo "== Quantise: calibrate on 256 training images, write a fully quantised QDQ model"
$PY -m vitq_quant.qdq "$MODEL/digits_vit.onnx" "$MODEL/train_images.f32" \
  -o "$OUT/digits_int8.onnx"

for variant in fp32 int8; do
  src=$MODEL/digits_vit.onnx
  flags=()
  if [ "$variant" = int8 ]; then
    src=$OUT/digits_int8.onnx
    flags=(--integer-only)
  fi
  echo
  echo "== Compile the $variant model"
  "$BIN/vitq-compile" "$src" -o "$OUT/digits_$variant.so" "${flags[@]}" 2>&1 |
    grep -v 'remark: graph input'
  echo "== Classify the 360 test images ($variant)"
  "$BIN/vitq-run" "$OUT/digits_$variant.so" --input "$MODEL/test_images.f32" \
    --output "$OUT/logits_$variant.f32" --repeat 20 --warmup 2 |
    sed "s/^/vitq $variant: /"
  /usr/bin/python3 test/tools/accuracy.py "$OUT/logits_$variant.f32" \
    "$MODEL/test_labels.u8" 10 | sed "s/^/vitq $variant: /"
done

echo
echo "== ONNX Runtime on the same two models (accuracy and latency, 1 thread)"
$PY -m vitq_quant.evaluate run "$MODEL/digits_vit.onnx" "$OUT/digits_int8.onnx" \
  --input "$MODEL/test_images.f32" --labels "$MODEL/test_labels.u8" \
  --latency --repeat 200 --warmup 20
