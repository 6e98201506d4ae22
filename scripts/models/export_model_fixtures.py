"""Writes the small ONNX files test/fixtures/model/ holds (the model-aware check's unit fixtures).

Real torch exports, tiny weights: run with the tools venv (torch 2.13.0):
    $(node scripts/venvs.mjs path tools) scripts/models/export_model_fixtures.py test/fixtures/model
    (--variants OUT writes the extra exports the real-env test converts.)
Each file shows one thing a route meets in a model: an op version a converter lacks, or the
TorchScript exporter's default input names.
"""
import os
import sys
import warnings

import torch
import torch.nn as nn

warnings.filterwarnings("ignore")
torch.manual_seed(0)


class MeanHead(nn.Module):
    """Conv -> Relu -> mean over H, W -> Linear: ReduceMean, the seed's failure 1 from opset 18 on."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.fc = nn.Linear(4, 2)

    def forward(self, x):
        return self.fc(torch.relu(self.conv(x)).mean(dim=(2, 3)))


class FlattenFirst(nn.Module):
    """The first node reads the input itself: the TorchScript exporter names it onnx::Flatten_0."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(12, 2)

    def forward(self, x):
        return self.fc(x.flatten(1))


class SqueezeArgMax(nn.Module):
    """Squeeze/Unsqueeze (13 moved axes to an input) and ArgMax (no native lowering)."""

    def forward(self, x):
        y = x.unsqueeze(1).squeeze(1)
        return torch.argmax(y, dim=1)


class LayerNormHead(nn.Module):
    """nn.LayerNorm: one LayerNormalization node from opset 17 on, written with other ops below it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        return self.norm(self.fc(x))


def main(out):
    os.makedirs(out, exist_ok=True)
    img = torch.randn(1, 3, 4, 4)
    named = dict(input_names=["input"], output_names=["output"])
    mean = MeanHead().eval()
    torch.onnx.export(mean, (img,), f"{out}/mean-head.opset18.onnx", dynamo=False, opset_version=18)
    torch.onnx.export(mean, (img,), f"{out}/mean-head.opset12.onnx", dynamo=False, opset_version=12, **named)
    torch.onnx.export(mean, (img,), f"{out}/mean-head.dynamo.onnx", external_data=False, **named)
    torch.onnx.export(FlattenFirst().eval(), (torch.randn(1, 12),), f"{out}/flatten.opset12.onnx", dynamo=False, opset_version=12)
    torch.onnx.export(SqueezeArgMax().eval(), (torch.randn(2, 5),), f"{out}/squeeze-argmax.opset13.onnx", dynamo=False, opset_version=13, **named)
    torch.onnx.export(LayerNormHead().eval(), (torch.randn(1, 8),), f"{out}/layer-norm.opset17.onnx", dynamo=False, opset_version=17, **named)


def variants(out):
    """The exports test/real-env/model-check.test.ts runs onnx-tf on besides the fixtures."""
    os.makedirs(out, exist_ok=True)
    flat = FlattenFirst().eval()
    vec = torch.randn(1, 12)
    # input.1: the name issue 7 reports for torch 2.8.0's default export of FBNet-A
    torch.onnx.export(flat, (vec,), f"{out}/flatten.input-1.opset12.onnx", dynamo=False, opset_version=12, input_names=["input.1"])
    torch.onnx.export(flat, (vec,), f"{out}/flatten.named.opset12.onnx", dynamo=False, opset_version=12, input_names=["input"])
    # the opset the model check names as the highest that closes ReduceMean-18
    torch.onnx.export(MeanHead().eval(), (torch.randn(1, 3, 4, 4),), f"{out}/mean-head.opset17.onnx", dynamo=False, opset_version=17)
    # below LayerNormalization's first version (17) torch writes it with other ops
    named = dict(input_names=["input"], output_names=["output"])
    torch.onnx.export(LayerNormHead().eval(), (torch.randn(1, 8),), f"{out}/layer-norm.opset16.onnx", dynamo=False, opset_version=16, **named)


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "--variants":
        variants(args[1])
    else:
        main(args[0] if args else "test/fixtures/model")
