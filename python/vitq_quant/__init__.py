"""Python tooling for quantised Vision Transformers in ONNX.

Tools (run with ``PYTHONPATH=python .venv/bin/python -m vitq_quant.<tool>``):

- ``qdq``: calibrates an FP32 model and writes a fully quantised QDQ model
  in the form vitq imports as integer-only code.
- ``ort_quant``: the same with onnxruntime's ``quantize_static``, as a
  baseline.
- ``evaluate``: accuracy, logits, agreement and latency in onnxruntime.
- ``deit``: a random-weight DeiT-shaped FP32 model plus calibration inputs.
- ``timm_export``: a timm/torchvision model exported by torch.onnx.export,
  plus random inputs (needs ``.venv-producers``, scripts/setup-producers.sh).
- ``real_models``: timm models quantised by onnxruntime, compiled by vitq
  and compared with onnxruntime (scripts/check-real-models.sh).
"""
