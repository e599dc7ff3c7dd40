#!/bin/bash
# cli_laws_test.sh — `t2 import`, `t2 fit`, `t2 plan` as a user runs them (registered only when the
# t2 executable is built). usage: cli_laws_test.sh T2 PYTHON
set -u
T2=$1
PY=${2:-/usr/bin/python3}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# 36 runs of Hoffmann's law (1% noise), 20 problems each with 8 samples and an NLL.
"$PY" - "$DIR/good.csv" <<'PY' || fail "data generation"
import math, random, sys
random.seed(3)
with open(sys.argv[1], "w") as f:
    f.write("N,D,loss,task,problem,nll,n,c\n")
    for i in range(6):
        c = 1e18 * 2 ** i
        for j in range(6):
            n = math.sqrt(c / 120) * 10 ** (-1 + 2 * j / 5)
            d = c / (6 * n)
            L = (1.69 + 406.4 / n ** 0.34 + 410.7 / d ** 0.28) * math.exp(random.gauss(0, 0.01))
            mu = 0.9 / (1 + math.exp(4 * (L - 3.3)))
            for q in range(20):
                p = min(max(random.betavariate(mu * 3 + 1e-9, (1 - mu) * 3 + 1e-9), 1e-12), 1.0)
                hits = sum(random.random() < p for _ in range(8))
                f.write(f"{n:.6g},{d:.6g},{L:.6g},arith,{q},{-math.log(p):.6g},8,{hits}\n")
PY
printf 'N,D,loss\n1e8,2e9,3\nabc,2e9,3\n0,2e9,3\n1e8,2e9,nan\n' > "$DIR/bad.csv"

"$T2" import "$DIR/good.csv" --store "$DIR/s.h5" > "$DIR/out" 2>&1 || { cat "$DIR/out"; fail "import of a good file"; }
grep -q "imported 720 rows" "$DIR/out" || fail "import summary: $(cat "$DIR/out")"

before=$(cat "$DIR"/s.h5* | md5sum)
"$T2" import "$DIR/bad.csv" --store "$DIR/s.h5" > "$DIR/out" 2>&1
[ $? -eq 1 ] || fail "a bad file must exit 1"
grep -q "bad.csv:3: column N = 'abc': not a number" "$DIR/out" || fail "line 3 not reported: $(cat "$DIR/out")"
grep -q "bad.csv:4: column N = '0'" "$DIR/out" || fail "line 4 not reported"
grep -q "bad.csv:5: column loss = 'nan'" "$DIR/out" || fail "line 5 not reported"
[ "$(cat "$DIR"/s.h5* | md5sum)" = "$before" ] || fail "a refused import changed the store"

"$T2" fit "$DIR/s.h5" --law chinchilla --json > "$DIR/fit.json" 2> "$DIR/err" || { cat "$DIR/err"; fail "fit chinchilla"; }
"$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); assert j['law']=='chinchilla' and len(j['inputs']['runs'])==36, j" "$DIR/fit.json" || fail "fit JSON"

"$T2" fit "$DIR/s.h5" --law t2-accuracy --lhat train_loss --bootstrap 20 --seed 4 --json > "$DIR/acc.json" 2> "$DIR/err" || { cat "$DIR/err"; fail "fit t2-accuracy"; }
"$PY" -c "
import json,sys
j=json.load(open(sys.argv[1]))
assert j['accuracy']['used']=='beta_binomial', j['accuracy']['used']
assert j['accuracy']['two_stage'] is not None
assert 'lo' in j['params']['theta0'] and j['bootstrap']['replicates']==20
" "$DIR/acc.json" || fail "accuracy fit JSON"

"$T2" plan "$DIR/s.h5" --law t2-accuracy --lhat train_loss --train-budget 1e21 --inference-budget 2e9 --json > "$DIR/plan.json" 2> "$DIR/err" || { cat "$DIR/err"; fail "plan split"; }
"$PY" -c "
import json,sys
p=json.load(open(sys.argv[1]))['plan']
assert p['best'] and p['chinchilla'], p
assert p['best']['N'] <= p['chinchilla']['N'], p
assert 'within_budget' in p['chinchilla'], p
" "$DIR/plan.json" || fail "plan JSON"

"$T2" plan "$DIR/good.csv" --law t2-loss --budget 1e22 --queries 1e6 --tokens-per-sample 100 --frontier 1e20:1e22:3 > "$DIR/out" 2>&1 || { cat "$DIR/out"; fail "plan end to end from a CSV"; }
grep -q "frontier under t2-loss" "$DIR/out" || fail "frontier table"
# --frontier sweeps C_train itself, so the README's form without --train-budget works.
"$T2" plan "$DIR/good.csv" --law t2-loss --inference-budget 2e9 --frontier 1e20:1e22:3 > "$DIR/out" 2>&1 || { cat "$DIR/out"; fail "frontier without --train-budget"; }
[ "$(grep -cE '^ +1e\+2[012] ' "$DIR/out")" -eq 3 ] || { cat "$DIR/out"; fail "frontier without --train-budget: 3 budgets"; }
"$T2" plan "$DIR/good.csv" --law t2-loss --inference-budget 2e9 > /dev/null 2>&1
[ $? -eq 2 ] || fail "split form without --train-budget or --frontier must be a usage error (2)"

"$T2" plan "$DIR/s.h5" --train-budget 1e21 > /dev/null 2>&1
[ $? -eq 2 ] || fail "an incomplete deployment must be a usage error (2)"
"$T2" fit "$DIR/good.csv" --bootstrap -3 > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q "^t2 fit: error: --bootstrap -3: must be between 0" "$DIR/out" || { cat "$DIR/out"; fail "negative --bootstrap"; }
"$T2" plan "$DIR/good.csv" --train-budget 1e21 --inference-budget 1e9 --seed -1 > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q -- "--seed -1: must be >= 0" "$DIR/out" || { cat "$DIR/out"; fail "negative --seed"; }
"$T2" plan "$DIR/good.csv" --train-budget -1 --inference-budget 1e9 --n-min 1e9 --n-max 1e6 > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q -- "--train-budget -1: must be > 0" "$DIR/out" && grep -q -- "--n-max 1e+06: must be >= --n-min" "$DIR/out" \
  || { cat "$DIR/out"; fail "bad plan flags named before the fit"; }
"$T2" fit "$DIR/s.h5" --law nope > "$DIR/out" 2>&1
[ $? -eq 1 ] && grep -q "law nope" "$DIR/out" || fail "unknown law"
echo "ok"
