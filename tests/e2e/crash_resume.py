"""crash_resume.py — SIGKILL the coordinator at several moments of a running sweep (under
mpirun and alone), resume each time, and check: the completed-job count never goes down, no
job is stored twice, h5dump opens the store, and the final store equals an uninterrupted run
with the same seed."""
import os
import re
import signal
import subprocess
import time

from e2e_util import *

work = tmpdir("crash")
store = os.path.join(work, "c.h5")
# 64 runs + 128 evals; simulated durations of ~6-600 ms per training job.
slow = {
    'n = { from = 1e5, to = 1e7, steps = 6 }': 'n = { from = 1e5, to = 1e6, steps = 4 }',
    'd = { from = 1e7, to = 1e10, steps = 6 }': 'd = { from = 1e7, to = 1e8, steps = 4 }',
    'replicates = 2': 'replicates = 4',
    'batch_size = 24': 'batch_size = 16',
    'loss_noise = 0.01': 'loss_noise = 0.01\nflops_per_second = 2e15',
}
cfg = write_config(os.path.join(work, "c.toml"), example("synthetic.toml", store, slow))
TOTAL = 192


def done(st):
    return st["train"]["done"] + st["eval"]["done"]


def coordinator_pid():
    with open(store + ".lock") as f:
        m = re.search(r"pid (\d+)", f.read())
    return int(m.group(1)) if m else None


def run_until(threshold, mpi, extra_env=None):
    """Starts a resume, waits (bounded) until `threshold` jobs are done, SIGKILLs the coordinator."""
    cmd = ([*MPIRUN, "-np", "3"] if mpi else []) + [T2, "run", cfg, "--resume", "--quiet"]
    env = dict(os.environ, **(extra_env or {}))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None:
        if os.path.exists(store + ".journal") and done(status(store)) >= threshold:
            break
        time.sleep(0.05)  # polling a condition with a deadline, not waiting for an effect
    check(p.poll() is None, f"the sweep ended before {threshold} jobs were done:\n{p.communicate()[0]}")
    pid = coordinator_pid() if mpi else p.pid
    check(pid, "the lock file names the coordinator's pid")
    os.kill(pid, signal.SIGKILL)
    out = p.communicate(timeout=60)[0]
    check(p.returncode != 0, "a killed sweep does not exit 0")
    return out


previous = 0
for i, (threshold, mpi) in enumerate([(8, True), (40, False), (80, True), (120, False), (160, True)]):
    run_until(threshold, mpi)
    st = status(store)
    now = done(st)
    print(f"kill {i + 1} ({'mpirun' if mpi else 'single process'}) at >= {threshold}: {now} jobs done", flush=True)
    check(now >= previous, f"completed count went down: {previous} -> {now}")
    check(now >= threshold, f"jobs seen done before the kill are still done: {now} < {threshold}")
    previous = now

# Finish, then compare with an uninterrupted run of the same sweep (instant jobs, same seeds).
final = t2("run", cfg, "--resume", mpi=3)
st = status(store)
check(done(st) == TOTAL, f"all {TOTAL} jobs done after the last resume: {st}")
check(st["sessions"] == 6, f"six coordinator sessions recorded: {st['sessions']}")
check(h5dump_ok(store), "h5dump opens the store after the resumes")
check(t2("validate", store).returncode == 0, "t2 validate accepts the store")

ref_store = os.path.join(work, "ref.h5")
ref_cfg = write_config(os.path.join(work, "ref.toml"), example("synthetic.toml", ref_store, slow).replace(
    "flops_per_second = 2e15", "flops_per_second = 0"))
t2("run", ref_cfg, "--quiet")
a, b = canonical_export(store, work), canonical_export(ref_store, work)
check(len(a["runs.csv"]) == 64 and len(a["evals.csv"]) == 128, "every job stored exactly once")
check(a == b, "the resumed store equals an uninterrupted run with the same seed")
print("ok")
