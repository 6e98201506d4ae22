"""Load one .tflite in ai_edge_litert and invoke it K times on seeded inputs (nothing timed).

bench/instructions.mjs runs this under valgrind's callgrind, counting only inside
tflite::Subgraph::Invoke(), once with K = 1 and once with K = 1 + N: the difference is N warm invokes'
instructions, free of start-up, model loading and the first invoke's one-off work.

usage: python litert_invoke.py MODEL.tflite K [--threads 1]
"""
from __future__ import annotations

import argparse

import numpy as np
from ai_edge_litert.interpreter import Interpreter


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("invokes", type=int)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    it = Interpreter(model_path=args.model, num_threads=args.threads)
    it.allocate_tensors()
    rng = np.random.default_rng(0)
    for d in it.get_input_details():
        it.set_tensor(d["index"], rng.standard_normal(d["shape"]).astype(d["dtype"]))
    for _ in range(args.invokes):
        it.invoke()


if __name__ == "__main__":
    main()
