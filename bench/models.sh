#!/usr/bin/env bash
# Whole-model latency of vitq against ONNX Runtime and OpenVINO on
# DeiT-Tiny/Small/Base (int8 from onnxruntime's quantize_static, fully
# quantised int8 from the repo's maker, FP32) at 1 and 2 threads, in one
# interleaved run, as a Markdown table (bench/models.py --help).
#
#   bench/models.sh [--models tiny,deit-small,deit-base] [--threads 1,2]
#                   [--kinds ort-int8,full-int8,fp32] [--rounds 5] [--md OUT.md]
#
# Needs the build (scripts/build.sh) and .venv (scripts/setup.sh); installs
# bench/requirements.txt (OpenVINO) into .venv on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! .venv/bin/python -c "import openvino" 2>/dev/null; then
  echo "bench/models.sh: installing OpenVINO into .venv (bench/requirements.txt)" >&2
  .venv/bin/pip install --quiet -r bench/requirements.txt
fi
exec .venv/bin/python bench/models.py "$@"
