"""bad_input.py — bad configs, flags and stores give one readable error naming the file, field
and value, a non-zero exit, and leave an existing store byte-for-byte untouched."""
import hashlib
import os
import shutil
import signal
import subprocess
import time

from e2e_util import *

work = tmpdir("bad")
store = os.path.join(work, "s.h5")
good = example("tests/e2e/small_sweep.toml", store, {"replicates = 2": "replicates = 1"})
cfg = write_config(os.path.join(work, "s.toml"), good)
t2("run", cfg, "--quiet")


def digest(path):
    h = hashlib.sha256()
    for p in sorted(x for x in os.listdir(os.path.dirname(path)) if x.startswith(os.path.basename(path))):
        if p.endswith(".lock"):
            continue
        h.update(p.encode())
        with open(os.path.join(os.path.dirname(path), p), "rb") as f:
            h.update(f.read())
    return h.hexdigest()


before = digest(store)


def expect_error(args, *needles, rc=1):
    p = t2(*args, check_rc=rc)
    msg = p.stderr.strip()
    check(msg.count("\n") < 12, f"one readable message, not a dump: {msg}")
    for n in needles:
        check(n in msg, f"'{n}' in the message of t2 {' '.join(args)}: {msg}")
    check(digest(store) == before, f"t2 {' '.join(args)} left the store untouched")


# Config mistakes, through `t2 validate` and `t2 run`.
cases = {
    "missing": None,
    "syntax": good.replace("seed = 42", "seed = = 42"),
    "unknown": good.replace("seed = 42", "seed = 42\nseeed = 1"),
    "negative": good.replace("n = { from = 1e5", "n = { from = -1e5"),
    "empty": good.replace("d = { from = 1e7, to = 1e10, steps = 6 }", "d = []"),
    "kmax": good.replace("samples = 32", "samples = 0"),
    "cap": good.replace("seed = 42", "seed = 42\ncompute_cap = 1e9"),
    "seed": good.replace("seed = 42", "seed = -42"),
}
needles = {
    "missing": ["missing.toml", "cannot open"],
    "syntax": ["syntax.toml:", "TOML syntax error"],
    "unknown": ["unknown.toml:", "sweep.seeed = 1", "unknown key"],
    "negative": ["negative.toml:", "grid.n.from = -100000", "> 0"],
    "empty": ["empty.toml:", "grid.d = []", "must not be empty"],
    "kmax": ["kmax.toml:", "eval.samples = 0", "k_max"],
    "cap": ["cap.toml", "design.batch_size", "compute_cap"],
    "seed": ["seed.toml:", "sweep.seed = -42", ">= 0"],
}
for name, text in cases.items():
    path = os.path.join(work, f"{name}.toml")
    if text is not None:
        write_config(path, text)
    expect_error(["validate", path], *needles[name])
    expect_error(["run", path, "--store", store], *needles[name])
# Under mpirun: one message from t2 (not one per rank), no MPI_Abort, exit 1.
p = t2("run", os.path.join(work, "kmax.toml"), "--store", store, mpi=3, check_rc=1)
check(p.stderr.count("t2 run:") == 1 and "eval.samples = 0" in p.stderr and "MPI_ABORT" not in p.stderr,
      f"one message under mpirun: {p.stderr}")
check(digest(store) == before, "a refused mpirun left the store untouched")
# No empty key field in a message about the whole file ("FILE: : problem").
missing = t2("validate", os.path.join(work, "missing.toml"), check_rc=1).stderr
check(": : " not in missing, f"no empty key in: {missing}")

# A changed config is refused with a diff unless --force.
changed = write_config(os.path.join(work, "changed.toml"), good.replace("problems = 64", "problems = 65"))
expect_error(["run", changed], "differs", "- problems = 64", "+ problems = 65", "--force")
# The same under mpirun: rank 0 refuses the store before any job, so its workers stop cleanly.
p = t2("run", changed, mpi=3, check_rc=1)
check(p.stderr.count("t2 run:") == 1 and "differs" in p.stderr and "MPI_ABORT" not in p.stderr,
      f"one message under mpirun: {p.stderr}")
check(digest(store) == before, "a refused mpirun left the store untouched")

# Usage errors exit 2.
expect_error(["run"], "usage", rc=2)
expect_error(["export", store], "--out", rc=2)
expect_error(["frobnicate"], "unknown command", rc=2)

# Damaged stores: not HDF5, truncated, wrong schema version; a copy is damaged, never the original.
junk = os.path.join(work, "junk.h5")
with open(junk, "w") as f:
    f.write("this is not HDF5\n")
expect_error(["status", junk], "junk.h5", "not an HDF5 file")
expect_error(["validate", junk], "junk.h5", "not an HDF5 file")
check(t2("validate", junk, check_rc=1).stderr.count("junk.h5") == 1, "t2 validate names the store once per problem")
# A --store that is not a store at all is named as such (not "its journal is missing").
expect_error(["run", cfg, "--store", junk], "junk.h5", "not an HDF5 file")
t2("export", store, "--out", os.path.join(work, "export.h5"))
expect_error(["run", cfg, "--store", os.path.join(work, "export.h5")], "export.h5", "not a t2 store")
tiny = os.path.join(work, "tiny.h5")
with open(tiny, "w") as f:
    f.write("hi\n")
expect_error(["status", tiny], "tiny.h5", "not an HDF5 file")
trunc_dir = os.path.join(work, "trunc")
os.makedirs(trunc_dir)
trunc = os.path.join(trunc_dir, "t.h5")
shutil.copy(store, trunc)
with open(trunc, "r+b") as f:
    f.truncate(os.path.getsize(trunc) // 3)
expect_error(["validate", trunc], "t.h5")
wrong = os.path.join(work, "wrong")
os.makedirs(wrong)
wrong_store = os.path.join(wrong, "w.h5")
shutil.copy(store, wrong_store)
import h5py
with h5py.File(wrong_store, "r+") as f:
    f.attrs["schema_version"] = 999
expect_error(["validate", wrong_store], "w.h5", "schema")
expect_error(["status", wrong_store], "w.h5", "schema")

# Importing into a sweep whose design still plans would take the place of grid points that then
# never run: refused, nothing imported. Into a finished sweep it is fine.
rows = os.path.join(work, "rows.csv")
with open(rows, "w") as f:
    f.write("N,D,loss\n1e8,2e9,3.1\n2e8,4e9,2.9\n")
half = os.path.join(work, "half", "h.h5")
half_cfg = write_config(os.path.join(work, "half.toml"), example("tests/e2e/small_sweep.toml", half))
t2("run", half_cfg, "--quiet", env={**os.environ, "T2_TEST_CRASH_AT": "journal_written:5"}, check_rc=None)
before = status(half)
check(not before.get("design_stop") and before["train"]["done"] < 72, f"the sweep was killed while planning: {before}")
p = t2("import", rows, "--store", half, check_rc=1)
check("still planning" in p.stderr and "nothing imported" in p.stderr, f"import into a planning sweep: {p.stderr}")
check(status(half)["train"] == before["train"], "a refused import leaves the store as it was")
t2("run", half_cfg, "--quiet")
check(status(half)["train"]["done"] == 72, f"every grid run ran: {status(half)['train']}")
t2("import", rows, "--store", half)
check(status(half)["train"]["done"] == 74, "import into a finished sweep")

# A store locked by a running coordinator: a second one is refused and names the holder.
slow_store = os.path.join(work, "slow.h5")
slow_cfg = write_config(os.path.join(work, "slow.toml"),
                        example("tests/e2e/small_sweep.toml", slow_store, {"loss_noise = 0.01": "loss_noise = 0.01\nflops_per_second = 1e14"}))
p = subprocess.Popen([T2, "run", slow_cfg, "--quiet"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
deadline = time.time() + 30
while time.time() < deadline and not os.path.exists(slow_store + ".journal"):
    time.sleep(0.05)
second = t2("run", slow_cfg, check_rc=1)
check("locked" in second.stderr and f"pid {p.pid}" in second.stderr, f"lock holder named: {second.stderr}")
p.send_signal(signal.SIGTERM)
rc = p.wait(timeout=120)
check(rc == 3, f"TERM stops a sweep in order with exit code 3, got {rc}")
print("ok")
