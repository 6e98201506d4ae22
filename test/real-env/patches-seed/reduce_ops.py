"""Runs every opset-18 Reduce op (and ReduceMax/ReduceMin-20, Reshape-19) through onnx-tf's backend and
compares with the expected values; prints one JSON list, one entry per case, with the error when a case
fails to convert. usage: python reduce_ops.py"""
import json
import warnings

warnings.filterwarnings("ignore")
import numpy as np  # noqa: E402
from onnx import TensorProto, helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402
from onnx_tf.backend import prepare  # noqa: E402

OPS = ["ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
       "ReduceMin", "ReduceProd", "ReduceSumSquare"]
# noop_with_empty_axes=1 with no or empty axes keeps each op's elementwise part (spec: "ReduceSumSquare acts
# as a vanilla Square"; onnxruntime agrees). The reference evaluator is not used there: it treats an empty
# axes tensor as "reduce all" and returns L1/L2/LogSum inputs unchanged.
NOOP = {"ReduceL1": np.abs, "ReduceL2": np.abs, "ReduceLogSum": np.log, "ReduceSumSquare": np.square}
# (axes, or None for no axes input; keepdims; noop_with_empty_axes). Multi-axis L1/L2 are left out:
# onnx-tf maps them to tf.norm, whose 2-axis form is a matrix norm (as in its opset 1-13 handlers)
CASES = [([1], 1, 0), ([-1], 0, 0), ([0, 2], 1, 0), ([], 1, 0), (None, 0, 0), ([], 1, 1), (None, 0, 1)]


def model(op, opset, axes, keepdims, noop, elem, in_shape, out_shape):
    inputs = ["x"] + (["axes"] if axes is not None else [])
    node = helper.make_node(op, inputs, ["y"], keepdims=keepdims, noop_with_empty_axes=noop)
    inits = [] if axes is None else [helper.make_tensor("axes", TensorProto.INT64, [len(axes)], axes)]
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", elem, in_shape)],
                          [helper.make_tensor_value_info("y", elem, out_shape)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])


def expected(op, opset, axes, keepdims, noop, x, elem=TensorProto.FLOAT):
    if noop and not axes:
        return NOOP.get(op, lambda v: v)(x)
    return ReferenceEvaluator(model(op, opset, axes, keepdims, noop, elem, x.shape, None)).run(None, {"x": x})[0]


def run(case, m, x, want, exact=False):
    try:
        got = np.asarray(prepare(m).run({"x": x})[0])
    except Exception as err:  # noqa: BLE001 - reported, the test decides
        # an error raised while tracing starts with "in user code:" and ends with "<Type>: <message>"
        last = str(err).strip().splitlines()[-1].strip()
        name = type(err).__name__
        return {**case, "ok": False, "error": last if last.startswith(f"{name}: ") else f"{name}: {last}"}
    same = np.array_equal(got, want) if exact else np.allclose(got, want, rtol=1e-5, atol=1e-5)
    return {**case, "ok": bool(got.shape == want.shape and got.dtype == want.dtype and same)}


rng = np.random.default_rng(0)
signed = rng.uniform(-2.0, 2.0, size=(2, 3, 4)).astype(np.float32)
positive = np.abs(signed) + 0.5  # ReduceLogSum takes the log of a sum
results = []
for opset, ops in [(18, OPS), (20, ["ReduceMax", "ReduceMin"])]:
    for op in ops:
        x = positive if op == "ReduceLogSum" else signed
        for axes, keepdims, noop in CASES:
            if op in ("ReduceL1", "ReduceL2") and axes is not None and len(axes) > 1:
                continue
            want = expected(op, opset, axes, keepdims, noop, x)
            m = model(op, opset, axes, keepdims, noop, TensorProto.FLOAT, x.shape, want.shape)
            results.append(run({"op": f"{op}-{opset}", "axes": axes, "keepdims": keepdims, "noop": noop}, m, x, want))
# ReduceMax/ReduceMin-20 also take bool (False < True)
xb = np.array([[[True, False], [False, False]]])
for op in ["ReduceMax", "ReduceMin"]:
    want = expected(op, 20, [2], 0, 0, xb, TensorProto.BOOL)
    m = model(op, 20, [2], 0, 0, TensorProto.BOOL, xb.shape, want.shape)
    results.append(run({"op": f"{op}-20", "dtype": "bool"}, m, xb, want, exact=True))
# Reshape-19 with a 0 (copies that dim when allowzero=0) and a -1
node = helper.make_node("Reshape", ["x", "s"], ["y"], allowzero=0)
g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 4, 3])],
                      [helper.make_tensor("s", TensorProto.INT64, [3], [0, 4, -1])])
m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 19)])
results.append(run({"op": "Reshape-19"}, m, signed, ReferenceEvaluator(m).run(None, {"x": signed})[0], exact=True))
print(json.dumps(results))
