#!/usr/bin/python3
"""builtin_data_file.py — a builtin config's data_file at the CLI: `t2 validate` checks that it
exists on this machine (naming file, line, key and value) but never reads it; `t2 run` reads it
where the workload is built (the one process, or each worker rank under mpirun) and refuses an
unusable one before the store is created."""
import os

from e2e_util import check, t2, tmpdir, write_config

work = tmpdir("builtin-data-file")
store = os.path.join(work, "never.h5")


def config(data_file):
    return write_config(os.path.join(work, "sweep.toml"), f"""[sweep]
name = "data-file"
store = "{store}"
[grid]
n = [2e4]
d = [3e4]
[eval]
tasks = ["arithmetic"]
problems = 4
samples = 2
[target]
train_budget = 1e15
inference_budget = 1e6
[workload]
backend = "builtin"
[workload.builtin]
tasks = ["arithmetic"]
arithmetic_kinds = ["add", "mul"]
max_digits = 2
context = 32
data_file = "{data_file}"
""")


absent = os.path.join(work, "absent.bin")
path = config(absent)
line = 1 + open(path).read().split("data_file")[0].count("\n")
p = t2("validate", path, check_rc=1)
want = f'{path}:{line}: workload.builtin.data_file = "{absent}": file does not exist'
check(want in p.stderr, f"t2 validate should say '{want}', said:\n{p.stderr}")
p = t2("run", path, check_rc=1)
check("file does not exist" in p.stderr, f"t2 run should name the absent file:\n{p.stderr}")
check(not os.path.exists(store), "t2 run created a store for a config it refused")

odd = os.path.join(work, "odd.bin")
with open(odd, "wb") as f:
    f.write(b"abc")  # exists, but 3 bytes are no uint16 token file
path = config(odd)
p = t2("validate", path, check_rc=0)  # validation does not read the data
check("valid sweep config" in p.stdout, f"t2 validate should accept it unread:\n{p.stdout}{p.stderr}")
want = f'{path}:{line}: workload.builtin.data_file = "{odd}": {odd}: odd byte count, not a uint16 token file'
p = t2("run", path, check_rc=1)
check(want in p.stderr, f"t2 run should say '{want}', said:\n{p.stderr}")
check(not os.path.exists(store), "t2 run created a store before building its workload")
p = t2("run", path, mpi=2, check_rc=1)  # rank 1 builds the workload; rank 0 builds none
check("rank 1: error:" in p.stderr and "odd byte count" in p.stderr,
      f"mpirun -np 2 t2 run should name the worker rank's error:\n{p.stderr}")
check(not os.path.exists(store), "t2 run under mpirun created a store for a workload its worker refused")
print("ok: builtin data_file checked by validate, read and refused by run, no store made")
