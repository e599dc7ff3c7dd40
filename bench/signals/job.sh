#!/usr/bin/env bash
# job.sh train|eval SECONDS — an exec-backend job for bench_signals.sh: appends its start time
# to $T2_BENCH_STAMPS, sleeps (interruptibly: SIGTERM ends it at once), writes a valid result.
set -u
kind=$1 seconds=$2
echo "$(date +%s.%N) $kind $T2_INDEX" >>"$T2_BENCH_STAMPS"
sleep "$seconds" &
wait $!
if [ "$kind" = train ]; then
  printf '{"loss": 3.5, "tokens": %s, "params": %s}\n' "$T2_D" "$T2_N" >"$T2_RESULT.tmp"
else
  row="[1"; for ((s = 1; s < T2_SAMPLES; s++)); do row+=",0"; done; row+="]"
  rows="$row"; nll="1.0"
  for ((p = 1; p < T2_PROBLEMS; p++)); do rows+=",$row"; nll+=",1.0"; done
  printf '{"problems": %s, "samples": %s, "correct": [%s], "nll": [%s]}\n' \
    "$T2_PROBLEMS" "$T2_SAMPLES" "$rows" "$nll" >"$T2_RESULT.tmp"
fi
mv "$T2_RESULT.tmp" "$T2_RESULT"
