#!/usr/bin/env bash
# exec_problem_set_test.sh T2 PYTHON — the exec eval contract through whole sweeps
# (`mpirun -np 3 t2 run`, examples/exec/toy_trainer.py, schemas/job-result.md):
#  1. `t2 validate` refuses a misspelt interpreter, naming the field and value;
#  2. every eval of a task evaluates the same problems in the same order: the problem_ids the
#     trainer wrote are identical across the task's evals and differ between tasks, and the
#     stored NLLs rank the problems identically in every eval (the toy's NLL is a monotone
#     function of a problem's fixed difficulty), while the samples differ;
#  3. an eval without NLL is stored with NaN NLLs, and the likelihood source says what it lacks.
set -u
t2=$1
py=$2
here=$(cd "$(dirname "$0")" && pwd)
toy=$(cd "$here/../../examples/exec" && pwd)/toy_trainer.py
work=$(mktemp -d /tmp/t2-exec-problems.XXXXXX)
cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }

config() {  # NAME INTERPRETER TASKS EXTRA_EVAL_ARGS
  cat <<TOML
[sweep]
name = "$1"
store = "$1.h5"
seed = 5
[grid]
n = [1e6, 4e6, 1.6e7]
d = [2e7, 8e7]
[eval]
tasks = $3
problems = 12
samples = 6
[workload]
backend = "exec"
[workload.exec]
train = ["$2", "$toy", "train", "--n", "{N}", "--d", "{D}", "--seed", "{seed}", "--run-dir", "{run_dir}", "--out", "{result}"]
eval = ["$2", "$toy", "eval", "--checkpoint", "{checkpoint}", "--task", "{task}", "--problems", "{problems}",
        "--samples", "{samples}", "--temperature", "{temperature}", "--seed", "{seed}",
        "--problem-seed", "{problem_seed}", "--out", "{result}"$4]
TOML
}

# 1. the misspelt interpreter of issue 11
config typo pyhton3 '["arithmetic"]' "" >typo.toml
"$t2" validate typo.toml >validate.out 2>&1 && fail "t2 validate accepted the interpreter pyhton3"
grep -q 'typo.toml:[0-9]*: workload.exec.train\[0\] = "pyhton3": program not found in PATH' validate.out ||
  { cat validate.out; fail "t2 validate did not name workload.exec.train[0] = \"pyhton3\""; }
[ -e typo.h5 ] && fail "t2 validate created a store"

# 2. a fixed problem set across the evals of each task
config fixed "$py" '["arithmetic", "spatial"]' "" >fixed.toml
mpirun -np 3 "$t2" run fixed.toml -q >fixed.log 2>&1 || { cat fixed.log; fail "t2 run fixed.toml"; }
"$py" - "$work" <<'PY' || exit 1
import glob, json, sys
import h5py, numpy as np
work = sys.argv[1]
def check(ok, what):
    if not ok:
        print(f"FAIL: {what}")
        sys.exit(1)
ids = {}
for path in glob.glob(f"{work}/**/eval-*.result.json", recursive=True):
    r = json.load(open(path))
    ids.setdefault(r["problem_ids"][0].split("-")[0], []).append(tuple(r["problem_ids"]))
check(sorted(ids) == ["arithmetic", "spatial"] and all(len(v) == 6 for v in ids.values()), f"result files {ids.keys()}")
for task, sets in ids.items():
    check(len(set(sets)) == 1, f"{task}: {len(set(sets))} different problem sets across 6 evals")
check(set(ids["arithmetic"][0]).isdisjoint(ids["spatial"][0]), "the two tasks share problems")
with h5py.File(f"{work}/fixed.h5", "r") as f:
    tasks = [t.decode() if isinstance(t, bytes) else t for t in f["evals"]["task"][()]]
    by_task = {}
    for i, task in enumerate(tasks):
        g = f[f"outcomes/{i:06d}"]
        by_task.setdefault(task, []).append((g["nll"][()], g["correct"][()]))
for task, evals in by_task.items():
    check(len(evals) == 6, f"{task}: {len(evals)} evals stored")
    order = np.argsort(evals[0][0])
    for nll, _ in evals:
        check(np.all(np.isfinite(nll)), f"{task}: non-finite NLL {nll}")
        check(np.array_equal(np.argsort(nll), order), f"{task}: problems ranked differently: {np.argsort(nll)} vs {order}")
    # the models differ, so the NLLs differ, and the samples come from per-eval seeds
    check(len({tuple(np.round(n, 9)) for n, _ in evals}) == 6, f"{task}: evals share NLL vectors")
    check(len({c.tobytes() for _, c in evals}) > 1, f"{task}: every eval drew the same samples")
print("ok: 2 tasks x 6 evals, each task's problems identical in every eval")
PY

# 3. no NLL: stored as NaN; the likelihood source names what it lacks
config nonll "$py" '["arithmetic"]' ', "--no-nll"' >nonll.toml
mpirun -np 3 "$t2" run nonll.toml -q >nonll.log 2>&1 || { cat nonll.log; fail "t2 run nonll.toml"; }
"$py" - "$work" <<'PY' || exit 1
import sys
import h5py, numpy as np
with h5py.File(f"{sys.argv[1]}/nonll.h5", "r") as f:
    states = [s.decode() if isinstance(s, bytes) else s for s in f["evals"]["state"][()]]
    if states != ["done"] * 6:
        print(f"FAIL: eval states {states}")
        sys.exit(1)
    for i in range(6):
        if not np.all(np.isnan(f[f"outcomes/{i:06d}/nll"][()])):
            print(f"FAIL: eval {i} stored NLLs the job never reported")
            sys.exit(1)
PY
"$t2" fit nonll.h5 --task arithmetic --source likelihood >fit.out 2>&1 && fail "the likelihood source fitted a store without NLL"
grep -q "NLL" fit.out || { cat fit.out; fail "the likelihood source did not say it lacks the NLL"; }
echo "ok: a misspelt program refused, fixed problem sets, NLL-less evals stored as NaN"
cd / && rm -rf "$work"
