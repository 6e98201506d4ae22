"""Imports torchvision on a CPU-only torch whose build does not match torchvision's C++ extension.

The torchvision wheel on PyPI is built against CUDA torch; on the CPU torch 2.13.0 wheel its `_C`
library does not load, so `torchvision::nms` and friends are never defined, and
torchvision/_meta_registrations.py then fails at import on `torch.library.register_fake("torchvision::nms")`
("operator torchvision::nms does not exist"). The classification models never call those ops, so
in this process only, while torchvision imports, a fake-kernel registration for a torchvision:: op
that does not exist is skipped (and listed). Nothing on disk changes.
"""
from __future__ import annotations

import torch
import torch.library


def import_torchvision():
    """Returns (torchvision module, list of skipped 'torchvision::op' registrations)."""
    original = torch.library.register_fake
    skipped: list[str] = []

    def register_fake(op, func=None, /, **kwargs):
        if not (isinstance(op, str) and op.startswith("torchvision::")):
            return original(op, func, **kwargs) if func is not None else original(op, **kwargs)

        def register(f):
            try:
                return original(op, f, **kwargs)
            except RuntimeError as err:
                if "does not exist" not in str(err):
                    raise
                skipped.append(op)
                return f

        return register if func is None else register(func)

    torch.library.register_fake = register_fake
    try:
        import torchvision  # noqa: PLC0415 (the patch must be in place first)
    finally:
        torch.library.register_fake = original
    return torchvision, skipped
