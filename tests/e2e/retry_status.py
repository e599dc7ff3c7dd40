"""retry_status.py — failures that can be rerun, whole-number sizes, and live status, through the
real binary with exec jobs (tests/e2e/gated_job.py):
  * a misspelt interpreter fails every job; t2 run exits 4 naming them; after the config is fixed
    `t2 run --force --retry-failed` reruns them with their history kept (issue 11 item 1);
  * a result missing its loss is not retried (bad_result is deterministic);
  * a log range of N and D hands the trainer whole numbers, and the export stores them (item 2);
  * `t2 status SWEEP.toml` on a live sweep names the coordinator, the running job with rank,
    host, elapsed time and log, the live FLOP rate and ETA; once finished, the makespan and its
    lower bound (items 8 and 10)."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from e2e_util import MPIRUN, T2, check, fail, read_csv, status, t2, tmpdir, write_config  # noqa: E402

JOB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "gated_job.py")


def config(d, store, gate, python="python3", train_mode="train", n="[1000, 2000]", dd="[20000]", job=JOB):
    return write_config(os.path.join(d, "sweep.toml"), f"""
[sweep]
name = "retry"
store = "{store}"
fsync = false
progress_interval = 1000
[grid]
n = {n}
d = {dd}
[eval]
tasks = ["arithmetic"]
problems = 2
samples = 2
[workload]
backend = "exec"
[workload.exec]
train = ["{python}", "{job}", "{train_mode}", "{gate}", "{{N}}", "{{D}}", "{{result}}"]
eval = ["python3", "{JOB}", "eval", "{gate}", "{{problems}}", "{{samples}}", "{{result}}"]
grace = 1
""")


def setup(name):
    d = tmpdir(name)
    gate = os.path.join(d, "gate")
    os.makedirs(gate)
    return d, gate, os.path.join(d, "s.h5")


def retry_after_fixing_the_config():
    d, gate, store = setup("retry")
    open(os.path.join(gate, "release"), "w").close()
    # A misspelt script path (a misspelt program is refused by `t2 validate`/`t2 run` up front): the
    # interpreter runs and exits 2, every training job fails for good.
    bad = config(d, store, gate, job=JOB.replace("gated_job.py", "gated_jbo.py"))
    p = t2("run", bad, "-q", check_rc=None)
    check(p.returncode == 4, f"a sweep with every job failed exited {p.returncode}, expected 4\n{p.stderr}")
    check("4 job(s) failed for good" in p.stderr, f"the failures are not counted on stderr:\n{p.stderr}")
    check("exit_code" in p.stderr, f"stderr does not say why:\n{p.stderr}")
    check("--retry-failed" in p.stderr, "stderr does not say how to rerun them")
    st = status(store)
    check(st["train"]["failed"] == 2 and st["eval"]["failed"] == 2, f"not all failed: {st}")
    fixed = config(d, store, gate)
    p = t2("run", fixed, "-q", "--force", check_rc=None)
    check(p.returncode == 4, f"--force alone reran failed jobs or did not say so (exit {p.returncode})")
    p = t2("run", fixed, "-q", "--retry-failed=bad_result", check_rc=None)
    check(p.returncode == 4 and status(store)["train"]["failed"] == 2, "--retry-failed=bad_result reran error jobs")
    p = t2("run", "--retry-failed", fixed, "-q", check_rc=None)  # before the config: not read as a class
    check(p.returncode == 0, f"--retry-failed after the fix exited {p.returncode}\n{p.stdout}\n{p.stderr}")
    st = status(store)
    check(st["train"]["done"] == 2 and st["eval"]["done"] == 2, f"not all done after the retry: {st}")
    runs = [f for f in st["failures"] if f["kind"] == "train"]
    check(len(runs) == 2 and all(f["attempts"] == 4 and f["retries"] == 1 and not f["final"] for f in runs),
          f"the attempt history was not kept: {runs}")
    check(st["retry_rounds"] == 4, f"retry_rounds = {st['retry_rounds']}")
    p = t2("run", fixed, "-q", "--retry-failed=tiemout", check_rc=None)
    check(p.returncode == 1 and "'tiemout' is not a failure class" in p.stderr, f"a bad class: {p.stderr}")
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print("ok: exit 4 naming the failures; --retry-failed reruns them after the fix, history kept", flush=True)


def bad_result_is_not_retried():
    d, gate, store = setup("badresult")
    cfg = config(d, store, gate, train_mode="badtrain", n="[1000]")
    p = t2("run", cfg, "-q", check_rc=None)
    check(p.returncode == 4, f"exit {p.returncode}, expected 4")
    st = status(store)
    f = [f for f in st["failures"] if f["kind"] == "train"]
    check(len(f) == 1 and f[0]["class"] == "bad_result" and f[0]["attempts"] == 1,
          f"a bad result was retried: {f}")
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print("ok: a bad result fails for good after one attempt", flush=True)


def whole_sizes():
    d, gate, store = setup("sizes")
    open(os.path.join(gate, "release"), "w").close()
    cfg = config(d, store, gate, n="{ from = 1e5, to = 1e7, steps = 3 }", dd="{ from = 1e7, to = 1e9, steps = 3 }")
    t2("run", cfg, "-q")
    sizes = open(os.path.join(gate, "sizes.txt")).read().split()
    check(len(sizes) == 18, f"{len(sizes) // 2} training jobs, expected 9")
    for v in sizes:
        check(re.fullmatch(r"[0-9]+", v), f"the trainer was handed {v!r}, not a whole number")
    check({"100000", "1000000", "10000000"} <= set(sizes), f"N values: {sorted(set(sizes))}")
    out = os.path.join(d, "csv")
    t2("export", store, "--csv", out)
    for row in read_csv(os.path.join(out, "runs.csv")):
        for col in ("N", "D", "N_planned", "D_planned"):
            v = float(row[col])
            check(v == round(v), f"runs.csv {col} = {row[col]}")
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print("ok: a log range hands the trainer whole N and D, and the export keeps them", flush=True)


def wait_until(what, pred, timeout=60):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    fail(f"timed out waiting for {what}")


def live_status():
    d, gate, store = setup("live")
    open(os.path.join(gate, "release-1000"), "w").close()  # N = 1000 finishes; N = 2000 waits
    cfg = config(d, store, gate)
    p = subprocess.Popen([*MPIRUN, "-np", "3", T2, "run", cfg, "-q"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        def ready():
            if not os.path.exists(store + ".journal"):
                return None
            st = status(cfg)  # the config names the store
            return st if st["train"]["done"] == 1 and st["eval"]["done"] == 1 and st["running"] else None
        st = wait_until("one run and its eval done, one running", ready)
        check(st["coordinator"] and re.search(r"pid \d+ on host \S+", st["coordinator"]),
              f"coordinator: {st['coordinator']}")
        (r,) = st["running"]
        check(r["kind"] == "train" and r["rank"] in (1, 2) and r["host"] and r["elapsed_seconds"] >= 0,
              f"running job: {r}")
        check(r["log"] and r["log"].endswith(".log") and os.path.exists(r["log"]), f"log path: {r['log']}")
        check(st["live_flops_per_second"] and st["live_flops_per_second"] > 0, f"rate: {st['live_flops_per_second']}")
        check(st["eta_seconds"] is not None and st["eta_seconds"] >= 0, f"eta: {st['eta_seconds']}")
        text = t2("status", cfg).stdout
        for want in ("live: coordinator pid", "running    1 job(s)", "FLOPs/s this session", "ETA"):
            check(want in text, f"t2 status text lacks {want!r}:\n{text}")
        open(os.path.join(gate, "release"), "w").close()
        check(p.wait(timeout=120) == 0, "the live sweep did not finish with 0")
    finally:
        if p.poll() is None:
            p.kill()
    st = status(store)
    check(st["coordinator"] is None and not st["running"], "a finished store still reports a live coordinator")
    m, b = st["makespan_seconds"], st["makespan_lower_bound_seconds"]
    check(m and b and m >= b * 0.999, f"makespan {m} vs lower bound {b}")
    check("lower bound" in t2("status", store).stdout, "no makespan line")
    shutil.rmtree(d, ignore_errors=True)  # kept when a check fails, for a look
    print(f"ok: live status names the coordinator, the running job and its log, rate and ETA; makespan {m:.2f} s "
          f"vs bound {b:.2f} s", flush=True)


if __name__ == "__main__":
    retry_after_fixing_the_config()
    bad_result_is_not_retried()
    whole_sizes()
    live_status()
