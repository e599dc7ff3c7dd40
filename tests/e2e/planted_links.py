"""planted_links.py — symbolic links planted where t2 writes in a store's folder are refused, not
followed (issue 12 item 13): at STORE.lock, STORE.journal, STORE.rebuild, the .h5 itself (on
resume), STORE.journal.new (on create) and STORE.d/run-NNNNNN (an exec job's folder). Each is
refused with a message naming the path, a non-zero exit, the link's target untouched and the
store as it was. A stale regular STORE.journal.new is replaced. `t2 export`'s output and its temp
file likewise. Also item 14: `t2 validate` and `t2 run` warn about an exec template that hands
placeholders to `sh -c`."""
import hashlib
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(__file__))
from e2e_util import check, example, status, t2, tmpdir, write_config  # noqa: E402

JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gated_job.py")
REFUSAL = "is a symbolic link; refusing to follow it"
PRECIOUS = b"precious bytes that must survive\n"

work = tmpdir("links")


def digest(store):
    """The store's files (not the lock, whose holder text changes), by name and content."""
    h = hashlib.sha256()
    d, base = os.path.dirname(store), os.path.basename(store)
    for p in sorted(x for x in os.listdir(d) if x.startswith(base) and not x.endswith(".lock")):
        full = os.path.join(d, p)
        if os.path.isfile(full) and not os.path.islink(full):
            h.update(p.encode())
            with open(full, "rb") as f:
                h.update(f.read())
    return h.hexdigest()


def target_file(name):
    path = os.path.join(work, "target-" + name)
    with open(path, "wb") as f:
        f.write(PRECIOUS)
    return path


def check_target(path, what):
    with open(path, "rb") as f:
        check(f.read() == PRECIOUS, f"the target of the link at {what} was changed")


def expect_refusal(args, link, what):
    p = t2(*args, check_rc=None)
    check(p.returncode != 0, f"t2 {' '.join(args)} with a link at {what} exited 0:\n{p.stderr}")
    check(link in p.stderr and REFUSAL in p.stderr,
          f"the refusal does not name {link} and say it is a link:\n{p.stderr}")
    check(p.stderr.strip().count("\n") < 6, f"one readable message, not a dump:\n{p.stderr}")


# --- Resume of a finished store: links at the lock, the rebuild file, the journal, the view.
store = os.path.join(work, "s.h5")
cfg = write_config(os.path.join(work, "s.toml"),
                   example("tests/e2e/small_sweep.toml", store, {"replicates = 2": "replicates = 1"}))
t2("run", cfg, "--quiet")
before = digest(store)
runs_before = status(store)["train"]["done"]

for suffix in [".lock", ".rebuild"]:
    link = store + suffix
    target = target_file(suffix.strip("."))
    if os.path.exists(link):
        os.remove(link)
    os.symlink(target, link)
    expect_refusal(["run", cfg, "--quiet"], link, "STORE" + suffix)
    check_target(target, "STORE" + suffix)
    check(os.path.islink(link), f"the link at STORE{suffix} was replaced")
    check(digest(store) == before, f"a refused resume (link at STORE{suffix}) changed the store")
    os.remove(link)

# A link at the journal or the view pointing at the real file moved aside: refused, and the
# moved file (the link's target) is byte-for-byte as it was.
for suffix in [".journal", ""]:
    real = store + suffix
    moved = os.path.join(work, "moved" + (suffix or ".h5"))
    with open(real, "rb") as f:
        content = f.read()
    os.rename(real, moved)
    os.symlink(moved, real)
    expect_refusal(["run", cfg, "--quiet"], real, "STORE" + suffix)
    with open(moved, "rb") as f:
        check(f.read() == content, f"the target of the link at STORE{suffix} was changed")
    os.remove(real)
    os.rename(moved, real)
    check(digest(store) == before, f"a refused resume (link at STORE{suffix}) changed the store")

t2("validate", store)
check(status(store)["train"]["done"] == runs_before, "a refused command lost stored runs")
t2("run", cfg, "--quiet")  # with the links gone the store resumes as before
check(digest(store) == before or status(store)["train"]["done"] == runs_before, "the resume lost runs")

# --- t2 export: a link at the output file or at its temp file (OUT.tmp, created O_EXCL|O_NOFOLLOW)
# is refused, naming it; the target is untouched, no output appears. A stale regular OUT.tmp (a
# killed export) is replaced and the export completes.
out = os.path.join(work, "export.h5")
csv_dir = os.path.join(work, "export-csv")
os.makedirs(csv_dir, exist_ok=True)
for args, link in [(["--out", out], out + ".tmp"), (["--out", out], out),
                   (["--csv", csv_dir], os.path.join(csv_dir, "runs.csv.tmp")),
                   (["--csv", csv_dir], os.path.join(csv_dir, "evals.csv"))]:
    what = os.path.basename(link)
    target = target_file("export-" + what)
    os.symlink(target, link)
    expect_refusal(["export", store, *args], link, what)
    check_target(target, what)
    check(os.path.islink(link), f"the link at {what} was replaced")
    check(not os.path.exists(out) or os.path.islink(out), f"a refused export (link at {what}) left {out}")
    os.remove(link)
with open(out + ".tmp", "wb") as f:
    f.write(b"half an export")
t2("export", store, "--out", out)
check(not os.path.exists(out + ".tmp"), "the stale export temp file was left behind")
with open(out, "rb") as f:
    check(f.read(8) == b"\x89HDF\r\n\x1a\n", "the export over a stale temp file is not an HDF5 file")

# --- Create: a link at STORE.journal.new is refused, nothing is created.
fresh = os.path.join(work, "fresh.h5")
fresh_cfg = write_config(os.path.join(work, "fresh.toml"),
                         example("tests/e2e/small_sweep.toml", fresh, {"replicates = 2": "replicates = 1"}))
target = target_file("journal-new")
os.symlink(target, fresh + ".journal.new")
expect_refusal(["run", fresh_cfg, "--quiet"], fresh + ".journal.new", "STORE.journal.new")
check_target(target, "STORE.journal.new")
check(not os.path.exists(fresh) and not os.path.exists(fresh + ".journal"),
      "a refused create left a store behind")
os.remove(fresh + ".journal.new")

# A stale STORE.journal.new that is a regular file (a crash between create and rename) is replaced.
with open(fresh + ".journal.new", "wb") as f:
    f.write(b"stale half-written journal")
t2("run", fresh_cfg, "--quiet")
check(not os.path.exists(fresh + ".journal.new"), "the stale STORE.journal.new was left behind")
t2("validate", fresh)

# --- An exec sweep: a link at STORE.d/run-000000 fails that run's job, naming the link; its target
# stays empty; the other run's results are stored.
gate = os.path.join(work, "gate")
os.makedirs(gate)
open(os.path.join(gate, "release"), "w").close()
xstore = os.path.join(work, "x.h5")


def exec_config(name, train, evalv):
    return write_config(os.path.join(work, name), f"""
[sweep]
name = "links"
store = "{xstore}"
fsync = false
progress_interval = 1000
[grid]
n = [1000, 2000]
d = [20000]
[design]
strategy = "grid"
[eval]
tasks = ["arithmetic"]
problems = 2
samples = 2
[workload]
backend = "exec"
[workload.exec]
train = {train}
eval = {evalv}
grace = 1
""")


argv_train = f'["python3", "{JOB}", "train", "{gate}", "{{N}}", "{{D}}", "{{result}}"]'
argv_eval = f'["python3", "{JOB}", "eval", "{gate}", "{{problems}}", "{{samples}}", "{{result}}"]'
xcfg = exec_config("x.toml", argv_train, argv_eval)
target_dir = os.path.join(work, "target-run-dir")
os.makedirs(target_dir)
os.makedirs(xstore + ".d")
os.symlink(target_dir, os.path.join(xstore + ".d", "run-000000"))
p = t2("run", xcfg, "-q", check_rc=None)
check(p.returncode != 0, f"a sweep whose run folder is a planted link exited 0:\n{p.stderr}")
check(os.listdir(target_dir) == [], f"files landed in the run folder link's target: {os.listdir(target_dir)}")
st = status(xstore)
check(st["train"]["failed"] == 1 and st["train"]["done"] == 1, f"not exactly the linked run failed: {st}")
p = t2("status", xstore, check_rc=None)
shown = p.stdout + p.stderr
p = t2("export", xstore, "--csv", os.path.join(work, "x-csv"), check_rc=None)
for root, _, files in os.walk(os.path.join(work, "x-csv")):
    for name in files:
        shown += open(os.path.join(root, name)).read()
check(os.path.join(xstore + ".d", "run-000000") in shown and REFUSAL in shown,
      "neither status nor the export says why the job failed (the link)")

# --- Item 14: a shell template with a placeholder in its -c string is warned about, naming key and why.
shell_train = '["/bin/sh", "-c", "python3 ' + JOB + ' train ' + gate + ' {N} {D} {result}"]'
shell_eval = f'["env", "LC_ALL=C", "bash", "-ec", "python3 {JOB} eval {gate} {{problems}} {{samples}} {{result}}"]'
wcfg = exec_config("shell.toml", shell_train, shell_eval)
p = t2("validate", wcfg)
for key, shell in [("workload.exec.train", "sh -c"), ("workload.exec.eval", "bash -c")]:
    line = next((x for x in p.stderr.splitlines() if key in x), "")
    check(wcfg in line and "warning" in line and shell in line and "unescaped" in line,
          f"`t2 validate` does not warn about {key}:\n{p.stderr}")
p = t2("validate", xcfg)
check("warning" not in p.stderr, f"an argv template without a shell was warned about:\n{p.stderr}")
shutil.rmtree(xstore + ".d")
os.remove(xstore)
os.remove(xstore + ".journal")
p = t2("run", wcfg, "-q", check_rc=None)
check("t2 run: " + wcfg in p.stderr and "workload.exec.train: warning" in p.stderr,
      f"`t2 run` does not warn at start:\n{p.stderr}")

print("planted_links: OK")
