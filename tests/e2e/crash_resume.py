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
# 96 runs + 192 evals; simulated durations of ~12 ms to 1.2 s per training job.
slow = {
    'n = { from = 1e5, to = 1e7, steps = 6 }': 'n = { from = 1e5, to = 1e6, steps = 4 }',
    'd = { from = 1e7, to = 1e10, steps = 6 }': 'd = { from = 1e7, to = 1e8, steps = 4 }',
    'replicates = 2': 'replicates = 6',
    'batch_size = 24': 'batch_size = 16',
    'loss_noise = 0.01': 'loss_noise = 0.01\nflops_per_second = 5e14',
    'progress_interval = 1': 'progress_interval = 1\nsync_interval = 0.3',
}
cfg = write_config(os.path.join(work, "c.toml"), example("tests/e2e/small_sweep.toml", store, slow))
TOTAL = 288


def done(st):
    return st["train"]["done"] + st["eval"]["done"]


def coordinator_pid():
    with open(store + ".lock") as f:
        m = re.search(r"pid (\d+)", f.read())
    return int(m.group(1)) if m else None


def run_until(threshold, mpi, extra_env=None):
    """Starts a resume, waits (bounded) until `threshold` jobs are done, SIGKILLs the coordinator.
    With T2_TEST_CRASH_AT in extra_env the coordinator kills itself inside a store write instead."""
    cmd = ([*MPIRUN, "-np", "3"] if mpi else []) + [T2, "run", cfg, "--resume", "--quiet"]
    env = dict(os.environ, **(extra_env or {}))
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.time() + 120
    if extra_env:
        out = p.communicate(timeout=120)[0]
        check(p.returncode != 0, f"the coordinator killed itself at {extra_env}:\n{out}")
        return out
    while time.time() < deadline and p.poll() is None:
        if os.path.exists(store + ".journal") and done(status(store)) >= threshold:
            break
        time.sleep(0.05)  # polling a condition with a deadline, not waiting for an effect
    if p.poll() is not None:
        fail(f"the sweep ended before {threshold} jobs were done:\n{p.communicate()[0]}")
    pid = coordinator_pid() if mpi else p.pid
    check(pid, "the lock file names the coordinator's pid")
    os.kill(pid, signal.SIGKILL)
    out = p.communicate(timeout=60)[0]
    check(p.returncode != 0, "a killed sweep does not exit 0")
    return out


# Kills from outside at a number of completed jobs, and from inside the store's writes:
# right after a journal write (before it is acknowledged), in the middle of an .h5 sync (after
# the "syncing" mark, while outcome matrices are written), and right after the sync's write.
# Outside kills wait for `step` more jobs done in the new session (so the new coordinator holds
# the lock and is mid-sweep).
kills = [
    (8, True, None),
    (20, False, None),
    (0, True, {"T2_TEST_CRASH_AT": "outcome:20"}),
    (15, True, None),
    (0, False, {"T2_TEST_CRASH_AT": "journal_written:15"}),
    (15, False, None),
    (0, False, {"T2_TEST_CRASH_AT": "tables:3"}),
    (10, True, None),
]
previous = 0
for i, (step, mpi, hook) in enumerate(kills):
    threshold = previous + step if step else 0
    run_until(threshold, mpi, hook)
    st = status(store)
    now = done(st)
    where = hook["T2_TEST_CRASH_AT"] if hook else f">= {threshold} jobs done"
    print(f"kill {i + 1} ({'mpirun' if mpi else 'single process'}) at {where}: {now} jobs done", flush=True)
    check(now >= previous, f"completed count went down: {previous} -> {now}")
    check(now >= threshold, f"jobs seen done before the kill are still done: {now} < {threshold}")
    check(now < TOTAL, f"kill {i + 1} came before the end of the sweep")
    previous = now

# Finish, then compare with an uninterrupted run of the same sweep (instant jobs, same seeds).
final = t2("run", cfg, "--resume", mpi=3)
st = status(store)
check(done(st) == TOTAL, f"all {TOTAL} jobs done after the last resume: {st}")
# A kill inside the store's first sync of a session can come before the session is recorded.
check(len(kills) - 2 <= st["sessions"] <= len(kills) + 1, f"one session per start recorded: {st['sessions']}")
check(h5dump_ok(store), "h5dump opens the store after the resumes")
check(t2("validate", store).returncode == 0, "t2 validate accepts the store")

ref_store = os.path.join(work, "ref.h5")
ref_cfg = write_config(os.path.join(work, "ref.toml"), example("tests/e2e/small_sweep.toml", ref_store, slow).replace(
    "flops_per_second = 5e14", "flops_per_second = 0"))
t2("run", ref_cfg, "--quiet")
a, b = canonical_export(store, work), canonical_export(ref_store, work)
check(len(a["runs.csv"]) == 96 and len(a["evals.csv"]) == 192, "every job stored exactly once")
check(a == b, "the resumed store equals an uninterrupted run with the same seed")
print("ok")
