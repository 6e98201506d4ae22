"""TensorFlow's own quantizer on hand-built Keras twins (same weights): the yardstick tfdoctor's --quantize is judged by.

Digits CNN (digits_cnn.py): a Keras twin, NHWC 1x8x8x1, Conv2D 'same' (= PyTorch padding 1 at stride 1),
BatchNormalization, ReLU, MaxPooling2D, Flatten, Dense; PyTorch flattens (C, H, W), Keras (H, W, C), so
the first Dense kernel's rows are permuted to match (what a hand-built twin does; no transpose op).
Converted three ways: float32, float16 (optimizations=[DEFAULT], supported_types=[float16]) and full int8
(optimizations=[DEFAULT], representative_dataset = digits.calib.npy, supported_ops=[TFLITE_BUILTINS_INT8],
float input/output as tfdoctor's default --io float).

FBNet-A/B (fbnet_quant.py: classifiers of structured inputs, fitted head): the project's twin builder
(fbnet_keras.build_twin) with the same weights, converted to full int8 the same way on fbnet.calib.npy
(200 inputs); the conversion's seconds go to facts.json.

Writes to --out: digits.tf.{float32,float16,int8}.tflite, <name>.tf.int8.tflite and facts.json (TF/Keras
versions, each file's bytes, and each twin's max abs error against PyTorch: Keras on the whole digits test
set, on the first 8 FBNet evaluation inputs).

usage: python quant_keras.py [--digits DIR] [--fbnet DIR] --out DIR   (seed venv: tensorflow 2.20; either or both)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

from fbnet_keras import build_twin  # noqa: E402
from fbnet_structure import read_structure  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def nhwc(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def digits_twin(w: dict) -> keras.Model:
    inp = keras.Input((8, 8, 1), batch_size=1, name="input")
    assign = []
    x = inp
    for i, pool in ((1, False), (2, True), (3, True)):
        conv = layers.Conv2D(w[f"c{i}.weight"].shape[0], 3, padding="same")
        bn = layers.BatchNormalization(epsilon=1e-5)
        x = layers.ReLU()(bn(conv(x)))
        if pool:
            x = layers.MaxPooling2D(2)(x)
        assign.append((conv, [w[f"c{i}.weight"].transpose(2, 3, 1, 0), w[f"c{i}.bias"]]))
        assign.append((bn, [w[f"b{i}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]))
    x = layers.Flatten()(x)
    fc1, fc2 = layers.Dense(64, activation="relu"), layers.Dense(10)
    out = fc2(fc1(x))
    c, h, wd = w["c3.weight"].shape[0], 2, 2
    # torch row index c*h*w + y*w + x  ->  keras row index y*w*c + x*c + c
    k1 = w["fc1.weight"].reshape(-1, c, h, wd).transpose(2, 3, 1, 0).reshape(c * h * wd, -1)
    assign += [(fc1, [k1, w["fc1.bias"]]), (fc2, [w["fc2.weight"].T, w["fc2.bias"]])]
    model = keras.Model(inp, out)
    for layer, arrays in assign:
        layer.set_weights(arrays)
    return model


def convert(model: keras.Model, mode: str, calib_nhwc: np.ndarray | None = None) -> bytes:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif mode == "int8":
        def representative():
            for i in range(len(calib_nhwc)):
                yield [calib_nhwc[i:i + 1]]
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def keras_outputs(model: keras.Model, x_nhwc: np.ndarray) -> np.ndarray:
    return np.concatenate([model(x_nhwc[i:i + 1], training=False).numpy() for i in range(len(x_nhwc))])


def write(out: str, name: str, flat: bytes, facts: dict) -> None:
    with open(os.path.join(out, name), "wb") as f:
        f.write(flat)
    facts["files"][name] = {"bytes": len(flat)}
    print(f"{name}: {len(flat)} B", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--digits", help="folder made by digits_cnn.py")
    ap.add_argument("--fbnet", help="folder made by fbnet_quant.py")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    facts: dict = {"tensorflow": tf.__version__, "keras": keras.__version__, "files": {}, "twin_vs_torch_max_abs": {}}

    if args.digits:
        digits(args.digits, args.out, facts)
    if args.fbnet:
        fbnet(args.fbnet, args.out, facts)
    print(f"twin vs torch: {facts['twin_vs_torch_max_abs']}", file=sys.stderr)
    with open(os.path.join(args.out, "facts.json"), "w") as f:
        json.dump(facts, f, indent=2)


def digits(src: str, out: str, facts: dict) -> None:
    w = dict(np.load(os.path.join(src, "digits.weights.npz")))
    model = digits_twin(w)
    test = nhwc(np.load(os.path.join(src, "digits.test.npy")))
    ref = np.load(os.path.join(src, "digits.torch.test.npy"))
    facts["twin_vs_torch_max_abs"]["digits"] = float(np.max(np.abs(keras_outputs(model, test) - ref)))
    calib = nhwc(np.load(os.path.join(src, "digits.calib.npy")))
    for mode in ("float32", "float16", "int8"):
        write(out, f"digits.tf.{mode}.tflite", convert(model, mode, calib), facts)


def fbnet(src: str, out: str, facts: dict) -> None:
    calib = nhwc(np.load(os.path.join(src, "fbnet.calib.npy")))
    first = nhwc(np.load(os.path.join(src, "fbnet.eval.npy"), mmap_mode="r")[:8])
    for name in ("fbnet_a", "fbnet_b"):
        w = dict(np.load(os.path.join(src, f"{name}.weights.npz")))
        model = build_twin(read_structure(os.path.join(HERE, "structures", f"{name}.txt")), w)
        ref = np.load(os.path.join(src, f"{name}.torch.eval.npy"))[:8]
        facts["twin_vs_torch_max_abs"][name] = float(np.max(np.abs(keras_outputs(model, first) - ref)))
        t0 = time.perf_counter()
        flat = convert(model, "int8", calib)
        facts.setdefault("convert_seconds", {})[name] = round(time.perf_counter() - t0, 1)
        write(out, f"{name}.tf.int8.tflite", flat, facts)


if __name__ == "__main__":
    main()
