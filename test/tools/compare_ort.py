"""Runs a QDQ model in onnxruntime and compiled by vitq on the same inputs.

usage: compare_ort.py MODEL.onnx MODEL.so [--samples N] [--seed S]
                      [--std X] [--lsb SCALE] [--max-lsb K] [--min-cosine C]

Draws N normal samples (standard deviation X) for the model's one input,
runs them through `vitq-run MODEL.so` (found on PATH) and through
onnxruntime, and prints the cosine similarity of the two outputs and their
largest difference, in units of --lsb (the output quantization step) when
given. Exits 1 when the difference exceeds --max-lsb or the cosine is
below --min-cosine.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnxruntime as ort


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("library")
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--std", type=float, default=1.0)
    parser.add_argument("--lsb", type=float, default=None)
    parser.add_argument("--max-lsb", type=float, default=None)
    parser.add_argument("--min-cosine", type=float, default=None)
    args = parser.parse_args()

    session = ort.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    spec = session.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in spec.shape]
    gen = np.random.default_rng(args.seed)
    samples = (gen.standard_normal([args.samples] + shape) * args.std).astype(np.float32)
    expected = np.stack([session.run(None, {spec.name: x})[0] for x in samples])
    with tempfile.TemporaryDirectory() as work:
        inputs, outputs = os.path.join(work, "in.f32"), os.path.join(work, "out.f32")
        samples.tofile(inputs)
        subprocess.run(["vitq-run", args.library, "--input", inputs, "--output", outputs],
                       check=True, stdout=subprocess.DEVNULL)
        actual = np.fromfile(outputs, np.float32).reshape(expected.shape)
    a, b = actual.reshape(args.samples, -1), expected.reshape(args.samples, -1)
    cosine = (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    diff = float(np.abs(a - b).max())
    unit = f" ({diff / args.lsb:.2f} LSB)" if args.lsb else ""
    print(f"{args.samples} samples: cosine mean {cosine.mean():.5f} min {cosine.min():.5f}, "
          f"max difference {diff:.6g}{unit}")
    failed = False
    if args.max_lsb is not None and args.lsb and diff / args.lsb > args.max_lsb:
        print(f"error: difference above {args.max_lsb} LSB")
        failed = True
    if args.min_cosine is not None and cosine.min() < args.min_cosine:
        print(f"error: cosine below {args.min_cosine}")
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
