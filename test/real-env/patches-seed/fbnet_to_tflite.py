"""The seed's route on one model: onnx-tf prepare(model).export_graph(dir), then
tf.lite.TFLiteConverter.from_saved_model(dir).convert(), then the .tflite run by tf.lite.Interpreter on the
input PyTorch saw, compared with PyTorch's output. Prints one JSON line: the numbers, or the error.
usage: python fbnet_to_tflite.py MODEL.onnx INPUT.npy TORCH_OUTPUT.npy WORKDIR"""
import json
import sys
import traceback
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import onnx  # noqa: E402
import tensorflow as tf  # noqa: E402

onnx_path, input_path, torch_path, work = sys.argv[1:5]
try:
    from onnx_tf.backend import prepare

    model = onnx.load(onnx_path)  # external data (.onnx.data) is read from beside the model
    prepare(model).export_graph(f"{work}/saved_model")
    tflite = tf.lite.TFLiteConverter.from_saved_model(f"{work}/saved_model").convert()
    with open(f"{work}/model.tflite", "wb") as f:
        f.write(tflite)
except Exception as err:  # noqa: BLE001 - the test reads the error
    # errors raised while tracing carry "in user code:" and the frames before the message itself
    print(json.dumps({"ok": False, "error": f"{type(err).__name__}: {err}"[-2000:],
                      "where": traceback.format_exc().splitlines()[-3:]}))
    sys.exit(0)

x = np.load(input_path)
want = np.load(torch_path)
interpreter = tf.lite.Interpreter(model_content=tflite)
interpreter.allocate_tensors()
inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
interpreter.set_tensor(inp["index"], x.astype(inp["dtype"]))
interpreter.invoke()
got = interpreter.get_tensor(out["index"])
print(json.dumps({
    "ok": True,
    "tflite_bytes": len(tflite),
    "input_shape": [int(d) for d in inp["shape"]],
    "output_shape": [int(d) for d in got.shape],
    "torch_shape": [int(d) for d in want.shape],
    "max_abs_err": float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))),
    "max_abs_torch": float(np.max(np.abs(want))),
}))
