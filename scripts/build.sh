#!/usr/bin/env bash
# build.sh — configures and builds t2 (Release) into ./build. Used by the two README commands.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${T2_BUILD_JOBS:-$(nproc)}
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release > build.log 2>&1 || { cat build.log; exit 1; }
cmake --build build -j "$JOBS" >> build.log 2>&1 || { tail -60 build.log; echo "build failed; full log in build.log" >&2; exit 1; }
echo "[build] t2 built: build/bin/t2"
