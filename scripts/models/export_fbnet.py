"""Builds FBNet-A/B in PyTorch and exports each twice with the installed torch (tools venv: 2.13.0):

  <name>.dynamo.onnx  torch.onnx.export(model, (x,), f)                          (torch's default call)
  <name>.legacy13.onnx torch.onnx.export(model, (x,), f, dynamo=False, opset_version=13)
  <name>.dynamo_noopt.onnx, <name>.legacy13_nofold.onnx: the same without the exporters' BN folding

Beside them: <name>.input.npy (the seeded 1x3x224x224 input), <name>.torch.npy (PyTorch's output on
it), <name>.weights.npz (state_dict, for the Keras twin) and facts.json (what the exporters really
did: opset, op_type/since_version counts, external data files, onnxruntime vs torch error).

usage: python export_fbnet.py --out DIR [--seed-dir DIR (default: structures/ beside this file)] [--only a,b]
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402

from fbnet import fbnet_from_file  # noqa: E402
from onnx_facts import export, op_counts, ort_error  # noqa: E402

MODELS = {"a": ("fbnet_a", 1), "b": ("fbnet_b", 2)}
INPUT_SEED = 1234


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "structures"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="a,b")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    facts = {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": ort.__version__, "models": {}}
    torch.manual_seed(0)
    for key in args.only.split(","):
        name, seed = MODELS[key]
        model = fbnet_from_file(os.path.join(args.seed_dir, f"{name}.txt"), seed)
        x = torch.from_numpy(np.random.default_rng(INPUT_SEED).standard_normal((1, 3, 224, 224)).astype(np.float32))
        with torch.no_grad():
            y = model(x).numpy()
        base = os.path.join(args.out, name)
        np.save(f"{base}.input.npy", x.numpy())
        np.save(f"{base}.torch.npy", y)
        np.savez(f"{base}.weights.npz", **{k: v.detach().numpy() for k, v in model.state_dict().items()})
        entry = {"params": int(sum(p.numel() for p in model.parameters())), "output_shape": list(y.shape),
                 "max_abs_output": float(np.max(np.abs(y))), "exports": {}}
        variants = {
            "dynamo": lambda f: torch.onnx.export(model, (x,), f),
            "legacy13": lambda f: torch.onnx.export(model, (x,), f, dynamo=False, opset_version=13),
            # Both calls above already fold BatchNorm into the convs. These two keep BatchNormalization
            # nodes (and shape-arithmetic chains), so the converter's own folding gets exercised.
            "dynamo_noopt": lambda f: torch.onnx.export(model, (x,), f, optimize=False),
            "legacy13_nofold": lambda f: torch.onnx.export(
                model, (x,), f, dynamo=False, opset_version=13,
                training=torch.onnx.TrainingMode.PRESERVE, do_constant_folding=False),
        }
        for variant, call in variants.items():
            path = f"{base}.{variant}.onnx"
            for stale in (path, path + ".data"):
                if os.path.exists(stale):
                    os.remove(stale)
            info = export(call, path)
            info.update(op_counts(path))
            info["ort_vs_torch_max_abs"] = ort_error(path, x.numpy(), y)
            entry["exports"][variant] = info
            print(f"{name}.{variant}: {info['nodes']} nodes, opsets {info['opset_imports']}, files {info['files']}, "
                  f"ort-vs-torch {info['ort_vs_torch_max_abs']:.3g}", file=sys.stderr)
        facts["models"][name] = entry
    with open(os.path.join(args.out, "facts.json"), "w") as f:
        json.dump(facts, f, indent=2)


if __name__ == "__main__":
    main()
