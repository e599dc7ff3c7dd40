"""stop_signals.py — how a sweep stops (issue 11 item 3), with exec jobs that hold a helper
process ignoring SIGTERM. The matrix INT/TERM/USR1 x {alone, `t2 mpirun`, plain mpirun} x
once/twice, plus a Slurm-style TERM and SIGKILL of a lone t2:
  * alone, and under `t2 mpirun -np 3 -- SWEEP` (the documented way to launch under mpirun; INT
    there goes to its process group, as a terminal's Ctrl-C does): once = graceful (the running
    job finishes, exit 3); twice = the running jobs are cancelled at once (exit 3). Also
    `t2 mpirun` started with INT and TERM ignored, as a script's `… &` starts it.
  * plain mpirun: USR1 is forwarded, so the same as above. INT/TERM sent to mpirun: Open MPI's
    mpirun aborts the job itself (TERM to every rank, SIGKILL 1 s later) and exits 1 whatever
    the ranks do; what t2 guarantees there is below.
  * Slurm's TERM at a cancel, a preemption or the time limit reaches mpirun and every rank at
    once; with the sbatch script's OMPI_MCA_odls_base_sigkill_timeout the coordinator (TERMed
    twice: by Slurm and by mpirun) cancels the running jobs and flushes the store before mpirun's
    SIGKILL; mpirun still exits 1.
In every case: no process of any job survives t2 (the guard kills the job's whole group), the
store resumes to a finished sweep with every job done, and a resumed job never runs beside an
earlier attempt (tested with the guard killed too, so a helper survives the first attempt). Waits on observable state (marker files, output lines), never on sleeps."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_util import MPIRUN, T2, check, fail, status, t2, tmpdir, write_config  # noqa: E402

JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gated_job.py")


def config(d, store, gate, runs):
    ns = ", ".join(str(1000 * (i + 1)) for i in range(runs))
    return write_config(os.path.join(d, "stop.toml"), f"""
[sweep]
name = "stop"
store = "{store}"
fsync = false
progress_interval = 1000
shutdown_grace = 120
[grid]
n = [{ns}]
d = [20000]
[eval]
tasks = ["arithmetic"]
problems = 2
samples = 2
[workload]
backend = "exec"
[workload.exec]
train = ["python3", "{JOB}", "train", "{gate}", "{{N}}", "{{D}}", "{{result}}"]
eval = ["python3", "{JOB}", "eval", "{gate}", "{{problems}}", "{{samples}}", "{{result}}"]
grace = 1
""")


def job_processes(gate):
    """Processes of the jobs of this test (found by the gate path in their argv or environment)."""
    out = []
    key = gate.encode()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read()
        except OSError:
            continue
        if (key in cmd and b"gated_job.py" in cmd) or b"GATED_JOB=" + key in env:
            out.append(int(pid))
    return out


def wait_until(what, pred, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.02)
    fail(f"timed out waiting for {what}")


class Sweep:
    """t2 run in the background, its output collected line by line."""

    def __init__(self, cfg, where="alone", env=None):
        if where.startswith("t2-mpirun"):
            cmd = [T2, "mpirun", *MPIRUN[1:], "-np", "3", "--", cfg, "-q"]
            if where == "t2-mpirun-bg":
                # As a script's `t2 mpirun … &` starts it: INT and TERM ignored (SIG_IGN survives exec).
                cmd = ["sh", "-c", 'trap "" INT TERM; exec "$0" "$@"', *cmd]
        else:
            cmd = ([*MPIRUN, "-np", "3"] if where == "mpirun" else []) + [T2, "run", cfg, "-q"]
        # A session of its own: a process-group INT is then what a terminal's Ctrl-C sends.
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                  start_new_session=True, env=env)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line)

    def saw(self, text):
        return any(text in line for line in self.lines)

    def signal(self, sig, group=False):
        try:
            if group:
                os.killpg(self.p.pid, sig)
            else:
                os.kill(self.p.pid, sig)
        except ProcessLookupError:
            pass

    def wait(self):
        try:
            rc = self.p.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.p.kill()
            fail("t2 did not exit within 120 s:\n" + "".join(self.lines))
        self.reader.join(timeout=10)
        return rc


def started(gate):
    return [f for f in os.listdir(gate) if f.startswith("started-")]


def no_survivors(gate, case):
    end = time.monotonic() + 15
    while time.monotonic() < end:
        left = job_processes(gate)
        if not left:
            return
        time.sleep(0.02)
    fail(f"{case}: job processes outlived t2: {left}")


def resume_to_the_end(cfg, store, gate, case):
    open(os.path.join(gate, "release"), "w").close()
    p = t2("run", cfg, "-q", check_rc=None)
    check(p.returncode == 0, f"{case}: resume exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    st = status(store)
    for kind in ("train", "eval"):
        c = st[kind]
        check(c["done"] == c["pending"] + c["done"] + c["failed"] + c["running"] and c["done"] > 0,
              f"{case}: not every {kind} job done after resume: {c}")
    no_survivors(gate, case + " (resume)")
    return st


def one_case(where, sig, times):
    case = f"{where} {signal.Signals(sig).name} x{times}"
    d = tmpdir("stop")
    gate = os.path.join(d, "gate")
    os.makedirs(gate)
    store = os.path.join(d, "stop.h5")
    workers = 1 if where == "alone" else 2
    cfg = config(d, store, gate, runs=2)
    s = Sweep(cfg, where)
    wait_until(f"{case}: {workers} job(s) running", lambda: len(started(gate)) >= workers or s.p.poll() is not None)
    check(s.p.poll() is None, f"{case}: t2 ended early:\n" + "".join(s.lines))
    # Ctrl-C at a terminal: INT to the whole foreground process group.
    ctrl_c = where.startswith("t2-mpirun") and sig == signal.SIGINT
    s.signal(sig, group=ctrl_c)
    graceful = where != "mpirun" or sig == signal.SIGUSR1
    if graceful:
        wait_until(f"{case}: the stopping line", lambda: s.saw("stopping: no new jobs"))
        if times == 1:
            open(os.path.join(gate, "release"), "w").close()  # the running jobs may finish
        else:
            s.signal(sig, group=ctrl_c)
            wait_until(f"{case}: the cancel line", lambda: s.saw("cancelling"))
        rc = s.wait()
        check(rc == 3, f"{case}: exit {rc}, expected 3:\n" + "".join(s.lines))
        st = status(store)
        if times == 1:
            check(st["train"]["done"] == workers, f"{case}: the running jobs did not finish in the grace: {st['train']}")
        else:
            check(st["train"]["done"] == 0 and st["train"]["running"] == 0,
                  f"{case}: cancelled jobs are not pending: {st['train']}")
            check(st["lost_attempts"] == 0, f"{case}: a cancel counted as lost")
        check(t2("validate", store, check_rc=None).returncode == 0, f"{case}: the store does not validate")
    else:
        if times == 2:
            s.signal(sig)
        rc = s.wait()
        # Open MPI 4.1's mpirun handles INT/TERM itself: it aborts the job and exits 1 whatever
        # the ranks return (README "Using it"). Hence `t2 mpirun`, tested above.
        check(rc == 1, f"{case}: exit {rc}, expected Open MPI's 1:\n" + "".join(s.lines))
    no_survivors(gate, case)
    resume_to_the_end(cfg, store, gate, case)
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print(f"ok: {case}: exit {rc}, no job process left, resumed to the end", flush=True)


def sigkill_alone():
    case = "alone SIGKILL"
    d = tmpdir("stop")
    gate = os.path.join(d, "gate")
    os.makedirs(gate)
    store = os.path.join(d, "stop.h5")
    cfg = config(d, store, gate, runs=1)
    s = Sweep(cfg)
    wait_until(f"{case}: the job running", lambda: len(started(gate)) >= 1)
    s.signal(signal.SIGKILL)
    s.wait()
    no_survivors(gate, case)
    # The resumed attempt must not run beside the first (the survivor check would kill it);
    # the lost attempt is shown, and not counted against max_attempts.
    st = resume_to_the_end(cfg, store, gate, case)
    check(st["lost_attempts"] == 1, f"{case}: lost_attempts = {st['lost_attempts']}, expected 1")
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print(f"ok: {case}: no job process left; resumed with 1 lost attempt", flush=True)


def children(pid):
    out = []
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(p))
        except (OSError, IndexError, ValueError):
            continue
    return out


def t2_children(pid):
    t2_exe = os.path.realpath(T2).encode()
    out = []
    for c in children(pid):
        try:
            if open(f"/proc/{c}/cmdline", "rb").read().split(b"\0")[0] in (T2.encode(), t2_exe):
                out.append(c)
        except OSError:
            pass
    return out


def slurm_term():
    """What Slurm does at scancel, preemption or the time limit in the batch step: TERM to every
    process at once (mpirun, each rank and the jobs; SIGKILL KillWait later), with the sbatch
    script's OMPI_MCA_odls_base_sigkill_timeout so that mpirun's own SIGKILL of the ranks waits."""
    case = "mpirun Slurm-style TERM to every process"
    d = tmpdir("stop")
    gate = os.path.join(d, "gate")
    os.makedirs(gate)
    store = os.path.join(d, "stop.h5")
    cfg = config(d, store, gate, runs=2)
    s = Sweep(cfg, "mpirun", env={**os.environ, "OMPI_MCA_odls_base_sigkill_timeout": "5"})
    wait_until(f"{case}: 2 jobs running", lambda: len(started(gate)) >= 2 or s.p.poll() is not None)
    ranks = t2_children(s.p.pid)
    check(len(ranks) == 3, f"{case}: expected 3 ranks under mpirun, found {ranks}")
    jobs = [int(f.split("-", 1)[1]) for f in started(gate)]
    for pid in [s.p.pid, *ranks, *jobs]:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    rc = s.wait()
    out = "".join(s.lines)
    check(rc == 1, f"{case}: exit {rc}, expected Open MPI's 1:\n" + out)
    # Rank 0 got Slurm's TERM and mpirun's (one or two requests: pending signals coalesce) and
    # left in order; the jobs' own TERM (from Slurm) cut them short, which is not an attempt.
    check(s.saw("stopped by SIGTERM"), f"{case}: the coordinator did not stop in order:\n" + out)
    check(s.saw("cut short by the stop") or s.saw("cancelling"), f"{case}: the jobs' ends are not logged:\n" + out)
    st = status(store)
    check(st["train"]["done"] == 0 and st["train"]["running"] == 0,
          f"{case}: the cancelled jobs are not pending: {st['train']}")
    check(st["lost_attempts"] == 0, f"{case}: a cancel counted as lost")
    check(t2("validate", store, check_rc=None).returncode == 0, f"{case}: the store does not validate")
    no_survivors(gate, case)
    st = resume_to_the_end(cfg, store, gate, case)
    classes = sorted({f["class"] for f in st["failures"]})
    check(classes == ["cancelled"] and len(st["failures"]) == 2,
          f"{case}: the stopped attempts are not both recorded as cancelled (not counted): {st['failures']}")
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print(f"ok: {case}: exit {rc}, the store flushed by the coordinator, no job process left, resumed", flush=True)


def survivor_of_a_dead_guard():
    """t2 and its guard both SIGKILLed (as a kill of a whole process tree would): the job's
    helper survives; the resumed attempt must kill it before it starts, never run beside it."""
    case = "alone SIGKILL of t2 and its guard"
    d = tmpdir("stop")
    gate = os.path.join(d, "gate")
    os.makedirs(gate)
    store = os.path.join(d, "stop.h5")
    cfg = config(d, store, gate, runs=1)
    s = Sweep(cfg)
    wait_until(f"{case}: the job running", lambda: len(started(gate)) >= 1)
    t2_exe = os.path.realpath(T2).encode()
    guards = [c for c in children(s.p.pid)
              if open(f"/proc/{c}/cmdline", "rb").read().split(b"\0")[0] in (T2.encode(), t2_exe)]
    check(len(guards) == 1, f"{case}: expected one guard process of t2, found {guards}")
    os.kill(guards[0], signal.SIGKILL)
    s.signal(signal.SIGKILL)
    s.wait()
    wait_until(f"{case}: the job's leader gone (PR_SET_PDEATHSIG)",
               lambda: not any(b"gated_job.py" in open(f"/proc/{p}/cmdline", "rb").read()
                               for p in job_processes(gate) if os.path.exists(f"/proc/{p}/cmdline")))
    left = job_processes(gate)
    check(left, f"{case}: no helper survived, so this case tests nothing")
    first = set(started(gate))
    open(os.path.join(gate, "release"), "w").close()
    r = Sweep(cfg)
    wait_until(f"{case}: the resumed attempt started", lambda: set(started(gate)) - first or r.p.poll() is not None)
    alive = [p for p in left if p in job_processes(gate)]
    check(not alive, f"{case}: the resumed attempt started beside survivors {alive} of the first")
    check(r.wait() == 0, f"{case}: resume failed:\n" + "".join(r.lines))
    no_survivors(gate, case)
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print(f"ok: {case}: {len(left)} survivor(s) killed before the resumed attempt started", flush=True)


def main():
    only = os.environ.get("T2_STOP_CASES", "")
    for where in ("alone", "t2-mpirun", "mpirun"):
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            for times in (1, 2):
                name = f"{where}-{signal.Signals(sig).name}-{times}"
                if not only or name in only.split(","):
                    one_case(where, sig, times)
    if not only or "t2-mpirun-bg-SIGINT-1" in only.split(","):
        one_case("t2-mpirun-bg", signal.SIGINT, 1)
    if not only or "slurm-TERM" in only.split(","):
        slurm_term()
    if not only or "alone-SIGKILL" in only.split(","):
        sigkill_alone()
    if not only or "alone-SIGKILL-guard" in only.split(","):
        survivor_of_a_dead_guard()


if __name__ == "__main__":
    main()
