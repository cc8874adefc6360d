#!/usr/bin/env bash
# The README's main command: installs, builds, and runs the dialect demo on a
# DeiT-Tiny encoder block at vitq's integer level.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build.sh vitq-opt
BIN=${VITQ_BUILD_DIR:-build}/bin
EXAMPLE=examples/deit-tiny-block.mlir
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

echo "== Parse, verify and canonicalise $EXAMPLE (pass timing below)"
"$BIN/vitq-opt" "$EXAMPLE" -canonicalize --mlir-timing -o "$OUT/block.mlir"
echo
echo "== Round trip: the printed IR parses back to the same text"
"$BIN/vitq-opt" "$OUT/block.mlir" -o "$OUT/again.mlir"
cmp "$OUT/block.mlir" "$OUT/again.mlir" && echo "identical"
echo
echo "== Operations in the block"
"$BIN/vitq-opt" "$OUT/block.mlir" --print-op-stats -o /dev/null 2>&1 |
  grep -E '^ +[a-z_]+\.[a-z_]+ +, +[0-9]+' || true
echo
echo "== Canonicalised IR"
cat "$OUT/block.mlir"
echo
echo "== A malformed op is rejected with its location"
cat > "$OUT/bad.mlir" <<'MLIR'
func.func @bad(%x: tensor<197x192xi8>, %w: tensor<768x190xi8>) -> tensor<197x768xi8> {
  %0 = vitq.linear %x, %w {rescale = #vitq.rescale<1518500250, 39>, transpose_weight}
         : (tensor<197x192xi8>, tensor<768x190xi8>) -> tensor<197x768xi8>
  return %0 : tensor<197x768xi8>
}
MLIR
if "$BIN/vitq-opt" "$OUT/bad.mlir" -o /dev/null; then
  echo "demo: expected a verifier error" >&2
  exit 1
fi
