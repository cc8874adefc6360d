#!/usr/bin/env bash
# Formats the C++ sources with clang-format (LLVM style, .clang-format).
#   scripts/format.sh          rewrite files in place
#   scripts/format.sh --check  report unformatted files and fail
set -euo pipefail
cd "$(dirname "$0")/.."

CLANG_FORMAT=${CLANG_FORMAT:-$(command -v clang-format-22 || echo /usr/lib/llvm-22/bin/clang-format)}
mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.c')

if [ "${1:-}" = "--check" ]; then
  "$CLANG_FORMAT" --dry-run -Werror "${files[@]}"
  echo "clang-format: ${#files[@]} files clean"
else
  "$CLANG_FORMAT" -i "${files[@]}"
fi
