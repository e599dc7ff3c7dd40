#!/usr/bin/env bash
# run.sh — the CI fuzz stage (scripts/run-tests.sh runs it after the suite; README "Fuzz stage").
# Builds the two harnesses alone with ASan + UBSan into build-asan/ (NDEBUG: toml++'s own asserts
# are not what is under test), runs them on seeded mutants, then runs a sample of the config
# mutants through the real `t2 validate` of build/ (built by scripts/build.sh). Any failure,
# sanitizer report, signal or mutant past its timer exits non-zero, which fails CI.
#   T2_FUZZ_SEED (default 12)  seed of every mutant; a failure line names the seed and the index
#   T2_FUZZ_CONFIGS / T2_FUZZ_JSON / T2_FUZZ_NPY  mutant counts (default 1200 / 400 / 300)
set -euo pipefail
cd "$(dirname "$0")/../.."
SEED=${T2_FUZZ_SEED:-12}
JOBS=${T2_BUILD_JOBS:-$(nproc)}
OUT=build-asan/fuzz-out
start=$(date +%s)

FLAGS="-O1 -g -DNDEBUG -fsanitize=address,undefined -fsanitize=float-cast-overflow -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_CXX_FLAGS_FUZZ="$FLAGS" -DCMAKE_C_FLAGS_FUZZ="$FLAGS" \
  -DCMAKE_EXE_LINKER_FLAGS_FUZZ="-fsanitize=address,undefined" \
  -DT2_BUILD_TESTS=ON -DT2_BUILD_BENCH=OFF -DT2_FUZZ=ON > build-asan.log 2>&1 || { cat build-asan.log; exit 1; }
cmake --build build-asan -j "$JOBS" --target t2_fuzz_config t2_fuzz_results >> build-asan.log 2>&1 ||
  { tail -60 build-asan.log; echo "[fuzz] build failed; full log in build-asan.log" >&2; exit 1; }
built=$(date +%s)

rm -rf "$OUT" && mkdir -p "$OUT"
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# Seed corpus: the examples users start from, the suite's sweep, and tests/fuzz/corpus (tables
# and keys the examples leave out).
corpus=(examples/*.toml examples/*/sweep.toml tests/e2e/small_sweep.toml tests/fuzz/corpus/*.toml)
rc=0
# A harness that dies (sanitizer report, timer) leaves DIR/CURRENT naming the mutant it ran.
died() { echo "[fuzz] FAIL: $1 exited $2 while running: $(cat "$3/CURRENT" 2>/dev/null)" >&2; rc=1; }
build-asan/tests/fuzz/t2_fuzz_config --seed "$SEED" --count "${T2_FUZZ_CONFIGS:-1200}" --sample 40 \
  --out "$OUT/config" "${corpus[@]}" || died t2_fuzz_config $? "$OUT/config"
build-asan/tests/fuzz/t2_fuzz_results --seed "$SEED" --json "${T2_FUZZ_JSON:-400}" --npy "${T2_FUZZ_NPY:-300}" \
  --out "$OUT/results" || died t2_fuzz_results $? "$OUT/results"
if [ -x build/bin/t2 ] && [ -f "$OUT/config/sample/manifest.tsv" ]; then
  /usr/bin/python3 tests/fuzz/cli_sample.py "$PWD/build/bin/t2" "$OUT/config/sample/manifest.tsv" || rc=1
else
  echo "[fuzz] FAIL: build/bin/t2 or the sample manifest is missing; the CLI sample did not run" >&2
  rc=1
fi
end=$(date +%s)
echo "[fuzz] $( ((rc)) && echo FAILED || echo passed ) in $((end - start)) s (ASan/UBSan build $((built - start)) s, mutants $((end - built)) s); kept files of failed mutants in $OUT"
exit $rc
