"""Exports a timm (or torchvision) model to FP32 ONNX the way its users do,
plus random inputs for it: the producer side of real-model checks.

    python -m vitq_quant.timm_export NAME OUTDIR [--seed N] [--opset 17]
        [--image-size N] [--trained-like | --no-trained-like]
        [--calibration-samples N] [--test-samples N]

NAME is a timm model name (`deit_tiny_patch16_224`), or `torchvision:NAME`
for a torchvision model (`torchvision:vit_b_16`); either may carry keyword
arguments for the model's constructor after an `@`, comma-separated, values
as Python literals:
`vit_tiny_patch16_224@patch_size=4,depth=2,num_classes=10`. The model is
created with random weights (`pretrained=False`: nothing is downloaded),
seeded by --seed.

Writes, in OUTDIR:
  model.onnx  torch.onnx.export, opset 17 unless --opset, batch 1 static,
              input "input", output "logits", constant folding on;
  calib.f32   --calibration-samples (16) standard-normal images, raw
              little-endian float32, N x C x H x W (rawdata's format);
  test.f32    --test-samples (8) more, from another seed.
and prints the model's op types.

--image-size sets H = W (timm's `img_size`, torchvision's `image_size`;
a model that takes neither is only fed that size); the default is the
model's own.

--trained-like (the default) replaces what random initialisation leaves
degenerate, so that calibration and quantisation see statistics like a
trained model's rather than all-ones LayerNorm scales and all-zero biases:
norm weights (LayerNorm, BatchNorm, GroupNorm) become 1 + N(0, 0.2) and
their biases N(0, 0.1); BatchNorm running means N(0, 0.1) and variances
U(0.5, 1.5); linear and convolution biases (and torchvision's attention
in_proj_bias) N(0, 0.03); class/distillation/register tokens N(0, 0.1);
position embeddings get N(0, 0.05) added; any weight matrix left all zero
(torchvision's ViT head) N(0, 0.02). --no-trained-like keeps the
initialisation as it is.
"""

import argparse
import ast
import collections
import os
import sys
from typing import Any, Dict, Optional, Sequence, Tuple

import numpy as np
import onnx
import torch
from torch import nn

from .rawdata import write_f32

TORCHVISION_PREFIX = "torchvision:"
NORM_TYPES = (nn.LayerNorm, nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm)
# Parameter names (last component) of tokens prepended to the sequence.
TOKEN_NAMES = {"cls_token", "dist_token", "reg_token", "class_token"}
POS_EMBED_NAMES = {"pos_embed", "pos_embedding"}


def parse_name(spec: str) -> Tuple[str, str, Dict[str, Any]]:
    """`[torchvision:]name[@k=v,...]` -> (library, name, constructor kwargs)."""
    library = "timm"
    if spec.startswith(TORCHVISION_PREFIX):
        library, spec = "torchvision", spec[len(TORCHVISION_PREFIX):]
    name, _, args = spec.partition("@")
    kwargs: Dict[str, Any] = {}
    for item in filter(None, args.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"model argument '{item}' is not KEY=VALUE")
        try:
            kwargs[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            kwargs[key.strip()] = value.strip()
    return library, name, kwargs


def create(spec: str, image_size: Optional[int] = None) -> nn.Module:
    """The model in eval mode, randomly initialised (seed torch first)."""
    library, name, kwargs = parse_name(spec)
    if library == "torchvision":
        import torchvision
        factory = lambda **kw: torchvision.models.get_model(name, weights=None, **kw)
        size_key = "image_size"
    else:
        import timm
        factory = lambda **kw: timm.create_model(name, pretrained=False, **kw)
        size_key = "img_size"
    if image_size is not None and size_key not in kwargs:
        try:
            return factory(**kwargs, **{size_key: image_size}).eval()
        except TypeError:  # a CNN: any input size, no such argument
            pass
    return factory(**kwargs).eval()


def input_shape(model: nn.Module, image_size: Optional[int]) -> Tuple[int, int, int]:
    """(C, H, W): channels of the first convolution, the model's own size
    unless `image_size`."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    channels = conv.in_channels if conv is not None else 3
    if image_size is not None:
        return channels, image_size, image_size
    size = getattr(model, "image_size", None)  # torchvision's ViT
    patch_embed = getattr(model, "patch_embed", None)  # timm's ViT family
    if size is None and patch_embed is not None and getattr(patch_embed, "img_size", None):
        size = patch_embed.img_size
    if size is None:
        cfg = getattr(model, "pretrained_cfg", None) or {}
        size = tuple(cfg.get("input_size", (channels, 224, 224))[1:])
    height, width = (size, size) if isinstance(size, int) else tuple(size)
    return channels, int(height), int(width)


@torch.no_grad()
def make_trained_like(model: nn.Module, seed: int) -> None:
    """Replaces the degenerate parts of a random initialisation in place
    (the module docstring lists what and how)."""
    gen = torch.Generator().manual_seed(seed + 1000)

    def normal(like: torch.Tensor, std: float, mean: float = 0.0) -> torch.Tensor:
        return torch.randn(like.shape, generator=gen, dtype=like.dtype) * std + mean

    seen = set()
    for module in model.modules():
        if isinstance(module, NORM_TYPES):
            if getattr(module, "weight", None) is not None:
                module.weight.copy_(normal(module.weight, 0.2, 1.0))
                seen.add(id(module.weight))
            if getattr(module, "bias", None) is not None:
                module.bias.copy_(normal(module.bias, 0.1))
                seen.add(id(module.bias))
            if isinstance(module, nn.modules.batchnorm._BatchNorm) \
                    and module.running_mean is not None:
                module.running_mean.copy_(normal(module.running_mean, 0.1))
                module.running_var.copy_(
                    torch.rand(module.running_var.shape, generator=gen) + 0.5)
        elif isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d)) \
                and module.bias is not None:
            module.bias.copy_(normal(module.bias, 0.03))
            seen.add(id(module.bias))
    for name, param in model.named_parameters():
        if id(param) in seen:
            continue
        leaf = name.rsplit(".", 1)[-1]
        if leaf in TOKEN_NAMES:
            param.copy_(normal(param, 0.1))
        elif leaf in POS_EMBED_NAMES:
            param.add_(normal(param, 0.05))
        elif leaf == "in_proj_bias":  # torchvision's nn.MultiheadAttention
            param.copy_(normal(param, 0.03))
        elif param.dim() >= 2 and not param.abs().max().item():
            param.copy_(normal(param, 0.02))


def export(model: nn.Module, shape: Tuple[int, int, int], path: str, opset: int) -> None:
    torch.onnx.export(model, torch.zeros(1, *shape), path, opset_version=opset,
                      input_names=["input"], output_names=["logits"],
                      do_constant_folding=True)


def random_images(shape: Tuple[int, int, int], count: int, seed: int) -> np.ndarray:
    """Standard-normal images, as normalised photographs roughly look."""
    return np.random.default_rng(seed).standard_normal((count,) + shape, dtype=np.float32)


def write(spec: str, outdir: str, seed: int = 0, opset: int = 17,
          image_size: Optional[int] = None, trained_like: bool = True,
          calibration_samples: int = 16, test_samples: int = 8) -> str:
    """The whole export; returns the model's path."""
    torch.manual_seed(seed)
    model = create(spec, image_size)
    if trained_like:
        make_trained_like(model, seed)
    shape = input_shape(model, image_size)
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, "model.onnx")
    export(model, shape, path, opset)
    # Different seeds: the test images are not the calibration images.
    write_f32(os.path.join(outdir, "calib.f32"),
              random_images(shape, calibration_samples, seed + 1))
    write_f32(os.path.join(outdir, "test.f32"), random_images(shape, test_samples, seed + 2))
    return path


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vitq_quant.timm_export",
        description="Export a random-weight timm/torchvision model to FP32 ONNX, "
                    "plus random inputs.")
    parser.add_argument("name", help="timm name, torchvision:NAME, optionally @k=v,...")
    parser.add_argument("outdir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--image-size", type=int, help="H = W (default: the model's)")
    parser.add_argument("--trained-like", action=argparse.BooleanOptionalAction, default=True,
                        help="replace degenerate random-init statistics (default: on)")
    parser.add_argument("--calibration-samples", type=int, default=16)
    parser.add_argument("--test-samples", type=int, default=8)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    torch.set_num_threads(min(2, os.cpu_count() or 1))
    path = write(args.name, args.outdir, args.seed, args.opset, args.image_size,
                 args.trained_like, args.calibration_samples, args.test_samples)
    model = onnx.load(path, load_external_data=False)
    ops = collections.Counter(n.op_type for n in model.graph.node)
    shape = [d.dim_value or d.dim_param for d in
             model.graph.input[0].type.tensor_type.shape.dim]
    print(f"{path}: input {model.graph.input[0].name} {shape}, "
          f"{len(model.graph.node)} nodes, ops "
          + ", ".join(f"{op} {n}" for op, n in sorted(ops.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
