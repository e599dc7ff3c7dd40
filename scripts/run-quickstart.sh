#!/usr/bin/env bash
# run-quickstart.sh — README command 1: install the Debian packages, build, and run the main
# job: a small built-in sweep end to end (examples/quickstart.toml), then its fitted law and plan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_mpi_yield_when_idle=1
mkdir -p runs
# Rank 0 coordinates; two worker ranks train and sample, one thread each (2 cores).
mpirun --oversubscribe -np 3 ./build/bin/t2 run examples/quickstart.toml "$@"
