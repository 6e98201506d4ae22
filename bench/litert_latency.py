"""LiteRT latency of several .tflite files, measured the same way for each (tools venv, ai_edge_litert).

For each thread count, every model gets its own Interpreter(num_threads=N) (default op resolver:
builtin kernels + XNNPACK, what an app gets), a few warm-up invokes, then `runs` timed invokes
interleaved one by one across models (A, B, C, A, B, C, ...), so load from other processes on a
shared machine hits every model alike. Reports the median, p10, p90 and min of invoke() wall time in ms. Inputs are seeded random float32.

usage: python litert_latency.py --runs 50 --threads 1,2 [--raw] NAME=PATH [NAME=PATH ...]   -> JSON on stdout
"""
from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--raw", action="store_true", help="also report every invoke's time (times_ms), for paired ratios")
    ap.add_argument("models", nargs="+")
    args = ap.parse_args()
    models = dict(m.split("=", 1) for m in args.models)
    rng = np.random.default_rng(0)
    result: dict = {}
    for threads in [int(t) for t in args.threads.split(",")]:
        interps = {}
        for name, path in models.items():
            it = Interpreter(model_path=path, num_threads=threads)
            it.allocate_tensors()
            for d in it.get_input_details():
                it.set_tensor(d["index"], rng.standard_normal(d["shape"]).astype(d["dtype"]))
            for _ in range(args.warmup):
                it.invoke()
            interps[name] = it
        times = {name: [] for name in models}
        for _ in range(args.runs):
            for name, it in interps.items():
                t0 = time.perf_counter()
                it.invoke()
                times[name].append((time.perf_counter() - t0) * 1000)
        for name, ts in times.items():
            a = np.array(ts)
            result.setdefault(name, {})[str(threads)] = {
                "runs": len(ts), "median_ms": float(np.median(a)),
                "p10_ms": float(np.percentile(a, 10)), "p90_ms": float(np.percentile(a, 90)), "min_ms": float(a.min()),
                **({"times_ms": [round(t, 4) for t in ts]} if args.raw else {}),
            }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
