"""LiteRT latency of several .tflite files, measured the same way for each (tools venv, ai_edge_litert).

For each thread count, every model gets its own Interpreter(num_threads=N) (default op resolver:
builtin kernels + XNNPACK, what an app gets), a few warm-up invokes, then `runs` rounds; a round
invokes every model once, in an order rotated by one each round (A B C, B C A, C A B, ...), so
load from other processes on a shared machine hits every model alike and no model always runs
right after the same neighbour (whose cache footprint it would inherit).

Reported per model and thread count: median, p10, p90 and min of invoke() wall time in ms, and the
calling thread's CPU time of invoke() (median; with 1 thread it is the kernels' own work, which
other processes' load does not stretch). With --pairs BASE, also the per-round ratios
model / BASE (both measured in the same round): their median, p10, p90 and a 95 % bootstrap
interval of the median (lo, hi), the fairest ratio under load. --raw adds every round's wall times.
--instances K gives every model K Interpreters, each invoked once per round, and takes a model's round time as
their mean: two Interpreters of one file differ by up to ~0.7 % (where their buffers land: an A/A pair of
TensorFlow's FBNet file measured 0.993-1.001), a bias that a single instance per file carries into every ratio. Also per model: how many of its operators XNNPACK
takes (an Interpreter with delegate node fusion off gives one delegate node per delegated operator).

usage: python litert_latency.py --runs 50 --threads 1,2 [--instances K] [--pairs NAME] [--raw] NAME=PATH [NAME=PATH ...]   -> JSON on stdout
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def stats(a: np.ndarray) -> dict:
    return {"median": float(np.median(a)), "p10": float(np.percentile(a, 10)), "p90": float(np.percentile(a, 90))}


def median_interval(a: np.ndarray, resamples: int = 2000) -> tuple[float, float]:
    """95 % interval of the median of `a` by a seeded bootstrap over its elements (rounds)."""
    rng = np.random.default_rng(20261201)
    medians = np.median(a[rng.integers(0, len(a), size=(resamples, len(a)))], axis=1)
    return float(np.percentile(medians, 2.5)), float(np.percentile(medians, 97.5))


def delegated(path: str) -> dict:
    it = Interpreter(model_path=path, num_threads=1, experimental_disable_delegate_node_fusion=True)
    it.allocate_tensors()
    nodes = [o["op_name"] for o in it._get_ops_details()]
    n_delegate = sum(1 for n in nodes if n == "DELEGATE")
    return {"ops": len(nodes) - n_delegate, "xnnpack_ops": n_delegate}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--pairs", action="append", default=[],
                    help="BASE or NAME:BASE; per-round ratios of NAME (default: every other model) over BASE")
    ap.add_argument("--instances", type=int, default=1, help="Interpreters per model, each invoked once per round")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()
    models = dict(m.split("=", 1) for m in args.models)
    names = list(models)
    rng = np.random.default_rng(0)
    result: dict = {name: {"delegation": delegated(path)} for name, path in models.items()}
    for threads in [int(t) for t in args.threads.split(",")]:
        # slots: (model, instance); a round invokes every slot once, in an order rotated by one each round
        slots = []
        interps = {}
        for name, path in models.items():
            for i in range(args.instances):
                it = Interpreter(model_path=path, num_threads=threads)
                it.allocate_tensors()
                for d in it.get_input_details():
                    it.set_tensor(d["index"], rng.standard_normal(d["shape"]).astype(d["dtype"]))
                for _ in range(args.warmup):
                    it.invoke()
                interps[(name, i)] = it
                slots.append((name, i))
        wall = {name: [] for name in names}
        cpu = {name: [] for name in names}
        for r in range(args.runs):
            k = r % len(slots)
            round_wall = {name: 0.0 for name in names}
            round_cpu = {name: 0.0 for name in names}
            for slot in slots[k:] + slots[:k]:
                it = interps[slot]
                c0 = time.thread_time()
                t0 = time.perf_counter()
                it.invoke()
                t1 = time.perf_counter()
                round_cpu[slot[0]] += (time.thread_time() - c0) * 1000 / args.instances
                round_wall[slot[0]] += (t1 - t0) * 1000 / args.instances
            for name in names:
                wall[name].append(round_wall[name])
                cpu[name].append(round_cpu[name])
        for name in names:
            a = np.array(wall[name])
            entry = {
                "runs": len(a), "instances": args.instances, "median_ms": float(np.median(a)),
                "p10_ms": float(np.percentile(a, 10)), "p90_ms": float(np.percentile(a, 90)), "min_ms": float(a.min()),
                "thread_cpu_median_ms": float(np.median(cpu[name])),
            }
            if args.raw:
                entry["times_ms"] = [round(x, 4) for x in wall[name]]
            result[name][str(threads)] = entry
        for spec in args.pairs:
            num, base = spec.split(":", 1) if ":" in spec else (None, spec)
            for name in ([num] if num else [n for n in names if n != base]):
                ratio = np.array(wall[name]) / np.array(wall[base])
                lo, hi = median_interval(ratio)
                result[name][str(threads)].setdefault("paired", {})[base] = {**stats(ratio), "lo": lo, "hi": hi}
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
