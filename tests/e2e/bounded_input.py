"""bounded_input.py — issue 12's bounded parsing at the CLI: hostile configs (deep nesting, a
huge grid, wrapping integers, huge durations, inf, NUL, long values) make `t2 validate`,
`t2 run` and `t2 slurm` exit 1 quickly with one line naming the file, never a signal."""
import os
import time

from e2e_util import *

work = tmpdir("bounded")
store = os.path.join(work, "s.h5")
good = example("tests/e2e/small_sweep.toml", store)

builtin = good.replace('backend = "synthetic"\n\n[workload.synthetic]\nloss_noise = 0.01',
                       'backend = "builtin"\n\n[workload.builtin]\nmax_digits = 4294967297')
check(builtin != good, "small_sweep.toml has the expected [workload] table")
cases = {
    "deep_keys": (good + "x" + ".a" * 40000 + " = 1\n", ["deep_keys.toml:", "nesting deeper than 64 levels"]),
    "deep_headers": (good + "[a" + ".a" * 40000 + "]\n", ["deep_headers.toml:", "nesting deeper than 64"]),
    "deep_arrays": (good + "y = " + "[" * 40000 + "]" * 40000 + "\n", ["deep_arrays.toml:", "nesting deeper"]),
    "huge_grid": (good.replace("steps = 6 }\nd", "steps = 100000 }\nd").replace("to = 1e10, steps = 6", "to = 1e10, steps = 100000"),
                  ["huge_grid.toml:", "grid.d", "100000 x 100000 = 10000000000 points"]),
    "wrap": (builtin, ["wrap.toml:", "workload.builtin.max_digits = 4294967297", "out of range"]),
    "grace": (good.replace("seed = 42", "seed = 42\nshutdown_grace = 1e10"),
              ["grace.toml:", "sweep.shutdown_grace", "between 0 and 1e+07 seconds"]),
    "inf": (good.replace("train_budget = 1e19", "train_budget = inf"), ["inf.toml:", "target.train_budget", "finite"]),
    "nul": (good.replace('tasks = ["arithmetic", "spatial"]', 'tasks = ["arith\\u0000metic"]'),
            ["nul.toml:", "eval.tasks", "NUL"]),
    "long": (good.replace("seed = 42", 'seed = "' + "x\\n" * 10 + "y" * 1000000 + '"'), ["long.toml:", "sweep.seed", "…"]),
}
for name, (text, needles) in cases.items():
    path = write_config(os.path.join(work, f"{name}.toml"), text)
    for args in (["validate", path], ["run", path, "--store", store]):
        start = time.monotonic()
        p = t2(*args, check_rc=1, timeout=60)
        took = time.monotonic() - start
        msg = p.stderr.strip()
        check(took < 5, f"t2 {args[0]} {name}: refused in {took:.1f} s (< 5 s)")
        check("\n" not in msg and len(msg) < 600, f"t2 {args[0]} {name}: one short line, got {len(msg)} chars: {msg[:300]}")
        for n in needles:
            check(n in msg, f"'{n}' in the message of t2 {args[0]} {name}: {msg[:300]}")
    check(not os.path.exists(store), f"{name}: no store was created")

# t2 slurm reads the sweep file itself: the same nesting limit applies before toml++.
p = t2("slurm", os.path.join(work, "deep_keys.toml"), check_rc=1, timeout=60)
check("nesting deeper than 64" in p.stderr, f"t2 slurm refuses deep nesting: {p.stderr[:300]}")
print("ok")
