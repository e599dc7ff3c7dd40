"""disk_full.py — a sweep on a full disk (issue 12 item 4), on a small tmpfs mounted for the test:
when the journal and then the .h5 cannot be written, t2 stops with one line saying "No space left
on device" and naming the file, a non-zero exit and no signal (HDF5 once segfaulted at exit here),
nothing committed is lost, and once space is freed a resume completes with the same results as an
unconstrained run. Skipped (exit 77) only where mounting a tmpfs is not permitted."""
import os
import subprocess
import sys

from e2e_util import *

SKIP = 77
work = tmpdir("diskfull")
mnt = os.path.join(work, "mnt")
os.makedirs(mnt)
if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt], capture_output=True).returncode != 0:
    print("SKIP: cannot mount a tmpfs here (needs root)")
    sys.exit(SKIP)


def fill(leave_kib):
    """Grows a filler file until only about `leave_kib` KiB of the tmpfs are free."""
    filler = os.path.join(mnt, "filler")
    st = os.statvfs(mnt)
    free = st.f_bavail * st.f_frsize + (os.path.getsize(filler) if os.path.exists(filler) else 0)
    with open(filler, "wb") as f:
        f.truncate(0)
        f.write(b"\0" * max(0, free - leave_kib * 1024))
    return filler


try:
    store = os.path.join(mnt, "d.h5")
    cfg = write_config(os.path.join(work, "d.toml"), example("tests/e2e/small_sweep.toml", store))
    ref_store = os.path.join(work, "ref.h5")
    t2("run", write_config(os.path.join(work, "ref.toml"), example("tests/e2e/small_sweep.toml", ref_store)), "--quiet")
    journal_bytes, view_bytes = os.path.getsize(ref_store + ".journal"), os.path.getsize(ref_store)

    def run_full(what):
        p = t2("run", cfg, "--quiet", *(["--resume"] if os.path.exists(store + ".journal") else []), check_rc=None)
        err = p.stdout + p.stderr
        check(0 < p.returncode < 128, f"{what}: a full disk is an error exit, not a signal: rc {p.returncode}\n{err}")
        lines = [l for l in err.splitlines() if "error" in l]
        check(len(lines) == 1 and "No space left on device" in lines[0] and mnt in lines[0],
              f"{what}: one error line saying 'No space left on device' with the path:\n{err}")
        print(f"{what}: rc {p.returncode}: {lines[0]}", flush=True)
        st = status(store)
        return st["train"]["done"] + st["eval"]["done"]

    # 1. The journal fills up part way (it needs about journal_bytes in all).
    fill(journal_bytes // 1024 // 2 + 64)
    done1 = run_full("journal on a full disk")
    check(0 < done1 < 216, f"part of the sweep was committed before the disk filled: {done1}")
    print(f"{done1} of 216 jobs committed before the journal hit the full disk", flush=True)
    # 2. Room for the journal, not for the .h5 (a sync writes a new file beside the old one).
    fill(journal_bytes // 1024 + view_bytes // 1024 // 2)
    done2 = run_full(".h5 on a full disk")
    check(done2 >= done1, f"nothing committed was lost: {done1} -> {done2}")
    check(t2("validate", store, check_rc=None).returncode == 0, "the store left by the failed sync validates")
    # 3. Space freed: the resume completes, equal to the unconstrained run.
    os.remove(os.path.join(mnt, "filler"))
    t2("run", cfg, "--resume", "--quiet")
    st = status(store)
    check(st["train"]["done"] + st["eval"]["done"] == 216, f"the resume completed the sweep: {st}")
    check(t2("validate", store).returncode == 0, "t2 validate accepts the store")
    a, b = canonical_export(store, work), canonical_export(ref_store, work)
    check(a == b, "the store equals an unconstrained run with the same seed")
    print("ok")
finally:
    subprocess.run(["umount", "-l", mnt])
