"""Exports the seed's FBNet-A with the installed torch, once per torch.onnx.export call, and reports
what each call really wrote. Made for older torch (the `torch28` venv: torch 2.8.0), to prove
matrix/torch-export.yaml; the models cache (export_fbnet.py) stays on the tools venv's torch.

  usage: python export_fbnet_calls.py --out DIR --calls JSON [--seed-dir DIR]

JSON is a list of {"id", "head", "kwargs"}: head "seed" is FBNet-A as printed (ClsConvHead:
AdaptiveAvgPool2d(1) -> 1x1 conv), head "mean" replaces its pool by x.mean((2, 3), keepdim=True),
the global-average idiom that exports as ReduceMean; kwargs go to torch.onnx.export(model, (x,), f).
Writes DIR/<id>.onnx, DIR/<head>.input.npy and DIR/<head>.torch.npy (PyTorch's output on the seeded
input) and prints one JSON document on stdout: the torch version, what torch's own source says its
defaults are, and per call the exporter that ran, the opset imports, op_type-since_version counts,
the graph's input names, the files written, the warnings and onnxruntime's error against PyTorch.
"""
from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from fbnet import fbnet_from_file  # noqa: E402
from onnx_facts import export, op_counts, ort_error  # noqa: E402

SEED = 1  # FBNet-A's weight seed in export_fbnet.py
INPUT_SEED = 1234


class MeanPool(nn.Module):
    def forward(self, x):
        return x.mean((2, 3), keepdim=True)


def build(head: str) -> nn.Module:
    model = fbnet_from_file(os.path.join(args.seed_dir, "fbnet_a.txt"), SEED)
    if head == "mean":
        model.head.avg_pool = MeanPool()
    elif head != "seed":
        raise SystemExit(f"unknown head {head!r} (seed | mean)")
    return model.eval()


def source_defaults() -> dict:
    params = inspect.signature(torch.onnx.export).parameters
    out = {k: params[k].default for k in ("dynamo", "opset_version", "external_data") if k in params}
    constants = getattr(torch.onnx, "_constants", None)
    for k in ("ONNX_DEFAULT_OPSET", "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", "ONNX_MAX_OPSET"):
        out[k] = getattr(constants, k, None)
    return {k: (None if v is inspect.Parameter.empty else v) for k, v in out.items()}


def main() -> None:
    os.makedirs(args.out, exist_ok=True)
    calls = json.loads(args.calls)
    x = torch.from_numpy(np.random.default_rng(INPUT_SEED).standard_normal((1, 3, 224, 224)).astype(np.float32))
    models, refs = {}, {}
    for head in sorted({c["head"] for c in calls}):
        models[head] = build(head)
        with torch.no_grad():
            refs[head] = models[head](x).numpy()
        np.save(os.path.join(args.out, f"{head}.input.npy"), x.numpy())
        np.save(os.path.join(args.out, f"{head}.torch.npy"), refs[head])
    report = {"torch": torch.__version__, "onnx": onnx.__version__, "source_defaults": source_defaults(), "calls": {}}
    for call in calls:
        path = os.path.join(args.out, f"{call['id']}.onnx")
        returned = {}

        def run(f, model=models[call["head"]], kwargs=call["kwargs"]):
            # the dynamo exporter returns an ONNXProgram, the TorchScript exporter None
            returned["type"] = type(torch.onnx.export(model, (x,), f, **kwargs)).__name__

        with contextlib.redirect_stdout(sys.stderr):
            info = export(run, path)
        info.update(op_counts(path))
        info["exporter"] = "torchscript" if returned["type"] == "NoneType" else "dynamo"
        info["returned"] = returned["type"]
        info["ort_vs_torch_max_abs"] = ort_error(path, x.numpy(), refs[call["head"]])
        info["max_abs_output"] = float(np.max(np.abs(refs[call["head"]])))
        report["calls"][call["id"]] = info
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--calls", required=True)
    ap.add_argument("--seed-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "structures"))
    args = ap.parse_args()
    main()
