"""Writes a random-weight DeiT-shaped FP32 model and random inputs for it.

    python -m vitq_quant.deit OUTDIR [--preset small|tiny|deit-small|deit-base]
        [--depth N]
        [--dim N] [--heads N] [--mlp-dim N] [--image-size N] [--patch-size N]
        [--classes N] [--calibration-samples N] [--test-samples N] [--seed N]

Writes OUTDIR/deit.onnx (opset 17, batch 1, input "pixel_values"),
OUTDIR/calib.f32 and OUTDIR/test.f32 (standard-normal images, as a
normalised image set looks), ready for `qdq`, `ort_quant` and `evaluate`.
Random weights give no meaningful labels: compare the quantised models'
logits with the FP32 ones (`evaluate run deit.onnx deit_qdq.onnx`).

The graph is the one vitq's import tests use (DeitEmitter in
test/Target/ONNX/make_models.py: timm-style pre-norm blocks, fused qkv,
erf GELU, LayerNormalization, cls-token Gemm head), loaded from there so the
two cannot drift apart.
"""

import argparse
import dataclasses
import importlib.util
import os
import sys
from typing import Sequence

import numpy as np
import onnx

from .rawdata import write_f32

MAKE_MODELS = os.path.join(os.path.dirname(__file__), "..", "..", "test", "Target",
                           "ONNX", "make_models.py")


def _make_models():
    spec = importlib.util.spec_from_file_location("make_models", MAKE_MODELS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MM = _make_models()

PRESETS = {
    # Fast enough for a test: 4 blocks of width 64 on 32x32 images (17 tokens).
    "small": MM.DeitConfig(depth=4, dim=64, heads=4, mlp_dim=256, image_size=32,
                           patch_size=8, classes=10),
    # DeiT-Tiny's shape: 12 blocks of width 192, 3 heads, 224x224 (197 tokens).
    "tiny": MM.DeitConfig(depth=12, dim=192, heads=3, mlp_dim=768, image_size=224,
                          patch_size=16, classes=1000),
    # DeiT-Small and DeiT-Base: the same at widths 384 (6 heads) and 768 (12).
    "deit-small": MM.DeitConfig(depth=12, dim=384, heads=6, mlp_dim=1536,
                                image_size=224, patch_size=16, classes=1000),
    "deit-base": MM.DeitConfig(depth=12, dim=768, heads=12, mlp_dim=3072,
                               image_size=224, patch_size=16, classes=1000),
}
OVERRIDES = ("depth", "dim", "heads", "mlp_dim", "image_size", "patch_size",
             "classes", "seed")


def config(args: argparse.Namespace):
    """The preset with the dimensions given on the command line replaced."""
    changes = {k: getattr(args, k) for k in OVERRIDES if getattr(args, k) is not None}
    return dataclasses.replace(PRESETS[args.preset], **changes)


def build(cfg) -> onnx.ModelProto:
    return MM.DeitEmitter("deit", cfg, quantize=False).build()


def random_images(cfg, count: int, seed: int) -> np.ndarray:
    gen = np.random.default_rng(seed)
    return gen.standard_normal((count, cfg.channels, cfg.image_size, cfg.image_size),
                               dtype=np.float32)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vitq_quant.deit",
        description="Write a random-weight DeiT-shaped FP32 model plus random inputs.")
    parser.add_argument("outdir")
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    for name in OVERRIDES:
        parser.add_argument("--" + name.replace("_", "-"), type=int,
                            help="override the preset")
    parser.add_argument("--calibration-samples", type=int, default=32)
    parser.add_argument("--test-samples", type=int, default=32)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    cfg = config(args)
    os.makedirs(args.outdir, exist_ok=True)
    model_path = os.path.join(args.outdir, "deit.onnx")
    onnx.save(build(cfg), model_path)
    # Different seeds: the test images are not the calibration images.
    write_f32(os.path.join(args.outdir, "calib.f32"),
              random_images(cfg, args.calibration_samples, cfg.seed + 1))
    write_f32(os.path.join(args.outdir, "test.f32"),
              random_images(cfg, args.test_samples, cfg.seed + 2))
    print(f"{model_path}: {cfg}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
