#!/usr/bin/env bash
# local_cluster_test.sh — the suite's one-node Slurm starts (idempotently) and runs a batch job.
set -u
source "$(dirname "$0")/slurm_test_lib.sh"
start_cluster_or_skip
bash "$LOCAL_SLURM" start >/dev/null || fail "a second start (already running) failed"
out=$(mktemp /tmp/t2-slurm-hostname.XXXXXX)
job=$(sbatch --parsable -o "$out" --wrap hostname) || fail "sbatch failed"
wait_for 60 "job $job to complete" job_state_is "$job" COMPLETED
[ "$(cat "$out")" = "$(hostname -s 2>/dev/null || hostname)" ] || { diag_files=$out; fail "unexpected job output"; }
rm -f "$out"
echo "ok: job $job ran hostname"
