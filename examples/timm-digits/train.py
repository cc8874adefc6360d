#!/usr/bin/env python3
"""Trains a small timm model on scikit-learn's digits: a model made by a real
producer (timm's own modules, torch.onnx.export) that vitq must compile,
quantised by onnxruntime, with labels to measure accuracy on. `--arch`
picks timm's VisionTransformer (default, model.onnx), SwinTransformer
(swin.onnx) or the MIT EfficientViT with ReLU linear attention
(efficientvit.onnx), each scaled down.

The data (1797 8x8 grey images, 10 classes) ships inside Debian's
python3-sklearn, so nothing is downloaded. Images are scaled to [0, 1] and
upscaled bilinearly to 32x32; the model is
`timm.models.vision_transformer.VisionTransformer` itself (img_size 32,
patch_size 4, one channel, width 64, 4 blocks, 4 heads, mlp_ratio 2: 65
tokens with the class token, about 0.14M parameters), so the exported
graph is exactly what timm's ViTs export to (fused qkv, Split/Squeeze,
LayerNormalization, erf GELU, class-token Gather, Gemm head).

`--arch swin`: `timm.models.swin_transformer.SwinTransformer` (patch_size
2, width 32, two stages of depth 2 with 2 and 4 heads, window 4: 16 x 16
then 8 x 8 tokens, shifted windows and their attention mask, patch
merging). `--arch efficientvit`: `timm.models.efficientvit_mit.EfficientVit`
(stem 16, stages 32/48/64 of depth 1, head_dim 8, head widths 128: MBConv
and depthwise convolutions, BatchNorm, HardSwish, and in the last stage
(2 x 2 positions) the ReLU linear attention with its normalising
division).

Outputs (in --out, default: this script's folder):
  model.onnx        FP32, opset 17, batch 1 static, input "input"
                    (1 x 1 x 32 x 32), output "logits" (1 x 10)
                    (swin.onnx, efficientvit.onnx for the other archs).
  test_images.f32   the held-out split (every fifth image, 360), raw
                    little-endian float32, N x 1 x 32 x 32, in [0, 1].
  test_labels.u8    its labels, one byte each.
  train_images.f32  a calibration sample from the training split (first
                    256 images), same layout.

Needs Debian's python3-torch (1.13), python3-sklearn and timm
(scripts/setup-producers.sh makes .venv-producers with all of them):

    .venv-producers/bin/python examples/timm-digits/train.py

The run is seeded and deterministic; on one machine it reproduces the same
weights (with the same --threads). 60 epochs on one thread take about four
minutes and reach 97.2% test accuracy (100 epochs: 99.4%).
"""

import argparse
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from timm.models.efficientvit_mit import EfficientVit
from timm.models.swin_transformer import SwinTransformer
from timm.models.vision_transformer import VisionTransformer
from torch import nn

IMAGE = 32
# arch: (timm class, its arguments, the ONNX file it is written to)
ARCHS = {
    "vit": (VisionTransformer,
            dict(img_size=IMAGE, patch_size=4, in_chans=1, num_classes=10,
                 embed_dim=64, depth=4, num_heads=4, mlp_ratio=2.0),
            "model.onnx"),
    "swin": (SwinTransformer,
             dict(img_size=IMAGE, patch_size=2, in_chans=1, num_classes=10,
                  embed_dim=32, depths=(2, 2), num_heads=(2, 4), window_size=4,
                  mlp_ratio=2.0, drop_path_rate=0.0),
             "swin.onnx"),
    "efficientvit": (EfficientVit,
                     dict(in_chans=1, widths=(16, 32, 48, 64), depths=(1, 1, 1, 1),
                          head_dim=8, head_widths=(128, 128), num_classes=10),
                     "efficientvit.onnx"),
}
BATCH = 64


def load_split():
    """The fixed split of examples/digits-vit: every fifth image is held out
    (360 test images); images upscaled to 32x32 in [0, 1]."""
    digits = load_digits()
    images = torch.from_numpy((digits.images / 16.0).astype(np.float32)[:, None])
    images = F.interpolate(images, size=(IMAGE, IMAGE), mode="bilinear",
                           align_corners=False).clamp(0, 1).numpy()
    labels = digits.target.astype(np.int64)
    test = np.arange(len(labels)) % 5 == 0
    return images[~test], labels[~test], images[test], labels[test]


def augment(x, generator):
    """Random shifts of up to 3 pixels (under one original pixel) each way."""
    dy, dx = torch.randint(-3, 4, (2,), generator=generator).tolist()
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def train(model, x, y, epochs, lr):
    generator = torch.Generator().manual_seed(1)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    steps = epochs * math.ceil(len(y) / BATCH)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    start = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y), generator=generator)
        for i in range(0, len(y), BATCH):
            idx = order[i:i + BATCH]
            loss = loss_fn(model(augment(x[idx], generator)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if (epoch + 1) % 5 == 0 or epoch + 1 == epochs:
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}, "
                  f"train acc {accuracy(model, x, y):.4f}, {time.time() - start:.0f} s",
                  flush=True)


def export(model, path):
    torch.onnx.export(model, torch.zeros(1, 1, IMAGE, IMAGE), path, opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      do_constant_folding=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--arch", choices=sorted(ARCHS), default="vit")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (the committed model: 1; results differ "
                             "slightly with another count)")
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    train_x, train_y, test_x, test_y = load_split()
    cls, config, filename = ARCHS[args.arch]
    model = cls(**config)
    params = sum(p.numel() for p in model.parameters())
    print(f"timm {cls.__name__} {config}: {params} parameters")
    train(model, torch.from_numpy(train_x), torch.from_numpy(train_y), args.epochs, args.lr)
    acc = accuracy(model, torch.from_numpy(test_x), torch.from_numpy(test_y))
    print(f"FP32 test accuracy: {acc:.4f} on {len(test_y)} images")

    os.makedirs(args.out, exist_ok=True)
    export(model, os.path.join(args.out, filename))
    test_x.tofile(os.path.join(args.out, "test_images.f32"))
    test_y.astype(np.uint8).tofile(os.path.join(args.out, "test_labels.u8"))
    train_x[:256].tofile(os.path.join(args.out, "train_images.f32"))


if __name__ == "__main__":
    main()
