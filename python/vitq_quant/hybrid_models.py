"""Checks vitq on the seed papers' model families as timm defines them:
Swin, LeViT, EfficientViT (B and M), MobileViT (v1 and v2) and
EfficientFormer (v1 and v2), in FP32 and quantised by onnxruntime and by
vitq's own QDQ maker.

    python -m vitq_quant.hybrid_models [NAME ...] [--workdir DIR] [--reuse]
        [--bin DIR] [--fp32-only] [--tolerance 0.01] [--quantisers ort vitq]

(scripts/check-hybrid-models.sh runs it in .venv-producers.) For each NAME
(default: the eight models of issue 21, below):

1. timm_export: random "trained-like" weights, FP32 ONNX at opset 17,
   batch 1, 16 calibration and 8 test images;
2. FP32: `vitq-compile model.onnx`, then vitq-run against onnxruntime on the
   8 test images. PASS: logit cosine >= 0.9999 on every image and the same
   top-1;
3. int8, for each of `--quantisers` (default both): onnxruntime's
   quantize_static (QDQ, per-channel QInt8 weights, QUInt8 activations,
   MinMax, no quant_pre_process) and vitq's own QDQ maker
   (`vitq_quant.qdq`, its defaults), then `vitq-compile --integer-only`,
   vitq-run. PASS: mean and minimum logit cosine to onnxruntime FP32 at
   most `--tolerance` below those of onnxruntime's own run of the same QDQ
   model (every Q/DQ executed: graph optimisations off).

Prints one Markdown table (FP32 and int8 per model, compile times, the
first error of a model that does not compile) and exits 1 if any check
fails.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from typing import List, Optional, Sequence

import numpy as np

from . import ort_quant, timm_export
from . import qdq as qdq_maker
from .real_models import cosines, first_errors, tool, top1_agreement

MODELS = ["swin_tiny_patch4_window7_224", "levit_128s", "efficientvit_b0",
          "efficientvit_m0", "mobilevit_xxs", "mobilevitv2_050",
          "efficientformer_l1", "efficientformerv2_s0"]
FP32_MIN_COSINE = 0.9999


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ort_run(path: str, images: np.ndarray, optimise: bool) -> np.ndarray:
    import onnxruntime as ort
    options = ort.SessionOptions()
    if not optimise:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return np.concatenate([session.run(None, {name: images[i:i + 1]})[0]
                           for i in range(len(images))])


def vitq_compile(bin_dir: str, model: str, library: str, integer_only: bool):
    """(seconds, None) or (None, first error lines)."""
    args = [tool(bin_dir, "vitq-compile"), model, "-o", library, "--quiet"]
    if integer_only:
        args.append("--integer-only")
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode:
        return None, first_errors(done.stderr)
    return time.perf_counter() - start, None


def vitq_run(bin_dir: str, library: str, inputs: str, output: str,
             shape: Sequence[int]) -> np.ndarray:
    subprocess.run([tool(bin_dir, "vitq-run"), library, "--input", inputs,
                    "--output", output], check=True, capture_output=True)
    return np.fromfile(output, dtype=np.float32).reshape(shape)


def check(args: argparse.Namespace, name: str, root: str) -> List[str]:
    """The table rows of one model; appends failures to args.failures."""
    workdir = os.path.join(root, name)
    model = os.path.join(workdir, "model.onnx")
    if not (args.reuse and os.path.exists(model)):
        log(f"{name}: exporting")
        timm_export.write(name, workdir)
    test = os.path.join(workdir, "test.f32")
    import onnx
    dims = [d.dim_value for d in
            onnx.load(model, load_external_data=False).graph.input[0].type.tensor_type.shape.dim]
    images = np.fromfile(test, dtype=np.float32).reshape([-1] + dims[1:])
    fp32 = ort_run(model, images, optimise=True)
    rows = []

    log(f"{name}: FP32")
    seconds, error = vitq_compile(args.bin, model, os.path.join(workdir, "fp32.so"), False)
    if error:
        args.failures.append(f"{name} FP32")
        rows.append(f"| {name} | FP32 | does not compile: {error.splitlines()[0]} | | | FAIL |")
    else:
        got = vitq_run(args.bin, os.path.join(workdir, "fp32.so"), test,
                       os.path.join(workdir, "vitq-fp32.f32"), fp32.shape)
        cos = cosines(got, fp32)
        same = top1_agreement(got, fp32)
        ok = cos.min() >= FP32_MIN_COSINE and same == 1.0
        if not ok:
            args.failures.append(f"{name} FP32")
        rows.append(f"| {name} | FP32 | min cosine {cos.min():.6f}, top-1 {same:.0%} "
                    f"| ≥ {FP32_MIN_COSINE}, 100% | {seconds:.1f} s | {'PASS' if ok else 'FAIL'} |")
    if args.fp32_only:
        return rows

    calib = os.path.join(workdir, "calib.f32")
    quantisers = {
        "ort": ("int8, ORT QDQ", "qdq.onnx", "int8", lambda out: ort_quant.quantise(
            model, calib, out, preprocess=False, activation_type="quint8")),
        "vitq": ("int8, vitq QDQ", "vqdq.onnx", "vint8", lambda out: onnx.save(
            qdq_maker.quantise(onnx.load(model), calib), out)),
    }
    for key in args.quantisers:
        rows.append(check_int8(args, name, workdir, test, images, fp32, *quantisers[key]))
    return rows


def check_int8(args, name, workdir, test, images, fp32, kind, qdq_name, stem, make):
    """One quantised variant: vitq integer-only against onnxruntime's run of
    the same QDQ model, both as cosines to FP32."""
    qdq = os.path.join(workdir, qdq_name)
    if not (args.reuse and os.path.exists(qdq)):
        log(f"{name}: quantising ({kind})")
        make(qdq)
    log(f"{name}: {kind}")
    library = os.path.join(workdir, stem + ".so")
    seconds, error = vitq_compile(args.bin, qdq, library, True)
    reference = ort_run(qdq, images, optimise=False)
    ref_cos = cosines(reference, fp32)
    if error:
        args.failures.append(f"{name} {kind}")
        first = error.splitlines()[0].replace("|", "/")
        return (f"| {name} | {kind} | does not compile integer-only: {first} "
                f"| ORT {ref_cos.mean():.4f} / {ref_cos.min():.4f} | | FAIL |")
    got = vitq_run(args.bin, library, test, os.path.join(workdir, f"vitq-{stem}.f32"),
                   fp32.shape)
    cos = cosines(got, fp32)
    ok = (cos.mean() >= ref_cos.mean() - args.tolerance
          and cos.min() >= ref_cos.min() - args.tolerance)
    if not ok:
        args.failures.append(f"{name} {kind}")
    return (f"| {name} | {kind} | cosine to FP32 mean {cos.mean():.4f}, min {cos.min():.4f}; "
            f"top-1 {top1_agreement(got, fp32):.0%} "
            f"| ORT {ref_cos.mean():.4f} / {ref_cos.min():.4f} - {args.tolerance} "
            f"| {seconds:.1f} s | {'PASS' if ok else 'FAIL'} |")


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m vitq_quant.hybrid_models",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", help=f"timm names (default: {' '.join(MODELS)})")
    parser.add_argument("--workdir", help="keep work files here (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse exports and quantisations already in --workdir")
    parser.add_argument("--bin", default=os.path.join(
        os.path.dirname(__file__), "..", "..", "build", "bin"))
    parser.add_argument("--fp32-only", action="store_true", help="skip the int8 check")
    parser.add_argument("--tolerance", type=float, default=0.01)
    parser.add_argument("--quantisers", nargs="+", choices=["ort", "vitq"],
                        default=["ort", "vitq"],
                        help="which QDQ models to check: onnxruntime's quantize_static, "
                             "vitq's own QDQ maker (vitq_quant.qdq), or both (default)")
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.failures = []
    names = args.models or MODELS
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.workdir or scratch
        for name in names:
            try:
                rows += check(args, name, root)
            except Exception as error:  # a broken export or run: report, go on
                args.failures.append(name)
                rows.append(f"| {name} | | error: {str(error).splitlines()[0][:200]} | | | FAIL |")
    print("| model | kind | vitq | bar | compile | |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    if args.failures:
        print(f"\nFAILED: {', '.join(args.failures)}")
        return 1
    print(f"\nall {len(names)} model(s) pass")
    return 0


if __name__ == "__main__":
    sys.exit(main())
