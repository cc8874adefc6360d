#!/usr/bin/env bash
# Installs the model producers that scripts/check-real-models.sh and
# examples/timm-digits/train.py need: Debian's PyTorch 1.13 and torchvision,
# scikit-learn (the digits data set) and PyYAML, then a virtual environment
# .venv-producers (Debian's interpreter with its system site packages, so
# that it sees that torch) holding requirements.txt and timm, pinned in
# requirements-producers.txt and installed with --no-deps (its declared
# dependencies would pull PyPI's torch, which must not be used here; the
# rest of them, huggingface_hub and safetensors, are only needed for
# pretrained weights, which nothing here downloads).
# Idempotent: packages already present are skipped, and so is the venv while
# its stamp matches both requirement files. Run as root (or with sudo
# available). Not needed to build or test vitq itself.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # PyTorch 1.13 and torchvision (torch.onnx.export), with a BLAS.
  python3-torch python3-torchvision libopenblas0-pthread
  # scikit-learn's bundled digits (examples/timm-digits), PyYAML (timm).
  python3-sklearn python3-yaml
  # The virtual environment.
  python3-venv
)

# shellcheck source=scripts/apt-install.sh
. scripts/apt-install.sh
apt_install setup-producers "${PACKAGES[@]}"

# The venv uses Debian's interpreter and sees its site packages (torch,
# torchvision, sklearn, yaml); the pinned PyPI packages installed into it
# (numpy, onnx, onnxruntime, timm) take precedence over Debian's. The stamp
# holds both requirement files' hash and is written only after a successful
# install and import check, so an interrupted or failed install is retried.
VENV=.venv-producers
STAMP="$VENV/requirements.sha256"
want=$(cat requirements.txt requirements-producers.txt | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && "$VENV/bin/python" -c '' 2>/dev/null; then
  echo "setup-producers: $VENV matches requirements.txt and requirements-producers.txt"
  exit 0
fi
"$VENV/bin/python" -c '' 2>/dev/null ||
  /usr/bin/python3 -m venv --clear --system-site-packages "$VENV"
echo "setup-producers: installing requirements.txt and requirements-producers.txt into $VENV"
if ! "$VENV/bin/pip" install -q -r requirements.txt; then
  echo "setup-producers: error: pip could not install requirements.txt into $VENV" >&2
  exit 1
fi
if ! "$VENV/bin/pip" install -q --no-deps -r requirements-producers.txt; then
  echo "setup-producers: error: pip could not install requirements-producers.txt into $VENV" >&2
  exit 1
fi
if ! "$VENV/bin/python" - <<'EOF'
import onnx
import onnxruntime
import sklearn
import timm
import torch
import torchvision

timm.create_model("vit_tiny_patch16_224", pretrained=False, img_size=32, patch_size=4,
                  depth=1, num_classes=10)
print(f"setup-producers: torch {torch.__version__}, torchvision {torchvision.__version__}, "
      f"timm {timm.__version__}, onnx {onnx.__version__}, "
      f"onnxruntime {onnxruntime.__version__}, scikit-learn {sklearn.__version__}")
EOF
then
  echo "setup-producers: error: torch/timm do not import in $VENV" >&2
  exit 1
fi
echo "$want" > "$STAMP"
