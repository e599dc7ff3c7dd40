#!/usr/bin/env python3
"""addition.py — a real PyTorch trainer and evaluator for t2's exec backend: a small decoder-only
transformer learns 2-digit addition, then samples k answers per held-out problem.

  addition.py train --n N --d D --seed S --run-dir DIR --out RESULT
  addition.py eval  --checkpoint PATH --problems P --samples K --temperature T --top-k TK
                    --seed S --problem-seed PS --out RESULT

The task (a built-in-style synthetic task, like workers/builtin's arithmetic): "ab+cd=" with
zero-padded operands, answered by the three digits of the sum *reversed* (least significant
first, the order in which carries are computed, which a small model learns far sooner) and an
end mark: "47+85=231;" is 47 + 85 = 132. One example is 10 tokens. A fixed tenth of the 10,000
problems is held out of training (a hash of the problem, independent of every seed); the
held-out loss and every eval use held-out problems only.

What t2 hands in and what comes back (schemas/job-result.md):
  train: N is a target; the model is 2 layers wide enough to come closest to N parameters, and
         reports its actual count with embeddings (params) and without (params_non_embedding).
         D is the number of training tokens; the cosine schedule is exactly that long.
  eval:  the problems are the first P of a shuffle of the held-out set drawn from
         --problem-seed (the same for every eval of the task in the sweep: row i is the same
         problem in every eval); the k samples per problem are drawn from --seed. The NLL of the
         gold answer is summed over its 4 tokens (3 digits + end), in nats, at temperature 1.
Results are written with examples/python/t2_result.py (atomic writes). One thread per job:
t2 runs one job per worker rank, so ranks, not threads, use the cores.
"""
import argparse
import io
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import t2_result  # noqa: E402  (examples/python/t2_result.py)

# ---- the task --------------------------------------------------------------------------------
VOCAB = list("0123456789+=;")
TOK = {c: i for i, c in enumerate(VOCAB)}
PROMPT_LEN, ANSWER_LEN = 6, 4      # "ab+cd=" and "xyz;"
SEQ_LEN = PROMPT_LEN + ANSWER_LEN  # tokens per example (what D counts)
HELD_OUT_MODULUS = 10              # 1 problem in 10 is held out of training
VALIDATION_PROBLEMS = 256          # held-out problems the reported loss is measured on


def held_out(a, b):
    # Knuth's multiplicative hash of the problem: a fixed split, independent of every seed.
    return ((a * 100 + b) * 2654435761 % 2**32) % HELD_OUT_MODULUS == 0


ALL_PROBLEMS = [(a, b) for a in range(100) for b in range(100)]
HELD_OUT = np.array([p for p in ALL_PROBLEMS if held_out(*p)], dtype=np.int64)
TRAIN = np.array([p for p in ALL_PROBLEMS if not held_out(*p)], dtype=np.int64)


def encode(pairs):
    """(n, 2) operand pairs -> (n, SEQ_LEN) token ids: prompt then reversed 3-digit sum and ';'."""
    a, b = pairs[:, 0], pairs[:, 1]
    s = a + b
    digits = [a // 10, a % 10, np.full_like(a, TOK["+"]), b // 10, b % 10, np.full_like(a, TOK["="]),
              s % 10, (s // 10) % 10, s // 100, np.full_like(a, TOK[";"])]
    return torch.from_numpy(np.stack(digits, axis=1))


# ---- the model: a pre-LN GPT with a tied output layer ------------------------------------------
CAUSAL = torch.ones(SEQ_LEN, SEQ_LEN, dtype=torch.bool).triu(1)  # True above the diagonal: the future


class Block(nn.Module):
    def __init__(self, width, heads):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.fc, self.out = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.heads, C // self.heads).permute(2, 0, 3, 1, 4)
        # causal attention: softmax(q k^T / sqrt(d_head)) v over earlier positions only
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.heads)
        att = att.masked_fill(CAUSAL[:T, :T], float("-inf")).softmax(-1)
        x = x + self.proj((att @ v).transpose(1, 2).reshape(B, T, C))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class Decoder(nn.Module):
    def __init__(self, width, layers=2, heads=4):
        super().__init__()
        self.config = {"width": width, "layers": layers, "heads": heads}
        self.tok = nn.Embedding(len(VOCAB), width)
        self.pos = nn.Embedding(SEQ_LEN, width)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln = nn.LayerNorm(width)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.ln(x) @ self.tok.weight.T  # tied: the output layer is the token embedding

    def counts(self):
        total = sum(p.numel() for p in self.parameters())  # the tied matrix is counted once
        return total, total - self.tok.weight.numel() - self.pos.weight.numel()


def width_for(n_target, layers=2, heads=4):
    """The width (a multiple of `heads`) whose parameter count comes closest to n_target."""
    def count(w):
        per_layer = 12 * w * w + 13 * w  # qkv, proj, fc, out (+ biases) and two LayerNorms
        return layers * per_layer + (len(VOCAB) + SEQ_LEN) * w + 2 * w
    return min(range(heads, 1025, heads), key=lambda w: abs(count(w) - n_target))


# ---- training ----------------------------------------------------------------------------------
def answer_loss(model, seqs):
    """Mean cross-entropy (nats/token) of the answer tokens given everything before them."""
    logits = model(seqs[:, :-1])[:, PROMPT_LEN - 1:]
    return F.cross_entropy(logits.reshape(-1, len(VOCAB)), seqs[:, PROMPT_LEN:].reshape(-1))


def validation_set():
    # the same held-out problems for every run, so that losses are comparable across the sweep
    rng = np.random.default_rng(0)
    return encode(HELD_OUT[rng.permutation(len(HELD_OUT))[:VALIDATION_PROBLEMS]])


def train(args):
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = Decoder(width_for(args.n))
    total, non_embedding = model.counts()
    batch = 128
    steps = max(1, round(args.d / (batch * SEQ_LEN)))
    warmup = max(1, steps // 20)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, betas=(0.9, 0.95), weight_decay=0.01)
    # linear warmup, then cosine decay to 10 % over exactly `steps` steps (D tokens)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warmup if s < warmup else 0.1 + 0.45 * (1 + math.cos(math.pi * (s - warmup) / max(1, steps - warmup))))
    points = min(16, steps)
    marks = {round(steps * (i + 1) / points) - 1 for i in range(points)}
    curve, curve_tokens, smoothed = [], [], None
    t0 = time.time()
    model.train()
    for step in range(steps):
        seqs = encode(TRAIN[rng.integers(0, len(TRAIN), batch)])
        loss = answer_loss(model, seqs)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        schedule.step()
        smoothed = loss.item() if smoothed is None else 0.9 * smoothed + 0.1 * loss.item()
        if step in marks:
            curve.append(smoothed)
            curve_tokens.append((step + 1) * batch * SEQ_LEN)
    model.eval()
    with torch.no_grad():
        held_out_loss = answer_loss(model, validation_set()).item()
    tokens = steps * batch * SEQ_LEN
    print(f"trained width {model.config['width']} ({total} parameters, {non_embedding} without embeddings) "
          f"on {tokens} tokens in {steps} steps, {time.time() - t0:.1f} s: held-out loss {held_out_loss:.4f}")
    os.makedirs(args.run_dir, exist_ok=True)
    checkpoint = os.path.join(args.run_dir, "model.pt")
    buf = io.BytesIO()
    torch.save({"config": model.config, "state_dict": model.state_dict()}, buf)
    t2_result.write_atomically(checkpoint, buf.getvalue(), mode="wb")
    t2_result.write_train_result(
        args.out, loss=held_out_loss, tokens=tokens, params=total, params_non_embedding=non_embedding,
        flops=6.0 * total * tokens, checkpoint=checkpoint, loss_curve=curve, curve_tokens=curve_tokens)


# ---- evaluation --------------------------------------------------------------------------------
def evaluate(args):
    saved = torch.load(args.checkpoint)
    model = Decoder(**saved["config"])
    model.load_state_dict(saved["state_dict"])
    model.eval()
    if args.problems > len(HELD_OUT):
        sys.exit(f"--problems {args.problems}: the held-out set has {len(HELD_OUT)} problems")
    # The task's problem set: a function of the problem seed only, never of the model or of
    # the sampling seed, so row i is the same problem in every eval of the sweep.
    order = np.random.default_rng(args.problem_seed).permutation(len(HELD_OUT))[:args.problems]
    problems = HELD_OUT[order]
    gold = encode(problems)
    P, K = args.problems, args.samples
    with torch.no_grad():
        # gold-answer NLL, teacher-forced, summed over the answer's 4 tokens, nats
        logp = model(gold[:, :-1])[:, PROMPT_LEN - 1:].log_softmax(-1)
        nll = -logp.gather(-1, gold[:, PROMPT_LEN:, None]).squeeze(-1).sum(-1)
        # k samples per problem, all P*K sequences at once: 4 tokens, each from the
        # temperature-scaled (and top-k truncated) distribution given what came before
        gen = torch.Generator().manual_seed(args.seed)
        seqs = gold[:, :PROMPT_LEN].repeat_interleave(K, dim=0)
        for _ in range(ANSWER_LEN):
            logits = model(seqs)[:, -1]
            if args.temperature == 0:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                logits = logits / args.temperature
                if args.top_k > 0:
                    kth = logits.topk(min(args.top_k, logits.shape[-1]), dim=-1).values[:, -1:]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                nxt = torch.multinomial(logits.softmax(-1), 1, generator=gen)
            seqs = torch.cat([seqs, nxt], dim=1)
        correct = (seqs[:, PROMPT_LEN:] == gold[:, PROMPT_LEN:].repeat_interleave(K, dim=0)).all(-1).view(P, K)
    print(f"evaluated {P} problems x {K} samples: {int(correct.sum())} correct, mean answer NLL {nll.mean():.3f} nats")
    t2_result.write_eval_result(
        args.out, correct=correct.numpy(), nll=nll.numpy(), tokens_per_sample=SEQ_LEN,
        problem_ids=[f"{a:02d}+{b:02d}" for a, b in problems.tolist()])


def main():
    torch.set_num_threads(1)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    t = sub.add_parser("train")
    t.add_argument("--n", type=float, required=True, help="target parameter count")
    t.add_argument("--d", type=float, required=True, help="training tokens")
    t.add_argument("--seed", type=int, required=True)
    t.add_argument("--run-dir", required=True)
    t.add_argument("--out", required=True)
    e = sub.add_parser("eval")
    e.add_argument("--checkpoint", required=True)
    e.add_argument("--problems", type=int, required=True)
    e.add_argument("--samples", type=int, required=True)
    e.add_argument("--temperature", type=float, default=1.0)
    e.add_argument("--top-k", type=int, default=0)
    e.add_argument("--seed", type=int, required=True, help="sampling seed ({seed})")
    e.add_argument("--problem-seed", type=int, required=True, help="problem-set seed ({problem_seed})")
    e.add_argument("--out", required=True)
    args = parser.parse_args()
    train(args) if args.mode == "train" else evaluate(args)


if __name__ == "__main__":
    main()
