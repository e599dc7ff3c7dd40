"""import_document.py — `t2 import` says in the store that it created it: the first import into a
new store writes an "import" document with created_store true, a second import into the same
store one with created_store false (and is allowed: the store is no sweep's). Read with h5py
from the store file, as another program would. Needs T2 and SOURCE_DIR (set by ctest)."""
import json
import os
import shutil
import sys
import tempfile

import h5py

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "e2e"))
from e2e_util import check, t2  # noqa: E402

work = tempfile.mkdtemp(prefix="t2-import-document-")
csv = os.path.join(work, "r.csv")
with open(csv, "w") as f:
    f.write("N,D,loss\n1e8,2e9,3.1\n3e8,6e9,2.9\n1e9,2e10,2.7\n")
store = os.path.join(work, "s.h5")
t2("import", csv, "--store", store)
t2("import", csv, "--store", store)

with h5py.File(store, "r") as h:
    docs = h["documents"]
    kinds = [k.decode() if isinstance(k, bytes) else k for k in docs["kind"][...]]
    texts = [j.decode() if isinstance(j, bytes) else j for j in docs["json"][...]]
imports = [json.loads(t) for k, t in zip(kinds, texts) if k == "import"]
check(len(imports) == 2, f"two import documents: {kinds}")
check(imports[0].get("created_store") is True, f"the first import created the store: {imports[0]}")
check(imports[1].get("created_store") is False, f"the second did not: {imports[1]}")
check(imports[0]["file"] == csv and imports[0]["runs"] == 3 and imports[1]["first_run"] == 3,
      f"file and runs recorded: {imports}")
shutil.rmtree(work)
print("ok")
