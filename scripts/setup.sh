#!/usr/bin/env bash
# Installs what building and testing vitq need on a bare Debian 12 machine.
# Idempotent: packages already present are skipped. Run as root (or with sudo
# available).
set -euo pipefail

PACKAGES=(
  # Compiler, build system and cache.
  clang-22 lld-22 cmake ninja-build ccache
  # LLVM / MLIR 22: libraries, headers, tablegen, lit, FileCheck, not.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # Formatting (the test suite checks clang-format).
  clang-format-22
  # ONNX protobuf schema, protobuf and fmt for the importer.
  libonnx-dev libprotobuf-dev protobuf-compiler libfmt-dev
  # Unit tests.
  libgtest-dev
  # Python modules the tests use to generate models.
  python3 python3-numpy python3-onnx
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
  "${missing[@]}"
