"""Dumps the default-domain (ai.onnx) operator history from the installed onnx's own schema registry.

Run by scripts/gen-optables.mjs inside a throwaway venv holding exactly the pinned onnx.
Prints one JSON document (sorted keys) on stdout.
"""
import json

import onnx
from onnx import defs, helper


def main():
    ops = {}
    for schema in defs.get_all_schemas_with_history():
        if schema.domain not in ("", "ai.onnx"):
            continue
        entry = ops.setdefault(schema.name, {"versions": {}})
        entry["versions"][schema.since_version] = bool(schema.deprecated)
    table = {}
    for name, entry in ops.items():
        versions = sorted(entry["versions"])
        deprecated = [v for v in versions if entry["versions"][v]]
        row = {"since_versions": versions, "deprecated": entry["versions"][versions[-1]]}
        if deprecated:
            row["deprecated_since"] = deprecated[0]
        table[name] = row
    version_table = [
        {"onnx": release, "ir_version": ir, "ai_onnx_opset": opset}
        for (release, ir, opset, *_rest) in helper.VERSION_TABLE
    ]
    print(json.dumps({
        "onnx_version": onnx.__version__,
        "max_opset": defs.onnx_opset_version(),
        "version_table": version_table,
        "ops": table,
    }, sort_keys=True))


if __name__ == "__main__":
    main()
