#!/usr/bin/python3
"""check-deps.py — the one-way dependency rule, checked on CMake's own target graph.

Reads the graph `cmake --graphviz` writes (every target and every target_link_libraries edge,
PUBLIC and PRIVATE alike: a static library's private links still end up in its users' link
lines) and fails, naming the path, when a pure target reaches a forbidden one: config, store,
laws, truth, analysis, design and report reach no MPI, no workload backend and not the
trainer's OpenBLAS. Only our own targets (t2_*) are walked: what an imported library such as
Ceres links itself is its own business.

  scripts/check-deps.py                      configure a scratch tree (build/depgraph) and check it
  scripts/check-deps.py --dot FILE.dot       check a graph already written (the self-test uses this)
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

# Targets that must stay pure (README "Layout": dependencies point one way).
PURE = ["t2_contract", "t2_config", "t2_store", "t2_laws", "t2_truth", "t2_analysis", "t2_design",
        "t2_report", "t2_workload_settings"]
# What they must not reach: MPI, the backends and what runs them, the trainer's BLAS.
FORBIDDEN = {
    "MPI::MPI_CXX": "MPI", "MPI::MPI_C": "MPI",
    "t2_synthetic": "a workload backend", "t2_builtin": "a workload backend", "t2_exec": "a workload backend",
    "t2_workers": "the backend factory (every backend)", "t2_worker_loop": "the MPI worker loop",
    "t2_sweep": "the coordinator (MPI)",
    "BLAS::BLAS": "OpenBLAS", "LAPACK::LAPACK": "OpenBLAS",
}
BLAS_FILE = re.compile(r"(^|/)lib(open)?blas[^/]*$")


def read_dot(path):
    """Returns ({node id: label}, [(from id, to id)]) of a CMake graphviz file."""
    labels, edges = {}, []
    node = re.compile(r'^\s*"([^"]+)"\s*\[\s*label\s*=\s*"([^"]*)"')
    edge = re.compile(r'^\s*"([^"]+)"\s*->\s*"([^"]+)"')
    with open(path) as f:
        for line in f:
            if m := edge.match(line):
                edges.append((m.group(1), m.group(2)))
            elif m := node.match(line):
                labels[m.group(1)] = m.group(2)
    return labels, edges


def forbidden_reason(label):
    if label in FORBIDDEN:
        return FORBIDDEN[label]
    if BLAS_FILE.search(label):
        return "OpenBLAS"
    return None


def check(labels, edges, pure=PURE):
    """Every (pure target, path to a forbidden target) found; empty when the rule holds."""
    out = {}
    for a, b in edges:
        out.setdefault(labels.get(a, a), []).append(labels.get(b, b))
    problems = []
    for start in pure:
        if start not in out and start not in labels.values():
            continue
        # Breadth-first over our own targets, remembering how each was reached.
        parent, queue = {start: None}, [start]
        while queue:
            t = queue.pop(0)
            for u in out.get(t, []):
                if u in parent:
                    continue
                parent[u] = t
                if forbidden_reason(u):
                    path = [u]
                    while parent[path[-1]] is not None:
                        path.append(parent[path[-1]])
                    problems.append((start, u, forbidden_reason(u), " -> ".join(reversed(path))))
                if u.startswith("t2"):  # past a forbidden target too, to name what it brings
                    queue.append(u)
    return problems


def graph_of_build(source, build):
    os.makedirs(build, exist_ok=True)
    dot = os.path.join(build, "t2.dot")
    # Configure only (no compile): the graph is a property of the CMake files.
    subprocess.run(["cmake", "-S", source, "-B", build, f"--graphviz={dot}", "-DT2_BUILD_TESTS=ON",
                    "-DT2_BUILD_BENCH=ON"], check=True, stdout=subprocess.DEVNULL)
    return dot


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--source", default=os.path.dirname(here), help="the t2 source tree (default: this script's)")
    ap.add_argument("--build", help="scratch build tree to configure (default: SOURCE/build/depgraph)")
    ap.add_argument("--dot", help="check this graphviz file instead of configuring")
    ap.add_argument("--pure", help="comma-separated targets to check (default: %s)" % ",".join(PURE))
    args = ap.parse_args()
    dot = args.dot or graph_of_build(args.source, args.build or os.path.join(args.source, "build", "depgraph"))
    labels, edges = read_dot(dot)
    if not edges:
        print(f"check-deps: {dot}: no edges (not a CMake graphviz file?)")
        return 2
    pure = args.pure.split(",") if args.pure else PURE
    missing = [t for t in pure if t not in labels.values()]
    if missing:
        print(f"check-deps: {dot}: targets to check are not in the graph (renamed? update PURE): {', '.join(missing)}")
        return 2
    problems = check(labels, edges, pure)
    for start, bad, why, path in problems:
        print(f"check-deps: forbidden edge: {start} reaches {bad} ({why}): {path}")
    if problems:
        print(f"check-deps: FAILED: {len(problems)} forbidden dependencies in {dot}")
        return 1
    print(f"check-deps: ok: {', '.join(pure)} reach no MPI, no workload backend, no OpenBLAS "
          f"({len(labels)} targets, {len(edges)} edges in {dot})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
