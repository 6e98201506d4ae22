"""Parses a printed PyTorch module tree (the repr text in shared/seed/fbnet_{a,b}.txt) into plain data.

The files are `print(model)` output, not code: each line is `(name): Type(args)` for a leaf,
`(name): Type(` opening a container, or `)` closing one. Leaf arguments are Python call syntax,
so they are read with `ast` (literals only, nothing is evaluated). No torch import here, so the
Keras twin (seed venv) and the PyTorch builder (tools venv) share one reading of the structure.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

_LINE = re.compile(r"^\s*(?:\((?P<name>[^)]+)\):\s*)?(?P<type>[A-Za-z_][A-Za-z0-9_]*)\((?P<rest>.*)$")


@dataclass
class Node:
    name: str
    type: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    children: list["Node"] = field(default_factory=list)

    def child(self, name: str) -> "Node | None":
        return next((c for c in self.children if c.name == name), None)


def _parse_args(text: str) -> tuple[list, dict]:
    call = ast.parse(f"f({text})", mode="eval").body
    assert isinstance(call, ast.Call)
    args = [ast.literal_eval(a) for a in call.args]
    kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    return args, kwargs


def parse_structure(text: str) -> Node:
    stack: list[Node] = []
    root: Node | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        if not line.strip():
            continue
        if line.strip() == ")":
            if not stack:
                raise ValueError(f"line {lineno}: unbalanced ')'")
            stack.pop()
            continue
        m = _LINE.match(line)
        if not m:
            raise ValueError(f"line {lineno}: not a module line: {line!r}")
        rest = m.group("rest")
        if rest == "":
            node = Node(m.group("name") or "", m.group("type"))
            opens = True
        else:
            if not rest.endswith(")"):
                raise ValueError(f"line {lineno}: unterminated leaf: {line!r}")
            args, kwargs = _parse_args(rest[:-1])
            node = Node(m.group("name") or "", m.group("type"), args, kwargs)
            opens = False
        if stack:
            stack[-1].children.append(node)
        elif root is None:
            root = node
        else:
            raise ValueError(f"line {lineno}: second root module")
        if opens:
            stack.append(node)
    if root is None or stack:
        raise ValueError("structure text is empty or unbalanced")
    return root


def read_structure(path: str) -> Node:
    with open(path, encoding="utf-8") as f:
        return parse_structure(f.read())


def shuffle_groups(block: Node) -> int:
    """mobile_cv builds IRFBlock.shuffle = ChannelShuffle(pw_groups); pw_groups is also the groups
    of the block's pwl conv (and of pw, when present). The repr omits it, so read it from pwl."""
    pwl = block.child("pwl")
    conv = pwl.child("conv") if pwl else None
    if conv is None or conv.kwargs.get("groups", 1) <= 1:
        raise ValueError(f"{block.name}: ChannelShuffle without a grouped pwl conv")
    return int(conv.kwargs["groups"])
