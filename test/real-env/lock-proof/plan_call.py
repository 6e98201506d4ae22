"""Runs a lock plan's own Python call on FBNet-A: builds the model from scripts/models (the structure file and
the seed the model cache used), loads the cached weights, checks it reproduces the cached PyTorch output, then
executes CALL (the plan's "# export with:" or "# convert with:" line) in WORKDIR with `model`, `args` and
`sample_args` = (x,) bound. Prints one JSON line: seconds the call took, and the rebuilt model's difference
from the cached output.
usage: python plan_call.py WEIGHTS.npz INPUT.npy TORCH_OUTPUT.npy WORKDIR CALL"""
import importlib
import json
import os
import sys
import time
import warnings

warnings.filterwarnings("ignore")
here = os.path.dirname(os.path.abspath(__file__))
models_dir = os.path.join(here, "..", "..", "..", "scripts", "models")
sys.path.insert(0, models_dir)

import numpy as np  # noqa: E402
import torch  # noqa: E402

from fbnet import fbnet_from_file  # noqa: E402

weights_path, input_path, torch_path, work, call = sys.argv[1:6]
model = fbnet_from_file(os.path.join(models_dir, "structures", "fbnet_a.txt"), 1)
weights = np.load(weights_path)
model.load_state_dict({k: torch.from_numpy(weights[k]) for k in weights.files})
model.eval()
x = torch.from_numpy(np.load(input_path))
with torch.no_grad():
    rebuilt_diff = float(np.max(np.abs(model(x).numpy() - np.load(torch_path))))

namespace = {"torch": torch, "model": model, "args": (x,), "sample_args": (x,)}
for module in ("litert_torch",):
    if module in call:
        namespace[module] = importlib.import_module(module)
os.chdir(work)
t0 = time.perf_counter()
exec(call, namespace)  # noqa: S102 - the plan's own call, written by tfdoctor lock
print(json.dumps({"seconds": round(time.perf_counter() - t0, 2), "rebuilt_diff": rebuilt_diff,
                  "torch": torch.__version__, "files": sorted(os.listdir(work))}))
