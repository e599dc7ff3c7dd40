#!/usr/bin/env python3
"""make_beta_reference.py — reference values for orchestrator/laws/log_beta.hpp, computed ONCE with
mpmath at 80 significant digits and committed as beta_reference.csv (read by log_beta_test.cpp,
which compares and never recomputes with t2's code).

Rows: kind,a,b,k,n,c,value
  log_ratio      L(a,b,k) = log B(a, b+k) - log B(a, b)            (<= 0)
  pass           1 - exp(L): expected pass@k under Beta(a, b)      (T2 paper §3.2)
  log_pass       log(1 - exp(L))
  dL_da          psi(a+b) - psi(a+b+k)
  dL_db          psi(b+k) - psi(b) - psi(a+b+k) + psi(a+b)
  digamma_delta  psi(b+k) - psi(b)                                  (a column unused, 0)
  bb_log_pmf     log C(n,c) + log B(c+a, n-c+b) - log B(a, b)       (k column unused, 0)
  neg_log_pass_nll  -log(1 - (1 - exp(-nll))^k), nll in the a column  (pass_at_k.hpp's likelihood source)
Points: (a, b, k) log-uniform over a in [1e-3, 1e6], b in [1e-3, 1e15], k in [1, 1e4] (seeded),
plus corners and the issue-9 case (a = 49.8, b = 4.98e13, k = 2.11); beta-binomial over assorted
n in [1, 1e4], c in [0, n] and (a, b) over the same ranges.
Usage: python3 make_beta_reference.py > beta_reference.csv
"""
import random
import sys

import mpmath as mp

mp.mp.dps = 80
lg, psi = mp.loggamma, mp.digamma


def f(x):
    # 17 significant digits: round-trips a double.
    return mp.nstr(x, 17, min_fixed=0, max_fixed=0) if x != 0 else "0"


def g(x):
    return repr(float(x))


def triple_rows(a, b, k):
    A, B, K = mp.mpf(a), mp.mpf(b), mp.mpf(k)
    L = lg(B + K) - lg(B) - lg(A + B + K) + lg(A + B)
    p = -mp.expm1(L)
    rows = [("log_ratio", L), ("pass", p), ("log_pass", mp.log1p(-mp.exp(L))),
            ("dL_da", psi(A + B) - psi(A + B + K)),
            ("dL_db", psi(B + K) - psi(B) - psi(A + B + K) + psi(A + B))]
    out = [f"{kind},{g(a)},{g(b)},{g(k)},0,0,{f(v)}" for kind, v in rows]
    out.append(f"digamma_delta,0,{g(b)},{g(k)},0,0,{f(psi(B + K) - psi(B))}")
    return out


def bb_row(n, c, a, b):
    A, B = mp.mpf(a), mp.mpf(b)
    v = (lg(n + 1) - lg(c + 1) - lg(n - c + 1) + lg(c + A) + lg(n - c + B) - lg(n + A + B)
         - lg(A) - lg(B) + lg(A + B))
    return f"bb_log_pmf,{g(a)},{g(b)},0,{n},{c},{f(v)}"


def main():
    rng = random.Random(20261202)
    lu = lambda lo, hi: 10 ** rng.uniform(lo, hi)
    triples = [(49.8, 4.98e13, 2.11)]
    for a in (1e-3, 1.0, 1e6):
        for b in (1e-3, 1.0, 1e15):
            for k in (1.0, 1e4):
                triples.append((a, b, k))
    for _ in range(1100):
        triples.append((lu(-3, 6), lu(-3, 15), lu(0, 4)))
    for _ in range(100):  # integer k, the sampled estimator's k
        triples.append((lu(-3, 6), lu(-3, 15), float(rng.choice([1, 2, 4, 8, 16, 100, 1024, 10000]))))
    rows = []
    for a, b, k in triples:
        a, b, k = float(f"{a:.6g}"), float(f"{b:.6g}"), float(f"{k:.6g}")
        rows += triple_rows(a, b, k)
    bbs = [(1, 0, 1.0, 1.0), (1, 1, 1e-3, 1e15), (10, 0, 49.8, 4.98e13), (10000, 0, 0.5, 1e15),
           (10000, 10000, 1e6, 1e-3), (10000, 5000, 1e15, 1e15)]
    for _ in range(400):
        n = rng.choice([1, 2, 5, 10, 20, 64, 100, 1000, 10000])
        c = rng.choice([0, n, rng.randint(0, n)])
        bbs.append((n, c, float(f"{lu(-3, 6):.6g}"), float(f"{lu(-3, 15):.6g}")))
    rows += [bb_row(*t) for t in bbs]
    for _ in range(300):
        nll, k = float(f"{lu(-12, 3):.6g}"), float(f"{lu(0, 4):.6g}")
        p = mp.exp(-mp.mpf(nll))
        v = -mp.log1p(-mp.exp(k * mp.log1p(-p)))  # log1p: exp(.) may be e^-276000
        rows.append(f"neg_log_pass_nll,{g(nll)},0,{g(k)},0,0,{f(v)}")
    sys.stdout.write("kind,a,b,k,n,c,value\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
