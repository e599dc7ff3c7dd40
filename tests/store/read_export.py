#!/usr/bin/python3
"""Reads a t2 export and its store with programs other than t2: h5py and the csv module.

usage: read_export.py STORE_EXPORT_FIXTURE OUTDIR
Runs the fixture (which writes OUTDIR/{store.h5, export.h5, csv/, expected.json}), then
recomputes pass@k from the raw outcomes with math.comb and checks the HDF5 export, the CSVs
and the store's own tables against it. Exits non-zero with a message on the first mismatch.
"""
import csv
import json
import math
import subprocess
import sys

import h5py
import numpy as np


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def close(a, b, what):
    a, b = float(a), float(b)
    if math.isnan(b):
        check(math.isnan(a), f"{what}: {a} should be NaN")
    else:
        check(abs(a - b) <= 1e-12 * max(1.0, abs(b)), f"{what}: {a} != {b}")


def pass_at_k(n, c, k):
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def main():
    fixture, out = sys.argv[1], sys.argv[2]
    subprocess.run([fixture, out], check=True)
    exp = json.load(open(f"{out}/expected.json"))
    ks = exp["k"]
    runs = {r["index"]: r for r in exp["runs"]}

    # What each done eval's pass@k must be, from the raw 0/1 outcomes and NLLs.
    want = {}
    for e in exp["evals"]:
        n, p = e["samples"], e["problems"]
        m = np.array(e["correct"], dtype=np.uint8).reshape(p, n)
        counts = m.sum(axis=1)
        row = {"matrix": m, "mean_nll": float(np.mean(e["nll"]))}
        for k in ks:
            row[f"pass@{k}"] = float(np.mean([pass_at_k(n, int(c), k) for c in counts])) if k <= n else math.nan
            row[f"mean_pass@{k}"] = float(np.mean([1.0 - (1.0 - math.exp(-x)) ** k for x in e["nll"]]))
        row["loss"] = runs[e["run"]]["loss"]
        # schemas/columns.md: N and D as the worker reported them, else as planned
        run = runs[e["run"]]
        row["N"] = run["params"] if run["params"] > 0 else run["n_params"]
        row["D"] = run["tokens_seen"] if run["tokens_seen"] > 0 else run["n_tokens"]
        row["task"] = e["task"]
        want[e["index"]] = row

    # --- the HDF5 export, with h5py ---
    with h5py.File(f"{out}/export.h5", "r") as f:
        check(list(f["k"][()]) == ks, f"/k is {list(f['k'][()])}, expected {ks}")
        check(f.attrs["export_schema_version"] == 2, "export_schema_version")
        check("name = \"export\"" in f.attrs["config"], "config attribute")
        cols = {k: f["evals"][k][()] for k in f["evals"]}
        lengths = {len(v) for v in cols.values()}
        check(lengths == {len(want)}, f"/evals columns have lengths {lengths}, expected {len(want)}")
        for i, idx in enumerate(cols["eval"]):
            w = want[int(idx)]
            for k in ks:
                close(cols[f"pass@{k}"][i], w[f"pass@{k}"], f"export.h5 eval {idx} pass@{k}")
                close(cols[f"mean_pass@{k}"][i], w[f"mean_pass@{k}"], f"export.h5 eval {idx} mean_pass@{k}")
            close(cols["loss"][i], w["loss"], f"export.h5 eval {idx} loss")
            close(cols["mean_nll"][i], w["mean_nll"], f"export.h5 eval {idx} mean_nll")
            task = f["evals"]["task"].asstr()[i]  # h5py returns string datasets as bytes unless asked
            check(task == w["task"], f"export.h5 eval {idx} task {task!r}")
            m = f["outcomes"][f"{int(idx):06d}"]["correct"][()]
            check(m.dtype == np.uint8 and np.array_equal(m, w["matrix"]), f"export.h5 outcomes of eval {idx}")
        rcols = {k: f["runs"][k][()] for k in f["runs"]}
        check(sorted(int(i) for i in rcols["run"]) == sorted(runs), "export.h5 /runs holds the done runs only")

    # --- the CSVs, with the csv module ---
    with open(f"{out}/csv/evals.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    check(len(rows) == len(want), f"evals.csv has {len(rows)} rows, expected {len(want)}")
    for row in rows:
        w = want[int(row["eval"])]
        check(row["task"] == w["task"], f"evals.csv task {row['task']!r}")
        for k in ks:
            close(float(row[f"pass@{k}"]), w[f"pass@{k}"], f"evals.csv eval {row['eval']} pass@{k}")
            close(float(row[f"mean_pass@{k}"]), w[f"mean_pass@{k}"], f"evals.csv eval {row['eval']} mean_pass@{k}")
        for col in ("loss", "N", "D"):
            close(float(row[col]), w[col], f"evals.csv eval {row['eval']} {col}")
    with open(f"{out}/csv/runs.csv", newline="") as fh:
        rrows = list(csv.DictReader(fh))
    check(sorted(int(r["run"]) for r in rrows) == sorted(runs), "runs.csv holds the done runs only")
    for r in rrows:
        close(float(r["loss"]), runs[int(r["run"])]["loss"], f"runs.csv run {r['run']} loss")

    # --- the store itself: every table is a dict of equal-length columns (a DataFrame) ---
    with h5py.File(f"{out}/store.h5", "r") as f:
        check(f.attrs["schema_version"] == 1 and f.attrs["syncing"] == 0, "store root attributes")
        check(f.attrs["journal_records"] > 0, "journal_records")
        for table, n in (("runs", exp["store_runs"]), ("evals", exp["store_evals"])):
            cols = {k: f[table][k][()] for k in f[table]}
            lengths = {len(v) for v in cols.values()}
            check(lengths == {n}, f"store /{table} column lengths {lengths}, expected {n}")
        states = [s.decode() if isinstance(s, bytes) else s for s in f["runs"]["state"][()]]
        check(states.count("failed") == 1 and states.count("done") == len(runs), f"store run states {states}")
        check(f["run_curves"]["loss"].shape[0] == exp["store_runs"], "run_curves rows")
        for idx, w in want.items():
            check(np.array_equal(f["outcomes"][f"{idx:06d}"]["correct"][()], w["matrix"]), f"store outcomes {idx}")
    print(f"ok: {len(want)} evals, {len(runs)} runs, k = {ks}")


if __name__ == "__main__":
    main()
