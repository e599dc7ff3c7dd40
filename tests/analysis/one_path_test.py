#!/usr/bin/env python3
"""One estimator, one answer (issue 9, item 2): on one adaptive synthetic sweep, the N* of
  - the last design document (the adaptive design's refit, orchestrator/design/refit.cpp),
  - `t2 plan STORE` with no budget flags (the store's [target]),
  - the closing plan that `t2 run` prints, and
  - the plan in `t2 report`'s index
are the same number when they use the same method: `t2 run`, `t2 plan` and `t2 report` all
default to --law auto; the design document is reproduced by `t2 plan --as-of-batch B` with the
design's estimator (the paper's fit: t2-accuracy, Lhat on the answer NLL, theta by two_stage)
on exactly the results the design saw when it planned batch B. Twice: with the paper's fit, and
with a local fit ([target] fit_locality, laws/locality.hpp), which every one of them must read
from the store's config without a flag.

usage: one_path_test.py T2_BINARY"""
import json
import os
import re
import subprocess
import sys
import tempfile

import h5py

T2 = sys.argv[1]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def t2(*args):
    r = subprocess.run([T2, *args], capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout, r.stderr)
        sys.exit(f"t2 {' '.join(args)} exited {r.returncode}")
    return r.stdout


def close(a, b, rel):
    return abs(a - b) <= rel * max(abs(a), abs(b))


CONFIG = """
[sweep]
name = "one-path"
store = "{store}"
seed = 11
[grid]
n = {{from = 1e7, to = 1e9, steps = 8}}
d = {{from = 1e8, to = 1e11, steps = 8}}
[design]
strategy = "adaptive"
first_batch = 12
batch_size = 8
ensemble = 16
stop_tolerance = 0.1
batches = 4
[eval]
problems = 128
samples = 32
[target]
train_budget = 1e19
inference_budget = 2e8
n_min = 1e7
n_max = 1e9
k_max = 1e6
fit_locality = {locality}
[workload]
backend = "synthetic"
[workload.synthetic]
loss_noise = 0.01
theta0 = 3.0
theta1 = 3.0
theta2 = 0.9
theta3 = 1.0
"""

for locality in (0, 0.5):
    print(f"-- [target] fit_locality = {locality}")
    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "s.h5")
        cfg = os.path.join(tmp, "s.toml")
        with open(cfg, "w") as f:
            f.write(CONFIG.format(store=store, locality=locality))

        run_out = t2("run", cfg)
        m = re.search(r"^\s*T2 optimum\s+N\s+(\S+)", run_out, re.M)
        check(m is not None, "t2 run prints a closing plan with a T2 optimum row")
        n_run = float(m.group(1)) if m else float("nan")

        plan = json.loads(t2("plan", store, "--json"))
        n_plan = plan["plan"]["best"]["N"]
        loc = plan["fit"]["accuracy"]["locality"]
        check((loc is not None) == (locality > 0) and (loc is None or loc["width_decades"] == locality),
              f"t2 plan STORE read the config's fit_locality {locality}: {loc}")
        check(close(n_run, n_plan, 1e-3), f"closing plan of t2 run N* {n_run:.6g} == t2 plan STORE N* {n_plan:.6g}")

        rep = os.path.join(tmp, "report")
        t2("report", store, "--out", rep, "--no-png", "--bootstrap", "0")
        html = open(os.path.join(rep, "index.html")).read()
        m = re.search(r"<tr><td>T² optimum</td><td>([^<]+)</td>", html)
        check(m is not None, "t2 report's index has the T² optimum row")
        n_report = float(m.group(1)) if m else float("nan")
        check(close(n_report, n_plan, 1e-3), f"t2 report N* {n_report:.6g} == t2 plan STORE N* {n_plan:.6g}")

        with h5py.File(store, "r") as h:
            docs = h["documents"]
            kinds = [k.decode() if isinstance(k, bytes) else k for k in docs["kind"][...]]
            texts = [j.decode() if isinstance(j, bytes) else j for j in docs["json"][...]]
        # A design document holds its batch's decision (schemas/design.md).
        design = [json.loads(t).get("decision", {}) for k, t in zip(kinds, texts) if k == "design"]
        with_opt = [d for d in design if "optimum" in d]
        check(len(with_opt) > 0, f"the adaptive design recorded an optimum ({len(design)} design documents)")
        if with_opt:
            last = with_opt[-1]
            b = last["batch"]
            n_design = last["optimum"]["n_star"]
            # The design plans D without bounds of its own (refit.cpp design_plan_bounds): give t2 plan the same.
            audit = json.loads(t2("plan", store, "--as-of-batch", str(b), "--law", "t2-accuracy",
                                  "--method", "two_stage", "--d-min", "1", "--d-max", "1e30", "--json"))
            n_audit = audit["plan"]["best"]["N"]
            check(close(n_design, n_audit, 1e-6),
                  f"last design document (batch {b}) N* {n_design:.6g} == t2 plan --as-of-batch {b} with its method {n_audit:.6g}")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
