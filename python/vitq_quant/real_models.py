"""Checks vitq on models made by real producers: timm ViTs exported by
torch.onnx.export and quantised by onnxruntime's quantize_static, compiled
with `vitq-compile --integer-only` and compared with onnxruntime.

    python -m vitq_quant.real_models [NAME ...] [--quick] [--digits]
        [--preprocess] [--workdir DIR] [--reuse] [--bin DIR]
        [--compile-timeout S] [--tolerance 0.01]

(scripts/check-real-models.sh runs it in .venv-producers.) For each NAME
(timm_export's model names; default: deit_tiny_patch16_224,
vit_small_patch16_224, deit_base_patch16_224; `quick` or --quick: a 2-block
timm ViT on 32x32 images, seconds to run):

1. timm_export: random "trained-like" weights, FP32 ONNX at opset 17,
   batch 1, 16 calibration and 8 test images (standard normal);
2. onnxruntime's recipe, exactly: quantize_static, QDQ format,
   per_channel=True, QUInt8 activations, QInt8 weights, MinMax, no
   quant_pre_process (--preprocess adds a second variant with it);
3. `vitq-compile QDQ.onnx -o model.so --integer-only`, timed (a failure
   prints the first error lines and the check goes on with the next model);
4. `vitq-run model.so --input test.f32 --output vitq.f32`;
5. onnxruntime on the FP32 and the QDQ model, same inputs; the QDQ model
   twice: with onnxruntime's QDQ fusions off (every Q/DQ run as written,
   the ops between them in float: the model's exact meaning, "ORT QDQ")
   and as a default session runs it ("ORT QDQ fused": QLinearMatMul,
   QLinearConv, ... kernels, which on AVX2 machines without VNNI sum
   uint8 x int8 products pairwise in saturating int16 and can lose much:
   on an AVX2 Zen 3, DeiT-Base's logit cosine with FP32 falls from 0.991
   to 0.968).

It prints one Markdown table per model: per variant, the cosine similarity
of the logits with onnxruntime FP32's (mean and min over the test inputs)
of vitq, of ORT QDQ and of ORT QDQ fused, their top-1 agreement with FP32,
the cosine between vitq and ORT QDQ, compile time, and the bar, against
ORT QDQ (unfused: machine-independent, and never the weaker of the two
where the fused kernels saturate):

  mean:  mean_i cos(vitq_i, fp32_i) >= mean_i cos(qdq_i, fp32_i) - tolerance
  min:   min_i  cos(vitq_i, fp32_i) >= min_i  cos(qdq_i, fp32_i) - tolerance

(tolerance 0.01). PASS needs both; the worst per-input gap,
min_i (cos(vitq_i) - cos(qdq_i)), is printed too, for information.
`--baseline fused` measures the bar against ORT QDQ fused instead.

--digits checks examples/timm-digits (a timm ViT trained on scikit-learn's
digits): the same recipe calibrated on its train_images.f32, then top-1
accuracy on the 360 test images of vitq, onnxruntime FP32, ORT QDQ and ORT
QDQ fused. PASS: vitq at most 0.5 point below ORT QDQ (the --baseline) and
at most 1 point below FP32. --digits alone checks only this model (add
names or --quick to check those too).

Exit status 1 if any check fails or errs (a compile error included), else
0. Work files go to a temporary folder, removed at the end, unless
--workdir (kept; --reuse skips exports and quantisations already there).
"""

import argparse
import dataclasses
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from typing import List, Optional, Sequence, Tuple

import numpy as np

from . import evaluate, ort_quant

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_MODELS = ["deit_tiny_patch16_224", "vit_small_patch16_224", "deit_base_patch16_224"]
# A small timm ViT (DeiT-Tiny's width, 2 blocks, 4x4 patches on 32x32: 65
# tokens): the whole flow in seconds.
QUICK = ("quick", "vit_tiny_patch16_224@patch_size=4,depth=2,num_classes=10", 32)
DIGITS_DIR = os.path.join(ROOT, "examples", "timm-digits")
RECIPE = ("quantize_static, QDQ, per_channel=True, QUInt8 activations, QInt8 weights, "
          "MinMax")
ERROR_LINES = 6


@dataclasses.dataclass
class Case:
    """One model to check: a label, timm_export's name, an image size."""
    label: str
    spec: str
    image_size: Optional[int] = None


@dataclasses.dataclass
class Result:
    """What one variant (plain or preprocessed) of one model gave."""
    model: str
    variant: str
    compiled: bool = False
    compile_seconds: Optional[float] = None
    error: Optional[str] = None          # first lines of the failure
    cos_vitq: Optional[np.ndarray] = None  # per input, vs FP32
    cos_qdq: Optional[np.ndarray] = None     # the --baseline run
    cos_unfused: Optional[np.ndarray] = None
    cos_fused: Optional[np.ndarray] = None
    cos_vitq_qdq: Optional[np.ndarray] = None
    agree_vitq: Optional[float] = None
    agree_unfused: Optional[float] = None
    agree_fused: Optional[float] = None
    passed: bool = False
    mean_ok: Optional[bool] = None
    min_ok: Optional[bool] = None


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-row cosine similarity of two (N, classes) arrays."""
    if a.shape != b.shape:
        raise ValueError(f"logit shapes differ: {a.shape} vs {b.shape}")
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    norms = np.linalg.norm(a64, axis=1) * np.linalg.norm(b64, axis=1)
    return np.sum(a64 * b64, axis=1) / np.where(norms > 0, norms, 1.0)


def top1_agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a.argmax(axis=1) == b.argmax(axis=1)))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- tools ------------------------------------------------------------------------


def tool(bin_dir: str, name: str, wait: float = 60.0) -> str:
    """Path of a vitq tool; waits a while if it is missing (being rebuilt)."""
    path = os.path.join(bin_dir, name)
    deadline = time.monotonic() + wait
    while not os.access(path, os.X_OK):
        if time.monotonic() > deadline:
            raise FileNotFoundError(f"{path} not found: build vitq first (scripts/build.sh)")
        time.sleep(10)
    return path


def first_errors(stderr: str) -> str:
    """The first error lines of a tool's stderr (else its last lines)."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    errors = [l for l in lines if "error" in l.lower()]
    if not errors:
        return "\n".join(lines[-ERROR_LINES:])
    if len(errors) <= ERROR_LINES:
        return "\n".join(errors)
    # The first ones, and the last (vitq's summary: how many, what failed).
    skipped = len(errors) - ERROR_LINES
    return "\n".join(errors[:ERROR_LINES - 1]
                     + [f"... {skipped} more error lines ...", errors[-1]])


def compile_model(bin_dir: str, qdq: str, library: str, timeout: float) \
        -> Tuple[bool, float, str]:
    """(success, seconds, first error lines) of vitq-compile --integer-only."""
    cmd = [tool(bin_dir, "vitq-compile"), qdq, "-o", library, "--integer-only", "--quiet"]
    if os.path.exists(library):  # from an earlier run in the same --workdir
        os.remove(library)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, f"vitq-compile timed out after {timeout:.0f} s"
    seconds = time.perf_counter() - start
    if proc.returncode != 0 or not os.path.exists(library):
        return False, seconds, (first_errors(proc.stderr)
                                or f"vitq-compile exited with status {proc.returncode}")
    return True, seconds, ""


def run_vitq(bin_dir: str, library: str, inputs: str, output: str, classes: int) -> np.ndarray:
    cmd = [tool(bin_dir, "vitq-run"), library, "--input", inputs, "--output", output]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("vitq-run failed:\n" + first_errors(proc.stderr + proc.stdout))
    return np.fromfile(output, dtype="<f4").reshape(-1, classes)


def quantise(fp32: str, calibration: str, output: str, preprocess: bool, reuse: bool) -> None:
    """onnxruntime's recipe (the module docstring); kept if --reuse finds it."""
    if reuse and os.path.exists(output):
        return
    ort_quant.quantise(fp32, calibration, output, preprocess=preprocess,
                       activation_symmetric=False, method="minmax",
                       activation_type="quint8", weight_type="qint8", per_channel=True)


# -- random-weight models -----------------------------------------------------------


def check_variant(args: argparse.Namespace, case: Case, workdir: str, preprocess: bool,
                  fp32_logits: np.ndarray) -> Result:
    variant = "preprocessed" if preprocess else "plain"
    result = Result(case.label, variant)
    fp32, test = os.path.join(workdir, "model.onnx"), os.path.join(workdir, "test.f32")
    qdq = os.path.join(workdir, f"qdq_{variant}.onnx")
    library = os.path.join(workdir, f"vitq_{variant}.so")
    classes = fp32_logits.shape[1]
    try:
        start = time.perf_counter()
        quantise(fp32, os.path.join(workdir, "calib.f32"), qdq, preprocess, args.reuse)
        log(f"{case.label} [{variant}]: quantised in {time.perf_counter() - start:.1f} s")
        unfused = evaluate.run_model(qdq, test, qdq_fusion=False)
        fused = evaluate.run_model(qdq, test)
        result.cos_unfused = cosines(unfused, fp32_logits)
        result.cos_fused = cosines(fused, fp32_logits)
        result.agree_unfused = top1_agreement(unfused, fp32_logits)
        result.agree_fused = top1_agreement(fused, fp32_logits)
        qdq_logits = fused if args.baseline == "fused" else unfused
        result.cos_qdq = result.cos_fused if args.baseline == "fused" else result.cos_unfused
        log(f"{case.label} [{variant}]: vitq-compile --integer-only ...")
        ok, result.compile_seconds, error = compile_model(args.bin, qdq, library,
                                                          args.compile_timeout)
        if not ok:
            result.error = error
            log(f"{case.label} [{variant}]: compile FAILED in "
                f"{result.compile_seconds:.1f} s:\n" + _indent(error))
            return result
        result.compiled = True
        log(f"{case.label} [{variant}]: compiled in {result.compile_seconds:.1f} s")
        vitq_logits = run_vitq(args.bin, library, test,
                               os.path.join(workdir, f"vitq_{variant}.f32"), classes)
        result.cos_vitq = cosines(vitq_logits, fp32_logits)
        result.cos_vitq_qdq = cosines(vitq_logits, qdq_logits)
        result.agree_vitq = top1_agreement(vitq_logits, fp32_logits)
        tol = args.tolerance
        result.mean_ok = bool(result.cos_vitq.mean() >= result.cos_qdq.mean() - tol)
        result.min_ok = bool(result.cos_vitq.min() >= result.cos_qdq.min() - tol)
        result.passed = result.mean_ok and result.min_ok
    except Exception as e:  # report and go on with the next variant/model
        result.error = f"{type(e).__name__}: {e}"
        log(f"{case.label} [{variant}]: ERROR {result.error}")
    finally:
        if not args.keep_libraries and os.path.exists(library):
            os.remove(library)
    return result


def check_model(args: argparse.Namespace, case: Case, root: str) -> List[Result]:
    from . import timm_export  # needs torch and timm: only imported when used
    workdir = os.path.join(root, case.label.replace("/", "_"))
    fp32, test = os.path.join(workdir, "model.onnx"), os.path.join(workdir, "test.f32")
    variants = [False, True] if args.preprocess else [False]
    try:
        if not (args.reuse and os.path.exists(fp32)):
            start = time.perf_counter()
            timm_export.write(case.spec, workdir, seed=args.seed, image_size=case.image_size)
            log(f"{case.label}: exported in {time.perf_counter() - start:.1f} s")
        fp32_logits = evaluate.run_model(fp32, test)
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
        log(f"{case.label}: ERROR {error}")
        return [Result(case.label, "preprocessed" if p else "plain", error=error)
                for p in variants]
    return [check_variant(args, case, workdir, p, fp32_logits) for p in variants]


def _indent(text: str) -> str:
    return "\n".join("    " + l for l in text.splitlines())


def _mean_min(values: Optional[np.ndarray]) -> str:
    return "—" if values is None else f"{values.mean():.5f} / {values.min():.5f}"


def _percent(value: Optional[float]) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def _verdict(result: Result) -> str:
    if result.error is not None:
        return "FAIL (compile)" if result.compile_seconds is not None \
            and not result.compiled else "FAIL (error)"
    return "PASS" if result.passed else "FAIL"


def _ok(flag: Optional[bool]) -> str:
    return "—" if flag is None else ("yes" if flag else "no")


def table(case: Case, results: List[Result], args: argparse.Namespace,
          samples: int) -> str:
    baseline = "ORT QDQ fused" if args.baseline == "fused" else "ORT QDQ"
    lines = [f"### {case.label}" + (f" (`{case.spec}`)" if case.spec != case.label else ""),
             "",
             f"onnxruntime recipe: {RECIPE}; {samples} test inputs; cosines of the "
             f"logits with onnxruntime FP32's, mean / min over the inputs. ORT QDQ: "
             f"onnxruntime's QDQ fusions off (exact Q/DQ semantics); fused: a default "
             f"session. Bar: vitq's mean and min cosine each >= {baseline}'s - "
             f"{args.tolerance}.",
             "",
             "| variant | vitq compile | cos(vitq, FP32) mean / min "
             "| cos(ORT QDQ, FP32) mean / min | cos(ORT QDQ fused, FP32) mean / min "
             "| top-1 = FP32: vitq / ORT QDQ / fused "
             f"| cos(vitq, {baseline}) mean | worst per-input gap | mean bar | min bar "
             "| result |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    errors = []
    for r in results:
        if r.compiled:
            compiled = f"ok, {r.compile_seconds:.1f} s"
        elif r.compile_seconds is not None:
            compiled = f"failed, {r.compile_seconds:.1f} s"
        else:
            compiled = "—"
        gap = "—" if r.cos_vitq is None else f"{np.min(r.cos_vitq - r.cos_qdq):+.5f}"
        cross = "—" if r.cos_vitq_qdq is None else f"{r.cos_vitq_qdq.mean():.5f}"
        lines.append(
            f"| {r.variant} | {compiled} | {_mean_min(r.cos_vitq)} "
            f"| {_mean_min(r.cos_unfused)} | {_mean_min(r.cos_fused)} "
            f"| {_percent(r.agree_vitq)} / {_percent(r.agree_unfused)} / "
            f"{_percent(r.agree_fused)} | {cross} | {gap} "
            f"| {_ok(r.mean_ok)} | {_ok(r.min_ok)} | {_verdict(r)} |")
        if r.error:
            errors += [f"{r.variant}:", "", "```", r.error, "```", ""]
    if errors:
        lines += ["", "Errors:", ""] + errors[:-1]
    return "\n".join(lines)


# -- examples/timm-digits ------------------------------------------------------------


def check_digits(args: argparse.Namespace, root: str) -> Tuple[bool, str]:
    """(passed, Markdown report) of the trained digits model."""
    baseline = "ORT QDQ fused" if args.baseline == "fused" else "ORT QDQ"
    workdir = os.path.join(root, "timm-digits")
    os.makedirs(workdir, exist_ok=True)
    fp32 = os.path.join(args.digits_dir, "model.onnx")
    test = os.path.join(args.digits_dir, "test_images.f32")
    labels_path = os.path.join(args.digits_dir, "test_labels.u8")
    qdq = os.path.join(workdir, "qdq.onnx")
    library = os.path.join(workdir, "vitq.so")
    lines = ["### examples/timm-digits", "",
             f"onnxruntime recipe: {RECIPE}; calibrated on train_images.f32 (256 images); "
             f"top-1 on the 360 test images. ORT QDQ: onnxruntime's QDQ fusions off "
             f"(exact Q/DQ semantics); fused: a default session. Bar: vitq at most 0.5 "
             f"point below {baseline} and at most 1 point below FP32.", ""]
    accuracies = {}
    error = None
    try:
        start = time.perf_counter()
        quantise(fp32, os.path.join(args.digits_dir, "train_images.f32"), qdq, False,
                 args.reuse)
        log(f"timm-digits: quantised in {time.perf_counter() - start:.1f} s")
        fp32_logits = evaluate.run_model(fp32, test)
        labels = evaluate.read_labels(labels_path, len(fp32_logits))
        logits = {"ORT FP32": fp32_logits,
                  "ORT QDQ": evaluate.run_model(qdq, test, qdq_fusion=False),
                  "ORT QDQ fused": evaluate.run_model(qdq, test)}
        ok, seconds, error_text = compile_model(args.bin, qdq, library, args.compile_timeout)
        compile_cell = f"{'ok' if ok else 'failed'}, {seconds:.1f} s"
        if ok:
            logits["vitq"] = run_vitq(args.bin, library, test,
                                      os.path.join(workdir, "vitq.f32"), 10)
        else:
            error = error_text
            log("timm-digits: compile FAILED:\n" + _indent(error))
        for name, values in logits.items():
            accuracies[name] = 100 * float(np.mean(values.argmax(axis=1) == labels))
    except Exception as e:
        error = f"{type(e).__name__}: {e}"
        compile_cell = "—"
        log(f"timm-digits: ERROR {error}")
    finally:
        if not args.keep_libraries and os.path.exists(library):
            os.remove(library)
    vitq = accuracies.get("vitq")
    passed = vitq is not None and vitq >= accuracies[baseline] - 0.5 \
        and vitq >= accuracies["ORT FP32"] - 1.0
    cell = lambda name: "—" if name not in accuracies else f"{accuracies[name]:.2f}%"
    lines += ["| vitq compile | top-1 vitq | top-1 ORT QDQ | top-1 ORT QDQ fused "
              "| top-1 ORT FP32 | result |",
              "|---|---|---|---|---|---|",
              f"| {compile_cell} | {cell('vitq')} | {cell('ORT QDQ')} | {cell('ORT QDQ fused')} "
              f"| {cell('ORT FP32')} | {'PASS' if passed else 'FAIL'} |"]
    if error:
        lines += ["", "Error:", "", f"```\n{error}\n```"]
    return passed, "\n".join(lines)


# -- driver ---------------------------------------------------------------------------


def cases(args: argparse.Namespace) -> List[Case]:
    names = list(args.models) + (["quick"] if args.quick else [])
    if not names and not args.digits:
        names = DEFAULT_MODELS
    out = []
    for name in names:
        if name == QUICK[0]:
            out.append(Case(*QUICK))
        else:
            out.append(Case(name, name, args.image_size))
    return out


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vitq_quant.real_models",
        description="Export timm ViTs, quantise them with onnxruntime, compile them with "
                    "vitq --integer-only and compare with onnxruntime.")
    parser.add_argument("models", nargs="*",
                        help=f"timm_export names (default: {' '.join(DEFAULT_MODELS)}); "
                             "'quick' is a 2-block ViT on 32x32 images")
    parser.add_argument("--quick", action="store_true", help="check the quick model")
    parser.add_argument("--digits", action="store_true",
                        help="check examples/timm-digits (accuracy)")
    parser.add_argument("--digits-dir", default=DIGITS_DIR,
                        help="model.onnx, train_images.f32, test_images.f32 and "
                             "test_labels.u8 for --digits (default: examples/timm-digits)")
    parser.add_argument("--preprocess", action="store_true",
                        help="also check the variant with quant_pre_process")
    parser.add_argument("--image-size", type=int, help="image size of the named models")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tolerance", type=float, default=0.01,
                        help="cosine margin allowed below onnxruntime QDQ's")
    parser.add_argument("--baseline", choices=["unfused", "fused"], default="unfused",
                        help="onnxruntime QDQ run the bar is measured against: QDQ "
                             "fusions off (exact semantics, default) or a default session")
    parser.add_argument("--workdir", help="keep work files here (default: a temporary "
                                          "folder, removed)")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse exports and quantised models found in --workdir")
    parser.add_argument("--keep-libraries", action="store_true",
                        help="keep the compiled .so files in --workdir")
    parser.add_argument("--bin", default=os.path.join(
        ROOT, os.environ.get("VITQ_BUILD_DIR", "build"), "bin"),
                        help="folder of vitq-compile and vitq-run")
    parser.add_argument("--compile-timeout", type=float, default=3600.0, metavar="S")
    parser.add_argument("--verbose", action="store_true",
                        help="show onnxruntime's quantiser warnings and torch's export ones")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    if not args.verbose:  # onnxruntime.quantization warns through the root logger
        logging.getLogger().setLevel(logging.ERROR)
        warnings.filterwarnings("ignore", module="torch")
        warnings.filterwarnings("ignore", module="timm")
    root = args.workdir or tempfile.mkdtemp(prefix="vitq-real-models-")
    os.makedirs(root, exist_ok=True)
    failed = 0
    reports = []
    try:
        for case in cases(args):
            results = check_model(args, case, root)
            failed += sum(not r.passed for r in results)
            samples = next((len(r.cos_qdq) for r in results if r.cos_qdq is not None), 0)
            report = table(case, results, args, samples)
            print(report + "\n", flush=True)
            reports.append((case.label, results))
        if args.digits:
            passed, report = check_digits(args, root)
            failed += not passed
            print(report + "\n", flush=True)
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)
    total = sum(len(r) for _, r in reports) + bool(args.digits)
    print(f"real-models: {total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
