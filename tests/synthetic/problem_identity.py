"""problem_identity.py — v2 synthetic truth at the boundary: the same sweep under `mpirun -np 3`
and in one process stores identical results, and in the exported HDF5 (read with h5py, no t2
code) every run's gold-answer NLL of problem i implies the same latent difficulty b_i (the
problem is the same problem in every run and on every rank); the sampled outcomes agree with
p = exp(-NLL)."""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.environ["SOURCE_DIR"], "tests", "e2e"))
from e2e_util import *  # noqa: E402,F403

import h5py  # noqa: E402

SLOPE = 5.0
CONFIG = """[sweep]
name = "identity"
store = "{store}"
seed = 11
progress_interval = 1
[grid]
n = {{ from = 5e6, to = 5e8, steps = 3 }}
isoflop = {{ from = 1e17, to = 1e19, steps = 3 }}
[design]
batch_size = 4
[eval]
tasks = ["arithmetic", "spatial"]
problems = 48
samples = 64
[workload]
backend = "synthetic"
[workload.synthetic]
truth = "irt"
slope = {slope}
nll_noise = 0
"""

work = tmpdir("identity")
stores = {}
for ranks in (0, 3):
    store = os.path.join(work, f"s{ranks}.h5")
    cfg = write_config(os.path.join(work, f"s{ranks}.toml"), CONFIG.format(store=store, slope=SLOPE))
    t2("run", cfg, "--quiet", mpi=ranks)
    stores[ranks] = store
check(canonical_export(stores[0], work) == canonical_export(stores[3], work),
      "one process and mpirun -np 3 store identical runs and evals")

out = os.path.join(work, "export.h5")
t2("export", stores[3], "--out", out)
hoffmann = lambda n, d: 1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28  # the default loss law
with h5py.File(out, "r") as f:
    ev = f["evals"]
    difficulty = {}  # task -> list of per-eval difficulty vectors
    hits = expected = var = 0.0
    for row in range(len(ev["eval"][()])):
        task = ev["task"][row].decode() if isinstance(ev["task"][row], bytes) else ev["task"][row]
        idx = int(ev["eval"][row])
        nll = f[f"outcomes/{idx:06d}/nll"][()]
        correct = f[f"outcomes/{idx:06d}/correct"][()]
        loss = hoffmann(float(ev["N"][row]), float(ev["D"][row]))
        # nll = softplus(-x), x = slope * (-loss - b)  =>  b = -loss - logit(p) / slope
        b = []
        for i, v in enumerate(nll):
            check(math.isfinite(v) and v >= 0, f"eval {idx} problem {i}: NLL {v} is finite and >= 0")
            p = math.exp(-v)
            logit = -math.log(math.expm1(v)) if v > 1e-12 else 30.0
            if 1e-12 < v < 30:  # away from p = 1 and from float underflow of expm1's inverse
                b.append((i, -loss - logit / SLOPE))
            hits += float(correct[i].sum())
            expected += p * correct.shape[1]
            var += p * (1 - p) * correct.shape[1]
        difficulty.setdefault(task, []).append(dict(b))
    for task, per_eval in difficulty.items():
        check(len(per_eval) == 9, f"{task}: 9 evals, got {len(per_eval)}")
        for i in range(48):
            seen = [d[i] for d in per_eval if i in d]
            check(len(seen) >= 2, f"{task} problem {i} readable in at least two runs")
            check(max(seen) - min(seen) < 1e-6, f"{task} problem {i}: the same difficulty in every run: {seen}")
    a = [difficulty["arithmetic"][0].get(i) for i in range(48)]
    s = [difficulty["spatial"][0].get(i) for i in range(48)]
    check(sum(1 for x, y in zip(a, s) if x is not None and y is not None and abs(x - y) > 1e-3) > 20,
          "the two tasks have different problems")
    z = (hits - expected) / math.sqrt(var)
    check(abs(z) < 5, f"correct samples agree with p = exp(-NLL): {hits} vs {expected:.1f} expected (z = {z:.2f})")
print("ok")
