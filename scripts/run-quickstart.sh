#!/usr/bin/env bash
# run-quickstart.sh — README command 1: install the Debian packages, build, and run the main
# job end to end: the built-in sweep of examples/quickstart.toml (3 isoFLOP slices of a native
# transformer on 3-digit arithmetic), its fitted laws and plan (printed by `t2 run`), and the
# report's figures. Budget: 8 minutes on 2 cores (what the time is spent on: the config's top comment).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
bash scripts/install-deps.sh
bash scripts/build.sh t2   # the quickstart needs the t2 executable only (the suite builds the rest)
built=$SECONDS
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
source scripts/openblas-kernels.sh   # the same trainer numerics on every AVX2 machine
mkdir -p runs
# Rank 0 coordinates; two worker ranks train and sample, one thread each (2 cores).
mpirun --oversubscribe -np 3 ./build/bin/t2 run examples/quickstart.toml "$@"
./build/bin/t2 report runs/quickstart.h5 --out runs/quickstart-report
echo "[quickstart] install + build $((built - start)) s, sweep + fit + plan + report $((SECONDS - built)) s;" \
     "figures: runs/quickstart-report/index.html"
