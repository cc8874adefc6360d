#!/usr/bin/env bash
# Checks vitq on the seed papers' model families as timm defines them (Swin,
# LeViT, EfficientViT B/M, MobileViT v1/v2, EfficientFormer v1/v2; random
# "trained-like" weights exported at opset 17): FP32 against onnxruntime
# (logit cosine >= 0.9999, same top-1), and quantised by onnxruntime's
# quantize_static and by vitq's own QDQ maker, compiled --integer-only,
# against onnxruntime's own run of the same QDQ model. One Markdown table;
# exit status 1 if any check fails.
#
#   scripts/check-hybrid-models.sh [NAME ...] [--fp32-only] [--workdir DIR]
#                                  [--reuse] [--tolerance 0.01]
#                                  [--quantisers ort vitq]
#
# `--help` lists every option (python/vitq_quant/hybrid_models.py). Installs
# the producers first (scripts/setup-producers.sh); needs the vitq tools
# built (scripts/build.sh), in ${VITQ_BUILD_DIR:-build}/bin.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-producers.sh >&2
exec env PYTHONPATH=python .venv-producers/bin/python -m vitq_quant.hybrid_models \
  --bin "${VITQ_BUILD_DIR:-build}/bin" "$@"
