"""Accuracy, logits, agreement and latency of ONNX models in onnxruntime.

    python -m vitq_quant.evaluate run MODEL [MODEL ...] --input X.f32
        [--labels Y.u8] [--write-logits DIR] [--latency] [--repeat N] [--warmup N]
        [--no-qdq-fusion]
    python -m vitq_quant.evaluate compare A.f32 B.f32 --classes C [--labels Y.u8]

`run` prints each model's top-1 accuracy (with --labels), its agreement with
the first model (top-1 agreement, mean/min cosine similarity of the logits)
and, with --latency, the median and minimum time of one single-sample
inference on one thread. --write-logits writes DIR/<model name>.f32, raw
float32 (N x classes), the format `compare` reads, so the output of vitq's
native code can be checked against onnxruntime's. --no-qdq-fusion runs
quantised models without onnxruntime's QDQ fusions, in their exact
DequantizeLinear -> float op -> QuantizeLinear meaning (rawdata.session).
"""

import argparse
import os
import sys
import time
from typing import Optional, Sequence

import numpy as np

from .rawdata import InputSpec, session, write_f32


def run_model(path: str, inputs_path: str, qdq_fusion: bool = True) -> np.ndarray:
    """Logits of every sample, (N, classes)."""
    sess = session(path, qdq_fusion=qdq_fusion)
    spec = InputSpec.of_session(sess)
    samples = spec.read(inputs_path)
    out = [sess.run(None, {spec.name: batch})[0] for batch in spec.batches(samples)]
    return np.concatenate(out).reshape(len(samples), -1)


def latency(path: str, inputs_path: str, repeat: int, warmup: int,
            qdq_fusion: bool = True):
    """(median, min) seconds of one inference of the first sample, 1 thread."""
    sess = session(path, threads=1, qdq_fusion=qdq_fusion)
    spec = InputSpec.of_session(sess)
    sample = spec.read(inputs_path)[:spec.batch or 1]
    for _ in range(warmup):
        sess.run(None, {spec.name: sample})
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        sess.run(None, {spec.name: sample})
        times.append(time.perf_counter() - start)
    return float(np.median(times)), float(np.min(times))


def read_labels(path: str, count: int) -> np.ndarray:
    labels = np.fromfile(path, dtype=np.uint8)
    if labels.size != count:
        raise ValueError(f"{path}: {labels.size} labels for {count} samples")
    return labels


def accuracy(logits: np.ndarray, labels: np.ndarray) -> str:
    correct = int(np.sum(logits.argmax(axis=1) == labels))
    return f"top-1 {100 * correct / len(labels):.2f}% ({correct}/{len(labels)})"


def agreement(a: np.ndarray, b: np.ndarray) -> str:
    """Top-1 agreement and cosine similarity of two (N, classes) logit sets."""
    if a.shape != b.shape:
        raise ValueError(f"logit shapes differ: {a.shape} vs {b.shape}")
    agree = float(np.mean(a.argmax(axis=1) == b.argmax(axis=1)))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    norms = np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)
    cosine = np.sum(a64 * b64, axis=1) / np.where(norms > 0, norms, 1.0)
    return (f"top-1 agreement {100 * agree:.2f}%, cosine mean {cosine.mean():.5f} "
            f"min {cosine.min():.5f}")


def cmd_run(args: argparse.Namespace) -> None:
    first: Optional[np.ndarray] = None
    for path in args.models:
        logits = run_model(path, args.input, args.qdq_fusion)
        name = os.path.basename(path)
        parts = []
        if args.labels:
            parts.append(accuracy(logits, read_labels(args.labels, len(logits))))
        if first is not None:
            parts.append(f"vs {os.path.basename(args.models[0])}: {agreement(first, logits)}")
        if args.latency:
            med, low = latency(path, args.input, args.repeat, args.warmup,
                               args.qdq_fusion)
            parts.append(f"latency median {1e3 * med:.3f} ms, min {1e3 * low:.3f} ms "
                         f"(1 thread, {args.repeat} runs)")
        if args.write_logits:
            os.makedirs(args.write_logits, exist_ok=True)
            out = os.path.join(args.write_logits, os.path.splitext(name)[0] + ".f32")
            write_f32(out, logits)
            parts.append(f"logits -> {out}")
        print(f"{name}: " + "; ".join(parts or [f"{len(logits)} samples run"]))
        first = logits if first is None else first


def cmd_compare(args: argparse.Namespace) -> None:
    a, b = (np.fromfile(p, dtype="<f4").reshape(-1, args.classes) for p in args.logits)
    print(f"{len(a)} samples: {agreement(a, b)}")
    if args.labels:
        labels = read_labels(args.labels, len(a))
        for path, logits in zip(args.logits, (a, b)):
            print(f"{os.path.basename(path)}: {accuracy(logits, labels)}")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m vitq_quant.evaluate",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run ONNX models on raw float32 inputs")
    run.add_argument("models", nargs="+")
    run.add_argument("--input", required=True, help="raw float32 samples")
    run.add_argument("--labels", help="uint8 label per sample")
    run.add_argument("--write-logits", metavar="DIR", help="write DIR/<model>.f32")
    run.add_argument("--latency", action="store_true",
                     help="time single-sample inference on one thread")
    run.add_argument("--repeat", type=int, default=100)
    run.add_argument("--warmup", type=int, default=10)
    run.add_argument("--no-qdq-fusion", dest="qdq_fusion", action="store_false",
                     help="run Q/DQ as written (no QLinear* fusion): the exact semantics")
    run.set_defaults(func=cmd_run)
    compare = sub.add_parser("compare", help="compare two raw float32 logit files")
    compare.add_argument("logits", nargs=2)
    compare.add_argument("--classes", type=int, required=True)
    compare.add_argument("--labels", help="uint8 label per sample")
    compare.set_defaults(func=cmd_compare)
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
