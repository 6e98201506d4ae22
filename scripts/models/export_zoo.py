"""Builds the torchvision classification zoo with seeded random weights and exports every model twice
with the installed torch (tools venv: torch 2.13.0, torchvision 0.28.0):

  <arch>.dynamo.onnx       torch.onnx.export(model, (x,), f, input_names=..., output_names=...)  (default: dynamo)
  <arch>.torchscript.onnx  the same with dynamo=False, opset_version=17

Weights: torchvision's own initialisation under a per-model seed, then
  - parameters torchvision initialises to all zeros (ViT's head and class token) get random values, and
    ConvNeXt's layer scales (1e-6, which would hide every block's output) get values in [0.5, 1];
  - BatchNorm running statistics are re-estimated on random batches (BN layers alone in train mode,
    cumulative average), then everything is in eval mode;
  - the head (last Linear / Conv producing the classes) is scaled so that max|y| on the seeded input is
    OUTPUT_SCALE: the verification tolerance 1e-4 x max(1, max|y|) is then equally strict for every model.

PyTorch runs on 2 threads whatever the machine's core count: oneDNN's summation order follows the thread count,
and PyTorch's output is the yardstick convert-zoo holds every .tflite to (inception_v3's reference kernels are
4.9e-4 from the 2-thread output and 5.5e-4 from the 1-thread one, against a tolerance of 5.0e-4).

Beside the files: <arch>.input.npy (the seeded 1x3xHxW input), <arch>.torch.npy (PyTorch's output on it),
<arch>.torch64.npy (the same model in float64 on the same input: the function itself, which convert-zoo judges every
.tflite against; PyTorch's own float32 result is 2-5e-4 from it on inception_v3, as far as a .tflite's kernels can be,
so two float32 results can sit a tolerance apart with neither wrong, and which side of it depends on the CPU's kernels)
and manifest.json: versions, and per model the input shape, max|y|, and per export the file, op counts
(op_type-since_version), opsets, external data files and onnxruntime's error against PyTorch.

The build resumes: each finished model leaves <arch>.json (its manifest entry) and is skipped by a rerun
into the same folder. Files of a model without its entry (a run that died) are kept only if the rebuilt
model's output equals the saved <arch>.torch.npy bit for bit and onnxruntime reproduces it from each file
within tolerance (their export seconds are then unknown: null); otherwise the model is exported again.

usage: python export_zoo.py --out DIR [--only resnet18,swin_t]
"""
from __future__ import annotations

import copy
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from onnx_facts import export, op_counts, ort_error  # noqa: E402
from torchvision_cpu import import_torchvision  # noqa: E402

torchvision, SKIPPED_FAKE_KERNELS = import_torchvision()

# (arch, input side). 224 where the architecture needs it (ViT's fixed patch grid, MaxViT's partitions,
# Swin's 7x7 windows without padding, AlexNet's 6x6 adaptive pool as an identity); 128 elsewhere.
ZOO: list[tuple[str, int]] = [
    ("alexnet", 224),
    ("convnext_tiny", 128),
    ("densenet121", 128),
    ("efficientnet_b0", 128),
    ("efficientnet_v2_s", 128),
    ("googlenet", 128),
    ("inception_v3", 128),
    ("maxvit_t", 224),
    ("mnasnet1_0", 128),
    ("mobilenet_v2", 128),
    ("mobilenet_v3_large", 128),
    ("mobilenet_v3_small", 128),
    ("regnet_x_400mf", 128),
    ("regnet_y_400mf", 128),
    ("resnet18", 128),
    ("resnet34", 128),
    ("resnet50", 128),
    ("resnext50_32x4d", 128),
    ("shufflenet_v2_x1_0", 128),
    ("squeezenet1_1", 128),
    ("swin_t", 224),
    ("swin_v2_t", 224),
    ("vit_b_16", 224),
    ("wide_resnet50_2", 128),
]
EXPORTERS = {
    "dynamo": {},
    "torchscript": {"dynamo": False, "opset_version": 17},
}
INPUT_NAME, OUTPUT_NAME = "input", "logits"
INPUT_SEED = 1234
BN_BATCHES, BN_BATCH_SIZE = 4, 4
OUTPUT_SCALE = 5.0


def randomise_degenerate(model: nn.Module, gen: torch.Generator) -> list[str]:
    """Gives zero-initialised weights and ConvNeXt's 1e-6 layer scales random values; returns their names."""
    changed = []
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("layer_scale"):
                p.copy_(torch.empty_like(p).uniform_(0.5, 1.0, generator=gen))
            elif p.dim() >= 2 and not p.any():
                fan_in = p[0].numel() if not name.endswith("token") else 50
                p.copy_(torch.randn(p.shape, generator=gen) / fan_in ** 0.5)
            else:
                continue
            changed.append(name)
    return changed


def reestimate_batchnorm(model: nn.Module, side: int, gen: torch.Generator) -> int:
    """Running mean/var of every BatchNorm from random batches (cumulative average); returns how many BNs."""
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    model.eval()
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None
        bn.train()
    with torch.no_grad():
        for _ in range(BN_BATCHES if bns else 0):
            model(torch.randn((BN_BATCH_SIZE, 3, side, side), generator=gen))
    model.eval()
    return len(bns)


def head_of(model: nn.Module, classes: int) -> nn.Module:
    """The last Linear/Conv2d producing the class scores (an output a positive scale passes through)."""
    heads = [m for m in model.modules()
             if (isinstance(m, nn.Linear) and m.out_features == classes) or (isinstance(m, nn.Conv2d) and m.out_channels == classes)]
    return heads[-1]


def build(arch: str, side: int, seed: int) -> tuple[nn.Module, np.ndarray, np.ndarray, np.ndarray, dict]:
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.perf_counter()
    model = getattr(torchvision.models, arch)(weights=None)
    randomised = randomise_degenerate(model, gen)
    bns = reestimate_batchnorm(model, side, gen)
    x = np.random.default_rng(INPUT_SEED).standard_normal((1, 3, side, side)).astype(np.float32)
    with torch.no_grad():
        natural = float(model(torch.from_numpy(x)).abs().max())
        head = head_of(model, 1000)
        for p in head.parameters():
            p.mul_(OUTPUT_SCALE / natural)
        y = model(torch.from_numpy(x)).numpy()
        y64 = copy.deepcopy(model).double()(torch.from_numpy(x).double()).numpy()
    if not np.isfinite(y).all():
        raise RuntimeError(f"{arch}: non-finite PyTorch output")
    info = {"params": int(sum(p.numel() for p in model.parameters())), "batchnorms": bns, "randomised": randomised,
            "natural_max_abs_output": natural, "build_seconds": round(time.perf_counter() - t0, 2)}
    info["f64_vs_f32_max_abs"] = float(np.max(np.abs(y64 - y)))
    return model, x, y, y64, info


def reuse(path: str, x: np.ndarray, y: np.ndarray, tolerance: float) -> dict | None:
    """The facts of an export a died run left, if onnxruntime reproduces `y` from it; else None."""
    if not os.path.exists(path):
        return None
    try:
        err = ort_error(path, x, y)
    except Exception:  # a truncated file
        return None
    if not err <= tolerance:
        return None
    files = sorted(f for f in os.listdir(os.path.dirname(path)) if f.startswith(os.path.basename(path)))
    rec = {"seconds": None, "reused": True, "files": {f: os.path.getsize(os.path.join(os.path.dirname(path), f)) for f in files},
           "warnings": [], "stdout_tail": []}
    rec.update(op_counts(path))
    rec["ort_vs_torch_max_abs"] = err
    return rec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default="", help="comma-separated archs (default: the whole zoo)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    only = {a for a in args.only.split(",") if a}
    unknown = only - {a for a, _ in ZOO}
    if unknown:
        sys.exit(f"unknown arch(s): {', '.join(sorted(unknown))}")
    manifest = {
        "torch": torch.__version__, "torchvision": torchvision.__version__, "onnx": onnx.__version__,
        "onnxruntime": ort.__version__, "skipped_fake_kernels": SKIPPED_FAKE_KERNELS,
        "input_name": INPUT_NAME, "output_name": OUTPUT_NAME, "output_scale": OUTPUT_SCALE, "models": [],
    }
    for seed, (arch, side) in enumerate(ZOO):
        if only and arch not in only:
            continue
        base = os.path.join(args.out, arch)
        if os.path.exists(f"{base}.json"):
            with open(f"{base}.json") as f:
                manifest["models"].append(json.load(f))
            continue
        model, x, y, y64, info = build(arch, side, seed)
        reusable = os.path.exists(f"{base}.torch.npy") and np.array_equal(np.load(f"{base}.torch.npy"), y)
        np.save(f"{base}.input.npy", x)
        np.save(f"{base}.torch.npy", y)
        np.save(f"{base}.torch64.npy", y64)
        entry = {"arch": arch, "input_shape": list(x.shape), "output_shape": list(y.shape),
                 "max_abs_output": float(np.max(np.abs(y))), "input": f"{arch}.input.npy", "torch_output": f"{arch}.torch.npy", "torch_output_f64": f"{arch}.torch64.npy",
                 **info, "exports": {}}
        tolerance = 1e-4 * max(1.0, entry["max_abs_output"])
        for exporter, kwargs in EXPORTERS.items():
            path = f"{base}.{exporter}.onnx"
            rec = reuse(path, x, y, tolerance) if reusable else None
            if rec is None:
                call = lambda f, kw=kwargs: torch.onnx.export(  # noqa: E731
                    model, (torch.from_numpy(x),), f, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME], **kw)
                try:
                    rec = export(call, path)
                except Exception as e:  # torch's exporter itself fails on some models (swin_v2_t, dynamo)
                    for f in os.listdir(args.out):
                        if f.startswith(os.path.basename(path)):
                            os.remove(os.path.join(args.out, f))
                    entry["exports"][exporter] = {"export_error": f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"}
                    print(f"{arch}.{exporter}: torch's exporter failed: {entry['exports'][exporter]['export_error']}", file=sys.stderr, flush=True)
                    continue
                rec.update(op_counts(path))
                rec["ort_vs_torch_max_abs"] = ort_error(path, x, y)
            rec["file"] = os.path.basename(path)
            entry["exports"][exporter] = rec
            print(f"{arch}.{exporter}: {rec['nodes']} nodes, opsets {rec['opset_imports']}, {rec['seconds']} s, "
                  f"ort-vs-torch {rec['ort_vs_torch_max_abs']:.3g}", file=sys.stderr, flush=True)
        with open(f"{base}.json", "w") as f:
            json.dump(entry, f, indent=1)
        manifest["models"].append(entry)
        del model
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
