"""The hand-built Keras twin of FBNet-A/B (what the seed's users wrote by hand), converted by TensorFlow's
own TFLite converter: the yardstick for tfdoctor's op count, size, conversion time and latency.

Built from the same structure files and the SAME weights as the PyTorch model (<name>.weights.npz from
export_fbnet.py), NHWC: stride-2 convs are ZeroPadding2D(p) + Conv2D/DepthwiseConv2D 'valid' (PyTorch's
symmetric padding; TF's 'same' pads asymmetrically at stride 2), stride-1 convs use 'same'; BatchNorm as
BatchNormalization layers (the converter folds them), channel shuffle as Reshape/Permute/Reshape, head
GlobalAveragePooling2D(keepdims) -> 1x1 Conv2D -> Flatten. Runs in the seed venv (tensorflow 2.20).

Writes <out>/<name>.tf.tflite and <out>/facts.json: TF/Keras versions, op counts by TFLite op name,
conversion seconds (the converter call only, TensorFlow already imported and the Keras model already
built), file size, and the twin's max abs error against PyTorch's output (Keras and the .tflite).

usage: python fbnet_keras.py --models DIR --out DIR [--only fbnet_a,fbnet_b]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

from fbnet_structure import Node, read_structure, shuffle_groups  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
IRF_ORDER = ("pw", "shuffle", "dw", "pwl")


class Twin:
    def __init__(self, weights):
        self.w = weights
        self.assign: list[tuple] = []  # (layer, [arrays]) set after the model is built

    def conv(self, x, node: Node, prefix: str):
        cin, cout = node.args[0], node.args[1]
        k = node.kwargs["kernel_size"][0]
        s = node.kwargs.get("stride", (1, 1))[0]
        p = node.kwargs.get("padding", (0, 0))[0]
        g = node.kwargs.get("groups", 1)
        w = self.w[f"{prefix}.weight"]
        b = self.w.get(f"{prefix}.bias")
        padding = "valid"
        if s > 1 and p > 0:
            x = layers.ZeroPadding2D(((p, p), (p, p)))(x)
        elif p > 0:
            assert p == k // 2, f"{prefix}: padding {p} is not 'same' for kernel {k}"
            padding = "same"
        if g == cin == cout and g > 1:
            layer = layers.DepthwiseConv2D(k, strides=s, padding=padding, use_bias=b is not None)
            arrays = [w.transpose(2, 3, 0, 1)]  # (C,1,kh,kw) -> (kh,kw,C,1)
        else:
            layer = layers.Conv2D(cout, k, strides=s, padding=padding, groups=g, use_bias=b is not None)
            arrays = [w.transpose(2, 3, 1, 0)]  # (O,I/g,kh,kw) -> (kh,kw,I/g,O)
        if b is not None:
            arrays.append(b)
        self.assign.append((layer, arrays))
        return layer(x)

    def bn(self, x, node: Node, prefix: str):
        layer = layers.BatchNormalization(epsilon=node.kwargs.get("eps", 1e-5))
        y = layer(x)
        self.assign.append((layer, [self.w[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]))
        return y

    def block(self, x, node: Node, prefix: str):
        t = node.type
        if t == "Conv2d":
            return self.conv(x, node, prefix)
        if t == "BatchNorm2d":
            return self.bn(x, node, prefix)
        if t == "ReLU":
            return layers.ReLU()(x)
        if t == "Identity":
            return x
        if t in ("ConvBNRelu", "Sequential", "FBNetBackbone"):
            for c in node.children:
                x = self.block(x, c, f"{prefix}.{c.name}")
            return x
        if t == "IRFBlock":
            y = x
            parts = {c.name: c for c in node.children}
            for name in IRF_ORDER:
                if name not in parts:
                    continue
                if name == "shuffle":
                    g = shuffle_groups(node)
                    h, w_, c = y.shape[1], y.shape[2], y.shape[3]
                    y = layers.Reshape((h, w_, g, c // g))(y)
                    y = layers.Permute((1, 2, 4, 3))(y)
                    y = layers.Reshape((h, w_, c))(y)
                else:
                    y = self.block(y, parts[name], f"{prefix}.{name}")
            return layers.Add()([y, x]) if "res_conn" in parts else y
        if t == "ClsConvHead":
            y = layers.GlobalAveragePooling2D(keepdims=True)(x)
            y = self.conv(y, node.child("conv"), f"{prefix}.conv")
            return layers.Flatten()(y)
        if t == "FBNet":
            return self.block(self.block(x, node.child("backbone"), "backbone"), node.child("head"), "head")
        raise ValueError(f"{prefix}: unsupported module {t}")


def build_twin(structure: Node, weights) -> keras.Model:
    twin = Twin(weights)
    inp = keras.Input((224, 224, 3), batch_size=1, name="input")
    # the root FBNet's children are named backbone/head; state_dict keys start there
    out = twin.block(inp, structure, "")
    model = keras.Model(inp, out)
    for layer, arrays in twin.assign:
        layer.set_weights(arrays)
    return model


def tflite_ops(path: str) -> Counter:
    interp = tf.lite.Interpreter(model_path=path)
    return Counter(op["op_name"] for op in interp._get_ops_details())


def run_tflite(path: str, x: np.ndarray) -> np.ndarray:
    interp = tf.lite.Interpreter(model_path=path)
    interp.allocate_tensors()
    interp.set_tensor(interp.get_input_details()[0]["index"], x)
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True, help="folder made by export_fbnet.py")
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="fbnet_a,fbnet_b")
    ap.add_argument("--structures", default=os.path.join(HERE, "structures"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    facts = {"tensorflow": tf.__version__, "keras": keras.__version__, "models": {}}
    for name in args.only.split(","):
        weights = dict(np.load(os.path.join(args.models, f"{name}.weights.npz")))
        model = build_twin(read_structure(os.path.join(args.structures, f"{name}.txt")), weights)
        x_nchw = np.load(os.path.join(args.models, f"{name}.input.npy"))
        ref = np.load(os.path.join(args.models, f"{name}.torch.npy"))
        x = np.ascontiguousarray(x_nchw.transpose(0, 2, 3, 1))
        keras_out = model(x, training=False).numpy()

        t0 = time.perf_counter()
        converter = tf.lite.TFLiteConverter.from_keras_model(model)
        flat = converter.convert()
        seconds = time.perf_counter() - t0
        path = os.path.join(args.out, f"{name}.tf.tflite")
        with open(path, "wb") as f:
            f.write(flat)
        ops = tflite_ops(path)
        tfl_out = run_tflite(path, x)
        facts["models"][name] = {
            "op_count": sum(ops.values()),
            "ops": dict(sorted(ops.items())),
            "convert_seconds": round(seconds, 3),
            "bytes": len(flat),
            "max_abs_output": float(np.max(np.abs(ref))),
            "keras_vs_torch_max_abs": float(np.max(np.abs(keras_out - ref))),
            "tflite_vs_torch_max_abs": float(np.max(np.abs(tfl_out - ref))),
        }
        print(f"{name}: {sum(ops.values())} ops {dict(ops)}, convert {seconds:.2f} s, {len(flat)} B, "
              f"keras-vs-torch {facts['models'][name]['keras_vs_torch_max_abs']:.3g}, "
              f"tflite-vs-torch {facts['models'][name]['tflite_vs_torch_max_abs']:.3g}", file=sys.stderr)
    with open(os.path.join(args.out, "facts.json"), "w") as f:
        json.dump(facts, f, indent=2)


if __name__ == "__main__":
    main()
