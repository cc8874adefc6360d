"""Per-tensor activation ranges from running the FP32 model in onnxruntime.

The requested tensors are added as graph outputs so one run yields them all.
`minmax` keeps the extreme values; `percentile` clips outliers: a first pass
finds each tensor's range, a second fills a histogram over it, and the
range becomes the [100 - p, p] percentiles (extreme single values in a large
activation otherwise waste most of an 8-bit grid).
"""

from typing import Dict, Iterable, List, Tuple

import numpy as np
import onnx
from onnx import TensorProto, helper

from .rawdata import InputSpec, session

Range = Tuple[float, float]
HISTOGRAM_BINS = 8192


def _exposing_session(model: onnx.ModelProto, tensors: List[str]):
    """A session whose outputs are exactly `tensors`."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    del model.graph.output[:]
    model.graph.output.extend(
        helper.make_tensor_value_info(name, TensorProto.FLOAT, None) for name in tensors)
    return session(model.SerializeToString())


def _run(sess, spec: InputSpec, samples: np.ndarray, tensors: List[str]) \
        -> Iterable[Dict[str, np.ndarray]]:
    """Yields {tensor: value} for each batch of samples."""
    for batch in spec.batches(samples):
        yield dict(zip(tensors, sess.run(tensors, {spec.name: batch})))


def _min_max(sess, spec, samples, tensors) -> Dict[str, Range]:
    ranges: Dict[str, Range] = {}
    for values in _run(sess, spec, samples, tensors):
        for name, v in values.items():
            lo, hi = float(v.min()), float(v.max())
            old = ranges.get(name, (lo, hi))
            ranges[name] = (min(old[0], lo), max(old[1], hi))
    return ranges


def _percentile(sess, spec, samples, tensors, extremes: Dict[str, Range],
                percentile: float) -> Dict[str, Range]:
    """[100 - p, p] percentiles from fixed-range histograms (a second pass)."""
    hists = {name: np.zeros(HISTOGRAM_BINS, np.int64) for name in tensors}
    for values in _run(sess, spec, samples, tensors):
        for name, v in values.items():
            lo, hi = extremes[name]
            hists[name] += np.histogram(v, HISTOGRAM_BINS, (lo, hi if hi > lo else lo + 1))[0]
    ranges = {}
    for name, hist in hists.items():
        lo, hi = extremes[name]
        edges = np.linspace(lo, hi if hi > lo else lo + 1, HISTOGRAM_BINS + 1)
        cdf = np.cumsum(hist) / hist.sum()
        low = edges[np.searchsorted(cdf, 1 - percentile / 100)]
        high = edges[min(np.searchsorted(cdf, percentile / 100) + 1, HISTOGRAM_BINS)]
        ranges[name] = (float(low), float(high))
    return ranges


def calibrate(model: onnx.ModelProto, samples_path: str, tensors: List[str],
              method: str = "minmax", percentile: float = 99.99) -> Dict[str, Range]:
    """Range of each float node output in `tensors` and of the graph input.

    Graph inputs are measured on the samples directly (onnxruntime does not
    expose an input as an output).
    """
    spec = InputSpec.of_session(session(model.SerializeToString()))
    samples = spec.read(samples_path)
    outputs = [t for t in tensors if t != spec.name]
    sess = _exposing_session(model, outputs)
    ranges = _min_max(sess, spec, samples, outputs)
    if method == "percentile":
        ranges = _percentile(sess, spec, samples, outputs, ranges, percentile)
    elif method != "minmax":
        raise ValueError(f"unknown calibration method '{method}'")
    ranges[spec.name] = _input_range(samples, method, percentile)
    return ranges


def _input_range(samples: np.ndarray, method: str, percentile: float) -> Range:
    if method == "percentile":
        return (float(np.percentile(samples, 100 - percentile)),
                float(np.percentile(samples, percentile)))
    return float(samples.min()), float(samples.max())
