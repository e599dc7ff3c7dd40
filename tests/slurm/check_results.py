#!/usr/bin/python3
"""check_results.py RUNS EVALS DIR [BEFORE_DIR] — checks a store exported with `t2 export --csv`:
exactly RUNS training results and EVALS eval results, each job present once (no duplicate
index, no duplicate (N, D, replicate) or (run, task)); with BEFORE_DIR (an export taken earlier
of the same store), every result it held is still there with identical values: resume lost
nothing and reran nothing that was done. Prints one line; exit 1 with the reason otherwise."""
import csv
import sys


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def fail(msg):
    print(f"check_results: FAIL: {msg}")
    sys.exit(1)


def unique(items, key, what):
    seen = {}
    for r in items:
        k = tuple(r[c] for c in key)
        if k in seen:
            fail(f"{what} {k} appears twice (index {seen[k]} and {r['index']})")
        seen[k] = r["index"]


def main():
    want_runs, want_evals, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    runs, evals = rows(f"{out}/runs.csv"), rows(f"{out}/evals.csv")
    # schemas/columns.md: a run's index is the column run, an eval's the column eval.
    for r in runs:
        r["index"] = r["run"]
    for e in evals:
        e["index"] = e["eval"]
    if len(runs) != want_runs:
        fail(f"{len(runs)} training results in runs.csv, expected {want_runs}")
    if len(evals) != want_evals:
        fail(f"{len(evals)} eval results in evals.csv, expected {want_evals}")
    unique(runs, ["index"], "run index")
    unique(runs, ["N_planned", "D_planned", "replicate"], "run (N, D, replicate)")
    unique(evals, ["index"], "eval index")
    unique(evals, ["run", "task"], "eval (run, task)")
    kept = 0
    if len(sys.argv) > 4:
        by_index = {r["index"]: r for r in runs}
        for r in rows(f"{sys.argv[4]}/runs.csv"):
            r["index"] = r["run"]
            now = by_index.get(r["index"])
            if now is None:
                fail(f"run {r['index']} was done before and is missing now")
            for col in ("N_planned", "D_planned", "replicate", "loss", "seed"):
                if now[col] != r[col]:
                    fail(f"run {r['index']}: {col} was {r[col]}, now {now[col]} (a done job ran again?)")
            kept += 1
        evals_by_index = {e["index"]: e for e in evals}
        for e in rows(f"{sys.argv[4]}/evals.csv"):
            e["index"] = e["eval"]
            now = evals_by_index.get(e["index"])
            if now is None or now["pass@1"] != e["pass@1"] or now["mean_nll"] != e["mean_nll"]:
                fail(f"eval {e['index']} done before is missing or changed")
            kept += 1
    print(f"check_results: ok: {len(runs)} runs, {len(evals)} evals, each once"
          + (f"; {kept} results done before the interruption kept unchanged" if len(sys.argv) > 4 else ""))


main()
