"""One-off transcription helper for the chapter 10 tables (kept for the audit trail).

Slices the seed's tab-separated table lines into data/raw/clusters/table_10_*.csv so that
every cell text is byte-identical to the OCR. Row-structure repairs (lines the OCR broke in two)
are listed here and logged as `structural` decisions in data/raw/decision_log.csv.
Run from the repository root: python tools/extract_chapter10_raw.py ../shared/seeds/001_af830052e76503cb.txt
"""
import csv
import sys
from pathlib import Path

seed = Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
out_dir = Path("data/raw/clusters")


def cells(line_no):
    return [c.strip() for c in seed[line_no - 1].split("\t")]


def write(name, header, rows):
    with open(out_dir / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["row", *header])
        for i, r in enumerate(rows, start=1):
            assert len(r) == len(header), (name, i, r)
            w.writerow([i, *r])


# Table 10-1 (lines 3191-3201; data rows 3194-3197)
write("table_10_1.csv",
      ["Sector", "External economies (EE)", "Joint actions (JA)", "Collective Efficiency Index"],
      [cells(n) for n in range(3194, 3198)])

# Table 10-2 (lines 3309-3384; repeated header at 3339-3341 is not a row)
lines_10_2 = [n for n in range(3312, 3384) if seed[n - 1].strip()
              and n not in range(3336, 3342)]
rows = []
for n in lines_10_2:
    c = cells(n)
    if c[0].startswith("Note:"):
        break
    rows.append((c + [""] * 5)[:5])
write("table_10_2.csv", ["Cluster", "Market", "Network", "Quasi-hierarchy", "Hierarchy"], rows)

# Table 10-4 (lines 3444-3471; line 3469 "Course: Authors, database" is a garbled source line)
rows = [(cells(n) + [""] * 7)[:7] for n in range(3447, 3469)]
write("table_10_4.csv",
      ["Cluster", "Degree of collective efficiency", "Product upgrading", "Process upgrading",
       "Functional upgrading", "Intersectoral upgrading", "Sum of upgrading"], rows)

# Table 10-5 (lines 3509-3526): the OCR broke "Milk-dairy" / "Mangoes and grapes" over
# lines 3519-3520 (structural decision); header "Functional Intersectoral upgrading" is the
# Intersectoral column.
rows = [cells(n) for n in range(3512, 3523)]
rows[7][0] = "Milk-dairy"
rows[8][0] = "Mangoes and grapes"
rows += [(cells(n) + [""] * 8)[:8] for n in (3523, 3524)]
write("table_10_5.csv",
      ["Main product", "Location", "Degree of collective efficiency", "Product upgrading",
       "Process upgrading", "Functional upgrading", "Intersectoral upgrading",
       "Sum of upgrading"], rows)

# Table 10-6 (lines 3536-3552): "Electronics Audiovisual" / "equipment" broken likewise
# (lines 3544-3545); line 3550 "1 -4-1" is a stray footer, not a row.
rows = [cells(n) for n in range(3539, 3548)]
rows[5][0] = "Electronics"
rows[6][0] = "Audiovisual equipment"
rows += [(cells(n) + [""] * 8)[:8] for n in (3548, 3549)]
write("table_10_6.csv",
      ["Main product", "Location", "Degree of collective efficiency", "Product upgrading",
       "Process upgrading", "Functional upgrading", "Intersectoral upgrading",
       "Sum of upgrading"], rows)
