#!/usr/bin/env python3
"""The paper-regime grid no longer plans absurd points (issue 9): on examples/synthetic.toml (12
sizes 5M-900M x 12 isoFLOP levels 1.25e16..2.56e19, v2 truth) the plan at the smallest budget of
the paper's isoFLOP grid (C_train = 1.25e16, C_inf = 2e9, paper §4.1) has D/N >= 1 for every
accuracy-law path, and its predicted pass@k stays within a factor of the truth's own score at
the planned point (the cancellation in log B(a, b+k) - log B(a, b) once planned N = 474M at
D/N = 0.009 with predicted pass@k 0.39 against a true 4e-5).

usage: paper_regime_plan_test.py T2_BINARY SOURCE_DIR"""
import json
import os
import subprocess
import sys
import tempfile

T2, SRC = sys.argv[1], sys.argv[2]
failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def t2(*args, ok=(0,)):
    r = subprocess.run([T2, *args], capture_output=True, text=True)
    if r.returncode not in ok:
        print(r.stdout, r.stderr)
        sys.exit(f"t2 {' '.join(args)} exited {r.returncode}")
    return r.stdout


with tempfile.TemporaryDirectory() as tmp:
    store = os.path.join(tmp, "paper.h5")
    t2("run", os.path.join(SRC, "examples", "synthetic.toml"), "--store", store, "--quiet")
    for flags in (["--law", "t2-accuracy", "--method", "two_stage"],
                  ["--law", "t2-accuracy", "--method", "beta_binomial"],
                  ["--law", "t2-accuracy", "--lhat", "train_loss", "--method", "two_stage"],
                  []):
        name = " ".join(flags) or "--law auto (default)"
        # exit 1 is allowed: a plan may raise warnings (e.g. extrapolation); the rows are checked.
        j = json.loads(t2("plan", store, "--task", "arithmetic", "--train-budget", "1.25e16",
                          "--inference-budget", "2e9", "--json", *flags, ok=(0, 1)))
        best = j["plan"]["best"]
        check(best is not None, f"{name}: the plan is feasible")
        if best is None:
            continue
        tpp = best["D"] / best["N"]
        check(tpp >= 1, f"{name}: D/N = {tpp:.3g} >= 1 (N = {best['N']:.3g})")
        if "truth" in j:
            at_plan = j["truth"]["score_at_plan"]
            check(best["score"] <= 10 * at_plan + 1e-3,
                  f"{name}: predicted pass@k {best['score']:.3g} not above 10x the truth's {at_plan:.3g} there")
print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
