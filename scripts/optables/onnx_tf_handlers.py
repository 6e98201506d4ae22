"""Reads onnx-tf's backend handler table from the source in its wheel, without importing onnx_tf.

Usage: python onnx_tf_handlers.py WHEEL
Each handler is a class decorated @onnx_op("Name") in onnx_tf/handlers/backend/*.py; onnx-tf
dispatches a node to getattr(cls, "version_<since_version>"), so the implemented versions are the
class's version_N methods, including any inherited from other classes of that package.
Also reads onnx_tf/opset_version.py (backend_opset_version, onnx-tf's own generated summary) as
data, to cross-check. Prints one JSON document (sorted keys) on stdout.
"""
import ast
import json
import re
import sys
import zipfile

BACKEND = "onnx_tf/handlers/backend/"
VERSION_METHOD = re.compile(r"^version_(\d+)$")


def decorator_call(dec, name):
    """The first string argument of @name("...") or None."""
    if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name) and dec.func.id == name:
        if dec.args and isinstance(dec.args[0], ast.Constant) and isinstance(dec.args[0].value, str):
            return dec.args[0].value
    return None


def base_name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def main():
    wheel = sys.argv[1]
    classes = {}  # (file, class name) -> {versions, bases, op, domain, file}; names repeat across files
    with zipfile.ZipFile(wheel) as zf:
        names = sorted(n for n in zf.namelist() if n.startswith(BACKEND) and n.endswith(".py"))
        for path in names:
            tree = ast.parse(zf.read(path).decode("utf-8"), filename=path)
            for node in tree.body:
                if not isinstance(node, ast.ClassDef):
                    continue
                versions = sorted(
                    int(m.group(1))
                    for item in node.body
                    if isinstance(item, ast.FunctionDef) and (m := VERSION_METHOD.match(item.name))
                )
                op = next((v for d in node.decorator_list if (v := decorator_call(d, "onnx_op"))), None)
                domain = next((v for d in node.decorator_list if (v := decorator_call(d, "domain"))), "")
                classes[(path[len(BACKEND):], node.name)] = {
                    "versions": versions,
                    "bases": [b for b in map(base_name, node.bases) if b],
                    "op": op,
                    "domain": domain,
                    "file": path[len(BACKEND):],
                }
        opset_version_src = zf.read("onnx_tf/opset_version.py").decode("utf-8")

    def resolve(file, name):
        """A base class by name: the one in the same file, else the only one of that name."""
        if (file, name) in classes:
            return (file, name)
        matches = [k for k in classes if k[1] == name]
        return matches[0] if len(matches) == 1 else None

    def all_versions(key, seen=()):
        if key is None or key in seen:
            return set()
        cls = classes[key]
        found = set(cls["versions"])
        for base in cls["bases"]:
            found |= all_versions(resolve(key[0], base), seen + (key,))
        return found

    handlers = {}
    inherited = {}
    for key, cls in sorted(classes.items()):
        if cls["op"] is None:
            continue
        versions = sorted(all_versions(key))
        if versions != cls["versions"]:
            inherited[cls["op"]] = sorted(set(versions) - set(cls["versions"]))
        op_key = cls["op"] if not cls["domain"] else f'{cls["domain"]}::{cls["op"]}'
        if op_key in handlers:
            raise SystemExit(f"two handlers for {op_key}: {handlers[op_key]['file']} and {cls['file']}")
        handlers[op_key] = {"versions": versions, "domain": cls["domain"], "file": cls["file"], "class": key[1]}

    declared = {}
    for node in ast.parse(opset_version_src).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "backend_opset_version" for t in node.targets):
            declared = ast.literal_eval(node.value)
    mismatches = []
    for op in sorted(set(declared) | set(handlers)):
        parsed = handlers.get(op, {}).get("versions")
        listed = declared.get(op)
        if parsed is None and listed == []:
            continue  # listed in opset_version.py as an onnx op without a handler
        if sorted(listed or []) != (parsed or []):
            mismatches.append({"op": op, "handler_methods": parsed, "backend_opset_version": listed})

    print(json.dumps({
        "handlers": handlers,
        "inherited_versions": inherited,
        "opset_version_py": {
            "ops_listed": len(declared),
            "ops_with_versions": sum(1 for v in declared.values() if v),
            "mismatches": mismatches,
        },
    }, sort_keys=True))


if __name__ == "__main__":
    main()
