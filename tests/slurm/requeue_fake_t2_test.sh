#!/usr/bin/env bash
# requeue_fake_t2_test.sh DRIVER FAKE_T2 — the script `t2 slurm` generates, under real Slurm:
# `scancel --signal=USR1 --batch` reaches the batch shell, which forwards USR1 through mpirun
# to every rank; t2's exit 3 makes the script requeue the job; Slurm restarts it
# (SLURM_RESTART_COUNT=1), the script runs `t2 run --resume` again, and the job completes.
set -u
driver=$1 fake=$2
source "$(dirname "$0")/slurm_test_lib.sh"
start_cluster_or_skip
work=$(mktemp -d /tmp/t2-slurm-fake.XXXXXX)
cd "$work" || exit 1
printf '[sweep]\nname = "fake requeue"\n' >sweep.toml
diag_files="$work/events $work/t2-fake_requeue.out"
"$driver" sweep.toml --t2 "$fake" --time 10:00 --signal-lead 60 --ntasks-per-node 2 --overcommit \
  --log "$work/%x.out" --submit >submit.out || fail "t2 slurm --submit failed: $(cat submit.out)"
job=$(sed -n 's/^submitted job //p' submit.out)
[ -n "$job" ] || fail "no job id in: $(cat submit.out)"
grep -qx "$work/sweep.sbatch" submit.out || fail "t2 slurm did not print the script path: $(cat submit.out)"

wait_for 60 "both ranks running" bash -c "grep -q 'start rank=0 restart=0' events && grep -q 'start rank=1 restart=0' events"
t0=$(date +%s.%N)
scancel --signal=USR1 --batch "$job" || fail "scancel --signal=USR1 --batch failed"
wait_for 10 "USR1 at both ranks" bash -c "grep -q 'usr1 rank=0 restart=0' events && grep -q 'usr1 rank=1 restart=0' events"
t1=$(date +%s.%N)
wait_for 90 "the restarted job to finish" grep -q 'done rank=0 restart=1' events
wait_for 30 "job $job COMPLETED" job_state_is "$job" COMPLETED
[ "$(job_field "$job" Restarts)" = 1 ] || fail "expected exactly one restart, got $(job_field "$job" Restarts)"
[ "$(job_field "$job" ExitCode)" = 0:0 ] || fail "expected exit 0:0 on the second start, got $(job_field "$job" ExitCode)"

expected="start rank=0 restart=0
start rank=1 restart=0
usr1 rank=0 restart=0
usr1 rank=1 restart=0
exit0 rank=1 restart=0
exit3 rank=0 restart=0
start rank=0 restart=1
start rank=1 restart=1
done rank=0 restart=1
done rank=1 restart=1"
[ "$(sort events)" = "$(echo "$expected" | sort)" ] || fail "unexpected events:
$(cat events)"
log=$work/t2-fake_requeue.out
grep -q "received SIGUSR1; asking t2 to stop" "$log" || fail "the script did not log the USR1"
grep -q "t2 stopped with its store flushed (exit 3); requeueing" "$log" || fail "the script did not requeue itself"
grep -q "restart 1: sweep finished" "$log" || fail "the second start did not finish (output appended?)"
grep -q "restart 0: starting" "$log" || fail "the first start's output was lost (--open-mode=append?)"
printf 'ok: job %s: USR1 reached both ranks %.0f ms after scancel; requeued once; completed\n' \
  "$job" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) * 1000 }')"
rm -rf "$work"
