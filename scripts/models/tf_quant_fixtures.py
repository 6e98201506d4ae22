"""Writes small .tflite files quantized by TensorFlow's own converter, with what TF's schema reader sees
in them, as fixtures for tfdoctor's TFLite reader (test/fixtures/tflite-quant/). Runs in the seed venv
(tensorflow 2.20): python tf_quant_fixtures.py OUT_DIR

  dense-dynamic.tflite   Dense(24 -> 64, bias) on [1, 24], dynamic-range quantization: int8 per-channel weights
  dense-float16.tflite   the same model, float16 quantization: FLOAT16 constants + DEQUANTIZE
  <name>.json            per tensor: name, type, shape, scale, zero_point, quantized_dimension (TF's reading)
"""
from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import keras  # noqa: E402
from tensorflow.lite.python import schema_py_generated as schema  # noqa: E402

TYPES = {v: k for k, v in vars(schema.TensorType).items() if not k.startswith("_")}


def facts(buf: bytes) -> dict:
    m = schema.Model.GetRootAsModel(buf, 0)
    sg = m.Subgraphs(0)
    tensors = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        q = t.Quantization()
        entry = {"name": t.Name().decode(), "type": TYPES[t.Type()], "shape": [int(d) for d in t.ShapeAsNumpy()] if t.ShapeLength() else []}
        if q is not None and q.ScaleLength() > 0:
            entry["scale"] = [float(q.Scale(k)) for k in range(q.ScaleLength())]
            entry["zero_point"] = [int(q.ZeroPoint(k)) for k in range(q.ZeroPointLength())]
            entry["quantized_dimension"] = int(q.QuantizedDimension())
        tensors.append(entry)
    return {"tensorflow": tf.__version__, "tensors": tensors}


def main() -> None:
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    keras.utils.set_random_seed(0)
    inp = keras.Input((24,), batch_size=1)
    dense = keras.layers.Dense(64)
    model = keras.Model(inp, dense(inp))
    w, b = dense.get_weights()
    dense.set_weights([w, np.random.default_rng(1).standard_normal(b.shape).astype("float32")])
    for mode in ("dynamic", "float16"):
        conv = tf.lite.TFLiteConverter.from_keras_model(model)
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        if mode == "float16":
            conv.target_spec.supported_types = [tf.float16]
        buf = conv.convert()
        with open(os.path.join(out, f"dense-{mode}.tflite"), "wb") as f:
            f.write(buf)
        with open(os.path.join(out, f"dense-{mode}.json"), "w") as f:
            json.dump(facts(buf), f, indent=1)


if __name__ == "__main__":
    main()
