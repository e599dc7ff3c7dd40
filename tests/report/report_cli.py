#!/usr/bin/python3
"""report_cli.py — `t2 report` as a user runs it: a synthetic sweep, then the report with
--task, the PNGs beside the SVGs, the figures it did not draw and why, bad flags, and a store
made by `t2 import` (no config, no [target]). Needs T2 and SOURCE_DIR (set by ctest)."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

# fail, check and t2 (run the binary, exit code checked) are the e2e tests' own (tests/e2e/e2e_util.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from e2e_util import T2, check, fail, t2  # noqa: E402

SOURCE = os.environ["SOURCE_DIR"]


work = tempfile.mkdtemp(prefix="t2-report-cli-")
store = os.path.join(work, "sweep.h5")
text = open(os.path.join(SOURCE, "examples", "synthetic.toml")).read()
text = re.sub(r"(?m)^store = .*$", f'store = "{store}"', text).replace("steps = 6", "steps = 4")
open(os.path.join(work, "sweep.toml"), "w").write(text)
t2("run", os.path.join(work, "sweep.toml"), "--quiet")

out = os.path.join(work, "report")
p = t2("report", store, "--out", out, "--task", "spatial", "--bootstrap", "8", "--threads", "2")
check("5 figures (SVG and PNG)" in p.stdout, f"report says what it wrote: {p.stdout}")
check("not drawn: history: only the adaptive design" in p.stdout, f"and what it did not draw, and why: {p.stdout}")
for name in ("loss_vs_d", "isoflop", "pass_at_k_spatial", "frontier_n_spatial", "tokens_per_param_spatial"):
    for ext in ("svg", "png"):
        path = os.path.join(out, f"{name}.{ext}")
        check(os.path.getsize(path) > 2000, f"{path} written")
check(not os.path.exists(os.path.join(out, "pass_at_k_arithmetic.svg")), "--task spatial draws spatial only")
check(not os.path.exists(os.path.join(out, "history.svg")), "no empty history figure for a grid sweep")
index = open(os.path.join(out, "index.html")).read()
check("Plan for the store's [target]" in index and "T² optimum" in index, "the index holds the plan for [target]")

p = t2("report", store, "--out", out, "--task", "knowledge", check_rc=1)
check("--task knowledge" in p.stderr and "arithmetic, spatial" in p.stderr, f"unknown task named: {p.stderr}")
p = t2("report", store, "--out", out, "--bootstrap", "-1", check_rc=1)
check("--bootstrap -1" in p.stderr, f"bad --bootstrap named: {p.stderr}")

# A store made by t2 import has no config: figures and fits, no [target] plan.
t2("export", store, "--csv", os.path.join(work, "csv"))
imported = os.path.join(work, "imported.h5")
t2("import", os.path.join(work, "csv"), "--store", imported)
p = t2("report", imported, "--out", os.path.join(work, "report2"), "--no-png", "--bootstrap", "0", "--task", "arithmetic")
check("4 figures (SVG)" in p.stdout or "5 figures (SVG)" in p.stdout, f"imported store reported: {p.stdout}")
check(not os.path.exists(os.path.join(work, "report2", "loss_vs_d.png")), "--no-png writes no PNG")
check("No [target]" in open(os.path.join(work, "report2", "index.html")).read(), "the index says there is no [target]")
print("ok")
shutil.rmtree(work)  # kept when a check fails, for a look
