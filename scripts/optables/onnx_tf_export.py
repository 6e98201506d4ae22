"""Runs onnx-tf for real on ONNX models: prepare(onnx.load(model)).export_graph(out_dir).

Usage: python onnx_tf_export.py MODEL OUT_DIR [MODEL OUT_DIR ...]
Prints one JSON line per model on stdout: {"model", "ok", "error_type", "message", "saved_model"},
after a first line {"onnx": <installed onnx version>, "onnx_tf": <onnx-tf version>}.
A MODEL written as `model.onnx=INPUT.npy,REF.npy` is also run, once converted, through its SavedModel's
serving_default on INPUT; its line then adds "max_abs_error" (against REF) and "max_abs_ref".
One interpreter for all models so TensorFlow is imported once.
"""
import contextlib
import importlib.metadata
import json
import os
import sys


def run_saved_model(out_dir, input_npy, ref_npy):
    import numpy as np
    import tensorflow as tf

    serve = tf.saved_model.load(out_dir).signatures["serving_default"]
    (name,) = serve.structured_input_signature[1].keys()
    (y,) = serve(**{name: tf.constant(np.load(input_npy))}).values()
    ref = np.load(ref_npy)
    return {"max_abs_error": float(np.max(np.abs(y.numpy() - ref))), "max_abs_ref": float(np.max(np.abs(ref)))}


def main():
    args = sys.argv[1:]
    print(json.dumps({"onnx": importlib.metadata.version("onnx"), "onnx_tf": importlib.metadata.version("onnx-tf")}), flush=True)
    # onnx-tf and TensorFlow log on stdout too; stdout is reserved for the JSON lines
    with contextlib.redirect_stdout(sys.stderr):
        import onnx
        from onnx_tf.backend import prepare
    for model_arg, out_dir in zip(args[0::2], args[1::2]):
        model_path, _, io = model_arg.partition("=")
        result = {"model": model_path, "ok": False, "error_type": None, "message": None}
        try:
            with contextlib.redirect_stdout(sys.stderr):
                prepare(onnx.load(model_path)).export_graph(out_dir)
            result["ok"] = True
        except Exception as err:  # the test asserts on what really happened
            result["error_type"] = f"{type(err).__module__}.{type(err).__name__}"
            result["message"] = str(err)
        result["saved_model"] = os.path.exists(os.path.join(out_dir, "saved_model.pb"))
        if io and result["saved_model"]:
            with contextlib.redirect_stdout(sys.stderr):
                result.update(run_saved_model(out_dir, *io.split(",")))
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
