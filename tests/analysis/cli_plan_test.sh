#!/bin/bash
# cli_plan_test.sh — `t2 plan STORE` for the store's own [target], warnings and --strict, hold-out
# and `t2 predict` bad input, as a user runs them; a failed command leaves the store unchanged.
# usage: cli_plan_test.sh T2 PYTHON
set -u
T2=$1
PY=${2:-/usr/bin/python3}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A quickstart-like sweep (its grid and [target]) on the synthetic backend: 12 runs in a second.
cat > "$DIR/q.toml" <<TOML
[sweep]
name = "q"
store = "$DIR/q.h5"
seed = 1
[grid]
n = [2e4, 5e4, 1e5, 2e5]
d = { from = 2e5, to = 2e6, steps = 3 }
[design]
strategy = "grid"
batch_size = 12
[eval]
tasks = ["arithmetic"]
problems = 64
samples = 16
[target]
train_budget = 1.2e12
inference_budget = 6.4e6
n_min = 1e4
n_max = 1e6
k_max = 64
[workload]
backend = "synthetic"
[workload.synthetic]
A = 50
B = 50
TOML
"$T2" run "$DIR/q.toml" --quiet > "$DIR/out" 2>&1 || { cat "$DIR/out"; fail "synthetic sweep"; }
S="$DIR/q.h5"
sum() { cat "$S"* | md5sum; }
before=$(sum)

# No budget flags: the store's [target], its bounds, and the data for D.
"$T2" plan "$S" --law t2-accuracy --lhat train_loss > "$DIR/out" 2>&1 || { cat "$DIR/out"; fail "t2 plan STORE"; }
grep -q "deployment from \[target\] of $DIR/q.toml" "$DIR/out" || { cat "$DIR/out"; fail "deployment source"; }
grep -q "C_train 1.2e+12 FLOPs, C_inf 6.4e+06" "$DIR/out" || { cat "$DIR/out"; fail "the [target] budgets"; }
grep -q "bounds N \[1e+04, 1e+06\] (\[target\] n_min / \[target\] n_max)" "$DIR/out" || { cat "$DIR/out"; fail "[target] bounds"; }
grep -q "k \[1, 64\] (\[target\] k_max)" "$DIR/out" || { cat "$DIR/out"; fail "[target] k_max"; }
grep -q "^fit theta .*rmse of pass@k" "$DIR/out" || { cat "$DIR/out"; fail "theta stage on its own line"; }
grep -q "^fit Lhat .*R^2 (log)" "$DIR/out" || { cat "$DIR/out"; fail "Lhat stage on its own line"; }

"$T2" plan "$S" --json > "$DIR/plan.json" 2> "$DIR/err" || { cat "$DIR/err"; fail "t2 plan STORE --json (auto)"; }
"$PY" - "$DIR/plan.json" <<'PY' || fail "plan JSON"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["plan"]["deployment"]["train_flops"] == 1.2e12, j["plan"]["deployment"]
assert j["plan"]["bounds"]["n_min"] == 1e4 and j["plan"]["bounds"]["k_max"] == 64, j["plan"]["bounds"]
assert isinstance(j["warnings"], list) and all(set(w) == {"code", "message"} for w in j["warnings"]), j["warnings"]
codes = {w["code"] for w in j["warnings"]}
# 12 runs: too few to select by hold-out (10 to fit + 3 to hold out), and said so.
assert j["selection"]["too_few"] and "too_few_to_select" in codes, (j["selection"], codes)
assert "stages" in j["fit"] and j["fit"]["warnings"] is not None
PY

# --strict: the same plan, exit 1 once warnings are raised; the output is still printed.
"$T2" plan "$S" --strict > "$DIR/out" 2> "$DIR/err"
[ $? -eq 1 ] && grep -q -- "--strict: .* warning" "$DIR/err" && grep -q "T2 optimum" "$DIR/out" || { cat "$DIR/out" "$DIR/err"; fail "--strict"; }

# An infeasible plan is an error, not a silent success.
"$T2" plan "$S" --law t2-accuracy --lhat train_loss --n-min 1e9 --n-max 1e10 > "$DIR/out" 2> "$DIR/err"
[ $? -eq 1 ] && grep -q "no feasible allocation" "$DIR/err" && grep -q "warning \[infeasible\]" "$DIR/out" \
  || { cat "$DIR/out" "$DIR/err"; fail "infeasible plan must exit 1"; }

# Hold-out: a rule that does not parse (2), one leaving too few runs (1); both name the rule.
"$T2" fit "$S" --holdout 'params>3' > "$DIR/out" 2>&1
[ $? -eq 2 ] && grep -q "error: --holdout 'params>3': unknown field 'params'" "$DIR/out" || { cat "$DIR/out"; fail "bad rule: exit 2"; }
"$T2" fit "$S" --holdout 'n>0' > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q "error: --holdout 'n>0': leaves 0 runs to fit" "$DIR/out" || { cat "$DIR/out"; fail "too few runs: exit 1"; }
# With --strict and a warning raised the fit fails (exit 1) and is not recorded in the store.
"$T2" fit "$S" --lhat train_loss --holdout 'tokens_per_param>35' --strict > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q -- "--strict: 1 warning raised" "$DIR/out" && grep -q "warning \[param_at_bound\]: theta1 is not identified" "$DIR/out" \
  || { cat "$DIR/out"; fail "--strict fit"; }
grep -q "hold-out 'tokens_per_param>35' (t2-accuracy): fitted on 10 runs, predicted 2 held-out runs" "$DIR/out" || { cat "$DIR/out"; fail "hold-out text"; }
[ "$(sum)" = "$before" ] || fail "a failed command changed the store"

# t2 predict: points, and bad points.
"$T2" predict "$S" --law t2-accuracy --lhat train_loss --at 1e5,2e6,4 --at 1e7,1e9 --json > "$DIR/pred.json" 2> "$DIR/err" || { cat "$DIR/err"; fail "predict"; }
"$PY" - "$DIR/pred.json" <<'PY' || fail "predict JSON"
import json, sys
j = json.load(open(sys.argv[1]))
p = j["predictions"]
assert len(p) == 2 and p[0]["k"] == 4 and p[1]["k"] == 1 and 0 <= p[0]["predicted"] <= 1, p
assert any(w["code"] == "extrapolation" and "N = 1e+07" in w["message"] for w in j["warnings"]), j["warnings"]
PY
"$T2" predict "$S" --at 0,1e6 > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q -- "--at 0,1e6: N = 0 must be a finite number > 0" "$DIR/out" || { cat "$DIR/out"; fail "predict N <= 0"; }
"$T2" predict "$S" --at 1e5,-1,0.5 > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q "D = -1 must be" "$DIR/out" && grep -q "k = 0.5 must be a finite number >= 1" "$DIR/out" || { cat "$DIR/out"; fail "predict D, k"; }
"$T2" predict "$S" --at 1e5,abc > "$DIR/out" 2>&1
[ $? -eq 2 ] && grep -q "'abc' is not a number" "$DIR/out" || { cat "$DIR/out"; fail "predict malformed point: exit 2"; }
[ "$(sum)" = "$before" ] || fail "t2 predict changed the store"

# t2 run's closing plan is the same library call as `t2 plan STORE`: the same rows.
"$T2" run "$DIR/q.toml" --store "$DIR/r.h5" > "$DIR/run.out" 2>&1 || { cat "$DIR/run.out"; fail "sweep with closing plan"; }
"$T2" plan "$DIR/r.h5" > "$DIR/plan.out" 2>&1 || { cat "$DIR/plan.out"; fail "t2 plan of the second store"; }
for row in "T2 optimum" "integer k" "Chinchilla"; do
  a=$(grep "^  $row " "$DIR/run.out"); b=$(grep "^  $row " "$DIR/plan.out")
  [ -n "$a" ] && [ "$a" = "$b" ] || { echo "run:  $a"; echo "plan: $b"; fail "closing plan differs from t2 plan STORE ($row)"; }
done
grep -q "warning \[too_few_to_select\]" "$DIR/run.out" || { cat "$DIR/run.out"; fail "closing plan warnings"; }

# --locality: a local fit says so and how many effective runs it rests on (text and JSON); where it
# has no meaning it is a usage error naming the flag, and the store is unchanged.
"$T2" plan "$S" --law t2-accuracy --lhat train_loss --locality 0.5 --json > "$DIR/local.json" 2> "$DIR/err" \
  || { cat "$DIR/err"; fail "t2 plan --locality"; }
"$PY" - "$DIR/local.json" <<'PY' || fail "local fit JSON"
import json, sys
j = json.load(open(sys.argv[1]))
loc = j["fit"]["accuracy"]["locality"]
assert loc["center_flops"] == 1.2e12 and loc["width_decades"] == 0.5, loc
assert 0 < loc["effective_runs"] < loc["runs"] == 12, loc
assert "effective of 12" in j["fit"]["stages"][0]["detail"], j["fit"]["stages"]
PY
"$T2" plan "$S" --law t2-accuracy --lhat train_loss --locality 0.5 > "$DIR/out" 2>&1 && grep -q "^local fit: runs weighted" "$DIR/out" \
  || { cat "$DIR/out"; fail "local fit line"; }
"$T2" plan "$S" --law chinchilla --locality 0.5 > "$DIR/out" 2>&1
[ $? -eq 2 ] && grep -q "error: --locality 0.5: applies to --law t2-accuracy or auto only, not chinchilla" "$DIR/out" \
  || { cat "$DIR/out"; fail "--locality with chinchilla: exit 2"; }
"$T2" plan "$S" --law t2-accuracy --locality 0.5 --budget 1e13 --queries 1e6 --tokens-per-sample 16 > "$DIR/out" 2>&1
[ $? -eq 2 ] && grep -q "error: --locality 0.5: .*end to end" "$DIR/out" || { cat "$DIR/out"; fail "--locality end to end: exit 2"; }
"$T2" plan "$S" --locality -1 > "$DIR/out" 2>&1
[ $? -ne 0 ] && grep -q -- "--locality -1: must be between 0 (off) and 10 decades" "$DIR/out" || { cat "$DIR/out"; fail "--locality -1"; }
[ "$(sum)" = "$before" ] || fail "a local plan changed the store"

# A CSV has no [target]: planning it without budget flags is a usage error that says so.
printf 'N,D,loss\n1e8,2e9,3\n' > "$DIR/one.csv"
"$T2" plan "$DIR/one.csv" --law chinchilla > "$DIR/out" 2>&1
[ $? -eq 2 ] && grep -q "no deployment to plan for: no budget flags and no \[target\] (a CSV has no sweep config)" "$DIR/out" \
  || { cat "$DIR/out"; fail "CSV without budget"; }
echo "ok"
