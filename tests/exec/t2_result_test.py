#!/usr/bin/env python3
"""t2_result_test.py — examples/python/t2_result.py: what it writes is what the contract names,
a failed write leaves the previous file whole and no temporary behind, bad shapes are refused
before anything is written, and the job's T2_* values are read with their types."""
import json
import math
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "python"))
import numpy as np  # noqa: E402
import t2_result  # noqa: E402

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}")


d = tempfile.mkdtemp(prefix="t2-result-test-")
res = os.path.join(d, "train.result.json")
ckpt = os.path.join(d, "model.pt")
open(ckpt, "w").write("weights")

r = t2_result.write_train_result(res, loss=np.float32(2.5), tokens=1000, params=120, params_non_embedding=100,
                                 checkpoint=ckpt, loss_curve=[3, 2.5], curve_tokens=[500, 1000], lr=0.1)
back = json.load(open(res))
check(back == {"loss": 2.5, "tokens": 1000.0, "params": 120.0, "params_non_embedding": 100.0,
               "checkpoint": os.path.abspath(ckpt), "loss_curve": [3.0, 2.5], "curve_tokens": [500.0, 1000.0],
               "lr": 0.1}, f"train result {back}")
check(set(os.listdir(d)) == {"train.result.json", "model.pt"},
      f"files after a write: {os.listdir(d)}")

# a diverged run is written as NaN (t2 then records a bad_result naming it), not hidden
t2_result.write_train_result(res, loss=float("nan"), tokens=1, params=1)
check('"loss": NaN' in open(res).read(), "NaN loss not written as NaN")

# a write that fails (an extra field JSON cannot hold) leaves the previous file and no temporary
before = open(res).read()
try:
    t2_result.write_train_result(res, loss=1.0, tokens=1, params=1, bad=object())
    check(False, "an unserialisable field was accepted")
except TypeError:
    pass
check(open(res).read() == before, "a failed write changed the previous result")
check(set(os.listdir(d)) == {"train.result.json", "model.pt"}, f"a failed write left {os.listdir(d)}")

# the checkpoint must exist before the result refers to it
try:
    t2_result.write_train_result(res, loss=1.0, tokens=1, params=1, checkpoint=os.path.join(d, "missing.pt"))
    check(False, "a missing checkpoint was accepted")
except FileNotFoundError:
    pass

ev = os.path.join(d, "eval-3.result.json")
r = t2_result.write_eval_result(ev, correct=np.array([[1, 0, 1], [0, 0, 0]]), nll=np.array([0.5, 2.0]),
                                problem_ids=["a", "b"], tokens_per_sample=10)
check(json.load(open(ev)) == {"problems": 2, "samples": 3, "nll": [0.5, 2.0], "tokens_per_sample": 10.0,
                              "problem_ids": ["a", "b"], "correct": [[1, 0, 1], [0, 0, 0]]}, f"eval {open(ev).read()}")
r = t2_result.write_eval_result(ev, correct=[[True, False]], nll=None)
check("nll" not in json.load(open(ev)), "nll=None still wrote an nll")
r = t2_result.write_eval_result(ev, correct=np.zeros((4, 2), dtype=bool), npy=True)
m = np.load(json.load(open(ev))["outcomes_file"])
check(m.shape == (4, 2) and m.dtype == np.uint8, f"npy outcomes {m.shape} {m.dtype}")
for bad, why in (([[1, 2]], "a value 2"), ([[1, 0], [1]], "ragged rows"), (np.zeros(3), "a 1-D array")):
    try:
        t2_result.write_eval_result(ev, correct=bad)
        check(False, f"accepted {why}")
    except ValueError:
        pass
try:
    t2_result.write_eval_result(ev, correct=[[1], [0]], nll=[1.0])
    check(False, "accepted an nll of the wrong length")
except ValueError:
    pass

job = t2_result.job({"T2_JOB_KIND": "eval", "T2_N": "1000000", "T2_D": "2e7", "T2_SEED": "18446744073709551615",
                     "T2_PROBLEM_SEED": "42", "T2_PROBLEMS": "8", "T2_TASK": "addition", "T2_RESULT": ev})
check((job.kind, job.N, job.D, job.seed, job.problem_seed, job.problems, job.task, job.result, job.checkpoint) ==
      ("eval", 1e6, 2e7, 2**64 - 1, 42, 8, "addition", ev, None), f"job() {job}")

if failures:
    sys.exit(1)
print("ok: t2_result writes the contract's fields atomically and refuses bad shapes")
