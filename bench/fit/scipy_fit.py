#!/usr/bin/python3
"""bench/fit/scipy_fit.py — the baseline of bench_fit: the same Approach-3 objective (Huber,
delta = 1e-3, on log residuals of the log-sum-exp form; Hoffmann et al. App. D.2) minimised with
scipy's L-BFGS-B and an analytic numpy gradient, from every STRIDE-th start of the same
4,500-start grid, as Epoch's replication does. Prints one JSON line: starts, seconds, best objective.
usage: /usr/bin/python3 scipy_fit.py POINTS.csv STRIDE   (CSV columns N,D,loss)"""
import json
import sys
import time

import numpy as np
from scipy.optimize import minimize

DELTA = 1e-3


def main():
    path, stride = sys.argv[1], int(sys.argv[2])
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    x, y, ll = np.log(data[:, 0]), np.log(data[:, 1]), np.log(data[:, 2])

    def objective(p):
        a, b, e, al, be = p
        u, v = a - al * x, b - be * y
        m = np.maximum(np.maximum(u, v), e)
        eu, ev, ee = np.exp(u - m), np.exp(v - m), np.exp(e - m)
        s = eu + ev + ee
        r = m + np.log(s) - ll
        ar = np.abs(r)
        f = np.where(ar <= DELTA, 0.5 * r * r, DELTA * (ar - 0.5 * DELTA)).sum()
        dh = np.clip(r, -DELTA, DELTA) / s
        gu, gv = dh * eu, dh * ev
        g = np.array([gu.sum(), gv.sum(), (dh * ee).sum(), -(gu * x).sum(), -(gv * y).sum()])
        return f, g

    grid = [(a, b, e, al, be)
            for a in np.arange(0, 30, 5) for b in np.arange(0, 30, 5) for e in np.arange(-1, 1.5, 0.5)
            for al in np.arange(0, 2.5, 0.5) for be in np.arange(0, 2.5, 0.5)]
    starts = grid[::stride]
    best = np.inf
    t0 = time.perf_counter()
    for s in starts:
        res = minimize(objective, np.array(s, dtype=float), jac=True, method="L-BFGS-B")
        if np.isfinite(res.fun) and res.fun < best:
            best = res.fun
    seconds = time.perf_counter() - t0
    print(json.dumps({"starts": len(starts), "grid": len(grid), "seconds": seconds, "best": float(best)}))


if __name__ == "__main__":
    main()
