#!/usr/bin/env python3
"""toy_trainer.py — a stand-in for your own trainer, wired into t2 through the exec backend.

It follows the job-result contract (schemas/job-result.md) through the helper
examples/python/t2_result.py (standard library; NumPy for arrays), so you can read it next to your
PyTorch/JAX script and copy the lines that matter: parse the arguments t2 fills in, do the work,
hand the numbers to the helper, which writes the result JSON atomically to the path t2 gave you.
A real PyTorch trainer wired the same way is examples/pytorch/.

Training "learns" nothing: its loss is a Chinchilla-shaped law L(N, D) = E + A/N^a + B/D^b
(Hoffmann et al. 2022, Eq. 2) with seeded noise. Evaluation: the task's problems are drawn from
--problem-seed (t2's {problem_seed}: the same for every eval of the task in the sweep), each
with a fixed difficulty z_i; a model of loss L solves problem i with probability
p_i = sigmoid(a(L) - s z_i), a logit-normal difficulty spread like the Beta of T² §3.2, and k
answers are sampled from --seed. The gold answer's NLL is -log p_i, so every model ranks the
problems in the same order: that is how tests see that row i is one problem in every eval.

  toy_trainer.py train --n N --d D --seed S --run-dir DIR --out RESULT
  toy_trainer.py eval  --checkpoint PATH --task NAME --problems P --samples K
                       --temperature T --seed S --problem-seed PS --out RESULT [--npy] [--no-nll]
"""
import argparse
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import t2_result  # noqa: E402  (examples/python/t2_result.py)

E, A, B, ALPHA, BETA = 1.69, 406.4, 410.7, 0.34, 0.28
# Difficulty spread of the problems (logit scale): wide enough that pass@k keeps rising with k.
SPREAD = 2.0


def train(args):
    rng = random.Random(args.seed)
    law = lambda d: E + A / args.n ** ALPHA + B / d ** BETA
    points = 16
    curve_tokens = [args.d * (i + 1) / points for i in range(points)]
    curve = [law(d) * math.exp(rng.gauss(0, 0.01)) for d in curve_tokens]
    loss = curve[-1]
    os.makedirs(args.run_dir, exist_ok=True)
    checkpoint = os.path.join(args.run_dir, "toy-checkpoint.json")
    t2_result.write_atomically(checkpoint, json.dumps({"n": args.n, "d": args.d, "loss": loss}))
    print(f"trained N={args.n:g} D={args.d:g}: loss {loss:.4f}")
    t2_result.write_train_result(
        args.out,
        loss=loss,                          # held-out loss, nats/token, finite and > 0
        tokens=args.d,                      # tokens actually trained on
        params=args.n,                      # N as the laws count it (embeddings included)
        params_non_embedding=0.9 * args.n,  # the toy's "embeddings" are a tenth of it
        checkpoint=checkpoint,              # handed to the eval job as {checkpoint}
        loss_curve=curve,
        curve_tokens=curve_tokens)


def problem_set(task, problem_seed, count):
    # The task's problems: a function of the problem seed only (and of the task, which t2 has
    # folded into it), never of the model or of the sampling seed.
    rng = random.Random(problem_seed)
    return [(f"{task}-{rng.getrandbits(48):012x}", rng.gauss(0, 1)) for _ in range(count)]


def evaluate(args):
    with open(args.checkpoint) as f:
        model = json.load(f)
    loss = model["loss"]
    # mean accuracy falls with the loss; a higher temperature spreads the samples a little
    mu = 0.95 / (1 + math.exp(1.5 * (loss - 7.0)))
    mu = min(max(mu / max(args.temperature, 0.1) ** 0.25, 1e-6), 1 - 1e-6)
    skill = math.log(mu / (1 - mu))
    rng = random.Random(args.seed)
    problems = problem_set(args.task, args.problem_seed, args.problems)
    correct, nll = [], []
    for _, z in problems:
        logit = skill - SPREAD * z
        p = 1 / (1 + math.exp(-logit))
        correct.append([1 if rng.random() < p else 0 for _ in range(args.samples)])
        nll.append(math.log1p(math.exp(-logit)) if logit > -30 else -logit)  # -log p, stable
    print(f"evaluated {args.task}: {sum(map(sum, correct))} of {args.problems * args.samples} samples correct")
    t2_result.write_eval_result(
        args.out, correct=correct, nll=None if args.no_nll else nll, tokens_per_sample=16,
        problem_ids=[pid for pid, _ in problems], npy=args.npy)


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
    e.add_argument("--seed", type=int, required=True, help="sampling seed ({seed}): differs per eval")
    e.add_argument("--problem-seed", type=int, required=True,
                   help="problem-set seed ({problem_seed}): the same for every eval of the task")
    e.add_argument("--out", required=True)
    e.add_argument("--npy", action="store_true", help="write outcomes to a .npy file instead of inline")
    e.add_argument("--no-nll", action="store_true", help="report no NLL (a correctness-only task)")
    args = parser.parse_args()
    train(args) if args.mode == "train" else evaluate(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
