"""Runs a .tflite with ai_edge_litert's Interpreter on the cached input PyTorch saw (NCHW; moved to NHWC when
the .tflite's input is the NHWC shape, as onnx2tf writes) and compares with PyTorch's output. Prints one JSON line.
usage: python run_tflite.py MODEL.tflite INPUT.npy TORCH_OUTPUT.npy"""
import json
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter

tflite_path, input_path, torch_path = sys.argv[1:4]
x = np.load(input_path)
want = np.load(torch_path)
interpreter = Interpreter(model_path=tflite_path)
interpreter.allocate_tensors()
inp, out = interpreter.get_input_details(), interpreter.get_output_details()
assert len(inp) == 1 and len(out) == 1, (inp, out)
shape = [int(d) for d in inp[0]["shape"]]
nhwc = shape != list(x.shape) and shape == [x.shape[0], x.shape[2], x.shape[3], x.shape[1]]
feed = np.ascontiguousarray(x.transpose(0, 2, 3, 1)) if nhwc else x
interpreter.set_tensor(inp[0]["index"], feed.astype(inp[0]["dtype"]))
interpreter.invoke()
got = interpreter.get_tensor(out[0]["index"])
print(json.dumps({
    "input_shape": shape, "input_nhwc": bool(nhwc), "input_dtype": str(np.dtype(inp[0]["dtype"])),
    "output_shape": [int(d) for d in got.shape], "torch_shape": [int(d) for d in want.shape],
    "max_abs_err": float(np.max(np.abs(got.astype(np.float64) - want.astype(np.float64)))) if got.shape == want.shape else None,
    "max_abs_torch": float(np.max(np.abs(want))),
}))
