#!/usr/bin/env bash
# bench_signals.sh T2 [REPS] — how fast t2 stops on USR1 and how fast it resumes, with plain
# mpirun (the Slurm hop in front, batch shell -> mpirun -> ranks, adds ~10 ms; slurm/README.md).
#   stop:    `mpirun -np 5 t2 run` (1 coordinator, 4 workers busy with exec jobs), USR1 to mpirun,
#            time until the store is closed (STORE.lock released) and until mpirun exits (status 3).
#            a) jobs of JOB_SECONDS (3 s) and the default shutdown_grace (60 s): running jobs finish;
#            b) jobs of 60 s and shutdown_grace = 5 s: running jobs are cancelled at the deadline.
#   restart: `t2 run --resume` of the interrupted store: time from launch until the first new job
#            starts (its program writes a timestamp), against the same for a fresh store.
# Baseline: `mpirun -np 5 t2 run` of a finished store (launch, open, nothing to do, exit).
# The machine is shared and has 2 cores: expect noise; compare ratios within one run.
set -u
t2=$(readlink -f "$1")
reps=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_mpi_yield_when_idle=1
work=$(mktemp -d /tmp/t2-bench-signals.XXXXXX)
cd "$work" || exit 1
export T2_BENCH_STAMPS=$work/stamps
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
lines() { [ -f "$T2_BENCH_STAMPS" ] && wc -l <"$T2_BENCH_STAMPS" || echo 0; }
# wait_until SECONDS COMMAND...
wait_until() {
  local s=$1 i; shift
  for ((i = 0; i < s * 100; i++)); do "$@" && return 0; sleep 0.01; done
  echo "bench_signals: timed out waiting for: $*" >&2; exit 1
}
stamps_at_least() { [ "$(lines)" -ge "$1" ]; }

sweep() {  # sweep NAME JOB_SECONDS GRACE_LINE
  cat >"$1.toml" <<TOML
[sweep]
name = "$1"
store = "$1.h5"
$3
[grid]
n = { from = 1e6, to = 1e8, steps = 8 }
d = { from = 1e8, to = 1e10, steps = 8 }
[design]
batch_size = 64
[eval]
tasks = ["arithmetic"]
problems = 4
samples = 4
[workload]
backend = "exec"
[workload.exec]
train = ["$here/job.sh", "train", "$2"]
eval = ["$here/job.sh", "eval", "0.05"]
grace = 2
TOML
}

# run_bg NAME: starts the sweep in the background of the calling shell; its pid in $pid.
run_bg() { mpirun -np 5 "$t2" run "$1.toml" --resume -q >>"$1.log" 2>&1 & pid=$!; }

# stop NAME: start, wait until 4 jobs run and 1 s more, USR1; prints two times in seconds:
# until the store is closed (the coordinator releases STORE.lock, an flock, after its last flush)
# and until mpirun exits.
stop() {
  rm -f "$T2_BENCH_STAMPS"
  local pid t0 t1 t2_ rc
  run_bg "$1"
  wait_until 60 stamps_at_least 4
  sleep 1
  t0=$(now)
  kill -USR1 "$pid"
  wait_until 120 flock -n "$1.h5.lock" true
  t1=$(now)
  wait "$pid"; rc=$?
  t2_=$(now)
  [ "$rc" = 3 ] || { echo "bench_signals: t2 exited $rc after USR1, expected 3; log:" >&2; tail "$1.log" >&2; exit 1; }
  echo "$(sub "$t0" "$t1") $(sub "$t0" "$t2_")"
}

# first_job NAME: launch (resume), time until a job program starts; then stop it. Prints seconds.
first_job() {
  rm -f "$T2_BENCH_STAMPS"
  local pid t0 t1
  t0=$(now)
  run_bg "$1"
  wait_until 60 stamps_at_least 1
  t1=$(head -1 "$T2_BENCH_STAMPS" | cut -d' ' -f1)
  kill -USR1 "$pid"; wait "$pid"
  sub "$t0" "$t1"
}

median() { tr ' ' '\n' | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# baseline: a finished store
sweep done 0 "shutdown_grace = 60"
sed -i 's/steps = 8/steps = 2/g' done.toml
mpirun -np 5 "$t2" run done.toml -q >done.log 2>&1 || { echo "bench_signals: baseline sweep failed:" >&2; tail done.log >&2; exit 1; }
base=""
for ((r = 0; r < reps; r++)); do
  t0=$(now); mpirun -np 5 "$t2" run done.toml --resume -q >>done.log 2>&1; t1=$(now)
  base="$base $(sub "$t0" "$t1")"
done
base=$(echo $base | median)

JOB_SECONDS=3
a="" a_exit="" b="" b_exit="" fresh="" resumed=""
for ((r = 0; r < reps; r++)); do
  rm -rf a$r.h5* b$r.h5* f$r.h5*
  sweep a$r $JOB_SECONDS "shutdown_grace = 60"
  read -r x y <<<"$(stop a$r)"; a="$a $x" a_exit="$a_exit $y"
  resumed="$resumed $(first_job a$r)"
  sweep b$r 60 "shutdown_grace = 5"
  read -r x y <<<"$(stop b$r)"; b="$b $x" b_exit="$b_exit $y"
  sweep f$r $JOB_SECONDS "shutdown_grace = 60"
  fresh="$fresh $(first_job f$r)"
done
a=$(echo $a | median) a_exit=$(echo $a_exit | median) b=$(echo $b | median) b_exit=$(echo $b_exit | median)
fresh=$(echo $fresh | median) resumed=$(echo $resumed | median)
ratio() { awk -v x="$1" -v y="$2" 'BEGIN { printf "%.2f", x / y }'; }
echo "bench_signals: median of $reps, mpirun -np 5 (4 workers), $(nproc) cores, shared machine (noisy)"
printf '  baseline: t2 run of a finished store (launch..exit)                %6.3f s\n' "$base"
printf '  USR1 -> store closed, %ss jobs, shutdown_grace 60 (jobs finish)    %6.3f s; -> mpirun exit 3 %6.3f s (%s x baseline)\n' \
  "$JOB_SECONDS" "$a" "$a_exit" "$(ratio "$a_exit" "$base")"
printf '  USR1 -> store closed, 60s jobs, shutdown_grace 5 (jobs cancelled) %6.3f s; -> mpirun exit 3 %6.3f s (%s x baseline)\n' \
  "$b" "$b_exit" "$(ratio "$b_exit" "$base")"
printf '  launch -> first job started, fresh store                           %6.3f s\n' "$fresh"
printf '  launch -> first new job started, resumed (requeued) store          %6.3f s (%s x fresh)\n' "$resumed" "$(ratio "$resumed" "$fresh")"
cd / && rm -rf "$work"
