#!/usr/bin/env python3
"""Trains vitq's bundled example model: a small ViT on scikit-learn's digits.

The data (1797 8x8 grey images, 10 classes) ships inside Debian's
python3-sklearn, so nothing is downloaded. The model is a timm-style ViT:
2x2 patch embedding (a strided Conv), a class token, learned position
embeddings, pre-norm encoder blocks with multi-head self-attention and an
erf-GELU MLP, and a linear head on the class token.

Outputs (in --out, default: this script's folder):
  digits_vit.onnx        FP32, opset 13: LayerNorm and GELU decomposed, as
                         torch.onnx.export writes them for older opsets.
  digits_vit_op17.onnx   the same weights at opset 17 (LayerNormalization).
  test_images.f32        the held-out split, raw little-endian float32,
                         N x 1 x 8 x 8, already scaled to [0, 1].
  test_labels.u8         its labels, one byte each.
  train_images.f32       a calibration sample from the training split
                         (first 256 images), same layout.

Needs Debian's python3-torch (1.13), python3-sklearn and python3-onnx. The run
is seeded; on one machine it reproduces the same weights. It takes about
five minutes on two cores (97.5% test accuracy).
"""

import argparse
import math
import os

import numpy as np
import torch
from torch import nn
from sklearn.datasets import load_digits

IMAGE = 8
PATCH = 2
DIM = 64
DEPTH = 4
HEADS = 4
MLP = 128
CLASSES = 10


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        b, n, c = x.shape
        qkv = self.qkv(x).reshape(b, n, 3, self.heads, c // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        attn = (q @ k.transpose(-2, -1)) * self.scale
        attn = attn.softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(b, n, c))


class Block(nn.Module):
    def __init__(self, dim, heads, mlp):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, mlp)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(mlp, dim)

    def forward(self, x):
        x = x + self.attn(self.norm1(x))
        return x + self.fc2(self.act(self.fc1(self.norm2(x))))


class DigitsViT(nn.Module):
    def __init__(self):
        super().__init__()
        tokens = (IMAGE // PATCH) ** 2
        self.patch_embed = nn.Conv2d(1, DIM, PATCH, stride=PATCH)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, DIM))
        self.pos_embed = nn.Parameter(torch.randn(1, tokens + 1, DIM) * 0.02)
        self.blocks = nn.Sequential(
            *[Block(DIM, HEADS, MLP) for _ in range(DEPTH)])
        self.norm = nn.LayerNorm(DIM, eps=1e-6)
        self.head = nn.Linear(DIM, CLASSES)

    def forward(self, x):
        x = self.patch_embed(x).flatten(2).transpose(1, 2)
        cls = self.cls_token.expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + self.pos_embed
        x = self.norm(self.blocks(x))
        return self.head(x[:, 0])


def load_split():
    """The fixed split: every fifth image is held out (360 test images)."""
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, None]
    labels = digits.target.astype(np.int64)
    test = np.arange(len(labels)) % 5 == 0
    return images[~test], labels[~test], images[test], labels[test]


def augment(x, generator):
    """Random shifts of up to one pixel, the only augmentation."""
    shifts = torch.randint(-1, 2, (2,), generator=generator).tolist()
    return torch.roll(x, shifts=shifts, dims=(2, 3))


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def train(model, x, y, epochs):
    generator = torch.Generator().manual_seed(1)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.05)
    steps = epochs * math.ceil(len(y) / 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, 2e-3, total_steps=steps)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(y), generator=generator)
        for i in range(0, len(y), 64):
            idx = order[i:i + 64]
            loss = loss_fn(model(augment(x[idx], generator)), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if (epoch + 1) % 20 == 0:
            model.eval()
            print(f"epoch {epoch + 1}: loss {loss.item():.3f}, "
                  f"train acc {accuracy(model, x, y):.4f}")


def export(model, path, opset):
    torch.onnx.export(
        model, torch.zeros(1, 1, IMAGE, IMAGE), path, opset_version=opset,
        input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
        do_constant_folding=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.dirname(
        os.path.abspath(__file__)))
    parser.add_argument("--epochs", type=int, default=120)
    args = parser.parse_args()

    torch.manual_seed(0)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    train_x, train_y, test_x, test_y = load_split()
    model = DigitsViT()
    train(model, torch.from_numpy(train_x), torch.from_numpy(train_y),
          args.epochs)
    model.eval()
    acc = accuracy(model, torch.from_numpy(test_x), torch.from_numpy(test_y))
    print(f"FP32 test accuracy: {acc:.4f} on {len(test_y)} images")

    os.makedirs(args.out, exist_ok=True)
    export(model, os.path.join(args.out, "digits_vit.onnx"), 13)
    export(model, os.path.join(args.out, "digits_vit_op17.onnx"), 17)
    test_x.tofile(os.path.join(args.out, "test_images.f32"))
    test_y.astype(np.uint8).tofile(os.path.join(args.out, "test_labels.u8"))
    train_x[:256].tofile(os.path.join(args.out, "train_images.f32"))


if __name__ == "__main__":
    main()
