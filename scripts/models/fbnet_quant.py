"""FBNet-A/B for the int8 yardstick: the project's models as classifiers of structured inputs, with real top-1 margins.

Why not random inputs: with random weights, any input distribution whose samples are statistically alike
(standard normal images) gives logits that differ between inputs only by small fluctuations around a
common value; rescaling the head to make top-1 depend on the input leaves decisions that int8 noise alone
decides (TensorFlow's own int8 agreed with float on 8 % / 4 % of inputs). Here the decisions come from
the input's structure:

- K = 10 classes, each a fixed seeded prototype image: a band-limited texture (its own spatial frequency,
  orientation and colour mix; unit variance), 3x224x224;
- an input is a mix of two classes' prototypes, w * P[a] + (1 - w) * P[b] + 0.02 * N(0, 1), w ~ U(0.5, 1),
  labelled a: every input has a right answer, and w near 0.5 puts a share of inputs near the decision
  boundary, so quantization error shows as top-1 flips in proportion to its size (white noise is kept
  small because the random backbone amplifies it: at 0.2 the classes stop being separable);
- the backbone keeps the project's seeded random weights (fbnet.py), its BatchNorm statistics re-estimated
  on 128 training inputs (as a trained network's BN would be);
- the head (the 1x1 conv, 1000 outputs) is fitted in closed form: ridge regression of the pooled features
  of 400 training inputs onto 10 * (w on class a, 1 - w on class b) gives rows 0..K-1; the other 990 rows
  get tiny seeded weights and bias -2 (they never win, as in a classifier with unused outputs).

Three disjoint seeded input streams: training (400: head; its first 128: BN), calibration (200), evaluation (1000).
Input convention: 1x3x224x224 NCHW float32 (the project's FBNet input).

Writes to --out: <name>.dynamo.onnx (+ .data; torch's default call, torch.onnx.export(model, (x,), f)),
<name>.weights.npz (for the Keras twin), <name>.torch.eval.npy (PyTorch's logits on the evaluation inputs),
and, shared by both models, fbnet.calib.npy (200x3x224x224), fbnet.eval.npy (1000x3x224x224),
fbnet.eval.labels.npy, and facts.json.

usage: python fbnet_quant.py --out DIR   (tools venv: torch 2.13, onnxruntime)
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from fbnet import fbnet_from_file  # noqa: E402
from onnx_facts import export, op_counts  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = {"fbnet_a": 1, "fbnet_b": 2}
SEEDS = {"prototypes": 5, "train": 1, "calib": 202, "eval": 303, "spare_rows": 404}
CLASSES, NOISE, TARGET, RIDGE, SPARE_BIAS = 10, 0.02, 10.0, 10.0, -2.0
N_TRAIN, N_BN, N_CALIB, N_EVAL, BATCH = 400, 128, 200, 1000, 32
SIZE = 224


def prototypes() -> np.ndarray:
    """K fixed textures: white noise filtered by a class's Gaussian band (centre frequency, orientation), colour-mixed."""
    rng = np.random.default_rng(SEEDS["prototypes"])
    fy, fx = np.fft.fftfreq(SIZE)[:, None], np.fft.rfftfreq(SIZE)[None, :]
    out = []
    for _ in range(CLASSES):
        r, th = np.exp(rng.uniform(np.log(0.02), np.log(0.3))), rng.uniform(0, np.pi)
        cx, cy, bw = r * np.cos(th), r * np.sin(th), 0.25 * r + 0.005
        band = (np.exp(-((fx - cx) ** 2 + (fy - cy) ** 2) / (2 * bw ** 2))
                + np.exp(-((fx + cx) ** 2 + (fy + cy) ** 2) / (2 * bw ** 2)))
        mix, mean = rng.standard_normal((3, 3)) / np.sqrt(3), rng.normal(0, 0.3, 3)
        z = np.fft.irfft2(np.fft.rfft2(rng.standard_normal((3, SIZE, SIZE))) * band, s=(SIZE, SIZE))
        z /= z.std((1, 2), keepdims=True)
        p = np.einsum("ij,jhw->ihw", mix, z) + mean[:, None, None]
        out.append(p / p.std())
    return np.stack(out).astype(np.float32)


def draw(protos: np.ndarray, stream: str, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """n inputs of one seeded stream: (x, dominant class a, other class b, weight w of a)."""
    rng = np.random.default_rng(SEEDS[stream])
    a = rng.integers(0, CLASSES, n)
    b = (a + rng.integers(1, CLASSES, n)) % CLASSES
    w = rng.uniform(0.5, 1.0, n).astype(np.float32)
    x = np.empty((n, 3, SIZE, SIZE), np.float32)
    for i in range(0, n, BATCH):
        s = slice(i, min(i + BATCH, n))
        ws = w[s, None, None, None]
        x[s] = ws * protos[a[s]] + (1 - ws) * protos[b[s]] + NOISE * rng.standard_normal((len(ws), 3, SIZE, SIZE), np.float32)
    return x, a, b, w


def batched(fn, x: np.ndarray) -> np.ndarray:
    with torch.inference_mode():
        return np.concatenate([fn(torch.from_numpy(x[i:i + BATCH])).numpy() for i in range(0, len(x), BATCH)])


def reestimate_bn(model: nn.Module, x: np.ndarray) -> None:
    for mod in model.modules():
        if isinstance(mod, nn.BatchNorm2d):
            mod.reset_running_stats()
            mod.momentum = None  # cumulative average over all batches
    model.train()
    with torch.no_grad():
        for i in range(0, len(x), BATCH):
            model(torch.from_numpy(x[i:i + BATCH]))
    model.eval()


def fit_head(model: nn.Module, feats: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray) -> None:
    """Ridge regression (standardised features) onto soft targets; spare rows tiny and below every class."""
    f = feats.astype(np.float64)
    n, d = f.shape
    t = np.zeros((n, CLASSES))
    t[np.arange(n), a] = TARGET * w
    t[np.arange(n), b] = TARGET * (1 - w)
    mu, sd = f.mean(0), f.std(0) + 1e-6
    z = (f - mu) / sd
    coef = np.linalg.solve(z.T @ z + RIDGE * np.eye(d), z.T @ (t - t.mean(0)))  # (d, K)
    weight = (coef / sd[:, None]).T  # logits = f @ weight.T + bias
    bias = t.mean(0) - (mu / sd) @ coef
    conv = model.head.conv
    rng = np.random.default_rng(SEEDS["spare_rows"])
    full_w = rng.standard_normal(conv.weight.shape[:2]) * 1e-3 / sd[None, :]
    full_b = np.full(conv.weight.shape[0], SPARE_BIAS)
    full_w[:CLASSES], full_b[:CLASSES] = weight, bias
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(full_w).reshape(conv.weight.shape))
        conv.bias.copy_(torch.from_numpy(full_b))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    protos = prototypes()
    train_x, train_a, train_b, train_w = draw(protos, "train", N_TRAIN)
    calib = draw(protos, "calib", N_CALIB)[0]
    evaluation, eval_a, _, eval_w = draw(protos, "eval", N_EVAL)
    np.save(os.path.join(args.out, "fbnet.calib.npy"), calib)
    np.save(os.path.join(args.out, "fbnet.eval.npy"), evaluation)
    np.save(os.path.join(args.out, "fbnet.eval.labels.npy"), eval_a)
    del calib
    facts = {"torch": torch.__version__, "input": "1x3x224x224 NCHW float32",
             "task": {"classes": CLASSES, "mix_weight": [0.5, 1.0], "noise_std": NOISE, "target": TARGET, "ridge": RIDGE,
                      "train": N_TRAIN, "bn_estimate": N_BN, "calibration": N_CALIB, "evaluation": N_EVAL, "seeds": SEEDS},
             "models": {}}
    for name, seed in MODELS.items():
        model = fbnet_from_file(os.path.join(HERE, "structures", f"{name}.txt"), seed)
        reestimate_bn(model, train_x[:N_BN])
        feats = batched(lambda x: model.head.avg_pool(model.backbone(x)).flatten(1), train_x)
        fit_head(model, feats, train_a, train_b, train_w)
        conv = model.head.conv
        train_logits = feats @ conv.weight.detach().numpy().reshape(conv.out_channels, -1).T + conv.bias.detach().numpy()
        train_acc = float(np.mean(train_logits.argmax(1) == train_a))
        y = batched(model, evaluation)
        base = os.path.join(args.out, name)
        np.save(f"{base}.torch.eval.npy", y)
        np.savez(f"{base}.weights.npz", **{k: v.detach().numpy() for k, v in model.state_dict().items()})
        path = f"{base}.dynamo.onnx"
        info = export(lambda f: torch.onnx.export(model, (torch.from_numpy(evaluation[:1]),), f), path)
        info.update(op_counts(path))
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        feed = sess.get_inputs()[0].name
        ort_y = np.concatenate([sess.run(None, {feed: evaluation[i:i + 1]})[0] for i in range(8)])
        top = y.argmax(1)
        sorted_y = np.sort(y, 1)
        margin = sorted_y[:, -1] - sorted_y[:, -2]
        near = eval_w < 0.6
        m = facts["models"][name] = {
            "max_abs_output": float(np.max(np.abs(y))),
            "distinct_top1": int(len(set(top.tolist()))),
            "top1_in_classes": float(np.mean(top < CLASSES)),
            "most_common_top1_fraction": float(np.bincount(top).max() / len(top)),
            "train_accuracy": train_acc,
            "eval_accuracy": float(np.mean(top == eval_a)),
            "eval_accuracy_w_below_0.6": float(np.mean(top[near] == eval_a[near])),
            "eval_accuracy_w_above_0.8": float(np.mean(top[eval_w > 0.8] == eval_a[eval_w > 0.8])),
            "median_top1_margin": float(np.median(margin)),
            "p10_top1_margin": float(np.percentile(margin, 10)),
            "ort_vs_torch_max_abs_first8": float(np.max(np.abs(ort_y - y[:8]))),
            "export": info,
        }
        print(f"{name}: max|y| {m['max_abs_output']:.3g}, eval accuracy {m['eval_accuracy']:.3f} "
              f"(w<0.6: {m['eval_accuracy_w_below_0.6']:.3f}, w>0.8: {m['eval_accuracy_w_above_0.8']:.3f}), "
              f"{m['distinct_top1']} distinct top-1, median margin {m['median_top1_margin']:.3g}, "
              f"ort-vs-torch {m['ort_vs_torch_max_abs_first8']:.3g}, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    facts["seconds"] = round(time.perf_counter() - t0, 1)
    with open(os.path.join(args.out, "facts.json"), "w") as f:
        json.dump(facts, f, indent=2)


if __name__ == "__main__":
    main()
