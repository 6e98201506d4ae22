"""Tells float32 reordering from a conversion error on a zoo model that passes close to its tolerance: rebuilds the
model as export_zoo.py does (checked bit for bit against the cached <arch>.torch.npy), runs it in float64 in PyTorch
on the cached input, and prints every float32 result's distance from that float64 output: PyTorch's own, onnxruntime's
on each export, and each given .tflite under ai_edge_litert's three resolvers (auto = XNNPACK, builtin, ref), plus
the pairwise distances convert-zoo judges (vs PyTorch float32, vs onnxruntime), all as a share of the tolerance
1e-4 x max(1, max|y|). When every float32 runtime sits at a similar distance from float64, a pairwise near-miss is
two summation orders apart, not a conversion defect; it can still cross the tolerance on a CPU whose kernels sum in
another order (oneDNN and MLAS choose kernels by instruction set).

usage (tools venv): python zoo_f64_reference.py --zoo ZOO_DIR --arch inception_v3 [X.tflite ...]
  a .tflite named <arch>.<exporter>.tflite is compared with onnxruntime on ZOO_DIR/<arch>.<exporter>.onnx
"""
from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from ai_edge_litert.interpreter import Interpreter, OpResolverType  # noqa: E402

import export_zoo  # noqa: E402

RESOLVERS = {"auto": OpResolverType.AUTO, "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
             "ref": OpResolverType.BUILTIN_REF}


def run_tflite(path: str, x: np.ndarray, resolver) -> np.ndarray:
    interp = Interpreter(model_path=path, experimental_op_resolver_type=resolver)
    interp.allocate_tensors()
    det = interp.get_input_details()[0]
    interp.set_tensor(det["index"], x if list(det["shape"]) == list(x.shape) else x.transpose(0, 2, 3, 1))
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--zoo", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("tflite", nargs="*")
    args = ap.parse_args()
    torch.set_num_threads(2)  # as export_zoo.py builds the zoo
    archs = [a for a, _ in export_zoo.ZOO]
    model, x, y, _, _ = export_zoo.build(args.arch, dict(export_zoo.ZOO)[args.arch], archs.index(args.arch))
    if not np.array_equal(np.load(os.path.join(args.zoo, f"{args.arch}.torch.npy")), y):
        sys.exit("the rebuilt model's output differs from the cached <arch>.torch.npy: another torch or another CPU")
    with torch.no_grad():
        y64 = model.double()(torch.from_numpy(x).double()).numpy()
    tol = 1e-4 * max(1.0, float(np.abs(y).max()))
    rows = [("PyTorch float32 vs float64", float(np.abs(y - y64).max()))]
    ort_out = {}
    for exporter in export_zoo.EXPORTERS:
        onnx_path = os.path.join(args.zoo, f"{args.arch}.{exporter}.onnx")
        s = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        o = ort_out[exporter] = s.run(None, {s.get_inputs()[0].name: x})[0]
        rows += [(f"onnxruntime {exporter} vs float64", float(np.abs(o - y64).max())),
                 (f"onnxruntime {exporter} vs PyTorch float32", float(np.abs(o - y).max()))]
    for path in args.tflite:
        exporter = os.path.basename(path).split(".")[-2]
        for key, resolver in RESOLVERS.items():
            t = run_tflite(path, x, resolver)
            rows += [(f"{os.path.basename(path)} {key} vs float64", float(np.abs(t - y64).max())),
                     (f"{os.path.basename(path)} {key} vs PyTorch float32", float(np.abs(t - y).max()))]
            if exporter in ort_out:
                rows.append((f"{os.path.basename(path)} {key} vs onnxruntime", float(np.abs(t - ort_out[exporter]).max())))
    print(f"{args.arch}: tolerance {tol:.3e} (max|y| {np.abs(y).max():.4f})")
    width = max(len(name) for name, _ in rows)
    for name, err in rows:
        print(f"  {name:{width}s}  {err:.3e}  {100 * err / tol:4.0f} % of tolerance")


if __name__ == "__main__":
    main()
