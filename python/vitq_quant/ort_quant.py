"""onnxruntime's static quantiser on the same inputs as `qdq`, as a baseline.

    python -m vitq_quant.ort_quant model.onnx calib.f32 -o model_ort.onnx
        [--no-preprocess] [--activation-symmetric]
        [--activation-type qint8|quint8] [--weight-type qint8|quint8]
        [--per-tensor] [--calibration-method minmax|percentile|entropy]

Runs `quant_pre_process` (symbolic shape inference and onnxruntime's graph
optimisations, which fuse decomposed LayerNorm/GELU patterns) unless
--no-preprocess, then `quantize_static` in QDQ format: int8 (QInt8)
activations and per-channel int8 weights unless --activation-type,
--weight-type or --per-tensor say otherwise. Everything else is
onnxruntime's default, which leaves some ops (e.g. Softmax inputs, GELU,
LayerNorm) float between a DequantizeLinear and a QuantizeLinear: vitq
reports those as float islands.

The recipe most deployments use (and onnxruntime's documentation shows),
QUInt8 activations, per-channel QInt8 weights, MinMax, is

    python -m vitq_quant.ort_quant model.onnx calib.f32 -o model_ort.onnx \
        --activation-type quint8 [--no-preprocess]
"""

import argparse
import os
import sys
import tempfile
from typing import Optional, Sequence

import numpy as np
import onnx
from onnxruntime.quantization import (CalibrationDataReader, CalibrationMethod,
                                      QuantFormat, QuantType, quantize_static)
from onnxruntime.quantization.shape_inference import quant_pre_process

from .rawdata import InputSpec, session

METHODS = {"minmax": CalibrationMethod.MinMax,
           "percentile": CalibrationMethod.Percentile,
           "entropy": CalibrationMethod.Entropy}
TYPES = {"qint8": QuantType.QInt8, "quint8": QuantType.QUInt8}


class RawDataReader(CalibrationDataReader):
    """Feeds the raw float32 calibration samples batch by batch."""

    def __init__(self, model_path: str, samples_path: str):
        self.spec = InputSpec.of_session(session(model_path))
        self.batches = self.spec.batches(self.spec.read(samples_path))

    def get_next(self) -> Optional[dict]:
        batch = next(self.batches, None)
        return None if batch is None else {self.spec.name: np.ascontiguousarray(batch)}


def quantise(model_path: str, samples_path: str, output: str, preprocess: bool = True,
             activation_symmetric: bool = False, method: str = "minmax",
             activation_type: str = "qint8", weight_type: str = "qint8",
             per_channel: bool = True) -> None:
    """quant_pre_process (if `preprocess`), then quantize_static in QDQ form.

    The defaults are this tool's historical baseline (QInt8 activations);
    `activation_type="quint8"` is onnxruntime's documented recipe.
    """
    with tempfile.TemporaryDirectory() as tmp:
        source = model_path
        if preprocess:
            source = os.path.join(tmp, "preprocessed.onnx")
            quant_pre_process(model_path, source)
        # quantize_static may write scratch files (sym_shape_infer_temp.onnx,
        # external data) into the working directory: keep them in `tmp`.
        output = os.path.abspath(output)
        source = os.path.abspath(source)
        samples_path = os.path.abspath(samples_path)
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            quantize_static(source, output, RawDataReader(source, samples_path),
                            quant_format=QuantFormat.QDQ, per_channel=per_channel,
                            activation_type=TYPES[activation_type],
                            weight_type=TYPES[weight_type],
                            calibrate_method=METHODS[method],
                            extra_options={"ActivationSymmetric": activation_symmetric})
        finally:
            os.chdir(cwd)


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m vitq_quant.ort_quant",
        description="Quantise with onnxruntime.quantization.quantize_static (QDQ).")
    parser.add_argument("model", help="FP32 ONNX model")
    parser.add_argument("calibration", help="raw float32 samples in the model's input shape")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--no-preprocess", dest="preprocess", action="store_false",
                        help="skip quant_pre_process")
    parser.add_argument("--activation-symmetric", action="store_true",
                        help="zero point 0 for activations (default: asymmetric)")
    parser.add_argument("--activation-type", choices=sorted(TYPES), default="qint8",
                        help="activation type (default qint8; quint8 is onnxruntime's "
                             "usual recipe)")
    parser.add_argument("--weight-type", choices=sorted(TYPES), default="qint8")
    parser.add_argument("--per-tensor", dest="per_channel", action="store_false",
                        help="one weight scale per tensor (default: per output channel)")
    parser.add_argument("--calibration-method", choices=sorted(METHODS), default="minmax")
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    quantise(args.model, args.calibration, args.output, args.preprocess,
             args.activation_symmetric, args.calibration_method, args.activation_type,
             args.weight_type, args.per_channel)
    ops = sorted({n.op_type for n in onnx.load(args.output).graph.node})
    print(f"{args.output}: ops {', '.join(ops)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
