#!/usr/bin/env bash
# Checks vitq on models made by real producers: timm ViTs (random
# "trained-like" weights) exported by torch.onnx.export at opset 17,
# quantised by onnxruntime's quantize_static (QDQ, per-channel QInt8
# weights, QUInt8 activations, MinMax), compiled with
# `vitq-compile --integer-only`, run with vitq-run and compared with
# onnxruntime FP32 and QDQ: one Markdown table per model, exit status 1 if
# any model fails the bar or does not compile.
#
#   scripts/check-real-models.sh [NAME ...] [--quick] [--digits] [--preprocess]
#                                [--workdir DIR] [--reuse] ...
#
# Default models: deit_tiny_patch16_224 vit_small_patch16_224
# deit_base_patch16_224 (about 2 GB of disk in the work folder and some
# minutes each); --quick: a 2-block ViT on 32x32 images (seconds);
# --digits: examples/timm-digits, accuracy on its 360 test images.
# `--help` lists every option (python/vitq_quant/real_models.py).
#
# Installs the producers first (scripts/setup-producers.sh: Debian's torch,
# timm in .venv-producers); needs the vitq tools built (scripts/build.sh),
# in ${VITQ_BUILD_DIR:-build}/bin.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-producers.sh >&2
BIN=${VITQ_BUILD_DIR:-build}/bin
# A tool being relinked is missing for a moment: wait up to a minute.
for t in vitq-compile vitq-run; do
  for ((i = 0; i < 6; i++)); do
    [ -x "$BIN/$t" ] || sleep 10
  done
  if [ ! -x "$BIN/$t" ]; then
    echo "check-real-models: $BIN/$t missing: build vitq first (scripts/build.sh)" >&2
    exit 2
  fi
done
exec env PYTHONPATH=python .venv-producers/bin/python -m vitq_quant.real_models \
  --bin "$BIN" "$@"
