#!/usr/bin/env bash
# sweep_requeue_test.sh T2 usr1|term|kill — a real sweep under the suite's local Slurm, through the
# script `t2 slurm` generates (1 coordinator + 4 workers, --overcommit on a small machine):
#  usr1: USR1 mid-run (`scancel --signal=USR1 --batch`): t2 stops gracefully and exits 3, the
#     script requeues the job, Slurm restarts it, t2 resumes; the job completes on its second
#     start with every result present exactly once.
#  term: a plain `scancel JOB` mid-run (Slurm TERMs every process of the job, SIGKILL KillWait
#     later): t2's coordinator stops in order and flushes the store (`t2 status`: last stop
#     "stopped by SIGTERM", nothing running) before mpirun's SIGKILL (the script's
#     odls_base_sigkill_timeout); mpirun exits 1 (Open MPI) and the script says so; the
#     same script submitted again completes with every result once, nothing done before lost.
#  kill: SIGKILL of the whole job mid-run (batch shell, mpirun, every rank), then the same script
#     submitted again as a new allocation: no result that was done before the kill is lost or
#     changed, and the sweep completes with every result once.
# The synthetic workload sleeps FLOPs / flops_per_second per job: ~20 s per sweep with 4 workers.
set -u
t2=$1 scenario=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/slurm_test_lib.sh"
start_cluster_or_skip
py=/usr/bin/python3
work=$(mktemp -d /tmp/t2-slurm-sweep.XXXXXX)
cd "$work" || exit 1
RUNS=24 EVALS=24   # 3 N x 4 D x 2 replicates, one eval task
step() { echo "[+${SECONDS}s] $*"; }

write_sweep() {
  cat >"$1.toml" <<TOML
[sweep]
name = "$1"
store = "$1.h5"
seed = 7
replicates = 2
shutdown_grace = 5
progress_interval = 1

[grid]
n = [1e6, 2e6, 4e6]
d = [1e8, 2e8, 3e8, 4e8]

[design]
batch_size = 24

[eval]
tasks = ["arithmetic"]
problems = 16
samples = 8

[workload]
backend = "synthetic"

[workload.synthetic]
# training jobs take 6ND / 1e15 s: 0.6 s to 9.6 s; 42 s of work for 4 workers
flops_per_second = 1e15
TOML
}

train_done() { "$t2" status "$1.h5" --json 2>/dev/null | $py -c 'import json,sys; print(json.load(sys.stdin)["train"]["done"])' 2>/dev/null || echo 0; }
at_least_done() { [ "$(train_done "$1")" -ge "$2" ]; }
submit() {
  "$t2" slurm "$1.toml" --ntasks-per-node 5 --overcommit --time 10:00 --signal-lead 60 \
    --log "$work/$1.out" --submit >"$1.submit" || fail "t2 slurm --submit failed: $(cat "$1.submit")"
  sed -n 's/^submitted job //p' "$1.submit"
}

if [ "$scenario" = usr1 ]; then
# ---- USR1, exit 3, requeue, resume
write_sweep usr1
diag_files="$work/usr1.out"
job=$(submit usr1)
[ -n "$job" ] || fail "no job id"
wait_for 60 "3 training results in the first start" at_least_done usr1 3
step "job $job: $(train_done usr1) runs done; USR1"
scancel --signal=USR1 --batch "$job" || fail "scancel --signal=USR1 --batch failed"
wait_for 60 "the job to be requeued" bash -c "[ \"\$(scontrol show job $job -o | grep -o 'Restarts=[0-9]*')\" = Restarts=1 ]"
step "job $job requeued"
wait_for 150 "job $job to complete after its restart" job_state_is "$job" COMPLETED
[ "$(job_field "$job" Restarts)" = 1 ] || fail "expected one restart, got $(job_field "$job" Restarts)"
grep -q "t2 stopped with its store flushed (exit 3); requeueing" usr1.out || fail "the first start did not stop with exit 3"
grep -q "restart 1: sweep finished" usr1.out || fail "the second start did not finish the sweep"
step "job $job completed"
"$t2" export usr1.h5 --csv usr1-csv >/dev/null || fail "t2 export failed"
$py "$here/check_results.py" $RUNS $EVALS usr1-csv || fail "results after USR1 + requeue"

echo "ok: USR1 -> exit 3 -> requeue -> resume: the job completed on its second start, every result once"
fi

if [ "$scenario" = term ]; then
# ---- Slurm's own TERM to every process (scancel), then a new allocation
write_sweep term
diag_files="$work/term.out"
# 2 x odls_base_sigkill_timeout below the local cluster's KillWait=10 (see the script's comment)
export OMPI_MCA_odls_base_sigkill_timeout=4
job=$(submit term)
[ -n "$job" ] || fail "no job id"
wait_for 60 "3 training results before the cancel" at_least_done term 3
step "job $job: $(train_done term) runs done; scancel (TERM to every process)"
scancel "$job" || fail "scancel failed"
wait_for 60 "job $job to end" bash -c "! squeue -h -j $job 2>/dev/null | grep -q ."
wait_for 30 "every t2 process of the cancelled job to exit" bash -c "! pgrep -f '$work/[t]erm.toml' >/dev/null"
stop=$("$t2" status term.h5 --json | $py -c 'import json,sys; d=json.load(sys.stdin); print(d["last_stop"], d["train"]["running"], d["eval"]["running"])')
case "$stop" in
  "stopped by SIGTERM; "*" 0 0") ;;
  *) fail "t2's coordinator did not stop in order after Slurm's TERM (last stop, running train, eval: $stop)" ;;
esac
grep -q "mpirun exited with status 1 after SIGTERM" term.out || fail "the script did not explain mpirun's exit 1"
"$t2" validate term.h5 >/dev/null || fail "the store does not validate after Slurm's TERM"
unset OMPI_MCA_odls_base_sigkill_timeout
"$t2" export term.h5 --csv term-before >/dev/null || fail "t2 export of the cancelled store failed"
before=$(($(wc -l <term-before/runs.csv) - 1))
[ "$before" -ge 3 ] || fail "only $before results survived the cancel"
job=$(submit term)
step "resubmitted as job $job"
wait_for 150 "the resubmitted job $job to complete" job_state_is "$job" COMPLETED
"$t2" export term.h5 --csv term-after >/dev/null || fail "t2 export failed"
$py "$here/check_results.py" $RUNS $EVALS term-after term-before || fail "results after scancel + new allocation"
echo "ok: scancel (TERM) after $before runs -> t2 stopped in order, store flushed; new allocation completed, nothing lost"
fi

if [ "$scenario" = kill ]; then
# ---- SIGKILL of everything, then a new allocation
write_sweep kill
diag_files="$work/kill.out"
job=$(submit kill)
wait_for 60 "3 training results before the kill" at_least_done kill 3
step "job $job: $(train_done kill) runs done; SIGKILL to every process of the job"
scancel --signal=KILL --full "$job" || fail "scancel --signal=KILL failed"
wait_for 60 "job $job to end" bash -c "! squeue -h -j $job 2>/dev/null | grep -q ."
# no t2 process of that job may survive (mpirun's ranks notice a killed mpirun within ~2 s)
# ("[k]ill" so that pgrep's pattern does not match the command line of the bash running it)
wait_for 30 "every t2 process of the killed job to exit" bash -c "! pgrep -f '$work/[k]ill.toml' >/dev/null"
"$t2" export kill.h5 --csv kill-before >/dev/null || fail "t2 export of the killed store failed"
before=$(($(wc -l <kill-before/runs.csv) - 1))
[ "$before" -ge 3 ] || fail "only $before results survived the kill"
job=$(submit kill)
step "resubmitted as job $job"
wait_for 150 "the resubmitted job $job to complete" job_state_is "$job" COMPLETED
"$t2" export kill.h5 --csv kill-after >/dev/null || fail "t2 export failed"
$py "$here/check_results.py" $RUNS $EVALS kill-after kill-before || fail "results after SIGKILL + new allocation"
echo "ok: SIGKILL after $before runs -> new allocation completed, nothing done before was lost or rerun"
fi
cd / && rm -rf "$work"
