#!/usr/bin/env python3
"""Whole-model latency: vitq against ONNX Runtime and OpenVINO, one run.

    bench/models.sh [--models tiny,deit-small,deit-base] [--threads 1,2]
        [--kinds ort-int8,full-int8,fp32] [--rounds 5] [--iters 10]
        [--md OUT.md] [--workdir DIR]

For each model (a DeiT preset: timm's structure, seeded random weights,
written by vitq_quant.deit; or a folder holding model.onnx, calib.f32 and
test.f32, such as each model's folder of `scripts/check-hybrid-models.sh
--workdir DIR`: timm's Swin, LeViT, EfficientViT, MobileViT,
EfficientFormer, whose qdq.onnx, onnxruntime's recipe without
quant_pre_process, is then the ort-int8 model) and each kind of model:

  ort-int8   onnxruntime's quantize_static, QDQ, QUInt8 activations and
             per-channel QInt8 weights (its documented recipe, with
             quant_pre_process), compiled by vitq --integer-only;
  full-int8  fully quantised by the repo's maker (vitq_quant.qdq,
             int16 residual stream), compiled --integer-only;
  fp32       the FP32 model.

every contender first runs the check inputs and is compared with
onnxruntime running the same model (cosine of the logits, top-1 agreement);
one below --min-cos (0.95: random weights give flat logits, on which the
int8 engines agree with onnxruntime to about 0.97-0.99) is reported WRONG
and not timed. Then, per round, per
thread count, each contender runs --iters timed inferences after a warm-up
(onnxruntime and OpenVINO in this process, vitq through `vitq-run
--threads N`, so that its peak RSS is the process's own); the table gives
the median of the per-round medians and the spread (lowest to highest
round median). vitq's compile time and the peak RSS of a vitq-run process
holding the model are in the same table.
"""

import argparse
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "python"))

from vitq_quant.rawdata import write_f32  # noqa: E402


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    res = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{res.stderr[-2000:]}")
    return res


def model_name(model: str) -> str:
    """A DeiT preset's name, or an exported model folder's."""
    return os.path.basename(os.path.normpath(model)) if os.path.isdir(model) else model


def prepare(model: str, workdir: str, kinds, vitq_bin: str):
    """Writes (a DeiT preset) or takes (a folder holding model.onnx,
    calib.f32 and test.f32, as vitq_quant.timm_export and
    scripts/check-hybrid-models.sh write them) the FP32 model, quantises it
    and compiles each kind."""
    d = os.path.join(workdir, model_name(model))
    os.makedirs(d, exist_ok=True)
    py = [sys.executable, "-m"]
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    if os.path.isdir(model):
        # Its onnxruntime QDQ model too when there is one (check-hybrid-models
        # quantises without quant_pre_process, which fails on Swin).
        for src, dst in (("model.onnx", "deit.onnx"), ("calib.f32", "calib.f32"),
                         ("test.f32", "test.f32"), ("qdq.onnx", "ort-int8.onnx")):
            if (os.path.exists(os.path.join(model, src))
                    and not os.path.exists(os.path.join(d, dst))):
                os.symlink(os.path.abspath(os.path.join(model, src)),
                           os.path.join(d, dst))
    elif not os.path.exists(os.path.join(d, "deit.onnx")):
        log(f"{model}: writing the FP32 model")
        run(py + ["vitq_quant.deit", d, "--preset", model,
                  "--calibration-samples", "8", "--test-samples", "4"], env=env)
    models = {}
    for kind in kinds:
        path = os.path.join(d, f"{kind}.onnx")
        if kind == "fp32":
            path = os.path.join(d, "deit.onnx")
        elif not os.path.exists(path):
            log(f"{model}: quantising ({kind})")
            if kind == "ort-int8":
                run(py + ["vitq_quant.ort_quant", os.path.join(d, "deit.onnx"),
                          os.path.join(d, "calib.f32"), "-o", path,
                          "--activation-type", "quint8"], env=env)
            else:
                run(py + ["vitq_quant.qdq", os.path.join(d, "deit.onnx"),
                          os.path.join(d, "calib.f32"), "-o", path,
                          "--residual-bits", "16"], env=env)
        lib = os.path.join(d, f"{kind}.so")
        log(f"{model}: compiling {kind} with vitq")
        flags = [] if kind == "fp32" else ["--integer-only"]
        start = time.perf_counter()
        run([os.path.join(vitq_bin, "vitq-compile"), path, "-o", lib, "--quiet"]
            + flags)
        models[kind] = dict(onnx=path, lib=lib,
                            compile_s=time.perf_counter() - start)
    return d, models


def input_shape(path: str):
    """The input's shape without the batch dimension."""
    import onnx
    dims = onnx.load(path, load_external_data=False).graph.input[0].type.tensor_type.shape.dim
    return tuple(d.dim_value for d in dims[1:])


def read_f32(path: str, shape):
    data = np.fromfile(path, dtype=np.float32)
    return data.reshape((-1,) + tuple(shape))


def compare(ref: np.ndarray, out: np.ndarray):
    ref = ref.reshape(ref.shape[0], -1).astype(np.float64)
    out = out.reshape(out.shape[0], -1).astype(np.float64)
    cos = [float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-30))
           for a, b in zip(ref, out)]
    top1 = float(np.mean(ref.argmax(1) == out.argmax(1)))
    return min(cos), top1


class Ort:
    name = "ONNX Runtime"

    def __init__(self, path, threads):
        import onnxruntime as ort
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.s = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
        self.input = self.s.get_inputs()[0].name

    def infer(self, x):
        return self.s.run(None, {self.input: x})[0]


class OpenVino:
    name = "OpenVINO"

    def __init__(self, path, threads):
        import openvino as ov
        core = ov.Core()
        config = {"INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": 1,
                  "PERFORMANCE_HINT": "LATENCY",
                  "INFERENCE_PRECISION_HINT": "f32"}
        self.m = core.compile_model(core.read_model(path), "CPU", config)
        self.req = self.m.create_infer_request()

    def infer(self, x):
        self.req.infer({0: x})
        return self.req.get_output_tensor(0).data.copy()


def time_block(engine, x, warmup, iters):
    for _ in range(warmup):
        engine.infer(x)
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        engine.infer(x)
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def vitq_run(vitq_bin, lib, inp, threads, repeat, warmup, output=None):
    """Runs vitq-run; returns (median ms, peak RSS MiB of that process)."""
    cmd = [os.path.join(vitq_bin, "vitq-run"), lib, "--input", inp,
           "--threads", str(threads), "--repeat", str(repeat),
           "--warmup", str(warmup)]
    if output:
        cmd += ["--output", output]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    _, status, usage = os.wait4(proc.pid, 0)
    out, err = proc.stdout.read(), proc.stderr.read()
    proc.stdout.close()
    proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"vitq-run failed: {err[-1000:]}")
    m = re.search(r"median ([0-9.]+) ms", out)
    # vitq-run's own peak (VmHWM): the rusage maximum would include the
    # image of this Python process that the fork copied.
    rss = re.search(r"peak RSS ([0-9.]+) MiB", out)
    return float(m.group(1)), float(rss.group(1)) if rss else usage.ru_maxrss / 1024.0


def fmt_ms(values):
    if not values:
        return "—"
    med = statistics.median(values)
    return f"{med:.1f} ({min(values):.1f}–{max(values):.1f})"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="tiny,deit-small,deit-base")
    p.add_argument("--kinds", default="ort-int8,full-int8,fp32")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--iters", type=int, default=10)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--min-cos", type=float, default=0.95)
    p.add_argument("--engines", default="ort,openvino,vitq")
    p.add_argument("--vitq-build", default=os.path.join(ROOT, "build"))
    p.add_argument("--workdir", default=None,
                   help="keep models here (default: a temporary directory)")
    p.add_argument("--md", default=None, help="also write the table here")
    a = p.parse_args(argv)
    vitq_bin = os.path.join(a.vitq_build, "bin")
    threads = [int(t) for t in a.threads.split(",")]
    kinds = a.kinds.split(",")
    engines = a.engines.split(",")
    tmp = None
    workdir = a.workdir
    if not workdir:
        tmp = tempfile.TemporaryDirectory(prefix="vitq-bench-")
        workdir = tmp.name

    lines = [f"# vitq whole-model latency, {time.strftime('%Y-%m-%d %H:%M')}",
             "",
             f"CPU: {cpu_name()}, {os.cpu_count()} logical CPUs; "
             f"vitq int8 kernels: {vitq_isa(vitq_bin)}; "
             f"batch 1; medians of {a.rounds} interleaved rounds of "
             f"{a.iters} runs (range of the round medians in brackets), ms.",
             "",
             "| model | kind | threads | ONNX Runtime | OpenVINO | vitq | "
             "vitq / ORT | vitq / OpenVINO | vitq compile | vitq peak RSS | "
             "check (min cosine, top-1 vs ORT) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for model in a.models.split(","):
        d, models = prepare(model, workdir, kinds, vitq_bin)
        shape = input_shape(os.path.join(d, "deit.onnx"))
        test = read_f32(os.path.join(d, "test.f32"), shape)
        model = model_name(model)
        x = test[:1]
        one = os.path.join(d, "one.f32")
        write_f32(one, x)
        for kind, info in models.items():
            # Correctness first: onnxruntime (1 thread) is the reference.
            ref = np.concatenate([Ort(info["onnx"], 1).infer(s[None]) for s in test])
            checks, ok = {}, {}
            contenders = {}
            for e in engines:
                try:
                    if e == "vitq":
                        out = os.path.join(d, f"{kind}.vitq.f32")
                        vitq_run(vitq_bin, info["lib"], os.path.join(d, "test.f32"),
                                 1, 1, 0, out)
                        got = np.fromfile(out, dtype=np.float32).reshape(ref.shape)
                    else:
                        cls = Ort if e == "ort" else OpenVino
                        got = np.concatenate([cls(info["onnx"], 1).infer(s[None])
                                              for s in test])
                    cos, top1 = compare(ref, got)
                    checks[e] = f"{cos:.4f}, {top1 * 100:.0f}%"
                    ok[e] = cos >= a.min_cos
                    if not ok[e]:
                        checks[e] += " WRONG"
                except Exception as ex:  # a contender that fails is reported
                    checks[e] = f"failed: {str(ex).splitlines()[0][:80]}"
                    ok[e] = False
            times = {(e, t): [] for e in engines for t in threads}
            rss = 0.0
            for t in threads:
                for e in engines:
                    if ok[e] and e != "vitq":
                        cls = Ort if e == "ort" else OpenVino
                        contenders[(e, t)] = cls(info["onnx"], t)
            log(f"{model} {kind}: timing")
            for r in range(a.rounds):
                for t in threads:
                    for e in engines:
                        if not ok[e]:
                            continue
                        if e == "vitq":
                            ms, mib = vitq_run(vitq_bin, info["lib"], one, t,
                                               a.iters, a.warmup)
                            rss = max(rss, mib)
                        else:
                            ms = time_block(contenders[(e, t)], x, a.warmup, a.iters)
                        times[(e, t)].append(ms)
                        time.sleep(0.05)
            contenders.clear()
            for t in threads:
                ort_ms = times[("ort", t)] if "ort" in engines else []
                ov_ms = times[("openvino", t)] if "openvino" in engines else []
                v_ms = times[("vitq", t)] if "vitq" in engines else []

                def ratio(num, den):
                    if not num or not den:
                        return "—"
                    return f"{statistics.median(num) / statistics.median(den):.2f}x"
                check = "; ".join(f"{e}: {checks[e]}" for e in engines)
                lines.append(
                    f"| {model} | {kind} | {t} | {fmt_ms(ort_ms)} | {fmt_ms(ov_ms)} | "
                    f"{fmt_ms(v_ms)} | {ratio(v_ms, ort_ms)} | {ratio(v_ms, ov_ms)} | "
                    f"{info['compile_s']:.1f} s | {rss:.0f} MiB | {check} |")
            print("\n".join(lines[-len(threads):]), flush=True)
    text = "\n".join(lines) + "\n"
    print("\n" + text)
    if a.md:
        with open(a.md, "w") as f:
            f.write(text)
    if tmp:
        tmp.cleanup()
    return 0


def vitq_isa(vitq_bin: str) -> str:
    """The instruction set vitq's kernels pick on this CPU."""
    from ctypes import CDLL, c_char_p, c_int
    lib = os.path.join(os.path.dirname(vitq_bin), "lib", "libvitq_kernels.so")
    try:
        k = CDLL(lib)
        k.vitq_kernels_isa.restype = c_int
        k.vitq_isa_name.restype = c_char_p
        k.vitq_isa_name.argtypes = [c_int]
        return k.vitq_isa_name(k.vitq_kernels_isa()).decode()
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
