"""Compares onnx-tf's data_type functions before and after the onnx-tf-onnx-mapping patch, in an env whose
onnx still has onnx.mapping (onnx < 1.19): for every ONNX dtype and every TF dtype the patched function
must give the original's answer; where the original raised, the patched one may answer ("widened").
usage: python mapping_compat.py PATCHED_DATA_TYPE_PY -> one JSON line"""
import importlib.util
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, mapping  # noqa: E402
import tensorflow as tf  # noqa: E402
from onnx_tf.common import data_type as original  # noqa: E402

spec = importlib.util.spec_from_file_location("patched_data_type", sys.argv[1])
patched = importlib.util.module_from_spec(spec)
spec.loader.exec_module(patched)


def outcome(fn, *args, **kwargs):
    try:
        return ("ok", repr(fn(*args, **kwargs)))
    except Exception as err:  # noqa: BLE001 - both sides must fail alike, whatever the error
        return ("raises", None)


checks = 0
diffs = []
widened = []


def same(what, a, b):
    global checks
    checks += 1
    if a == b:
        return
    if a[0] == "raises":
        widened.append({"what": what, "patched": b[1]})
    else:
        diffs.append({"what": what, "original": a, "patched": b})


onnx_types = sorted(TensorProto.DataType.values())
tf_types = [tf.as_dtype(n) for n in ("float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64",
                                     "uint8", "uint16", "uint32", "uint64", "bool", "string", "complex64", "complex128")]
for t in onnx_types:
    same(f"onnx2tf({t})", outcome(original.onnx2tf, t), outcome(patched.onnx2tf, t))
    same(f"onnx2field({t})", outcome(original.onnx2field, t), outcome(patched.onnx2field, t))
    # pb_wrapper's use: the storage field of a tensor's data_type
    same(f"storage_field({t})",
         outcome(lambda: mapping.STORAGE_TENSOR_TYPE_TO_FIELD[mapping.TENSOR_TYPE_TO_STORAGE_TENSOR_TYPE[t]]),
         outcome(helper.tensor_dtype_to_field, t))
for d in tf_types:
    same(f"tf2onnx({d.name})", outcome(original.tf2onnx, d), outcome(patched.tf2onnx, d))
    same(f"tf_to_np_str({d.name})", outcome(original.tf_to_np_str, d), outcome(patched.tf_to_np_str, d))
    if d != tf.string and d != tf.bfloat16:
        npd = np.dtype(d.as_numpy_dtype)
        same(f"any_dtype_to_onnx_dtype(np={npd})", outcome(original.any_dtype_to_onnx_dtype, np_dtype=npd),
             outcome(patched.any_dtype_to_onnx_dtype, np_dtype=npd))
# sequence_empty's default dtype
same("float32", outcome(lambda: mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype("float32")]),
     outcome(helper.np_dtype_to_tensor_dtype, np.dtype("float32")))
print(json.dumps({"onnx": onnx.__version__, "checks": checks, "diffs": diffs, "widened": widened}))
