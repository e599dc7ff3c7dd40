"""t2_result.py — write the result files of t2's exec backend (schemas/job-result.md) from Python.

Copy this file next to your trainer, or put examples/python on PYTHONPATH. It needs the standard
library only, plus NumPy for NumPy arrays and .npy outcome files. What it owns: the field names, the checks a script can make before t2
does (shapes, types), and writing each file atomically (a temporary file in the same directory,
fsync, rename), so that a job killed mid-write never leaves half a result. It does not hide a
diverged run: a NaN or infinite loss is written as such, and t2 records the job as a bad_result.

    import t2_result
    job = t2_result.job()                 # the T2_* values t2 put in the environment
    ...train...
    t2_result.write_train_result(job.result, loss=val_loss, tokens=tokens_seen,
                                 params=n_total, params_non_embedding=n_body,
                                 checkpoint=ckpt_path)
    ...evaluate problems drawn from job.problem_seed, k samples each from job.seed...
    t2_result.write_eval_result(job.result, correct=outcomes, nll=answer_nll,
                                problem_ids=[str(p) for p in problems])
"""
import io
import json
import os
import tempfile
from types import SimpleNamespace

try:
    import numpy as np
except ImportError:  # plain lists still work; NumPy arrays and .npy outcome files need NumPy
    np = None

# Above this many outcomes (problems x samples) write_eval_result stores them in a .npy file
# beside the JSON rather than inline: a 1000 x 64 matrix is ~200 kB of JSON text but 64 kB of .npy.
NPY_THRESHOLD = 100_000

_INT_FIELDS = ("index", "run", "replicate", "attempt", "problems", "samples", "top_k", "seed", "problem_seed")
_FLOAT_FIELDS = ("N", "D", "temperature")


def job(environ=None):
    """The job's values from its T2_* environment variables (schemas/job-result.md §2).

    Attribute names are the placeholders': job.N, job.D, job.seed, job.problem_seed, job.result,
    job.run_dir, job.checkpoint, job.task, job.problems, job.samples, ... plus job.kind
    ("train" or "eval"). Values an eval or train job does not have are None. N and D are floats
    (whole numbers print as integers in the argv too); counts and seeds are ints.
    """
    env = os.environ if environ is None else environ
    values = {"kind": env.get("T2_JOB_KIND")}
    for key, text in env.items():
        if not key.startswith("T2_") or key == "T2_JOB_KIND":
            continue
        name = key[3:]
        name = name if name in ("N", "D") else name.lower()
        if name in _INT_FIELDS:
            values[name] = int(text)
        elif name in _FLOAT_FIELDS:
            values[name] = float(text)
        else:
            values[name] = text
    for name in _INT_FIELDS + _FLOAT_FIELDS + ("result", "run_dir", "checkpoint", "task"):
        values.setdefault(name, None)
    return SimpleNamespace(**values)


def write_atomically(path, data, mode="w"):
    """Writes `data` (str or bytes) to `path`: a temporary file in the same directory, flushed
    and fsync'd, then renamed over `path`, so a reader sees the old file or the whole new one."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, mode) as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    # the rename itself reaches the disk only with the directory
    dfd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _number(name, value):
    # A Python or NumPy number as a float; NaN/Infinity pass through on purpose (t2 names them).
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} = {value!r}: expected a number") from None


def _outcome_rows(correct):
    # problems x samples of 0/1 ints, from a NumPy array or a list of lists
    if np is not None and isinstance(correct, np.ndarray):
        if correct.ndim != 2:
            raise ValueError(f"correct has shape {correct.shape}; expected (problems, samples)")
        correct = correct.tolist()
    rows = []
    for i, row in enumerate(correct):
        values = []
        for j, v in enumerate(row):
            if v is True or v is False or v in (0, 1):
                values.append(int(v))
            else:
                raise ValueError(f"correct[{i}][{j}] = {v!r}: must be 0, 1 or a bool")
        rows.append(values)
    if len({len(r) for r in rows}) > 1:
        raise ValueError(f"correct: rows of different lengths {sorted({len(r) for r in rows})}")
    return rows


def _dump(obj):
    # allow_nan: a non-finite loss is written as NaN/Infinity, which t2 reports by name
    # ("loss = NaN: must be a finite number > 0") as a bad result instead of a crash here.
    return json.dumps(obj, allow_nan=True)


def write_train_result(path, *, loss, tokens, params, params_non_embedding=None, params_total=None,
                       flops=None, checkpoint=None, loss_curve=None, curve_tokens=None, **extra):
    """A training job's result (schemas/job-result.md §4, Training).

    loss: final held-out loss, nats per token. tokens: tokens actually trained on (D).
    params: N as the laws count it; t2's convention, as in the T² paper, is every parameter
    including the embeddings. params_non_embedding: the same model without its token and
    position embeddings (and an untied output layer). params_total: every parameter when
    `params` counts fewer (default: params). flops: default 6 * params * tokens.
    checkpoint: the weights t2 hands to this run's eval jobs as {checkpoint}; write it first.
    extra: any other JSON-serialisable fields (t2 ignores them; they stay in the result file).
    """
    result = {"loss": _number("loss", loss), "tokens": _number("tokens", tokens), "params": _number("params", params)}
    for name, value in (("params_non_embedding", params_non_embedding), ("params_total", params_total),
                        ("flops", flops)):
        if value is not None:
            result[name] = _number(name, value)
    if checkpoint is not None:
        if not os.path.exists(checkpoint):
            raise FileNotFoundError(f"checkpoint = {checkpoint!r}: write the checkpoint before the result")
        result["checkpoint"] = os.path.abspath(checkpoint)
    if loss_curve is not None:
        result["loss_curve"] = [_number("loss_curve", v) for v in loss_curve]
        if curve_tokens is not None:
            result["curve_tokens"] = [_number("curve_tokens", v) for v in curve_tokens]
            if len(result["curve_tokens"]) != len(result["loss_curve"]):
                raise ValueError(f"curve_tokens has {len(result['curve_tokens'])} entries, "
                                 f"loss_curve {len(result['loss_curve'])}")
    elif curve_tokens is not None:
        raise ValueError("curve_tokens without loss_curve")
    result.update(extra)
    write_atomically(path, _dump(result))
    return result


def write_eval_result(path, *, correct, nll=None, tokens_per_sample=None, flops=None, problem_ids=None,
                      npy=None, **extra):
    """An eval job's result (schemas/job-result.md §4, Evaluation).

    correct: problems x samples, truthy where that sample's answer was right (list of lists or a
    NumPy array). Row i must be problem i of the task's fixed problem set: draw the problems from
    {problem_seed} (job().problem_seed), never from the sampling {seed}, so that row i is the same
    problem in every eval of the sweep. nll: per problem, the gold answer's negative
    log-likelihood given the prompt, summed over the answer's tokens, in nats; None when the task
    has no gold answer to score (pass@k then comes from the samples only). problem_ids: optional
    identifiers of the rows (t2 ignores them; they make the fixed problem set checkable in the
    result files). npy: True writes the outcomes to a .npy file beside the result, False inline;
    None decides by size (NPY_THRESHOLD).
    """
    rows = _outcome_rows(correct)
    problems, samples = len(rows), len(rows[0]) if rows else 0
    result = {"problems": problems, "samples": samples}
    if nll is not None:
        values = [float(v) for v in (np.asarray(nll, dtype=np.float64).reshape(-1) if np is not None else nll)]
        if len(values) != problems:
            raise ValueError(f"nll has {len(values)} entries; expected one per problem ({problems})")
        result["nll"] = values
    if tokens_per_sample is not None:
        result["tokens_per_sample"] = _number("tokens_per_sample", tokens_per_sample)
    if flops is not None:
        result["flops"] = _number("flops", flops)
    if problem_ids is not None:
        ids = [str(p) for p in problem_ids]
        if len(ids) != problems:
            raise ValueError(f"problem_ids has {len(ids)} entries; expected one per problem ({problems})")
        result["problem_ids"] = ids
    if npy is None:
        npy = np is not None and problems * samples > NPY_THRESHOLD
    if npy:
        if np is None:
            raise RuntimeError("npy=True needs NumPy")
        npy_path = os.path.splitext(os.path.abspath(path))[0] + ".outcomes.npy"
        buf = io.BytesIO()
        np.save(buf, np.array(rows, dtype=np.uint8).reshape(problems, samples))
        write_atomically(npy_path, buf.getvalue(), mode="wb")
        result["outcomes_file"] = npy_path
    else:
        result["correct"] = rows
    result.update(extra)
    write_atomically(path, _dump(result))
    return result
