#!/usr/bin/env bash
# pytorch_sweep_test.sh T2 PYTHON — the PyTorch example (examples/pytorch/) end to end, as a user
# runs it: its sweep.toml (2 sizes x 3 token counts) through `mpirun -np 3 t2 run` with the exec
# backend, then `t2 fit` and `t2 plan` on the store. Checks that the models learned (held-out
# loss well below chance, the biggest-longest run best), that every eval saw the same 64
# problems, and that fit and plan succeed. Prints the sweep's wall time.
# Without PyTorch for PYTHON it skips (77) outside CI and fails in CI (CI=true).
set -u
t2=$1
py=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
if ! "$py" -c "import torch" 2>/dev/null; then
  echo "PyTorch is not importable by $py (Debian: apt-get install python3-torch, see scripts/install-deps.sh)"
  [ "${CI:-}" = true ] && exit 1
  exit 77
fi
work=$(mktemp -d /tmp/t2-pytorch-sweep.XXXXXX)
cd "$work" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
# The example as shipped, with this build's interpreter (the one that has PyTorch) and the
# script's absolute path (the example is written for the repository root as working directory).
sed -e "s|\"python3\"|\"$py\"|" -e "s|\"examples/pytorch/addition.py\"|\"$src/examples/pytorch/addition.py\"|" \
  "$src/examples/pytorch/sweep.toml" >sweep.toml
grep -q "\"$src/examples/pytorch/addition.py\"" sweep.toml || fail "could not point sweep.toml at addition.py"
"$t2" validate sweep.toml >validate.log 2>&1 || { cat validate.log; fail "t2 validate"; }
start=$(date +%s.%N)
mpirun -np 3 "$t2" run sweep.toml -q >run.log 2>&1 || { tail -30 run.log; fail "t2 run"; }
end=$(date +%s.%N)
# CPU time of everything this shell started (bash's `times`: children's user and system time),
# so that a run on a loaded machine still says what the sweep itself costs.
times >times.txt  # in this shell: a pipe or $(...) would run it in a subshell without children
cpu=$(tail -1 times.txt)
echo "pytorch sweep: 6 training and 6 eval jobs in $(echo "$end - $start" | bc) s wall; CPU of t2 and its jobs (user, sys): $cpu; load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$py" - "$work" <<'PY' || { tail -30 "$work/run.log"; exit 1; }
import glob, json, math, sys
import h5py, numpy as np
work = sys.argv[1]
def check(ok, what):
    if not ok:
        print(f"FAIL: {what}")
        sys.exit(1)
with h5py.File(f"{work}/pytorch-addition.h5", "r") as f:
    runs, evals = f["runs"], f["evals"]
    state = lambda t: [s.decode() if isinstance(s, bytes) else s for s in t["state"][()]]
    check(state(runs) == ["done"] * 6 and state(evals) == ["done"] * 6, f"states {state(runs)} {state(evals)}")
    loss, n, d = runs["loss"][()], runs["params"][()], runs["tokens_seen"][()]
    # More tokens, lower held-out loss, for each size; the longest-trained models beat chance
    # (log 10 = 2.30 nats per answer digit) clearly. (At these tiny sizes the runs are
    # data-limited: the two sizes differ by less than the seed noise, so N is not checked.)
    for size in np.unique(n):
        at = np.where(n == size)[0]
        by_d = at[np.argsort(d[at])]
        check(np.all(np.diff(loss[by_d]) < 0), f"N={size:g}: held-out loss {loss[by_d]} does not fall with D {d[by_d]}")
        check(loss[by_d[-1]] < 2.0, f"N={size:g}: the longest-trained model did not learn (loss {loss[by_d[-1]]:.3f})")
    big = np.lexsort((n, d))[-1]
    run_of = evals["run"][()]
    best = [i for i in range(6) if run_of[i] == big][0]
    correct = f[f"outcomes/{best:06d}/correct"][()]
    check(correct.shape == (64, 16) and correct.any(), f"longest-trained run's eval: shape {correct.shape}, {correct.sum()} correct")
ids = [tuple(json.load(open(p))["problem_ids"]) for p in glob.glob(f"{work}/**/eval-*.result.json", recursive=True)]
check(len(ids) == 6 and len(set(ids)) == 1 and len(ids[0]) == 64, f"{len(set(ids))} problem sets across {len(ids)} evals")
print(f"ok: losses {np.round(loss, 3)}; longest-trained run {correct.mean():.2f} of samples correct; one problem set")
PY
"$t2" fit pytorch-addition.h5 --task addition >fit.log 2>&1 || { cat fit.log; fail "t2 fit"; }
grep -q "^fit theta .*rmse of pass@k" fit.log || { cat fit.log; fail "t2 fit printed no fit summary"; }
"$t2" plan pytorch-addition.h5 --task addition --train-budget 1e12 --inference-budget 1e6 --n-min 1e3 --d-min 1e4 \
  >plan.log 2>&1 || { cat plan.log; fail "t2 plan"; }
grep -q "T2 optimum" plan.log || { cat plan.log; fail "t2 plan printed no optimum"; }
cat fit.log plan.log
cd / && rm -rf "$work"
