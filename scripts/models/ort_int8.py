"""A yardstick for tfdoctor's int8: onnxruntime's own static quantizer (quantize_static, QDQ, int8
activations and per-channel int8 weights) on the same float ONNX model and the same calibration samples,
run in onnxruntime against the float model on the same held-out samples. Prints one JSON object:
{"method": ..., "agreement": ..., "sqnr_db": ..., "seconds": ...}.

usage: python ort_int8.py --onnx M.onnx --calibration CAL.npy --samples HELD.npy [--method minmax|entropy|percentile]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

import numpy as np
import onnxruntime as ort
from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, QuantType, quantize_static
from onnxruntime.quantization.shape_inference import quant_pre_process

METHODS = {"minmax": CalibrationMethod.MinMax, "entropy": CalibrationMethod.Entropy, "percentile": CalibrationMethod.Percentile}


class Reader(CalibrationDataReader):
    def __init__(self, name: str, xs: np.ndarray):
        self.items = iter([{name: xs[k:k + 1]} for k in range(len(xs))])

    def get_next(self):
        return next(self.items, None)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--method", default="minmax", choices=sorted(METHODS))
    a = ap.parse_args()
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    float_sess = ort.InferenceSession(a.onnx, opts, providers=["CPUExecutionProvider"])
    name = float_sess.get_inputs()[0].name
    cal = np.load(a.calibration).astype(np.float32)
    held = np.load(a.samples).astype(np.float32)
    t0 = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        pre = os.path.join(tmp, "pre.onnx")
        out = os.path.join(tmp, "int8.onnx")
        try:
            quant_pre_process(a.onnx, pre, skip_symbolic_shape=True)
        except Exception:  # noqa: BLE001  (pre-processing is an optimisation; quantize the model as it is)
            pre = a.onnx
        quantize_static(pre, out, Reader(name, cal), quant_format=QuantFormat.QDQ, per_channel=True,
                        activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        calibrate_method=METHODS[a.method], use_external_data_format=True)
        seconds = time.time() - t0
        q_sess = ort.InferenceSession(out, opts, providers=["CPUExecutionProvider"])
        agree = 0
        sig = noise = 0.0
        for k in range(len(held)):
            x = held[k:k + 1]
            r = float_sess.run(None, {name: x})[0].astype(np.float64).ravel()
            o = q_sess.run(None, {name: x})[0].astype(np.float64).ravel()
            agree += int(np.argmax(r) == np.argmax(o))
            sig += float((r ** 2).sum())
            noise += float(((r - o) ** 2).sum())
    print(json.dumps({"method": a.method, "agreement": agree / len(held), "sqnr_db": 10 * np.log10(sig / noise), "seconds": round(seconds, 1)}))


if __name__ == "__main__":
    main()
