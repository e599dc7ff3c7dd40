#!/bin/sh
# make_format2_store.sh — how tests/store/data/format2/ was made: a tiny synthetic sweep
# (tiny.toml: 4 runs, 4 evals, 2 batches, 5 documents, 24 records) run by the t2 of commit
# ee4059b (journal format 2, payloads written by the MPI wire codec). Kept so that every later
# t2 is tested on reading and resuming a store made by it (store_test, "[format2]").
# The .h5 view (300 KB) is not kept, it is derived from the journal; what that t2 wrote into it
# is kept in expected.json, which the test compares with its own replay.
# Usage: make_format2_store.sh PATH/TO/t2   (run with /usr/bin/python3 and h5py installed)
set -e
t2=${1:?usage: make_format2_store.sh PATH/TO/t2}
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/format2"
rm -rf format2.h5 format2.h5.journal format2.h5.lock format2.h5.d
"$t2" run -q tiny.toml
/usr/bin/python3 - <<'PY'
import h5py, json
with h5py.File("format2.h5", "r") as f:
    n = len(f["evals"]["index"])
    out = {"journal_records": int(f.attrs["journal_records"]),
           "runs_loss": [float(x) for x in f["runs"]["loss"][()]],
           "runs_checkpoint": [x.decode() for x in f["runs"]["checkpoint"][()]],
           "evals_correct_sum": [int(f["outcomes/%06d/correct" % i][()].sum()) for i in range(n)],
           "evals_nll0": [float(f["outcomes/%06d/nll" % i][()][0]) for i in range(n)],
           "documents": [x.decode() for x in f["documents"]["kind"][()]]}
json.dump(out, open("expected.json", "w"), indent=1)
PY
rm -rf format2.h5 format2.h5.lock format2.h5.d
