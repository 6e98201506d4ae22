"""QDQ models written by onnxruntime's static quantizer: the inputs of `tfdoctor convert` on quantized ONNX.

Each float model is quantized with onnxruntime.quantization.quantize_static (a CalibrationDataReader over
the given calibration samples, MinMax calibration) into the variants below. Held-out inputs (never seen by
calibration) are written next to them, with onnxruntime's own outputs of each variant on those inputs at
two optimisation levels:
  - ORT_ENABLE_ALL (the default session): onnxruntime fuses DQ -> op -> Q into its integer kernels
    (QLinearConv, QLinearMatMul, ...): onnxruntime's "int8 execution";
  - ORT_DISABLE_ALL: every DequantizeLinear, float op and QuantizeLinear runs as written (float emulation).

Variants (NAME.VARIANT.onnx):
  qdq            QDQ format, int8 activations (per tensor), int8 weights per channel (symmetric)
  qdq_tensor     QDQ format, int8 activations, int8 weights per tensor (symmetric)
  qdq_u8         QDQ format, uint8 activations, int8 weights per channel
  qdq_rr         as qdq_u8 with reduce_range (7-bit weights in [-64, 64])
  (digits only, for refusals:)
  qdq_u8w        QDQ format, uint8 activations and asymmetric uint8 weights
  qoperator      QOperator format (QLinearConv, QLinearMatMul, ...)

usage: python qdq_models.py --model NAME=MODEL.onnx:CALIB.npy:HELDOUT.npy[:N_CALIB:N_HELDOUT[:VARIANT+VARIANT...]] ...
       [--refusals NAME,...] --out DIR
(tools venv: onnxruntime, onnx). Writes DIR/facts.json with onnxruntime's version and each variant's op counts.
"""
from __future__ import annotations

import argparse
import json
import os
from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static


class Samples(CalibrationDataReader):
    def __init__(self, name: str, data: np.ndarray):
        self.items = iter([{name: data[i:i + 1]} for i in range(len(data))])

    def get_next(self):
        return next(self.items, None)


VARIANTS = {
    "qdq": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, per_channel=True),
    "qdq_tensor": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, per_channel=False),
    "qdq_u8": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True),
    # 7-bit weights: onnxruntime's x86 integer kernels without VNNI do not saturate on them (see the module doc)
    "qdq_rr": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True, reduce_range=True),
}
REFUSAL_VARIANTS = {
    "qdq_u8w": dict(quant_format=QuantFormat.QDQ, activation_type=QuantType.QUInt8, weight_type=QuantType.QUInt8, per_channel=False),
    "qoperator": dict(quant_format=QuantFormat.QOperator, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8, per_channel=True),
}


def run(path: str, x: np.ndarray, level) -> np.ndarray:
    opts = ort.SessionOptions()
    opts.graph_optimization_level = level
    opts.intra_op_num_threads = 1
    s = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    return np.concatenate([s.run(None, {name: x[i:i + 1]})[0] for i in range(len(x))])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--refusals", default="", help="comma-separated model names that also get the refusal variants")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    refusal_models = set(filter(None, a.refusals.split(",")))
    facts = {"onnxruntime": ort.__version__, "onnx": onnx.__version__, "models": {}}
    for spec in a.model:
        name, rest = spec.split("=", 1)
        parts = rest.split(":")
        src, calib_path, held_path = parts[:3]
        n_calib = int(parts[3]) if len(parts) > 3 else None
        n_held = int(parts[4]) if len(parts) > 4 else None
        only = parts[5].split("+") if len(parts) > 5 else list(VARIANTS)
        calib = np.load(calib_path).astype(np.float32)[:n_calib]
        held = np.load(held_path).astype(np.float32)[:n_held]
        input_name = onnx.load(src, load_external_data=False).graph.input[0].name
        np.save(os.path.join(a.out, f"{name}.heldout.npy"), held)
        variants = dict({v: VARIANTS[v] for v in only}, **(REFUSAL_VARIANTS if name in refusal_models else {}))
        model_facts = {"source": os.path.basename(src), "calibration": len(calib), "heldout": len(held), "variants": {}}
        for variant, kw in variants.items():
            out = os.path.join(a.out, f"{name}.{variant}.onnx")
            quantize_static(src, out, Samples(input_name, calib), **kw)
            ops = Counter(n.op_type for n in onnx.load(out, load_external_data=False).graph.node)
            vf = {"ops": dict(sorted(ops.items())), "options": {k: str(v) for k, v in kw.items()}}
            if variant in VARIANTS:
                for tag, level in (("ort_all", ort.GraphOptimizationLevel.ORT_ENABLE_ALL),
                                   ("ort_none", ort.GraphOptimizationLevel.ORT_DISABLE_ALL)):
                    y = run(out, held, level)
                    np.save(os.path.join(a.out, f"{name}.{variant}.{tag}.npy"), y)
                    vf[f"{tag}_max_abs"] = float(np.abs(y).max())
            model_facts["variants"][variant] = vf
        facts["models"][name] = model_facts
    with open(os.path.join(a.out, "facts.json"), "w") as f:
        json.dump(facts, f, indent=2)


if __name__ == "__main__":
    main()
