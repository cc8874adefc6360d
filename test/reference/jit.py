"""Runs vitq IR through the lowering and MLIR's JIT, returning NumPy arrays.

Each case is one op applied to constant operands. `run_cases` puts all
cases into one `@main`, lowers the module with `vitq-opt
--vitq-lower-to-llvm` and executes it with `mlir-runner`, which prints each
result (widened to int32) with `printMemrefI32`. The printed values are
parsed back, so a test can compare them with the NumPy reference.
"""

import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from typing import List, Optional, Sequence

import numpy as np

LLVM_LIB = "/usr/lib/llvm-22/lib"
RUNNER_LIBS = ",".join(os.path.join(LLVM_LIB, lib) for lib in (
    "libmlir_runner_utils.so", "libmlir_c_runner_utils.so"))

_MLIR_ELEMENT = {np.int8: "i8", np.int16: "i16", np.int32: "i32",
                 np.int64: "i64", np.float32: "f32"}


def mlir_type(shape: Sequence[int], dtype) -> str:
    """tensor<AxBxT> for an integer or float32 NumPy dtype."""
    element = _MLIR_ELEMENT[np.dtype(dtype).type]
    return "tensor<" + "".join(f"{d}x" for d in shape) + element + ">"


def dense(array: np.ndarray) -> str:
    """An arith.constant literal of `array`."""
    def nested(a):
        if a.ndim == 0:
            if a.dtype == np.float32:
                if not np.isfinite(a):  # infinities and NaNs as bit patterns
                    return "0x%08X" % int(a.view(np.uint32))
                return repr(float(a))  # exact: float32 -> double -> text
            return str(int(a))
        return "[" + ", ".join(nested(x) for x in a) + "]"
    return f"dense<{nested(array)}> : {mlir_type(array.shape, array.dtype)}"


@dataclass
class Case:
    """One op under test: `op` is its text with `{0}`, `{1}`... standing for
    the operands and `{T0}`... for their types (`{R}` for the result's);
    the result has `result_shape` and the integer `result_dtype`. An op
    producing a quantized tensor names its type in `quantized_type`; the
    harness casts it to its storage integers."""
    name: str
    op: str
    operands: List[np.ndarray]
    result_shape: Sequence[int]
    result_dtype: type
    quantized_type: Optional[str] = None


def _widen(value: str, shape, dtype, index: int) -> List[str]:
    """IR turning `value` into a tensor of i32, printed with printMemrefI32."""
    rank = len(shape)
    src = mlir_type(shape, dtype)
    dst = mlir_type(shape, np.int32)
    lines = []
    widened = value
    if np.dtype(dtype) != np.int32:
        dims = ", ".join(f"d{i}" for i in range(rank))
        ident = f"affine_map<({dims}) -> ({dims})>"
        iters = ", ".join(['"parallel"'] * rank)
        elem = _MLIR_ELEMENT[np.dtype(dtype).type]
        lines += [
            f"    %empty{index} = tensor.empty() : {dst}",
            f"    %wide{index} = linalg.generic {{indexing_maps = [{ident}, "
            f"{ident}], iterator_types = [{iters}]}} ins({value} : {src}) "
            f"outs(%empty{index} : {dst}) {{",
            f"    ^bb0(%a: {elem}, %b: i32):",
            f"      %c = arith.extsi %a : {elem} to i32",
            "      linalg.yield %c : i32",
            f"    }} -> {dst}",
        ]
        widened = f"%wide{index}"
    memref = dst.replace("tensor", "memref")
    lines += [
        f"    %buf{index} = bufferization.to_buffer {widened} : {dst} to "
        f"{memref}",
        f"    %any{index} = memref.cast %buf{index} : {memref} to "
        "memref<*xi32>",
        f"    call @printMemrefI32(%any{index}) : (memref<*xi32>) -> ()",
    ]
    return lines


def build_module(cases: Sequence[Case]) -> str:
    lines = ["func.func private @printMemrefI32(memref<*xi32>)",
             "func.func @main() {"]
    for i, case in enumerate(cases):
        names, types = [], []
        for j, operand in enumerate(case.operands):
            names.append(f"%in{i}_{j}")
            types.append(mlir_type(operand.shape, operand.dtype))
            lines.append(f"    {names[-1]} = arith.constant {dense(operand)}")
        subst = {f"T{j}": t for j, t in enumerate(types)}
        subst["R"] = mlir_type(case.result_shape, case.result_dtype)
        text = case.op.format(*names, **subst)
        if case.quantized_type:
            lines.append(f"    %q{i} = {text}")
            text = (f"quant.scast %q{i} : {case.quantized_type} to "
                    f"{subst['R']}")
        lines.append(f"    %out{i} = {text}")
        lines += _widen(f"%out{i}", case.result_shape, case.result_dtype, i)
    lines += ["    return", "}"]
    return "\n".join(lines) + "\n"


def _parse(output: str, cases: Sequence[Case]) -> List[np.ndarray]:
    chunks = output.split("Unranked Memref")[1:]
    if len(chunks) != len(cases):
        raise RuntimeError(f"expected {len(cases)} printed results, got "
                           f"{len(chunks)}:\n{output[:2000]}")
    results = []
    for chunk, case in zip(chunks, cases):
        data = chunk.split("data =", 1)[1]
        values = [int(v) for v in re.findall(r"-?\d+", data)]
        results.append(np.array(values, dtype=np.int64).reshape(
            case.result_shape))
    return results


def run_cases(cases: Sequence[Case], vitq_opt: str = "vitq-opt",
              runner: str = "mlir-runner",
              pipeline: str = "--vitq-lower-to-llvm") -> List[np.ndarray]:
    """Lowers `cases` with `pipeline` (a vitq-opt argument) and JIT-runs
    them; returns their results as int64 arrays."""
    return run_cases_in(cases, vitq_opt, runner, pipeline)[0]


def run_cases_in(cases: Sequence[Case], vitq_opt: str = "vitq-opt",
                 runner: str = "mlir-runner",
                 pipeline: str = "--vitq-lower-to-llvm",
                 shared_libs: Sequence[str] = (),
                 environments: Sequence[Optional[dict]] = (None,)
                 ) -> List[List[np.ndarray]]:
    """Lowers `cases` once and JIT-runs them in each of `environments`
    (variables added to this process's), with `shared_libs` loaded too;
    returns the results of each run."""
    module = build_module(cases)
    libs = ",".join([RUNNER_LIBS] + list(shared_libs))
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "cases.mlir")
        lowered = os.path.join(tmp, "cases.llvm.mlir")
        with open(source, "w") as f:
            f.write(module)
        opt = subprocess.run([vitq_opt, source, pipeline, "-o", lowered],
                             capture_output=True, text=True)
        if opt.returncode != 0:
            raise RuntimeError(f"vitq-opt failed:\n{opt.stderr[:4000]}")
        for extra in environments:
            env = dict(os.environ, **(extra or {}))
            run = subprocess.run([runner, lowered, "-e", "main",
                                  "-entry-point-result=void",
                                  f"-shared-libs={libs}"],
                                 capture_output=True, text=True, env=env)
            if run.returncode != 0:
                raise RuntimeError(f"mlir-runner failed:\n{run.stderr}")
            runs.append(_parse(run.stdout, cases))
    return runs


def compare(label: str, got: np.ndarray, expected) -> bool:
    """Prints `label: ok`, or the mismatch count and the first differing
    elements; returns whether `got` equals `expected` element for element."""
    expected = np.asarray(expected).astype(np.int64)
    bad = int(np.count_nonzero(got != expected))
    print(f"{label}: " + ("ok" if bad == 0 else f"MISMATCH in {bad} elements"))
    for i in np.argwhere(got != expected)[:5]:
        i = tuple(i)
        print(f"  at {i}: got {got[i]}, reference {expected[i]}")
    return bad == 0
