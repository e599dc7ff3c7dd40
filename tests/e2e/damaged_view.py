"""damaged_view.py — a synced store's .h5 with one 4 KiB block zeroed (at several offsets) is
repaired by the next open for writing (issue 12 item 9): `t2 run --resume` finds the damage by
the view's seal and rebuilds it from the journal; then `t2 validate` says valid and h5py reads
the same data as before the damage."""
import os
import shutil

import h5py
import numpy as np

from e2e_util import *

work = tmpdir("damaged")
store = os.path.join(work, "v.h5")
cfg = write_config(os.path.join(work, "v.toml"), example("tests/e2e/small_sweep.toml", store))
t2("run", cfg, "--quiet")
pristine = os.path.join(work, "pristine")
os.makedirs(pristine)
for f in (store, store + ".journal"):
    shutil.copy(f, pristine)

# What a user reads; /documents and the root attributes change with every session, the rest not.
TABLES = ("runs", "evals", "batches", "run_curves", "outcomes")


def h5py_read(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
            out[name + "@"] = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in obj.attrs.items()}
        for t in TABLES:
            f[t].visititems(visit)
    return out


def same(a, b):
    if a.keys() != b.keys():
        return f"objects differ: {sorted(set(a) ^ set(b))[:5]}"
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, np.ndarray):
            if x.dtype.kind == "f":
                ok = x.shape == y.shape and np.array_equal(x, y, equal_nan=True)
            else:
                ok = x.shape == y.shape and bool(np.all(x == y))
        else:
            ok = x == y
        if not ok:
            return f"{k} differs"
    return ""


want = h5py_read(store)
size = os.path.getsize(store)
offsets = sorted({(size * k // 7) // 4096 * 4096 for k in range(1, 7)} - {0})
check(len(offsets) >= 5, f"a store large enough to damage at several places: {size} bytes")
for at in offsets:
    for f in (store, store + ".journal"):
        shutil.copy(os.path.join(pristine, os.path.basename(f)), f)
    with open(store, "r+b") as f:
        f.seek(at)
        f.write(b"\0" * 4096)
    check(t2("validate", store, check_rc=None).returncode != 0, f"zeroed block at {at}: t2 validate sees the damage")
    t2("run", cfg, "--resume", "--quiet")
    v = t2("validate", store, check_rc=None)
    check(v.returncode == 0, f"zeroed block at {at}: valid after the resume:\n{v.stdout}{v.stderr}")
    diff = same(h5py_read(store), want)
    check(not diff, f"zeroed block at {at}: h5py reads what it read before the damage: {diff}")
    print(f"zeroed 4 KiB at byte {at} of {size}: detected, rebuilt, h5py reads the same data", flush=True)
print("ok")
