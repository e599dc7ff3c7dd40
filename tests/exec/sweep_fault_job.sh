#!/usr/bin/env bash
# sweep_fault_job.sh — the training command of exec_sweep_test.sh: a different fault per run
# index on the first attempt (T2_INDEX, T2_ATTEMPT), a valid result afterwards; run 1 always
# crashes, so it fails for good after max_attempts.
here=$(dirname "$0")
mode=train-ok
case "$T2_INDEX" in
  0) [ "$T2_ATTEMPT" = 1 ] && mode=exit1 ;;
  1) mode=segv ;;
  2) [ "$T2_ATTEMPT" = 1 ] && mode=hang ;;
  3) [ "$T2_ATTEMPT" = 1 ] && mode=malformed ;;
  4) [ "$T2_ATTEMPT" = 1 ] && mode=nan ;;
  5) [ "$T2_ATTEMPT" = 1 ] && mode=nothing ;;
  6) [ "$T2_ATTEMPT" = 1 ] && mode=deep ;;
  7) [ "$T2_ATTEMPT" = 1 ] && mode=fifo ;;
esac
exec "$here/fault_job.sh" "$mode"
