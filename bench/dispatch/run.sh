#!/usr/bin/env bash
# run.sh — the dispatch benchmark on 2 and 4 ranks. Usage: bench/dispatch/run.sh [BUILD_DIR]
set -euo pipefail
B=${1:-build}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
D=$(mktemp -d)
for np in 2 4; do
  rm -f "$D"/bench-*
  mpirun --oversubscribe -np $np "$B/bench/dispatch/bench_dispatch" 100 "$D"
done
rm -rf "$D"
