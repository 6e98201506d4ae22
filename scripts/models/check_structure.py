"""Checks that the PyTorch model built by fbnet.py has exactly the modules the structure file prints:
per module type (Conv2d, BatchNorm2d, ReLU, ChannelShuffle, IRFBlock, ...) the count in the text equals
the count in the built model, every Conv2d/BatchNorm2d has the printed arguments, in order, and
the residual adds equal the printed TorchAdd count. Prints JSON; exit 1 on any mismatch.

usage: python check_structure.py [structures/fbnet_a.txt ...]
"""
from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from torch import nn  # noqa: E402

import fbnet  # noqa: E402


def text_counts(text: str) -> Counter:
    return Counter(re.findall(r"\): ([A-Za-z0-9_]+)\(", text))


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    files = sys.argv[1:] or [os.path.join(here, "structures", f) for f in ("fbnet_a.txt", "fbnet_b.txt")]
    report, ok = {}, True
    for path in files:
        text = open(path, encoding="utf-8").read()
        want = text_counts(text)
        model = fbnet.fbnet_from_file(path, seed=0)
        mods = list(model.modules())
        got = {
            "Conv2d": sum(isinstance(m, nn.Conv2d) for m in mods),
            "BatchNorm2d": sum(isinstance(m, nn.BatchNorm2d) for m in mods),
            "ReLU": sum(isinstance(m, nn.ReLU) for m in mods),
            "ChannelShuffle": sum(isinstance(m, fbnet.ChannelShuffle) for m in mods),
            "IRFBlock": sum(isinstance(m, fbnet.IRFBlock) for m in mods),
            "TorchAdd": sum(isinstance(m, fbnet.IRFBlock) and m.residual for m in mods),
            "AdaptiveAvgPool2d": sum(isinstance(m, nn.AdaptiveAvgPool2d) for m in mods),
        }
        convs_text = re.findall(r"Conv2d\((.*)\)", text)
        convs_built = [m for m in mods if isinstance(m, nn.Conv2d)]
        args_ok = len(convs_text) == len(convs_built) and all(
            t.startswith(f"{m.in_channels}, {m.out_channels}, kernel_size={m.kernel_size}, stride={m.stride}")
            and (f"groups={m.groups}" in t) == (m.groups > 1)
            and (f"padding={m.padding}" in t) == (m.padding != (0, 0))
            and ("bias=False" in t) == (m.bias is None)
            for t, m in zip(convs_text, convs_built)
        )
        mismatches = {k: (want.get(k, 0), v) for k, v in got.items() if want.get(k, 0) != v}
        ok = ok and not mismatches and args_ok
        report[os.path.basename(path)] = {"counts": got, "mismatches": mismatches, "conv_args_match": args_ok,
                                          "params": sum(p.numel() for p in model.parameters())}
    print(json.dumps(report))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
