#!/usr/bin/env bash
# exec_sweep_test.sh T2 — fault injection through a whole sweep (`mpirun -np 3 t2 run`, exec
# backend): runs 0 and 2-7 fail on their first attempt (exit 1, hang past the timeout, malformed
# JSON, NaN loss, no result, a result nested 100000 deep, a FIFO as result) and succeed on the retry; run 1 crashes with SIGSEGV every time.
# The sweep completes; `t2 status --json` records each failure with its class, reason and attempts;
# the hung job's grandchild is gone; the coordinator and workers survive every crash.
set -u
t2=$1
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/t2-exec-sweep.XXXXXX)
cd "$work" || exit 1
cat >faults.toml <<TOML
[sweep]
name = "faults"
store = "faults.h5"
max_attempts = 2
retry_bad_result = true   # these bad results are transient (first attempt only): retry them
[grid]
n = [1e6, 2e6]
d = [1e8, 2e8, 3e8, 4e8]
[design]
batch_size = 8
[eval]
tasks = ["arithmetic"]
problems = 3
samples = 4
[workload]
backend = "exec"
[workload.exec]
train = ["$here/sweep_fault_job.sh"]
eval = ["$here/fault_job.sh", "eval-ok"]
timeout = 1
grace = 1
TOML
mpirun -np 3 "$t2" run faults.toml -q >run.log 2>&1
rc=$?
# run 1 fails for good: the sweep finishes and says so with exit 4
[ $rc = 4 ] || { echo "FAIL: t2 run exited $rc, expected 4 (a job failed for good)"; cat run.log; exit 1; }
"$t2" status faults.h5 --json >status.json || { echo "FAIL: t2 status"; exit 1; }
/usr/bin/python3 - "$work" <<'PY' || { cat "$work/status.json"; exit 1; }
import json, os, sys
work = sys.argv[1]
s = json.load(open(f"{work}/status.json"))
def check(ok, what):
    if not ok:
        print(f"FAIL: {what}")
        sys.exit(1)
check(s["train"]["done"] == 7 and s["train"]["failed"] == 1, f"train counts {s['train']}")
check(s["eval"]["done"] == 7, f"eval counts {s['eval']}")
by = {f["index"]: f for f in s["failures"] if f["kind"] == "train"}
want = {0: ("exit_code", "exited with code 1", False), 1: ("signal", "SIGSEGV", True),
        2: ("timeout", "exceeded the timeout of 1 s", False), 3: ("bad_result", "malformed JSON", False),
        4: ("bad_result", "loss = NaN: must be a finite number > 0", False),
        5: ("bad_result", "wrote no result file", False),
        6: ("bad_result", "JSON nested deeper than 64 levels", False),
        7: ("bad_result", "is a FIFO, not a regular file", False)}
for i, (cls, reason, final) in want.items():
    f = by.get(i)
    check(f is not None, f"no failure recorded for run {i}")
    check(f["class"] == cls, f"run {i}: class {f['class']}, expected {cls}")
    check(reason in f["reason"], f"run {i}: reason {f['reason']!r} lacks {reason!r}")
    check(f["final"] == final and f["attempts"] == 2, f"run {i}: final={f['final']} attempts={f['attempts']}")
# the eval of the run that failed for good cannot run and is failed with the run's reason
ev = [f for f in s["failures"] if f["kind"] == "eval"]
check(len(ev) == 1 and ev[0]["final"] and "training run 1 failed" in ev[0]["reason"], f"eval failures {ev}")
check(s["eval"]["failed"] == 1, f"eval counts {s['eval']}")
print("ok: 8 faults recorded with their class and reason, each job attempted twice, sweep completed")
PY
# the hung job's grandchild (fault_job.sh hang) must not outlive its timeout
for f in $(find "$work" -name grandchild.pid); do
  pid=$(cat "$f")
  for _ in $(seq 1 100); do
    st=$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)
    [ -z "$st" ] || [ "$st" = Z ] && break
    sleep 0.05
  done
  st=$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)
  [ -z "$st" ] || [ "$st" = Z ] || { echo "FAIL: grandchild $pid of the timed-out job still runs"; exit 1; }
done
[ -n "$(find "$work" -name grandchild.pid)" ] || { echo "FAIL: the hang job never ran (no grandchild.pid)"; exit 1; }
cd / && rm -rf "$work"
