"""Runs onnx-tf for real on ONNX models: prepare(onnx.load(model)).export_graph(out_dir).

Usage: python onnx_tf_export.py MODEL OUT_DIR [MODEL OUT_DIR ...]
Prints one JSON line per model on stdout: {"model", "ok", "error_type", "message", "saved_model"},
after a first line {"onnx": <installed onnx version>, "onnx_tf": <onnx-tf version>}.
One interpreter for all models so TensorFlow is imported once.
"""
import contextlib
import importlib.metadata
import json
import os
import sys


def main():
    args = sys.argv[1:]
    print(json.dumps({"onnx": importlib.metadata.version("onnx"), "onnx_tf": importlib.metadata.version("onnx-tf")}), flush=True)
    # onnx-tf and TensorFlow log on stdout too; stdout is reserved for the JSON lines
    with contextlib.redirect_stdout(sys.stderr):
        import onnx
        from onnx_tf.backend import prepare
    for model_path, out_dir in zip(args[0::2], args[1::2]):
        result = {"model": model_path, "ok": False, "error_type": None, "message": None}
        try:
            with contextlib.redirect_stdout(sys.stderr):
                prepare(onnx.load(model_path)).export_graph(out_dir)
            result["ok"] = True
        except Exception as err:  # the test asserts on what really happened
            result["error_type"] = f"{type(err).__module__}.{type(err).__name__}"
            result["message"] = str(err)
        result["saved_model"] = os.path.exists(os.path.join(out_dir, "saved_model.pb"))
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
