#!/usr/bin/env python3
"""toy_trainer.py — a stand-in for your own trainer, wired into t2 through the exec backend.

It follows the job-result contract (schemas/job-result.md) with the Python standard library only,
so you can read it next to your PyTorch/JAX script and copy the ~20 lines that matter: parse the
arguments t2 fills in, do the work, write the result JSON atomically to the path t2 gave you.

Training "learns" nothing: its loss is a Chinchilla-shaped law L(N, D) = E + A/N^a + B/D^b
(Hoffmann et al. 2022, Eq. 2) with seeded noise. Evaluation draws each problem's success
probability from a Beta whose mean falls with the loss (T² paper §3.2) and samples k answers.

  toy_trainer.py train --n N --d D --seed S --run-dir DIR --out RESULT
  toy_trainer.py eval  --checkpoint PATH --task NAME --problems P --samples K
                       --temperature T --seed S --out RESULT [--npy]
"""
import argparse
import json
import math
import os
import random
import struct
import sys

E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28


def write_json_atomically(path, obj):
    # t2 reads the file after the process exits; writing to a temporary name and renaming means
    # a job killed mid-write leaves no half file that could be mistaken for a result.
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(obj, f, allow_nan=False)  # NaN is not JSON; t2 would reject it anyway
    os.replace(tmp, path)


def train(args):
    rng = random.Random(args.seed)
    law = lambda d: E + A / args.n ** ALPHA + B / d ** BETA
    points = 16
    curve_tokens = [args.d * (i + 1) / points for i in range(points)]
    curve = [law(d) * math.exp(rng.gauss(0, 0.01)) for d in curve_tokens]
    loss = curve[-1]
    os.makedirs(args.run_dir, exist_ok=True)
    checkpoint = os.path.join(args.run_dir, "toy-checkpoint.json")
    write_json_atomically(checkpoint, {"n": args.n, "d": args.d, "loss": loss})
    print(f"trained N={args.n:g} D={args.d:g}: loss {loss:.4f}")
    write_json_atomically(args.out, {
        "loss": loss,                # held-out loss, nats/token, finite and > 0
        "tokens": args.d,            # tokens actually trained on
        "params": args.n,            # N as the scaling laws count it
        "checkpoint": checkpoint,    # handed to the eval job as {checkpoint}
        "loss_curve": curve,
        "curve_tokens": curve_tokens,
    })


def write_npy_uint8(path, rows):
    # The .npy format 1.0 (numpy.lib.format): magic, version, header length, a padded dict.
    header = "{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d), }" % (len(rows), len(rows[0]) if rows else 0)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
        for row in rows:
            f.write(bytes(row))


def evaluate(args):
    with open(args.checkpoint) as f:
        model = json.load(f)
    loss = model["loss"]
    # mean accuracy falls with the loss; a higher temperature spreads the samples a little
    mu = 0.95 / (1 + math.exp(1.5 * (loss - 7.0)))
    mu = min(max(mu / max(args.temperature, 0.1) ** 0.25, 1e-6), 1 - 1e-6)
    nu = math.e
    rng = random.Random(args.seed)
    correct, nll = [], []
    for _ in range(args.problems):
        p = min(max(rng.betavariate(mu * nu, (1 - mu) * nu), 1e-12), 1.0)
        correct.append([1 if rng.random() < p else 0 for _ in range(args.samples)])
        nll.append(max(0.0, -math.log(p) + rng.gauss(0, 0.02)))
    result = {"problems": args.problems, "samples": args.samples, "nll": nll, "tokens_per_sample": 16}
    if args.npy:  # large evals: a problems x samples uint8 matrix beside the JSON
        npy = os.path.join(os.path.dirname(os.path.abspath(args.out)), f"outcomes-{args.task}-{args.seed}.npy")
        write_npy_uint8(npy, correct)
        result["outcomes_file"] = npy
    else:
        result["correct"] = correct
    print(f"evaluated {args.task}: {sum(map(sum, correct))} of {args.problems * args.samples} samples correct")
    write_json_atomically(args.out, result)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("train")
    t.add_argument("--n", type=float, required=True)
    t.add_argument("--d", type=float, required=True)
    t.add_argument("--seed", type=int, required=True)
    t.add_argument("--run-dir", required=True)
    t.add_argument("--out", required=True)
    e = sub.add_parser("eval")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--task", required=True)
    e.add_argument("--problems", type=int, required=True)
    e.add_argument("--samples", type=int, required=True)
    e.add_argument("--temperature", type=float, default=1.0)
    e.add_argument("--seed", type=int, required=True)
    e.add_argument("--out", required=True)
    e.add_argument("--npy", action="store_true", help="write outcomes to a .npy file instead of inline")
    args = parser.parse_args()
    train(args) if args.mode == "train" else evaluate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
