"""Raw little-endian float32 sample files and the model input they feed.

Calibration and test sets are plain ``float32`` dumps of N samples in the
model's input shape (no header), so that the C++ tools can read the same
files; logits are written the same way.
"""

import dataclasses
from typing import Iterator, Optional, Tuple

import numpy as np
import onnxruntime as ort


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """The (single) graph input: its name, per-sample shape and batch size.

    ``batch`` is None when the leading dimension is symbolic, so any number
    of samples can be run at once.
    """

    name: str
    sample_shape: Tuple[int, ...]
    batch: Optional[int]

    @classmethod
    def of_session(cls, session: ort.InferenceSession) -> "InputSpec":
        inputs = session.get_inputs()
        if len(inputs) != 1:
            raise ValueError(f"expected one graph input, found {len(inputs)}")
        shape = inputs[0].shape
        if not all(isinstance(d, int) for d in shape[1:]):
            raise ValueError(f"input '{inputs[0].name}' has symbolic non-batch "
                             f"dimensions: {shape}")
        batch = shape[0] if isinstance(shape[0], int) else None
        return cls(inputs[0].name, tuple(shape[1:]), batch)

    def read(self, path: str) -> np.ndarray:
        """Reads a raw float32 file as an (N, *sample_shape) array."""
        data = np.fromfile(path, dtype="<f4")
        per_sample = int(np.prod(self.sample_shape))
        if data.size == 0 or data.size % per_sample:
            raise ValueError(f"{path}: {data.size} floats is not a positive "
                             f"multiple of the sample size {per_sample} "
                             f"(shape {self.sample_shape})")
        return data.reshape((-1,) + self.sample_shape)

    def batches(self, samples: np.ndarray, max_batch: int = 64) -> Iterator[np.ndarray]:
        """Splits samples into batches the model accepts."""
        size = self.batch or max_batch
        if self.batch and len(samples) % self.batch:
            raise ValueError(f"{len(samples)} samples do not split into "
                             f"batches of the model's static batch {self.batch}")
        for start in range(0, len(samples), size):
            yield samples[start:start + size]


def session(model, threads: int = 0, qdq_fusion: bool = True) -> ort.InferenceSession:
    """A CPU onnxruntime session; ``threads`` 0 lets onnxruntime choose.

    ``model`` is a path or serialised model bytes. Graph optimisations are
    kept at onnxruntime's defaults, which is how a deployed model runs.
    ``qdq_fusion=False`` turns off onnxruntime's QDQ fusions (DQ -> op -> Q
    into QLinearMatMul, QLinearConv, ...): every QuantizeLinear and
    DequantizeLinear then runs as written and the ops between them in float,
    which is the QDQ model's exact meaning. The fused int8 kernels can differ
    from it: on AVX2 machines without VNNI, onnxruntime's uint8 x int8
    kernels sum pairs of products in saturating int16 (vpmaddubsw).
    """
    options = ort.SessionOptions()
    options.log_severity_level = 3
    if not qdq_fusion:
        options.add_session_config_entry("session.disable_quant_qdq", "1")
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    return ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def write_f32(path: str, array: np.ndarray) -> None:
    """Writes an array as raw little-endian float32."""
    np.ascontiguousarray(array, dtype="<f4").tofile(path)
