# slurm_test_lib.sh — shared by the Slurm end-to-end tests (sourced, not run).
# start_cluster_or_skip: brings up the suite's one-node Slurm (local-slurm.sh). If that is
# impossible (not root, packages missing, ports taken), the test skips with exit 77 and a
# reason, except in CI (CI=true), where it fails loudly: CI must exercise Slurm.
LOCAL_SLURM=${LOCAL_SLURM:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/local-slurm.sh}

skip_or_fail() {
  if [ "${CI:-}" = true ]; then
    echo "FAIL: $* (CI=true: the Slurm tests must run in CI)" >&2
    exit 1
  fi
  echo "SKIP: $* (this test needs a local one-node Slurm; see tests/slurm/local-slurm.sh)" >&2
  exit 77
}

start_cluster_or_skip() {
  [ "$(id -u)" -eq 0 ] || skip_or_fail "not root"
  local out
  out=$(bash "$LOCAL_SLURM" start 2>&1) || skip_or_fail "local Slurm did not start: $(echo "$out" | tail -3)"
  eval "$(bash "$LOCAL_SLURM" env)"
}

fail() {
  echo "FAIL: $*" >&2
  if [ -n "${job:-}" ]; then scontrol show job "$job" 2>&1 | sed 's/^/  job| /' >&2; fi
  for f in ${diag_files:-}; do [ -e "$f" ] && sed "s#^#  $(basename "$f")| #" "$f" | tail -40 >&2; done
  [ -n "${job:-}" ] && scancel "$job" 2>/dev/null
  exit 1
}

# wait_for SECONDS WHAT COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2 i
  shift 2
  for ((i = 0; i < seconds * 5; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "timed out after ${seconds}s waiting for: $what"
}

# job_field JOB FIELD: a field of `scontrol show job` (e.g. JobState, Restarts, ExitCode).
job_field() { scontrol show job "$1" -o 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }
job_state_is() { [ "$(job_field "$1" JobState)" = "$2" ]; }
