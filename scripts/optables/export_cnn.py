"""Exports a small FBNet-like CNN with torch.onnx.export and reports what the exporter wrote.

Usage: python export_cnn.py CONFIG OUT_DIR
CONFIG is a JSON object of keyword arguments for torch.onnx.export ({} = the default call).
Prints one JSON document on stdout: torch version, which exporter ran, opset imports,
the op types per domain (with the since_version onnx's own registry gives them), and the files written.
The model mirrors the blocks of the seed's FBNet-A/B (../shared/seed/fbnet_a.txt): ConvBNRelu,
an inverted-residual block with depthwise conv and residual add, channel shuffle with a grouped
1x1 conv, a ClsConvHead (adaptive_avg_pool2d(1) + 1x1 conv), and a second head using
x.mean((2, 3)) + flatten + Linear.
"""
import contextlib
import inspect
import json
import os
import sys
import warnings

import onnx
import torch
from torch import nn


class ConvBNRelu(nn.Sequential):
    def __init__(self, cin, cout, k=1, stride=1, groups=1, relu=True):
        layers = [nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups), nn.BatchNorm2d(cout)]
        if relu:
            layers.append(nn.ReLU(inplace=True))
        super().__init__(*layers)


class ChannelShuffle(nn.Module):
    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)


class IRFBlock(nn.Module):
    def __init__(self, c, expand, k, shuffle_groups=1):
        super().__init__()
        mid = c * expand
        self.shuffle = ChannelShuffle(shuffle_groups) if shuffle_groups > 1 else nn.Identity()
        self.pw = ConvBNRelu(c, mid, 1, groups=shuffle_groups)
        self.dw = ConvBNRelu(mid, mid, k, groups=mid)
        self.pwl = ConvBNRelu(mid, c, 1, groups=shuffle_groups, relu=False)

    def forward(self, x):
        y = self.pwl(self.dw(self.pw(self.shuffle(x))))
        return x + y


class SmallFBNet(nn.Module):
    def __init__(self, classes=10):
        super().__init__()
        self.stem = ConvBNRelu(3, 16, 3, stride=2)
        self.down = nn.Sequential(ConvBNRelu(16, 48, 1), ConvBNRelu(48, 48, 3, 2, groups=48), ConvBNRelu(48, 24, 1, relu=False))
        self.block = IRFBlock(24, 3, 3)
        self.shuffled = IRFBlock(24, 1, 5, shuffle_groups=2)
        self.last = ConvBNRelu(24, 64, 1)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head_conv = nn.Conv2d(64, classes, 1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = self.last(self.shuffled(self.block(self.down(self.stem(x)))))
        a = self.head_conv(self.pool(x)).flatten(1)  # ClsConvHead
        b = self.fc(torch.flatten(x.mean((2, 3), keepdim=True), 1))  # mean + flatten + Linear
        return a + b


def main():
    config = json.loads(sys.argv[1])
    out_dir = sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(0)
    model = SmallFBNet().eval()
    path = os.path.join(out_dir, "model.onnx")
    # the exporter prints progress on stdout; stdout is reserved for the JSON report
    with torch.no_grad(), contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = torch.onnx.export(model, (torch.randn(1, 3, 64, 64),), path, **config)
    export_warnings = sorted({f"{w.category.__name__}: {w.message}" for w in caught if "onnx" in str(w.filename) or w.category is DeprecationWarning})
    # The dynamo exporter returns an ONNXProgram; the TorchScript exporter returns None.
    exporter = "dynamo" if result is not None else "torchscript"
    proto = onnx.load(path, load_external_data=False)
    opsets = {imp.domain or "": imp.version for imp in proto.opset_import}
    ops = {}
    for node in proto.graph.node:
        domain = node.domain or ""
        ops.setdefault(domain, set()).add(node.op_type)
    external = sorted({
        entry.value
        for init in proto.graph.initializer
        if init.data_location == onnx.TensorProto.EXTERNAL
        for entry in init.external_data
        if entry.key == "location"
    })
    default_opset = opsets.get("", None)
    default_ops = [
        {"op": op, "since_version": onnx.defs.get_schema(op, default_opset, "").since_version}
        for op in sorted(ops.get("", set()))
    ]
    # what this torch's own source says the defaults are (signature and constants)
    params = inspect.signature(torch.onnx.export).parameters
    constants = getattr(torch.onnx, "_constants", None)
    source_defaults = {
        name: params[name].default
        for name in ("dynamo", "opset_version", "external_data")
        if name in params and params[name].default is not inspect.Parameter.empty
    }
    if constants is not None:
        source_defaults["ONNX_DEFAULT_OPSET"] = getattr(constants, "ONNX_DEFAULT_OPSET", None)
        source_defaults["ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET"] = getattr(constants, "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", None)
    print(json.dumps({
        "source_defaults": source_defaults,
        "warnings": export_warnings,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "config": config,
        "exporter": exporter,
        "result_type": type(result).__name__,
        "ir_version": proto.ir_version,
        "opset_imports": opsets,
        "ops": default_ops,
        "other_domain_ops": {d: sorted(v) for d, v in ops.items() if d != ""},
        "node_count": len(proto.graph.node),
        "external_data_locations": external,
        "files": sorted(os.listdir(out_dir)),
    }, sort_keys=True))


if __name__ == "__main__":
    main()
