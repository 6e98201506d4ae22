"""Python tier for quantization accuracy: runs .tflite classifiers on a set of inputs with ai_edge_litert and scores them.

For each --model NAME=PATH: one Interpreter (default resolver: builtin kernels + XNNPACK, --threads),
every sample invoked one at a time (batch 1, as the models are converted). Inputs come as one NCHW .npy
(N samples); a rank-4 sample goes in NHWC when the model's input shape is the NHWC form of it (and
NCHW when it is the NCHW form; anything else is an error). An int8/uint8 input is quantized with the
tensor's own scale and zero point, an int8/uint8 output dequantized, so --io int8 models score the same way.

Prints one JSON object: per model {bytes, input_dtype, output_dtype, accuracy (against --labels),
agreement (top-1 against --reference logits), max_abs_error, sqnr_db, cosine (against --reference)}.
With --save-dir, also writes <NAME>.logits.npy.

usage: python tflite_eval.py --inputs X.npy [--labels Y.npy] [--reference R.npy] [--threads 2] NAME=PATH ...
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def layout(sample_shape: tuple, model_shape: list) -> str:
    want = [1, *sample_shape]
    if list(model_shape) == want:
        return "nchw"
    if len(want) == 4 and list(model_shape) == [want[0], want[2], want[3], want[1]]:
        return "nhwc"
    raise SystemExit(f"model input shape {list(model_shape)} is neither {want} nor its NHWC form")


def run(path: str, x: np.ndarray, threads: int) -> tuple[np.ndarray, dict]:
    it = Interpreter(model_path=path, num_threads=threads)
    it.allocate_tensors()
    (inp,), (out,) = it.get_input_details(), it.get_output_details()
    nhwc = layout(x.shape[1:], inp["shape"]) == "nhwc"
    in_scale, in_zero = inp["quantization"]
    out_scale, out_zero = out["quantization"]
    quantized_in = np.issubdtype(inp["dtype"], np.integer)
    quantized_out = np.issubdtype(out["dtype"], np.integer)
    info = np.iinfo(inp["dtype"]) if quantized_in else None
    ys = []
    for i in range(len(x)):
        s = np.asarray(x[i:i + 1], dtype=np.float32)
        if nhwc:
            s = s.transpose(0, 2, 3, 1)
        if quantized_in:
            s = np.clip(np.round(s / in_scale) + in_zero, info.min, info.max)
        it.set_tensor(inp["index"], np.ascontiguousarray(s.astype(inp["dtype"])))
        it.invoke()
        y = it.get_tensor(out["index"]).astype(np.float32)
        if quantized_out:
            y = (y - out_zero) * out_scale
        ys.append(y.reshape(1, -1))
    return np.concatenate(ys), {"input_dtype": np.dtype(inp["dtype"]).name, "output_dtype": np.dtype(out["dtype"]).name,
                                "layout": "nhwc" if nhwc else "nchw"}


def score(y: np.ndarray, labels: np.ndarray | None, ref: np.ndarray | None) -> dict:
    s: dict = {}
    if labels is not None:
        s["accuracy"] = float(np.mean(y.argmax(1) == labels))
    if ref is not None:
        err = y - ref
        s["agreement"] = float(np.mean(y.argmax(1) == ref.argmax(1)))
        s["max_abs_error"] = float(np.max(np.abs(err)))
        s["sqnr_db"] = float(10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / max(np.sum(err.astype(np.float64) ** 2), 1e-30)))
        s["cosine"] = float(np.sum(y * ref) / (np.linalg.norm(y) * np.linalg.norm(ref)))
    return s


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--labels")
    ap.add_argument("--reference")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--save-dir")
    ap.add_argument("models", nargs="+", help="NAME=PATH")
    args = ap.parse_args()
    x = np.load(args.inputs, mmap_mode="r")
    labels = np.load(args.labels) if args.labels else None
    ref = np.load(args.reference).reshape(len(x), -1) if args.reference else None
    result = {}
    for spec in args.models:
        name, path = spec.split("=", 1)
        y, meta = run(path, x, args.threads)
        if args.save_dir:
            np.save(os.path.join(args.save_dir, f"{name}.logits.npy"), y)
        result[name] = {"bytes": os.path.getsize(path), **meta, **score(y, labels, ref)}
        print(f"{name}: {result[name]}", file=sys.stderr)
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
