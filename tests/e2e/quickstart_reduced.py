"""quickstart_reduced.py — the main job's config (examples/quickstart.toml) keeps the shape that
lets its data identify the laws (issue 10 item 4), and a reduced copy of it runs end to end
under `mpirun -np 3`: sweep, fit, plan and report, as scripts/run-quickstart.sh does.

The grid is enumerated here by the rule schemas/sweep-config.md documents (for each budget C
and size N, D = C / 6N, points outside the tokens-per-parameter filters dropped), independently
of t2's parser; `t2 validate` must agree on the number of points."""
import math
import os
import re
import tomllib

from e2e_util import *

CONFIG = os.path.join(SOURCE_DIR, "examples", "quickstart.toml")
with open(CONFIG, "rb") as f:
    cfg = tomllib.load(f)
grid, builtin, target, ev = cfg["grid"], cfg["workload"]["builtin"], cfg["target"], cfg["eval"]


def values(spec):
    """A grid axis: a list, or a log-spaced range with inclusive ends."""
    if isinstance(spec, list):
        return [float(v) for v in spec]
    a, b, s = float(spec["from"]), float(spec["to"]), int(spec["steps"])
    return [a * (b / a) ** (i / (s - 1)) for i in range(s)] if s > 1 else [a]


def points(grid):
    lo, hi = grid.get("min_tokens_per_param", 0), grid.get("max_tokens_per_param", 0)
    out = []
    for c in values(grid["isoflop"]):
        for n in values(grid["n"]):
            d = c / (6 * n)
            if (lo and d / n < lo) or (hi and d / n > hi):
                continue
            out.append((c, n, d))
    return out


# --- the config's shape -----------------------------------------------------------------------
check("isoflop" in grid, "the quickstart grid is laid out as isoFLOP slices")
pts = points(grid)
per_budget = {}
for c, n, d in pts:
    per_budget.setdefault(c, []).append(n)
full = [c for c, ns in per_budget.items() if len(ns) >= 4]
check(len(full) >= 3, f">= 3 budgets with >= 4 sizes each: {per_budget}")
ns = [n for _, n, _ in pts]
check(math.log10(max(ns) / min(ns)) >= 1.5, f"N spans >= 1.5 decades: {min(ns):g}..{max(ns):g}")
check(max(d / n for _, n, d in pts) >= 500, "some run is trained on >= 500 tokens per parameter")
# Past warm-up: every run takes enough optimiser steps that its loss is in the power-law regime
# (the threshold and why: the top comment of examples/quickstart.toml).
tokens_per_step = builtin["batch_rows"] * builtin["context"]
min_steps = min(d for _, _, d in pts) / tokens_per_step
check(min_steps >= 2000, f"every run takes >= 2000 optimiser steps: shortest {min_steps:.0f}")
check(ev["problems"] >= 256, f">= 256 held-out problems: {ev['problems']}")
c_max = max(per_budget)
check(c_max <= target["train_budget"] <= 2 * c_max,
      f"[target] train_budget {target['train_budget']:g} at or just above the largest budget {c_max:g}")
check(target.get("k_max", 0) > 0 and target.get("n_min", 0) > 0 and target.get("n_max", 0) > 0,
      "the planner bounds are given (so the plan can be checked against them)")

val = t2("validate", CONFIG)
m = re.search(r"(\d+) grid points", val.stdout)
check(m and int(m.group(1)) == len(pts), f"t2 validate counts {len(pts)} grid points:\n{val.stdout}")

# --- a reduced copy, end to end ---------------------------------------------------------------
# Budgets and the tokens-per-parameter filters scaled by the same factor keep the same cells of
# the grid (D/N = C / 6N² scales with C); fewer problems and samples keep the evals cheap.
SCALE = 1 / 40
work = tmpdir("quickstart")
store = os.path.join(work, "q.h5")
text = example("quickstart.toml", store)
lines = []
for line in text.splitlines():
    key = line.split("=")[0].strip()
    if key == "isoflop":
        line = "isoflop = [" + ", ".join(f"{c * SCALE:g}" for c in values(grid["isoflop"])) + "]"
    elif key in ("min_tokens_per_param", "max_tokens_per_param"):
        line = f"{key} = {grid[key] * SCALE:g}"
    elif key == "train_budget":
        line = f"train_budget = {target['train_budget'] * SCALE:g}"
    elif key == "problems":
        line = "problems = 64"
    elif key == "samples":
        line = "samples = 16"
    elif key == "k_max":
        line = "k_max = 16"
    lines.append(line)
reduced = write_config(os.path.join(work, "q.toml"), "\n".join(lines) + "\n")
run = t2("run", reduced, mpi=3, timeout=300)
jobs = 2 * len(pts)
check(f"{jobs}/{jobs} jobs done" in run.stdout, f"all {jobs} jobs of the reduced sweep done:\n{run.stdout}")
st = status(store)
check(st["train"]["failed"] == 0 and st["eval"]["failed"] == 0, f"no failures: {st}")
# The end of `t2 run`: the fitted law and the plan with both rows (what README command 1 shows).
check("law t2-accuracy" in run.stdout and re.search(r"^fit Lhat .*R\^2", run.stdout, re.M)
      and re.search(r"^fit theta .*rmse of pass@k", run.stdout, re.M),
      "t2 run ends with the fitted law, each stage's quality on its own line:\n" + run.stdout)
check(re.search(r"^hold-out ", run.stdout, re.M) is not None or "too few runs to select" in run.stdout,
      "t2 run checks the fit on held-out over-trained runs (or says the runs are too few):\n" + run.stdout)
check("T2 optimum" in run.stdout and "Chinchilla" in run.stdout, "t2 run ends with the plan:\n" + run.stdout)
# The gap between the two rows comes with its interval ([target] bootstrap), never bare.
check(re.search(r"^  T2 vs Chinchilla: .*bootstrap fits \[", run.stdout, re.M) is not None,
      "the T2-vs-Chinchilla gap is printed with its bootstrap interval:\n" + run.stdout)

# The trainer learnt something a sampler can show: pass@1 is neither 0 nor 1 everywhere.
csvdir = os.path.join(work, "csv")
t2("export", store, "--csv", csvdir)
p1 = [float(r["pass@1"]) for r in read_csv(os.path.join(csvdir, "evals.csv"))]
check(len(p1) == len(pts), f"one eval per run: {len(p1)}")
check(max(p1) > 0 and min(p1) < 1, f"pass@1 informative: {p1}")

report = os.path.join(work, "report")
t2("report", store, "--out", report)
check(os.path.exists(os.path.join(report, "index.html")), "t2 report writes index.html")
print("ok")
