#!/usr/bin/env bash
# Times `vitq-translate --import-onnx` on a DeiT-Base-sized FP32 model (12
# blocks, dim 768, 86.6M parameters, 346 MB), generated here. The target is
# an import under 5 s. Prints each run and the median.
#
#   bench/onnx-import.sh [RUNS]          (default 5; needs a built tree)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
tool="$root/build/bin/vitq-translate"
[[ -x $tool ]] || { echo "error: build first (scripts/build.sh)" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 "$root/test/Target/ONNX/make_models.py" "$dir" \
  deit_fp32_base_size > /dev/null
model="$dir/deit_fp32_base_size.onnx"
echo "model: $(du -h "$model" | cut -f1) ($model)"
times=()
for ((i = 0; i < runs; i++)); do
  # Full import and printing, with blobs elided so the disk is not timed.
  t=$( { /usr/bin/time -f "%e %M" "$tool" --import-onnx "$model" \
           --mlir-elide-resource-strings-if-larger=64 -o /dev/null; } 2>&1 )
  echo "run $((i + 1)): ${t% *} s, peak RSS $((${t#* } / 1024)) MiB"
  times+=("${t% *}")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1}
  END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
echo "median import time: $median s (target < 5 s)"
