"""e2e_util.py — helpers shared by the end-to-end tests: run t2, read its exports, compare
stores. Uses only Debian's python3 with h5py/numpy (no t2 code)."""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

T2 = os.environ["T2"]
SOURCE_DIR = os.environ["SOURCE_DIR"]
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe"]


def fail(msg):
    print("FAIL:", msg, flush=True)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def tmpdir(name):
    d = tempfile.mkdtemp(prefix=f"t2-{name}-")
    return d


def t2(*args, mpi=0, check_rc=0, env=None, timeout=240):
    cmd = ([*MPIRUN, "-np", str(mpi)] if mpi else []) + [T2, *args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if check_rc is not None and p.returncode != check_rc:
        fail(f"{' '.join(cmd)} exited {p.returncode}, expected {check_rc}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def write_config(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def example(name, store, replace=None):
    """An example config (examples/NAME, or a path relative to the source tree when NAME has a
    slash) with its store path replaced (and optional text substitutions)."""
    text = open(os.path.join(SOURCE_DIR, name if "/" in name else os.path.join("examples", name))).read()
    lines = []
    for line in text.splitlines():
        if line.startswith("store ="):
            line = f'store = "{store}"'
        lines.append(line)
    text = "\n".join(lines) + "\n"
    for a, b in (replace or {}).items():
        check(a in text, f"example {name} has no '{a}'")
        text = text.replace(a, b)
    return text


def status(store):
    p = t2("status", store, "--json")
    return json.loads(p.stdout)


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# Columns that depend on where and when a job ran, not on what it computed.
VOLATILE = {"rank", "host", "wall_seconds", "time", "finished_at", "attempts", "started_at"}


def canonical_export(store, workdir):
    """The store's CSV export without volatile columns, as sorted rows (for equality checks)."""
    out = os.path.join(workdir, "csv-" + os.path.basename(store))
    shutil.rmtree(out, ignore_errors=True)
    t2("export", store, "--csv", out)
    result = {}
    for name in ("runs.csv", "evals.csv"):
        rows = read_csv(os.path.join(out, name))
        result[name] = sorted(tuple(sorted((k, v) for k, v in r.items() if k not in VOLATILE)) for r in rows)
    return result


def h5dump_ok(path):
    p = subprocess.run(["h5dump", "-H", path], capture_output=True, text=True)
    return p.returncode == 0
