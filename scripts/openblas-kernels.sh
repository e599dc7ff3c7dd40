# openblas-kernels.sh — sourced by run-quickstart.sh and run-tests.sh: one choice of OpenBLAS
# kernels on every machine that can run them. The built-in trainer's matrix multiplies go to
# OpenBLAS, which picks its kernels from the CPU it detects; each kernel sums in its own order,
# so trained losses (and a small sweep's answer) differ between machines (README, "What the
# quickstart shows"). On every CPU with AVX2 and FMA use the Haswell kernels; a virtual CPU that
# OpenBLAS does not recognise otherwise gets its SSE3 kernels (measured 2026-12-02: 2.3x slower
# for the quickstart's 2.8e5-parameter model). A caller's own OPENBLAS_CORETYPE is kept.
if [[ -z "${OPENBLAS_CORETYPE:-}" ]] && grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=Haswell
fi
echo "[$(basename "$0" .sh)] OpenBLAS kernels: ${OPENBLAS_CORETYPE:-chosen by OpenBLAS for this CPU}"
