"""Runs a quantized .tflite with ai_edge_litert (the Python LiteRT runtime) and its float ONNX model with
onnxruntime on the same samples, and prints one JSON object: per op resolver (auto = XNNPACK, builtin,
ref = reference kernels) the top-1 agreement, SQNR (dB) and max abs error of the .tflite's output
against ONNX's, plus the .tflite's input/output types and quantization as the interpreter reads them.

An int8 input is fed as round(x / scale) + zero_point (clamped); an int8 output is read as
(q - zero_point) x scale. Samples: one .npy of N samples in the ONNX input's layout (single-input
models); a rank-4 input is moved to NHWC when the .tflite's input shape says so.

usage: python run_quantized.py --onnx M.onnx --tflite M.tflite --samples X.npy [--resolvers auto,builtin,ref]
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import onnxruntime as ort
from ai_edge_litert.interpreter import Interpreter, OpResolverType

RESOLVERS = {
    "auto": OpResolverType.AUTO,
    "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    "ref": OpResolverType.BUILTIN_REF,
}


def io_facts(d: dict) -> dict:
    scale, zp = d["quantization"]
    return {"dtype": np.dtype(d["dtype"]).name, "shape": [int(v) for v in d["shape"]], "scale": float(scale), "zero_point": int(zp)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--tflite", required=True)
    ap.add_argument("--samples", required=True)
    ap.add_argument("--resolvers", default="auto,builtin,ref")
    a = ap.parse_args()
    xs = np.load(a.samples)
    sess = ort.InferenceSession(a.onnx, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    refs = np.concatenate([sess.run(None, {name: xs[k:k + 1]})[0] for k in range(len(xs))]).astype(np.float64)
    result: dict = {"samples": int(len(xs)), "resolvers": {}}
    for key in a.resolvers.split(","):
        it = Interpreter(model_path=a.tflite, experimental_op_resolver_type=RESOLVERS[key])
        it.allocate_tensors()
        din, dout = it.get_input_details()[0], it.get_output_details()[0]
        result["input"], result["output"] = io_facts(din), io_facts(dout)
        outs = []
        for k in range(len(xs)):
            x = xs[k:k + 1]
            if len(x.shape) == 4 and list(din["shape"]) == [x.shape[0], x.shape[2], x.shape[3], x.shape[1]] and list(din["shape"]) != list(x.shape):
                x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
            if din["dtype"] == np.int8:
                s, z = din["quantization"]
                x = np.clip(np.round(x / s) + z, -128, 127).astype(np.int8)
            it.set_tensor(din["index"], x)
            it.invoke()
            y = it.get_tensor(dout["index"])
            if dout["dtype"] == np.int8:
                s, z = dout["quantization"]
                y = (y.astype(np.float64) - z) * s
            outs.append(np.asarray(y, np.float64).reshape(refs[k:k + 1].shape))
        ys = np.concatenate(outs)
        noise = float(((ys - refs) ** 2).sum())
        result["resolvers"][key] = {
            "agreement": float((ys.reshape(len(xs), -1).argmax(1) == refs.reshape(len(xs), -1).argmax(1)).mean()),
            "sqnr_db": float(10 * np.log10((refs ** 2).sum() / noise)) if noise > 0 else float("inf"),
            "max_abs": float(np.abs(ys - refs).max()),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
