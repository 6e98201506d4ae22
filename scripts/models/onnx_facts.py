"""What an exported ONNX file really holds, and how far onnxruntime's output is from PyTorch's."""
from __future__ import annotations

import contextlib
import io
import os
import time
import warnings
from collections import Counter

import numpy as np
import onnx
import onnxruntime as ort


def op_counts(path: str) -> dict:
    """Opsets, `op_type-since_version` counts, external data files and the graph's I/O of an ONNX file."""
    model = onnx.load(path, load_external_data=False)
    opsets = {imp.domain or "ai.onnx": imp.version for imp in model.opset_import}
    counts: Counter = Counter()
    for node in model.graph.node:
        domain = node.domain or "ai.onnx"
        try:
            since = onnx.defs.get_schema(node.op_type, opsets.get(domain, 0), node.domain).since_version
        except Exception:  # a custom-domain op has no schema
            since = None
        counts[f"{node.op_type}-{since}"] += 1
    external = sorted({e.value for t in model.graph.initializer for e in t.external_data if e.key == "location"})
    return {
        "ir_version": model.ir_version,
        "opset_imports": opsets,
        "nodes": len(model.graph.node),
        "initializers": len(model.graph.initializer),
        "ops": dict(sorted(counts.items())),
        "external_data_files": external,
        "inputs": [(i.name, [d.dim_value or d.dim_param for d in i.type.tensor_type.shape.dim]) for i in model.graph.input],
        "outputs": [(o.name, [d.dim_value or d.dim_param for d in o.type.tensor_type.shape.dim]) for o in model.graph.output],
    }


def ort_error(path: str, x: np.ndarray, ref: np.ndarray) -> float:
    """Max |onnxruntime(path)(x) - ref| for a one-input, one-output model."""
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    (y,) = sess.run(None, {sess.get_inputs()[0].name: x})
    return float(np.max(np.abs(y - ref)))


def export(call, path: str) -> dict:
    """Runs `call(path)` quietly; returns its seconds, the files it wrote (name -> bytes), its warnings."""
    out, err = io.StringIO(), io.StringIO()
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        warnings.simplefilter("always")
        call(path)
    seconds = time.perf_counter() - t0
    files = sorted(f for f in os.listdir(os.path.dirname(path)) if f.startswith(os.path.basename(path)))
    return {
        "seconds": round(seconds, 2),
        "files": {f: os.path.getsize(os.path.join(os.path.dirname(path), f)) for f in files},
        "warnings": sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:200]}" for w in caught}),
        "stdout_tail": out.getvalue().strip().splitlines()[-3:],
    }
