#!/usr/bin/env bash
# fault_job.sh — a misbehaving "trainer" for the exec backend's fault-injection tests.
# Usage: fault_job.sh MODE [ARG...]; the result path, run dir and sizes come from the T2_*
# environment the exec backend sets (T2_RESULT, T2_RUN_DIR, T2_N, T2_D, T2_PROBLEMS, T2_SAMPLES).
# Modes:
#   train-ok   valid training result          eval-ok [K] valid eval result (inline "correct";
#                                                        K = claimed samples, for shape errors)
#   exit1      prints to stderr, exits 1      segv       kills itself with SIGSEGV
#   hang       leaves a grandchild (pid in $T2_RUN_DIR/grandchild.pid) and never ends
#   stubborn   like hang, but ignores SIGTERM (needs SIGKILL after the grace)
#   malformed  writes truncated JSON          nan        writes "loss": NaN (as Python's json does)
#   nothing    exits 0 without a result       echo-args  writes its arguments, NUL-separated, to
#                                                        $T2_RUN_DIR/args, then a valid result
#   deep       a result nested 100000 deep    fifo       makes the result path a FIFO, exits 0
#   badbytes   logs a line with 0xFF and 0x01 bytes, exits 1
set -u
mode=$1; shift
json_escape() { local s=${1//\\/\\\\}; printf '%s' "${s//\"/\\\"}"; }
train_ok() {
  printf '{"loss": 3.25, "tokens": %s, "params": %s, "checkpoint": "%s/ckpt.bin"}\n' \
    "$T2_D" "$T2_N" "$(json_escape "$T2_RUN_DIR")" > "$T2_RESULT"
}
case "$mode" in
  train-ok) train_ok ;;
  eval-ok)  # optional ARG: claim this many samples instead of $T2_SAMPLES
    {
      printf '{"problems": %s, "samples": %s, "correct": [' "$T2_PROBLEMS" "${1:-$T2_SAMPLES}"
      for ((p = 0; p < T2_PROBLEMS; p++)); do
        [ $p -gt 0 ] && printf ','
        printf '['
        for ((s = 0; s < T2_SAMPLES; s++)); do [ $s -gt 0 ] && printf ','; printf '%d' $(( (p + s) % 2 )); done
        printf ']'
      done
      printf '], "nll": ['
      for ((p = 0; p < T2_PROBLEMS; p++)); do [ $p -gt 0 ] && printf ','; printf '%d.5' "$p"; done
      printf ']}\n'
    } > "$T2_RESULT" ;;
  exit1) echo "trainer: CUDA out of memory (simulated)" >&2; exit 1 ;;
  segv) echo "about to crash"; kill -SEGV $$ ;;
  hang|stubborn)
    [ "$mode" = stubborn ] && trap '' TERM
    sleep 1000 &
    echo $! > "$T2_RUN_DIR/grandchild.pid.tmp" && mv "$T2_RUN_DIR/grandchild.pid.tmp" "$T2_RUN_DIR/grandchild.pid"
    while :; do wait; done ;;
  malformed) printf '{"loss": 3.25, "tokens": ' > "$T2_RESULT" ;;
  nan) printf '{"loss": NaN, "tokens": %s, "params": %s}\n' "$T2_D" "$T2_N" > "$T2_RESULT" ;;
  nothing) echo "done (but forgot the result)" ;;
  deep) { printf '{"loss": '; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']'; printf '}\n'; } > "$T2_RESULT" ;;
  fifo) mkfifo "$T2_RESULT" ;;
  badbytes) printf 'bad \xff\x01 bytes\n' >&2; exit 1 ;;
  echo-args) printf '%s\0' "$@" > "$T2_RUN_DIR/args"; train_ok ;;
  *) echo "fault_job.sh: unknown mode $mode" >&2; exit 2 ;;
esac
