"""concurrent_readers.py — h5py opens and reads the whole .h5 in a loop while a sweep writes it
(issue 12 item 12): every sync publishes a complete file by rename, so no open or read fails and
no row is torn (a `done` run has its loss, a `done` eval its outcome group of the planned shape).
The loop runs until the sweep exits and must have read the file many times."""
import os
import subprocess

import h5py
import numpy as np

from e2e_util import *

work = tmpdir("readers")
store = os.path.join(work, "r.h5")
# 96 runs + 192 evals with simulated durations (~12 ms to 1.2 s per training job), .h5 synced
# every 50 ms: a few seconds of sweep and about a hundred syncs.
cfg = write_config(os.path.join(work, "r.toml"), example("tests/e2e/small_sweep.toml", store, {
    'n = { from = 1e5, to = 1e7, steps = 6 }': 'n = { from = 1e5, to = 1e6, steps = 4 }',
    'd = { from = 1e7, to = 1e10, steps = 6 }': 'd = { from = 1e7, to = 1e8, steps = 4 }',
    'replicates = 2': 'replicates = 6',
    'batch_size = 24': 'batch_size = 16',
    'loss_noise = 0.01': 'loss_noise = 0.01\nflops_per_second = 1e15',
    'progress_interval = 1': 'progress_interval = 1\nsync_interval = 0.05',
}))


def read_all(path):
    """Reads every dataset a user would; returns (torn rows found, done jobs seen)."""
    torn = []
    with h5py.File(path, "r") as f:
        runs = {k: f["runs"][k][()] for k in f["runs"]}
        evals = {k: f["evals"][k][()] for k in f["evals"]}
        f["run_curves/loss"][()]
        f["batches/index"][()]
        f["documents/json"][()]
        done_runs = [i for i, s in enumerate(runs["state"]) if s == b"done"]
        for i in done_runs:
            if not np.isfinite(runs["loss"][i]) or not np.isfinite(runs["flops"][i]):
                torn.append(f"run {i} done with loss {runs['loss'][i]}")
        done_evals = [i for i, s in enumerate(evals["state"]) if s == b"done"]
        for i in done_evals:
            name = f"outcomes/{i:06d}"
            if name not in f:
                torn.append(f"eval {i} done without {name}")
                continue
            c = f[name + "/correct"][()]
            if c.shape != (evals["problems"][i], evals["samples"][i]) or not np.isfinite(evals["flops"][i]):
                torn.append(f"eval {i} done with {name}/correct of shape {c.shape}")
    return torn, len(done_runs) + len(done_evals)


p = subprocess.Popen([T2, "run", cfg, "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
reads, failures, torn, seen = 0, [], [], set()
while p.poll() is None:
    if not os.path.exists(store):
        continue  # created by rename: absent, then complete
    try:
        t, done = read_all(store)
        torn += t
        seen.add(done)
        reads += 1
    except Exception as e:  # an open or read that failed
        failures.append(repr(e))
out = p.communicate()[0]
check(p.returncode == 0, f"the sweep finished:\n{out}")
print(f"{reads} whole-file reads during the sweep, {len(seen)} distinct progress states, "
      f"{len(failures)} failed, {len(torn)} torn rows", flush=True)
check(not failures, f"every open and read succeeded: {failures[:5]}")
check(not torn, f"no torn rows: {torn[:5]}")
check(reads >= 20 and len(seen) >= 10, "the reader read the file many times while it grew")
t, done = read_all(store)
check(done == 288 and not t, f"the final file has all 288 jobs: {done}")
print("ok")
