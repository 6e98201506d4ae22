"""The digits CNN: a small real classifier trained on real data, the accuracy yardstick for quantization.

scikit-learn's handwritten digits (1797 labelled 8x8 images, pixel values 0..16) are read from
sklearn/datasets/data/digits.csv.gz inside a scikit-learn wheel (`pip download --no-deps`; nothing is
installed). The split is fixed: a seeded permutation, the last 360 images are the test set. Pixels are
scaled to [0, 1]. The CNN (NCHW 1x1x8x8 -> 10 logits):

  Conv 1->16 3x3 p1, BN, ReLU | Conv 16->32 3x3 p1, BN, ReLU, MaxPool 2 | Conv 32->64 3x3 p1, BN, ReLU,
  MaxPool 2 | Flatten (64x2x2) | Linear 256->64, ReLU | Linear 64->10

trained seeded on one CPU thread (Adam, 40 epochs, batch 64; a few seconds), exported with torch's
default call (torch.onnx.export(model, (x,), f): the dynamo exporter of torch 2.13).

Writes to --out: digits.onnx (+ .data when the exporter writes one), digits.weights.npz (state_dict, for
the Keras twin), digits.calib.npy (200 training images, NCHW float32: the calibration samples for every
int8 quantizer), digits.test.npy + digits.test.labels.npy (360 NCHW images, int64 labels),
digits.torch.test.npy (PyTorch's logits on the test set) and facts.json (data sha256, split, torch and
onnxruntime test accuracy, onnxruntime vs torch max error).

usage: python digits_cnn.py --wheel scikit_learn-*.whl --out DIR   (tools venv: torch 2.13, onnxruntime)
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from onnx_facts import export, op_counts  # noqa: E402

DATA_MEMBER = "sklearn/datasets/data/digits.csv.gz"
SPLIT_SEED = 20261201
TRAIN_SEED = 0
CALIB_SEED = 7
N_TEST = 360
N_CALIB = 200
EPOCHS = 40


class DigitsCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16)
        self.c2, self.b2 = nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32)
        self.c3, self.b3 = nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64)
        self.fc1, self.fc2 = nn.Linear(256, 64), nn.Linear(64, 10)

    def forward(self, x):
        x = torch.relu(self.b1(self.c1(x)))
        x = nn.functional.max_pool2d(torch.relu(self.b2(self.c2(x))), 2)
        x = nn.functional.max_pool2d(torch.relu(self.b3(self.c3(x))), 2)
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


def read_digits(wheel: str) -> tuple[np.ndarray, np.ndarray, str]:
    with zipfile.ZipFile(wheel) as z:
        raw = z.read(DATA_MEMBER)
    table = np.loadtxt(io.StringIO(gzip.decompress(raw).decode()), delimiter=",")
    if table.shape != (1797, 65):
        raise SystemExit(f"{DATA_MEMBER}: expected 1797 rows of 64 pixels + label, got {table.shape}")
    images = (table[:, :64] / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    return images, table[:, 64].astype(np.int64), hashlib.sha256(raw).hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--wheel", required=True, help="a scikit-learn wheel (its digits.csv.gz is read)")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)

    images, labels, data_sha = read_digits(args.wheel)
    order = np.random.default_rng(SPLIT_SEED).permutation(len(labels))
    train_idx, test_idx = order[:-N_TEST], order[-N_TEST:]
    xtr, ytr = torch.from_numpy(images[train_idx]), torch.from_numpy(labels[train_idx])
    xte, yte = images[test_idx], labels[test_idx]

    torch.manual_seed(TRAIN_SEED)
    model = DigitsCNN()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(TRAIN_SEED)
    model.train()
    for _ in range(EPOCHS):
        perm = torch.randperm(len(ytr), generator=g)
        for i in range(0, len(perm), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            nn.functional.cross_entropy(model(xtr[b]), ytr[b]).backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(xte)).numpy()
        train_acc = float((model(xtr).argmax(1) == ytr).float().mean())

    calib = images[train_idx[np.random.default_rng(CALIB_SEED).choice(len(train_idx), N_CALIB, replace=False)]]
    base = os.path.join(args.out, "digits")
    np.save(f"{base}.calib.npy", np.ascontiguousarray(calib))
    np.save(f"{base}.test.npy", np.ascontiguousarray(xte))
    np.save(f"{base}.test.labels.npy", yte)
    np.save(f"{base}.torch.test.npy", logits)
    np.savez(f"{base}.weights.npz", **{k: v.detach().numpy() for k, v in model.state_dict().items()})

    path = f"{base}.onnx"
    info = export(lambda f: torch.onnx.export(model, (torch.from_numpy(xte[:1]),), f), path)
    info.update(op_counts(path))
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    name = sess.get_inputs()[0].name
    ort_logits = np.concatenate([sess.run(None, {name: xte[i:i + 1]})[0] for i in range(len(xte))])
    facts = {
        "torch": torch.__version__, "onnxruntime": ort.__version__,
        "data": {"member": DATA_MEMBER, "wheel": os.path.basename(args.wheel), "sha256": data_sha,
                 "images": int(len(labels)), "train": int(len(train_idx)), "test": int(len(test_idx)),
                 "calibration": N_CALIB, "split_seed": SPLIT_SEED, "calib_seed": CALIB_SEED},
        "train_accuracy": train_acc,
        "torch_test_accuracy": float(np.mean(logits.argmax(1) == yte)),
        "ort_test_accuracy": float(np.mean(ort_logits.argmax(1) == yte)),
        "ort_vs_torch_max_abs": float(np.max(np.abs(ort_logits - logits))),
        "max_abs_output": float(np.max(np.abs(logits))),
        "export": info,
    }
    with open(os.path.join(args.out, "facts.json"), "w") as f:
        json.dump(facts, f, indent=2)
    print(f"digits: train {train_acc:.4f}, test torch {facts['torch_test_accuracy']:.4f} "
          f"ort {facts['ort_test_accuracy']:.4f}, ort-vs-torch {facts['ort_vs_torch_max_abs']:.3g}", file=sys.stderr)


if __name__ == "__main__":
    main()
