#!/usr/bin/env bash
# build.sh [TARGET...] — configures and builds t2 (Release) into ./build: every target, or only
# the ones named (README command 1 builds `t2` alone; command 2 builds everything, tests included).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${T2_BUILD_JOBS:-$(nproc)}
targets=()
for t in "$@"; do targets+=(--target "$t"); done
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j "$JOBS" "${targets[@]}" >> build.log 2>&1 || { tail -60 build.log; echo "build failed; full log in build.log" >&2; exit 1; }
echo "[build] t2 built: build/bin/t2"
