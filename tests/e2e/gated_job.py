"""gated_job.py — an exec-backend job for the stop and status tests: a training job that records
the N and D it was handed, starts a helper process in its group that ignores SIGTERM (as a data
loader or a shell pipeline might), announces itself with a marker file, and finishes only once
the test creates GATE/release (or GATE/release-N for this N). Evals answer at once. A
"badtrain" job writes a result without its loss (a deterministic bad result). Standard library only.

  gated_job.py train|badtrain GATE N D RESULT
  gated_job.py eval GATE PROBLEMS SAMPLES RESULT
"""
import json
import os
import signal
import subprocess
import sys
import time


def write_json_atomically(path, obj):
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(obj, f)
    os.replace(tmp, path)


def main():
    mode, gate = sys.argv[1], sys.argv[2]
    if mode == "badtrain":
        write_json_atomically(sys.argv[5], {"tokens": float(sys.argv[4]), "params": float(sys.argv[3])})
    elif mode == "train":
        n, d, result = sys.argv[3], sys.argv[4], sys.argv[5]
        with open(os.path.join(gate, "sizes.txt"), "a") as f:
            f.write(f"{n} {d}\n")
        # A helper that outlives SIGTERM: only a SIGKILL of the whole group ends it.
        # GATED_JOB names it for the test's survivor scan, which must not rely on t2's own tag.
        subprocess.Popen(["sh", "-c", "trap '' TERM; while :; do sleep 1; done"],
                         env={**os.environ, "GATED_JOB": gate},
                         preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_IGN))
        with open(os.path.join(gate, f"started-{os.getpid()}"), "w") as f:
            f.write(os.environ.get("T2_JOB_TAG", ""))
        while not (os.path.exists(os.path.join(gate, "release")) or os.path.exists(os.path.join(gate, f"release-{n}"))):
            time.sleep(0.02)
        write_json_atomically(result, {"loss": 3.0, "tokens": float(d), "params": float(n)})
    else:
        problems, samples, result = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
        write_json_atomically(result, {"problems": problems, "samples": samples,
                                       "nll": [1.0] * problems,
                                       "correct": [[i % 2 for i in range(samples)] for _ in range(problems)]})


if __name__ == "__main__":
    main()
