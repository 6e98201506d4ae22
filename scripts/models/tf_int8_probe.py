"""Small graphs TensorFlow's converter quantizes to full int8, one per operator feature: the evidence of
which operator versions TensorFlow writes for int8 operators (scripts/gen-int8-opversions.mjs reads them).
With --mode float32 / float16 / dynamic the same graphs are converted without quantization, with float16
weights, or with dynamic-range (int8 weight) quantization instead: the evidence for those files' versions.

Each probe is a tf.function over NHWC float inputs with constant weights, converted (--mode int8, the
default) with optimizations=[DEFAULT], a seeded normal representative dataset (16 samples) and
supported_ops=[TFLITE_BUILTINS_INT8] (float input/output, as tfdoctor's default --io float).
float32: no optimizations; float16: optimizations=[DEFAULT] with supported_types=[float16];
dynamic: optimizations=[DEFAULT] without a dataset (int8 weights of 1024 elements or more). One
operator code serves every operator of a builtin at the highest version any of them needs, so a
feature that raises a version (grouped convolution, rank-5 transpose, dilation, ...) gets its own
probe. A probe TensorFlow refuses to quantize is listed in probes.json with its error, not written.

Writes to --out: probe_<name>.tflite and probes.json ({tensorflow, probes: {name: file | {error}}}).

usage: python tf_int8_probe.py --out DIR [--mode int8|float32|float16|dynamic]   (seed venv: tensorflow 2.20)
"""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

RNG = np.random.default_rng(0)


def const(*shape: int, scale: float = 0.3) -> tf.Tensor:
    return tf.constant(RNG.standard_normal(shape).astype(np.float32) * scale)


X = [1, 8, 8, 8]


def probes() -> dict:
    w3 = const(3, 3, 8, 8)
    w1 = const(1, 1, 8, 16)
    wg = const(3, 3, 4, 8)  # filter in-channels 4 of 8: two groups
    dw = const(3, 3, 8, 1)
    b8 = const(8)
    fc = const(8 * 8 * 8, 10)
    fcb = const(10)
    fk = const(8, 6)
    alpha = const(1, 1, 8, scale=0.1)
    # weights of 1024 elements or more: hybrid kernels under dynamic-range quantization
    wb = const(3, 3, 8, 64, scale=0.1)
    wbg = const(3, 3, 4, 64, scale=0.1)
    dwb = const(5, 5, 64, 1)
    wt = const(3, 3, 16, 64, scale=0.1)
    bt = const(16)
    mm = const(8, 128, scale=0.1)

    def conv(x):
        y = tf.nn.relu(tf.nn.conv2d(x, w3, 1, "SAME") + b8)
        y = tf.nn.conv2d(y, w1, 1, "VALID")
        return tf.nn.max_pool2d(y, 2, 2, "VALID"), tf.nn.avg_pool2d(y, 2, 2, "VALID")

    def conv_grouped(x):
        return tf.nn.conv2d(x, wg, 1, "SAME") + b8

    def depthwise(x):
        return tf.nn.relu6(tf.nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "SAME") + b8)

    def depthwise_dilated(x):
        return tf.nn.depthwise_conv2d(x, dw, [1, 1, 1, 1], "SAME", dilations=[2, 2])

    def dense(x):
        return tf.nn.softmax(tf.matmul(tf.reshape(x, [1, -1]), fc) + fcb)

    def dense_keep_dims(x):
        return tf.matmul(tf.reshape(x, [1, 64, 8]), fk)

    def binary(x, y):
        return (tf.concat([x + y, x - y, tf.maximum(x, y), tf.minimum(x, y)], axis=3), x * y)

    def unary(x):
        return (tf.sigmoid(x), tf.tanh(x), tf.nn.leaky_relu(x, 0.1), tf.nn.gelu(x, approximate=False),
                x * tf.nn.relu6(x + 3.0) / 6.0, tf.maximum(x, 0.0) + alpha * tf.minimum(x, 0.0))

    def relu_n1_to_1(x):
        return tf.clip_by_value(x, -1.0, 1.0)

    def reductions(x):
        return (tf.reduce_mean(x, [1, 2], keepdims=True), tf.reduce_sum(x, [3], keepdims=True),
                tf.reduce_max(x, [1, 2]), tf.reduce_min(x, [1, 2]))

    def shapes(x):
        t = tf.transpose(x, [0, 3, 1, 2])
        p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]])
        s = tf.strided_slice(x, [0, 1, 0, 0], [1, 7, 8, 8], [1, 2, 1, 1])
        sl = tf.slice(x, [0, 0, 0, 2], [1, 8, 8, 4])
        a, b = tf.split(x, 2, axis=3)
        c, d = tf.split(x, [3, 5], axis=3)
        g = tf.gather(x, [3, 1, 0], axis=3)
        q = tf.squeeze(tf.reduce_mean(x, [1, 2], keepdims=True), [1, 2])
        return t, p, s, sl, a + b, tf.concat([d, c], 3), g, q

    def transpose_5d(x):
        return tf.reshape(tf.transpose(tf.reshape(x, [1, 8, 8, 2, 4]), [0, 1, 2, 4, 3]), X)

    def transpose_4d(x):
        return tf.nn.relu(tf.transpose(x, [0, 2, 1, 3]) + b8)

    def requantize(x):
        # LOGISTIC's output scale is fixed (1/256): CONCATENATION ties it to a wider range
        return tf.concat([tf.sigmoid(x), x * 3.0], axis=3) + 1.0

    def resize(x):
        return (tf.compat.v1.image.resize_bilinear(x, [16, 16], half_pixel_centers=True),
                tf.compat.v1.image.resize_nearest_neighbor(x, [16, 16]))

    def resize_plain(x):
        return tf.compat.v1.image.resize_bilinear(x, [16, 16])

    def batch_matmul(x, y):
        return tf.matmul(tf.reshape(x, [8, 8, 8]), tf.reshape(y, [8, 8, 8]))

    def big_weights(x):
        y = tf.nn.relu(tf.nn.conv2d(x, wb, 1, "SAME"))
        y = tf.nn.depthwise_conv2d(y, dwb, [1, 1, 1, 1], "SAME")
        return y, tf.nn.conv2d(x, wbg, 1, "SAME")

    def transpose_conv(x):
        y = tf.nn.relu(tf.nn.conv2d(x, wb, 1, "SAME"))
        return tf.nn.conv2d_transpose(y, wt, [1, 16, 16, 16], 2, "SAME") + bt

    def matmul_const(x):
        return tf.matmul(tf.reshape(x, [8, 8, 8]), mm)

    def broadcast_to(x):
        return tf.broadcast_to(tf.reduce_mean(x, [1, 2], keepdims=True), [1, 4, 4, 8]) + 1.0

    one, two = [X], [X, X]
    return {
        "conv": (conv, one), "conv_grouped": (conv_grouped, one), "depthwise": (depthwise, one),
        "depthwise_dilated": (depthwise_dilated, one), "dense": (dense, one), "dense_keep_dims": (dense_keep_dims, one),
        "binary": (binary, two), "unary": (unary, one), "relu_n1_to_1": (relu_n1_to_1, one), "reductions": (reductions, one),
        "shapes": (shapes, one), "transpose_4d": (transpose_4d, one), "transpose_5d": (transpose_5d, one),
        "requantize": (requantize, one), "resize": (resize, one),
        "resize_plain": (resize_plain, one), "batch_matmul": (batch_matmul, two),
        "big_weights": (big_weights, one), "transpose_conv": (transpose_conv, one), "matmul_const": (matmul_const, one),
        "broadcast_to": (broadcast_to, one),
    }


def convert(fn, shapes: list, mode: str) -> bytes:
    f = tf.function(fn, input_signature=[tf.TensorSpec(s, tf.float32) for s in shapes])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()])
    if mode == "float32":
        return converter.convert()
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "float16":
        converter.target_spec.supported_types = [tf.float16]
        return converter.convert()
    if mode == "dynamic":
        return converter.convert()

    def representative():
        rng = np.random.default_rng(1)
        for _ in range(16):
            yield [rng.standard_normal(s).astype(np.float32) for s in shapes]

    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--mode", default="int8", choices=["int8", "float32", "float16", "dynamic"])
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    result = {}
    for name, (fn, shapes) in probes().items():
        try:
            data = convert(fn, shapes, args.mode)
        except Exception as e:  # a probe TensorFlow cannot quantize is data too
            result[name] = {"error": str(e).strip().splitlines()[-1][:300] if str(e).strip() else type(e).__name__}
            continue
        path = f"probe_{name}.tflite"
        with open(os.path.join(args.out, path), "wb") as fh:
            fh.write(data)
        result[name] = path
    with open(os.path.join(args.out, "probes.json"), "w") as fh:
        json.dump({"tensorflow": tf.__version__, "mode": args.mode, "probes": result}, fh, indent=2)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
