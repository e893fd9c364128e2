"""One-off: merge the transcription fragments into data/raw/decision_log.csv and data/raw/sources.yaml."""
import csv
import glob
import hashlib
from pathlib import Path

import yaml

RAW = Path("data/raw")
rows = []
header = None
for f in sorted(glob.glob("data/raw/_fragments/*_decisions.csv")):
    with open(f, encoding="utf-8") as fh:
        r = csv.reader(fh)
        h = next(r)
        header = header or h
        assert h == header, f
        rows += [x for x in r if x]

# Decisions name rows by the raw file's first column (possibly empty, e.g. Table 4-3's Subsystem).
tables = {}
for f in glob.glob("data/raw/*/table_*.csv"):
    with open(f, encoding="utf-8") as fh:
        recs = list(csv.reader(fh))
    tid = Path(f).stem.replace("table_", "").replace("_", "-")
    tables[tid] = {rec[0]: rec[1] for rec in recs[1:]}
for rec in rows:
    t, row = rec[0], rec[1]
    if row != "*" and t in tables and row in tables[t]:
        rec[2] = tables[t][row]

order = {"1-2": 0, "1-3": 1, "2-1": 2, "2-2": 3, "4-1": 4, "4-3": 5, "5-1": 6, "5-2": 7, "5-3": 8, "5-5": 9,
         "5-6": 10, "9-1": 11, "9-2": 12, "9-4": 13, "10-1": 14, "10-2": 15, "10-4": 16, "10-5": 17, "10-6": 18}


def key(rec):
    row = -1 if rec[1] == "*" else int(rec[1])
    return (order.get(rec[0], 99), row, rec[3], rec[6] != "default", rec[6])


for rec in rows:  # structural / whole-row decisions set no value
    if rec[5] == "":
        rec[5] = "NA"
rows.sort(key=key)
with open(RAW / "decision_log.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)

entries = []
for f in sorted(glob.glob("data/raw/_fragments/*_sources.yaml")):
    entries += yaml.safe_load(open(f, encoding="utf-8"))
entries += yaml.safe_load(open("tools/chapter10_sources.yaml", encoding="utf-8"))
for e in entries:
    e["table"] = str(e["table"])
    e["sha256"] = hashlib.sha256((RAW / e["file"]).read_bytes()).hexdigest()
entries.sort(key=lambda e: (order.get(e["table"], 50), e["file"]))
(RAW / "sources.yaml").write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100),
                                  encoding="utf-8")
print(len(rows), "decisions;", len(entries), "sources")
