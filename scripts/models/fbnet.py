"""FBNet-A / FBNet-B as torch.nn.Modules, built from the printed structure files.

Module semantics (facts from mobile_cv's fbnet_v2, not its code):
  ConvBNRelu = conv -> bn -> relu (whichever are present), IRFBlock forward order is
  pw -> shuffle -> dw -> se -> pwl -> res_conn(y, x) = y + x, ChannelShuffle(g) is
  view(N, g, C/g, H, W) -> swap the two channel axes -> view(N, C, H, W), ClsConvHead is
  AdaptiveAvgPool2d(1) -> 1x1 conv -> flatten. Weights are random with a fixed seed; BatchNorm
  statistics and affine parameters are randomised too, so that folding BN into the conv matters.
"""
from __future__ import annotations

import torch
from torch import nn

from fbnet_structure import Node, read_structure, shuffle_groups

IRF_ORDER = ("pw", "shuffle", "upsample", "dw", "se", "pwl")


class ChannelShuffle(nn.Module):
    def __init__(self, groups: int):
        super().__init__()
        self.groups = groups

    def forward(self, x):
        n, c, h, w = x.shape
        g = self.groups
        return x.view(n, g, c // g, h, w).permute(0, 2, 1, 3, 4).contiguous().view(n, c, h, w)


class Chain(nn.Module):
    """ConvBNRelu / Sequential / FBNetBackbone: children applied in their printed order."""

    def __init__(self, children: list[tuple[str, nn.Module]]):
        super().__init__()
        for name, mod in children:
            self.add_module(name, mod)

    def forward(self, x):
        for mod in self.children():
            x = mod(x)
        return x


class IRFBlock(nn.Module):
    def __init__(self, parts: dict[str, nn.Module], residual: bool):
        super().__init__()
        for name in IRF_ORDER:
            if name in parts:
                self.add_module(name, parts[name])
        self.residual = residual

    def forward(self, x):
        y = x
        for name in IRF_ORDER:
            mod = getattr(self, name, None)
            if mod is not None:
                y = mod(y)
        return y + x if self.residual else y


class ClsConvHead(nn.Module):
    def __init__(self, avg_pool: nn.Module, conv: nn.Module):
        super().__init__()
        self.avg_pool = avg_pool
        self.conv = conv

    def forward(self, x):
        return torch.flatten(self.conv(self.avg_pool(x)), 1)


class FBNet(nn.Module):
    def __init__(self, backbone: nn.Module, head: nn.Module):
        super().__init__()
        self.backbone = backbone
        self.head = head

    def forward(self, x):
        return self.head(self.backbone(x))


def _leaf(node: Node) -> nn.Module:
    if node.type == "Conv2d":
        kw = dict(node.kwargs)
        kw.setdefault("bias", True)  # the repr prints bias=False only when there is none
        return nn.Conv2d(*node.args, **kw)
    if node.type == "BatchNorm2d":
        return nn.BatchNorm2d(*node.args, **node.kwargs)
    if node.type == "ReLU":
        return nn.ReLU()
    if node.type == "Identity":
        return nn.Identity()
    if node.type == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(*node.args, **node.kwargs)
    raise ValueError(f"{node.name}: unsupported leaf module {node.type}")


def build(node: Node) -> nn.Module:
    if node.type == "IRFBlock":
        parts: dict[str, nn.Module] = {}
        for c in node.children:
            if c.name == "res_conn":
                continue
            if c.type == "ChannelShuffle":
                parts[c.name] = ChannelShuffle(shuffle_groups(node))
            else:
                parts[c.name] = build(c)
        unknown = set(parts) - set(IRF_ORDER)
        if unknown:
            raise ValueError(f"{node.name}: unknown IRFBlock parts {sorted(unknown)}")
        return IRFBlock(parts, residual=node.child("res_conn") is not None)
    if node.type == "ClsConvHead":
        return ClsConvHead(build(node.child("avg_pool")), build(node.child("conv")))
    if node.type == "FBNet":
        return FBNet(build(node.child("backbone")), build(node.child("head")))
    if node.type in ("ConvBNRelu", "Sequential", "FBNetBackbone"):
        return Chain([(c.name, build(c)) for c in node.children])
    if node.children:
        raise ValueError(f"{node.name}: unsupported container {node.type}")
    return _leaf(node)


def randomise(model: nn.Module, seed: int) -> None:
    """Fixed-seed random weights; BN stats/affine far from identity so BN folding is exercised."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.Conv2d):
                fan_in = mod.in_channels // mod.groups * mod.kernel_size[0] * mod.kernel_size[1]
                mod.weight.copy_(torch.randn(mod.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
                if mod.bias is not None:
                    mod.bias.copy_(torch.randn(mod.bias.shape, generator=g) * 0.1)
            elif isinstance(mod, nn.BatchNorm2d):
                n = mod.num_features
                mod.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
                mod.running_var.copy_(torch.rand(n, generator=g) * 1.5 + 0.5)
                mod.weight.copy_(torch.rand(n, generator=g) * 0.8 + 0.6)
                mod.bias.copy_(torch.randn(n, generator=g) * 0.2)


def fbnet_from_file(path: str, seed: int) -> nn.Module:
    model = build(read_structure(path))
    randomise(model, seed)
    return model.eval()
