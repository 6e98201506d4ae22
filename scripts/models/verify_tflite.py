"""Python verification tier: runs an ONNX model with onnxruntime and a .tflite with ai_edge_litert's
Interpreter (the official LiteRT Python runtime) on the SAME inputs and prints one JSON object.

The .tflite runs once per op resolver: `auto` (builtin kernels + the default XNNPACK delegate),
`builtin` (BUILTIN_WITHOUT_DEFAULT_DELEGATES: the optimized builtin kernels, no XNNPACK) and `ref`
(BUILTIN_REF: the reference kernels), so a model that only XNNPACK happens to run right is caught.
Unlike LiteRT.js, this interpreter raises on prepare/allocation errors; those are reported per
resolver as "error" with pass false.

Inputs are .npy files in the ONNX model's input order and layout (NCHW); rank-4 inputs are moved to
NHWC when the .tflite's input shape says so (or with --nhwc). Tolerance: 1e-4 x max(1, max|ONNX output|).

A quantized .tflite is judged with --quality instead: each input .npy then holds S samples on a leading
axis, every sample runs through both, and each resolver reports what quantization people read: SQNR (dB),
cosine similarity, max abs error and top-1 agreement for classification-shaped outputs ([N, C], C > 1);
pass means agreement >= --min-agreement (default 0.98) and SQNR >= --min-sqnr when given. Integer model
inputs are quantized with the tensor's own scale and zero point, integer outputs dequantized (--io int8).

usage: python verify_tflite.py --onnx M.onnx --tflite M.tflite --inputs x.npy [y.npy ...]
       [--nhwc auto|yes|no] [--resolvers auto,builtin,ref] [--torch-output ref.npy]
       [--quality [--min-agreement X] [--min-sqnr DB]]
       python verify_tflite.py --jobs jobs.json   (many pairs, one JSON line each, one interpreter start)
"""
from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import onnxruntime as ort
from ai_edge_litert.interpreter import Interpreter, OpResolverType

RESOLVERS = {
    "auto": OpResolverType.AUTO,
    "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    "ref": OpResolverType.BUILTIN_REF,
}


def to_nhwc(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def to_nchw(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


def wants_nhwc(onnx_shape, tfl_shape, mode: str) -> bool:
    if len(onnx_shape) != 4:
        return False
    if mode != "auto":
        return mode == "yes"
    nhwc = [onnx_shape[0], onnx_shape[2], onnx_shape[3], onnx_shape[1]]
    return list(onnx_shape) != list(tfl_shape) and nhwc == list(tfl_shape)


def compare(ref: list[np.ndarray], cand: list[np.ndarray]) -> float:
    worst = 0.0
    for r, c in zip(ref, cand):
        if r.shape != c.shape:
            return float("inf")
        both_nan = np.isnan(r) & np.isnan(c)
        d = np.abs(r.astype(np.float64) - c.astype(np.float64))
        d[both_nan] = 0.0
        if np.isnan(d).any():
            return float("inf")
        worst = max(worst, float(d.max(initial=0.0)))
    return worst


def open_interpreter(path: str, onnx_names: list[str], resolver, threads: int | None):
    """An allocated interpreter, its input details, and for each ONNX input (in order) the index into those
    details: by the serving signature's names when they are the ONNX names, else by position."""
    interp = Interpreter(model_path=path, experimental_op_resolver_type=resolver, num_threads=threads)
    interp.allocate_tensors()
    details = interp.get_input_details()
    sig = interp.get_signature_list().get("serving_default", {})
    order = list(range(len(details)))
    if sig and sorted(sig.get("inputs", [])) == sorted(onnx_names):
        runner_details = interp.get_signature_runner("serving_default").get_input_details()
        by_index = {d["index"]: i for i, d in enumerate(details)}
        order = [by_index[runner_details[n]["index"]] for n in onnx_names]
    return interp, details, order


def run_tflite(path: str, inputs: list[np.ndarray], onnx_names: list[str], resolver, mode: str, threads: int | None):
    interp, details, order = open_interpreter(path, onnx_names, resolver, threads)
    if len(details) != len(inputs):
        raise ValueError(f"the .tflite has {len(details)} inputs, the ONNX model {len(inputs)}")
    for onnx_i, det_i in enumerate(order):
        x = inputs[onnx_i]
        if wants_nhwc(x.shape, details[det_i]["shape"], mode):
            x = to_nhwc(x)
        interp.set_tensor(details[det_i]["index"], x.astype(details[det_i]["dtype"]))
    interp.invoke()
    outs = [interp.get_tensor(d["index"]) for d in interp.get_output_details()]
    ops = sorted({op["op_name"] for op in interp._get_ops_details()})
    return outs, ops


def to_model_input(x: np.ndarray, det: dict) -> np.ndarray:
    """A float sample as the model takes it: integer inputs quantized with their own scale and zero point."""
    dtype = det["dtype"]
    if np.issubdtype(dtype, np.integer):
        scale, zero = det["quantization"]
        if scale:
            info = np.iinfo(dtype)
            return np.clip(np.round(x / scale) + zero, info.min, info.max).astype(dtype)
    return x.astype(dtype)


def from_model_output(y: np.ndarray, det: dict) -> np.ndarray:
    if np.issubdtype(y.dtype, np.integer):
        scale, zero = det["quantization"]
        if scale:
            return (y.astype(np.float32) - zero) * scale
    return y


class Quality:
    """SQNR, cosine, max abs error and top-1 agreement accumulated over samples, per output."""

    def __init__(self):
        self.sums = {}

    def add(self, i: int, ref: np.ndarray, cand: np.ndarray) -> None:
        s = self.sums.setdefault(i, {"signal": 0.0, "noise": 0.0, "dot": 0.0, "cand": 0.0, "maxAbs": 0.0, "agree": 0, "rows": 0,
                                     "classification": ref.ndim == 2 and ref.shape[1] > 1, "nonFinite": False})
        r = ref.astype(np.float64)
        c = cand.astype(np.float64)
        if r.shape != c.shape:
            raise ValueError(f"output {i}: .tflite shape {list(c.shape)} vs ONNX {list(r.shape)}")
        if not np.isfinite(c).all() and not np.array_equal(np.isfinite(c), np.isfinite(r)):
            s["nonFinite"] = True
        ok = np.isfinite(r) & np.isfinite(c)
        r, c = r[ok], c[ok]
        s["signal"] += float((r * r).sum())
        s["noise"] += float(((r - c) ** 2).sum())
        s["dot"] += float((r * c).sum())
        s["cand"] += float((c * c).sum())
        s["maxAbs"] = max(s["maxAbs"], float(np.abs(r - c).max(initial=0.0)))
        if s["classification"]:
            s["agree"] += int((ref.argmax(1) == cand.argmax(1)).sum())
            s["rows"] += ref.shape[0]

    def result(self) -> list[dict]:
        out = []
        for i, s in sorted(self.sums.items()):
            sqnr = float("inf") if s["noise"] == 0 else 10 * np.log10(s["signal"] / s["noise"]) if s["signal"] > 0 else float("-inf")
            entry = {"sqnrDb": float("-inf") if s["nonFinite"] else float(sqnr),
                     "cosine": float(s["dot"] / np.sqrt(s["signal"] * s["cand"])) if s["signal"] * s["cand"] > 0 else 1.0,
                     "maxAbs": float("inf") if s["nonFinite"] else s["maxAbs"]}
            if s["classification"]:
                entry["top1Agreement"] = s["agree"] / s["rows"]
            out.append(entry)
        return out


def run_samples(path: str, samples: list[list[np.ndarray]], onnx_names: list[str], resolver, mode: str, threads: int | None):
    """Runs the .tflite once per sample (one interpreter); float outputs in the model's own layout."""
    interp, details, order = open_interpreter(path, onnx_names, resolver, threads)
    out_details = interp.get_output_details()
    for inputs in samples:
        if len(details) != len(inputs):
            raise ValueError(f"the .tflite has {len(details)} inputs, the ONNX model {len(inputs)}")
        for onnx_i, det_i in enumerate(order):
            x = inputs[onnx_i]
            if wants_nhwc(x.shape, details[det_i]["shape"], mode):
                x = to_nhwc(x)
            interp.set_tensor(details[det_i]["index"], to_model_input(x, details[det_i]))
        interp.invoke()
        yield [from_model_output(interp.get_tensor(d["index"]), d) for d in out_details]


def verify_quality(onnx_path: str, tflite_path: str, input_paths: list[str], nhwc: str = "auto",
                   resolvers: str = "auto,builtin,ref", min_agreement: float = 0.98, min_sqnr: float | None = None,
                   threads: int | None = None) -> dict:
    """A quantized .tflite against the float ONNX model over S samples (leading axis of each input .npy)."""
    stacks = [np.load(p) for p in input_paths]
    samples = [[st[k] for st in stacks] for k in range(stacks[0].shape[0])]
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    refs = [sess.run(None, dict(zip(names, sample))) for sample in samples]
    del sess
    result = {"samples": len(samples), "resolvers": {}, "onnxruntime": ort.__version__,
              "thresholds": {"minAgreement": min_agreement, **({"minSqnr": min_sqnr} if min_sqnr is not None else {})}}
    for key in resolvers.split(","):
        try:
            q = Quality()
            for ref, outs in zip(refs, run_samples(tflite_path, samples, names, RESOLVERS[key], nhwc, threads)):
                if len(outs) != len(ref):
                    raise ValueError(f"the .tflite has {len(outs)} outputs, the ONNX model {len(ref)}")
                for i, (r, o) in enumerate(zip(ref, outs)):
                    q.add(i, r, to_nchw(o) if r.ndim == 4 and wants_nhwc(r.shape, o.shape, nhwc) else o)
            outputs = q.result()
            ok = all(o["maxAbs"] != float("inf") and o.get("top1Agreement", 1.0) >= min_agreement
                     and (min_sqnr is None or o["sqnrDb"] >= min_sqnr) for o in outputs)
            entry = {"outputs": outputs, "pass": ok}
        except Exception as err:  # a prepare/allocation failure is a verification failure, reported
            entry = {"pass": False, "error": f"{type(err).__name__}: {err}"}
        result["resolvers"][key] = entry
    result["pass"] = all(e["pass"] for e in result["resolvers"].values())
    return result


def finite(v):
    """JSON has no Infinity/NaN: a non-finite error becomes null (and its pass is already false)."""
    if isinstance(v, float) and not np.isfinite(v):
        return None
    if isinstance(v, dict):
        return {k: finite(x) for k, x in v.items()}
    if isinstance(v, list):
        return [finite(x) for x in v]
    return v


def verify(onnx_path: str, tflite_path: str, input_paths: list[str], nhwc: str = "auto",
           resolvers: str = "auto,builtin,ref", torch_output: str | None = None, threads: int | None = None) -> dict:
    """One ONNX/.tflite pair on the same inputs: per resolver max abs error, pass, ops or error."""
    inputs = [np.load(p) for p in input_paths]
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    ref = sess.run(None, dict(zip(names, inputs)))
    del sess
    onnx_out_shapes = [r.shape for r in ref]
    max_ref = max(float(np.nanmax(np.abs(r), initial=0.0)) for r in ref)
    tolerance = 1e-4 * max(1.0, max_ref)
    torch_ref = np.load(torch_output) if torch_output else None

    result = {"maxRef": max_ref, "tolerance": tolerance, "resolvers": {}, "onnxruntime": ort.__version__}
    for key in resolvers.split(","):
        try:
            outs, ops = run_tflite(tflite_path, inputs, names, RESOLVERS[key], nhwc, threads)
            outs = [to_nchw(o) if len(s) == 4 and wants_nhwc(s, o.shape, nhwc) else o
                    for o, s in zip(outs, onnx_out_shapes)]
            if len(outs) != len(ref):
                raise ValueError(f"the .tflite has {len(outs)} outputs, the ONNX model {len(ref)}")
            max_abs = compare(ref, outs)
            entry = {"maxAbs": max_abs, "maxRel": max_abs / max(max_ref, 1e-12), "pass": max_abs <= tolerance, "ops": ops}
            if torch_ref is not None:
                entry["vsTorchMaxAbs"] = compare([torch_ref], [outs[0]])
        except Exception as err:  # a prepare/allocation failure is a verification failure, reported
            entry = {"maxAbs": float("inf"), "maxRel": float("inf"), "pass": False, "error": f"{type(err).__name__}: {err}"}
        result["resolvers"][key] = entry
    if torch_ref is not None:
        result["onnxVsTorchMaxAbs"] = compare([torch_ref], [ref[0]])
    result["maxAbs"] = max(e["maxAbs"] for e in result["resolvers"].values())
    result["maxRel"] = result["maxAbs"] / max(max_ref, 1e-12)
    result["pass"] = all(e["pass"] for e in result["resolvers"].values())
    return result


def run_jobs(path: str) -> None:
    """Many pairs in one interpreter (one start-up): one JSON line per job, in order, flushed as it ends."""
    with open(path) as f:
        jobs = json.load(f)
    for job in jobs:
        try:
            if job.get("quality"):
                result = verify_quality(job["onnx"], job["tflite"], job["inputs"], job.get("nhwc", "auto"),
                                        job.get("resolvers", "auto,builtin,ref"), job.get("minAgreement", 0.98),
                                        job.get("minSqnr"), job.get("threads"))
            else:
                result = verify(job["onnx"], job["tflite"], job["inputs"], job.get("nhwc", "auto"),
                                job.get("resolvers", "auto,builtin,ref"), job.get("torchOutput"), job.get("threads"))
        except Exception as err:  # onnxruntime refusing the model, a missing file: this job's result
            result = {"pass": False, "error": f"{type(err).__name__}: {err}", "resolvers": {}}
        result["id"] = job["id"]
        sys.stdout.write(json.dumps(finite(result)) + "\n")
        sys.stdout.flush()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", help="JSON file: [{id, onnx, tflite, inputs, torchOutput?, nhwc?, resolvers?, threads?, quality?, minAgreement?, minSqnr?}]")
    ap.add_argument("--onnx")
    ap.add_argument("--tflite")
    ap.add_argument("--inputs", nargs="+")
    ap.add_argument("--nhwc", default="auto", choices=["auto", "yes", "no"])
    ap.add_argument("--resolvers", default="auto,builtin,ref")
    ap.add_argument("--torch-output", help="PyTorch's own output (.npy) to compare the .tflite with as well")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--quality", action="store_true", help="judge a quantized .tflite: inputs hold samples on a leading axis")
    ap.add_argument("--min-agreement", type=float, default=0.98)
    ap.add_argument("--min-sqnr", type=float, default=None)
    args = ap.parse_args()
    if args.jobs:
        run_jobs(args.jobs)
        return
    if not (args.onnx and args.tflite and args.inputs):
        ap.error("--onnx, --tflite and --inputs are required (or --jobs FILE)")
    if args.quality:
        result = verify_quality(args.onnx, args.tflite, args.inputs, args.nhwc, args.resolvers,
                                args.min_agreement, args.min_sqnr, args.threads)
    else:
        result = verify(args.onnx, args.tflite, args.inputs, args.nhwc, args.resolvers, args.torch_output, args.threads)
    json.dump(finite(result), sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
