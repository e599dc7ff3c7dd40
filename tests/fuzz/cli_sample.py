"""cli_sample.py — the fuzz stage's check through the real CLI: runs `t2 validate FILE` on the
sample of config mutants t2_fuzz_config wrote (manifest.tsv: file, accepted|refused in-process)
and asserts what a user sees: no signal, done within a few seconds, exit 1 with an error line
naming the file when the config is refused, exit 0 only for a config the parser accepted
(`t2 validate` also builds the design, so it may refuse a few more, naming the file too).

    cli_sample.py T2 MANIFEST.tsv
"""
import os
import subprocess
import sys

TIMEOUT = 10  # seconds per mutant; a refusal takes milliseconds


def main():
    t2, manifest = sys.argv[1], sys.argv[2]
    rows = [line.rstrip("\n").split("\t") for line in open(manifest, encoding="utf-8") if line.strip()]
    failures, refused, accepted = [], 0, 0
    for path, verdict in rows:
        try:
            p = subprocess.run([t2, "validate", path], capture_output=True, timeout=TIMEOUT,
                               cwd=os.path.dirname(path))
        except subprocess.TimeoutExpired:
            failures.append(f"{path}: t2 validate ran past {TIMEOUT} s")
            continue
        err = p.stderr.decode("utf-8", "backslashreplace")
        lines = [l for l in err.splitlines() if ": warning: " not in l]
        if p.returncode < 0 or p.returncode >= 128:
            failures.append(f"{path}: t2 validate ended by signal/code {p.returncode}: {err[-300:]}")
        elif p.returncode == 0:
            accepted += 1
            if verdict != "accepted":
                failures.append(f"{path}: t2 validate accepted a config the parser refused")
        elif p.returncode != 1:
            failures.append(f"{path}: t2 validate exited {p.returncode}, not 1, on a bad config: {err[-300:]}")
        else:
            refused += 1
            if len(lines) != 1 or not lines[0].startswith("t2 validate: error: ") or path not in lines[0]:
                failures.append(f"{path}: expected one error line naming the file, got: {err[-400:]!r}")
    for f in failures:
        print("FAIL:", f)
    print(f"cli_sample: {len(rows)} config mutants through `t2 validate`: {refused} refused naming the file "
          f"(exit 1), {accepted} accepted (exit 0), {len(failures)} failures")
    sys.exit(1 if failures or not rows else 0)


if __name__ == "__main__":
    main()
