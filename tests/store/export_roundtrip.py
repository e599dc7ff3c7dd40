#!/usr/bin/python3
"""export_roundtrip.py — the export as other programs and t2 itself read it back.

1. Every column of every exported table (CSV and HDF5) is in schemas/columns.md, and every
   documented column is in the tables the document names.
2. export -> `t2 import DIR` -> export: every column marked "kept" in schemas/columns.md is
   identical, row for row.
3. `t2 fit` of the export's results.csv gives the fit of the store itself.
4. `t2 import` refuses evals.csv (naming results.csv) and writes nothing; runs.csv imports runs.
5. The h5py + pandas snippet of schemas/export-layout.md, run as written, selects by task.

Needs T2 (the binary) and SOURCE_DIR in the environment (set by ctest).
"""
import csv
import json
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


def read_csv(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        header = next(r)
        return header, [dict(zip(header, row)) for row in r]


def vocabulary():
    """schemas/columns.md's table: column -> (set of tables, after-import)."""
    cols = {}
    for line in open(os.path.join(SOURCE, "schemas", "columns.md")):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0].startswith("`") and cells[0].endswith("`"):
            cols[cells[0].strip("`")] = ({t.strip() for t in cells[2].split(",")}, cells[4])
    check(len(cols) > 20, f"schemas/columns.md table not found ({len(cols)} rows read)")
    return cols


def documented(name, cols):
    """The vocabulary entry of a column name (pass@16 -> pass@k)."""
    generic = re.sub(r"@\d+$", "@k", name)
    check(generic in cols, f"column {name!r} is not in schemas/columns.md")
    return cols[generic]


KEYS = {"runs": ("run",), "evals": ("run", "task"), "results": ("run", "task", "problem")}


def main():
    work = tempfile.mkdtemp(prefix="t2-roundtrip-")
    store = os.path.join(work, "sweep.h5")
    text = open(os.path.join(SOURCE, "examples", "synthetic.toml")).read()
    text = re.sub(r'(?m)^store = .*$', f'store = "{store}"', text)
    # A smaller grid keeps the test fast; two tasks, replicates and several batches stay.
    text = text.replace("steps = 6", "steps = 3")
    cfg = os.path.join(work, "sweep.toml")
    open(cfg, "w").write(text)
    t2("run", cfg, "--quiet")
    cols = vocabulary()

    e1, e2 = os.path.join(work, "e1"), os.path.join(work, "e2")
    t2("export", store, "--csv", e1, "--out", os.path.join(work, "e1.h5"))
    imported = os.path.join(work, "imported.h5")
    p = t2("import", e1, "--store", imported)
    check("results.csv" in p.stdout, f"import names the file it read: {p.stdout}")
    t2("export", imported, "--csv", e2)

    # 1. the vocabulary, both ways
    seen = {}
    for table in ("runs", "evals", "results"):
        header, _ = read_csv(os.path.join(e1, f"{table}.csv"))
        for name in header:
            tables, _ = documented(name, cols)
            check(table in tables, f"{table}.csv has {name!r}, which schemas/columns.md gives to {sorted(tables)} only")
            seen.setdefault(table, set()).add(re.sub(r"@\d+$", "@k", name))
    for name, (tables, _) in cols.items():
        for table in tables:
            check(name in seen[table], f"schemas/columns.md puts {name!r} in {table}, but {table}.csv lacks it")
    import h5py
    with h5py.File(os.path.join(work, "e1.h5"), "r") as f:
        for table in ("runs", "evals"):
            header, _ = read_csv(os.path.join(e1, f"{table}.csv"))
            check(sorted(f[table].keys()) == sorted(header), f"/{table} datasets {sorted(f[table].keys())} != {table}.csv columns")

    # 2. the round trip
    for table in ("runs", "evals", "results"):
        h1, r1 = read_csv(os.path.join(e1, f"{table}.csv"))
        h2, r2 = read_csv(os.path.join(e2, f"{table}.csv"))
        check(h1 == h2, f"{table}.csv header changed in the round trip: {h1} -> {h2}")
        check(len(r1) == len(r2) and len(r1) > 0, f"{table}.csv: {len(r1)} rows before, {len(r2)} after")
        key = KEYS[table]
        b = {tuple(r[k] for k in key): r for r in r2}
        check(len(b) == len(r2), f"{table}.csv: key {key} is not unique after the import")
        kept = [c for c in h1 if documented(c, cols)[1] == "kept"]
        dropped = [c for c in h1 if c not in kept]
        for row in r1:
            other = b.get(tuple(row[k] for k in key))
            check(other is not None, f"{table}.csv row {tuple(row[k] for k in key)} lost in the round trip")
            for c in kept:
                check(row[c] == other[c], f"{table}.csv {tuple(row[k] for k in key)} column {c}: {row[c]!r} -> {other[c]!r}")
        print(f"{table}.csv: {len(r1)} rows, {len(kept)} columns identical, not carried: {', '.join(dropped) or 'none'}")

    # 3. the results CSV is the fit's input: same law as from the store
    a = json.loads(t2("fit", store, "--task", "arithmetic", "--json", "--no-store").stdout)
    c = json.loads(t2("fit", os.path.join(e1, "results.csv"), "--task", "arithmetic", "--json").stdout)
    for x, y in zip(a["theta"], c["theta"]):
        check(abs(x - y) <= 1e-9 * max(1.0, abs(x)), f"fit of results.csv {c['theta']} != fit of the store {a['theta']}")

    # 4. the summary cannot be imported, and says what can; runs.csv imports its runs
    bad = os.path.join(work, "bad.h5")
    p = t2("import", os.path.join(e1, "evals.csv"), "--store", bad, check_rc=1)
    check("results.csv" in p.stderr and "nothing imported" in p.stderr, f"evals.csv refused with a pointer: {p.stderr}")
    check(not os.path.exists(bad), "a refused import creates no store")
    runs_only = os.path.join(work, "runs-only.h5")
    t2("import", os.path.join(e1, "runs.csv"), "--store", runs_only)
    t2("export", runs_only, "--csv", os.path.join(work, "e3"))
    _, r3 = read_csv(os.path.join(work, "e3", "runs.csv"))
    _, r1 = read_csv(os.path.join(e1, "runs.csv"))
    check([r["loss"] for r in r3] == [r["loss"] for r in r1], "runs.csv imports every run with its loss")

    # The run column keeps two runs apart that share (N, D, loss), as replicates may.
    twins = os.path.join(work, "twins.csv")
    open(twins, "w").write("run,N,D,loss,task,problem,n,c,nll\n"
                           "0,1e6,2e7,3.5,arith,0,4,1,1.2\n1,1e6,2e7,3.5,arith,0,4,3,0.4\n")
    twins_store = os.path.join(work, "twins.h5")
    p = t2("import", twins, "--store", twins_store)
    check("2 runs" in p.stdout and "2 evals" in p.stdout, f"two runs with equal (N, D, loss) and their evals: {p.stdout}")

    # 5. the documented h5py + pandas snippet, as written in the schema
    doc = open(os.path.join(SOURCE, "schemas", "export-layout.md")).read()
    snippet = re.search(r"```python\n(.*?)```", doc, re.S).group(1)
    os.chdir(work)
    os.rename("e1.h5", "export.h5")
    os.rename("e1", "csv")
    scope = {}
    exec(compile(snippet, "export-layout.md snippet", "exec"), scope)
    evals, arith, runs = scope["evals"], scope["arith"], scope["runs"]
    _, want = read_csv(os.path.join(work, "csv", "evals.csv"))
    n_arith = sum(1 for r in want if r["task"] == "arithmetic")
    check(n_arith > 0 and len(arith) == n_arith, f"evals[evals.task == 'arithmetic'] has {len(arith)} rows, expected {n_arith}")
    check(all(isinstance(t, str) for t in evals["task"]), "task reads as str")
    check(len(runs) == len(r1) and "N" in runs.columns, "pandas reads runs.csv")
    # The README's shorter version of it, on its own file name.
    readme = open(os.path.join(SOURCE, "README.md")).read()
    snippet = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    os.symlink("export.h5", "clean.h5")
    scope = {}
    exec(compile(snippet, "README.md snippet", "exec"), scope)
    ev = scope["evals"]
    check(len(ev[ev.task == "arithmetic"]) == n_arith, "the README snippet selects the arithmetic evals")
    print(f"ok: round trip of {len(r1)} runs; the snippet selects {len(arith)} arithmetic evals")
    shutil.rmtree(work)  # kept when a check fails, for a look


main()
