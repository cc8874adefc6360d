#!/usr/bin/env bash
# Installs what building and testing vitq need on a bare Debian 12 machine,
# then the Python tooling's virtual environment (.venv, from requirements.txt).
# Idempotent: packages already present are skipped, and so is the venv while
# its stamp matches requirements.txt. Run as root (or with sudo available).
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # Compiler, build system and cache.
  clang-22 lld-22 cmake ninja-build ccache
  # Sanitiser runtimes (AddressSanitizer, UBSan, LeakSanitizer, libFuzzer).
  libclang-rt-22-dev
  # LLVM / MLIR 22: libraries, headers, tablegen, lit, FileCheck, not.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # Formatting (the test suite checks clang-format).
  clang-format-22
  # ONNX protobuf schema, protobuf and fmt for the importer.
  libonnx-dev libprotobuf-dev protobuf-compiler libfmt-dev
  # oneDNN, the kernel benchmark's reference (bench/kernels.sh); its CMake
  # package requires the OpenCL headers and loader (built with an OpenCL GPU
  # runtime), so configuring fails without them.
  libdnnl-dev ocl-icd-opencl-dev
  # Unit tests; valgrind for the runtime's leak test (test/runtime).
  libgtest-dev valgrind
  # Python modules the tests use to generate models.
  python3 python3-numpy python3-onnx
  # The virtual environment of the Python tooling (python/, requirements.txt).
  python3-venv
)

# shellcheck source=scripts/apt-install.sh
. scripts/apt-install.sh
apt_install setup "${PACKAGES[@]}"

# The venv uses Debian's interpreter (the python3 on PATH may be another one).
# The stamp holds requirements.txt's hash and is written only after a
# successful install, so an interrupted or failed install is retried.
VENV=.venv
STAMP="$VENV/requirements.sha256"
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && "$VENV/bin/python" -c '' 2>/dev/null; then
  echo "setup: $VENV matches requirements.txt"
  exit 0
fi
"$VENV/bin/python" -c '' 2>/dev/null || /usr/bin/python3 -m venv --clear "$VENV"
echo "setup: installing requirements.txt into $VENV"
if ! "$VENV/bin/pip" install -q -r requirements.txt; then
  echo "setup: error: pip could not install requirements.txt into $VENV" >&2
  exit 1
fi
echo "$want" > "$STAMP"
