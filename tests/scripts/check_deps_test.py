#!/usr/bin/python3
"""check_deps_test.py — scripts/check-deps.py on tiny graphs: a forbidden edge, direct or
through other targets, fails naming the path; a clean graph passes; what an imported library
links itself (Ceres -> libblas) is not ours to check."""
import os
import subprocess
import sys
import tempfile

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "check-deps.py")
PURE = "t2_config,t2_laws"


def dot(edges):
    names = sorted({n for e in edges for n in e})
    ids = {n: f"node{i}" for i, n in enumerate(names)}
    lines = ["digraph \"t2\" {"]
    lines += [f'    "{ids[n]}" [ label = "{n}", shape = octagon ];' for n in names]
    lines += [f'    "{ids[a]}" -> "{ids[b]}" [ style = dotted ] // {a} -> {b}' for a, b in edges]
    return "\n".join(lines + ["}"]) + "\n"


def run(edges):
    with tempfile.NamedTemporaryFile("w", suffix=".dot", delete=False) as f:
        f.write(dot(edges))
    try:
        p = subprocess.run([sys.executable, SCRIPT, "--dot", f.name, "--pure", PURE], capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    return p.returncode, p.stdout + p.stderr


failures = []


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


clean = [("t2_config", "t2_contract"), ("t2_config", "t2_workload_settings"), ("t2_laws", "Ceres::ceres"),
         ("Ceres::ceres", "/usr/lib/x86_64-linux-gnu/libblas.so"), ("t2_workers", "t2_builtin"),
         ("t2_builtin", "BLAS::BLAS"), ("t2_worker_loop", "MPI::MPI_CXX")]
rc, out = run(clean)
check("a clean graph passes (Ceres' own BLAS is allowed)", rc == 0 and "check-deps: ok" in out)

rc, out = run(clean + [("t2_config", "t2_workers")])
check("config -> factory fails, exit 1", rc == 1)
check("... naming the direct edge", "t2_config reaches t2_workers" in out and "t2_config -> t2_workers\n" in out)
check("... and what it brings transitively (OpenBLAS through the builtin backend)",
      "t2_config -> t2_workers -> t2_builtin -> BLAS::BLAS" in out)

rc, out = run(clean + [("t2_laws", "t2_helper"), ("t2_helper", "MPI::MPI_CXX")])
check("laws -> helper -> MPI fails naming the path", rc == 1 and "t2_laws -> t2_helper -> MPI::MPI_CXX" in out)

rc, out = run(clean + [("t2_config", "/usr/lib/x86_64-linux-gnu/libopenblas.so")])
check("a direct link to libopenblas fails", rc == 1 and "OpenBLAS" in out)

rc, out = run([("t2_laws", "Ceres::ceres")])
check("a target to check that is not in the graph (renamed?) is an error naming it, not a pass",
      rc == 2 and "t2_config" in out)

sys.exit(1 if failures else 0)
