"""quiet_fits.py — `t2 run` prints what t2 decided, not the log lines of the libraries under it.
The laws' multi-start fits discard a start whose residuals cannot be evaluated; Ceres reports each
such start through glog ("Terminating: Residual and Jacobian evaluation failed", after glog's own
"Logging before InitGoogleLogging()"). Before t2's main() kept glog to fatal errors, this sweep
(examples/adaptive.toml at seed 121, 4 batches of refits) printed 2 such lines on the machine the
test was written on (2026-12-02); the fit's own summary and warnings are what the user reads.
Also checks that glog writes no log files into the temp folder."""
import glob
import os
import tempfile

from e2e_util import check, example, t2, tmpdir, write_config

d = tmpdir("quiet-fits")
logdir = tempfile.gettempdir()
before = set(glob.glob(os.path.join(logdir, "t2*.log.*")))
cfg = write_config(os.path.join(d, "a.toml"),
                   example("adaptive.toml", os.path.join(d, "a.h5"), {"seed = 42": "seed = 121"}))
p = t2("run", cfg)
out = p.stdout + p.stderr
for noise in ("InitGoogleLogging", "Terminating:", "trust_region_minimizer", "Check failed"):
    check(noise not in out, f"t2 run printed library log output ({noise!r}):\n{out[-3000:]}")
check("stopped moving within tolerance" in out, f"the adaptive sweep did not stop by its rule:\n{out[-3000:]}")
check("T2 optimum" in out, f"no closing plan:\n{out[-3000:]}")
after = set(glob.glob(os.path.join(logdir, "t2*.log.*")))
check(after == before, f"glog wrote log files: {sorted(after - before)}")
print("ok: t2 run (adaptive, seed 121) printed no library log lines and wrote no glog files")
