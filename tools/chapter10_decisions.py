"""One-off: the chapter 10 decision-log rows (kept for the audit trail; the log is the source of truth).

Each entry: (table, row, column, value_used, reading, kind, confidence, reason).
printed_text and row_label are filled from the raw file so they cannot drift from it.
"""
import csv
from pathlib import Path

RAW = Path("data/raw/clusters")
FILES = {"10-1": "table_10_1.csv", "10-2": "table_10_2.csv", "10-4": "table_10_4.csv",
         "10-5": "table_10_5.csv", "10-6": "table_10_6.csv"}

T4_SUMS = "the Average row's Sum of upgrading (4.73 = 71/15) holds only with this reading"
ROT = "printed upside down (a rotated 6 reads 9 and vice versa)"
FIVE = "the OCR renders this table's 5 in the Sum column as 2"

D = []
add = D.append

# ---------- Table 10-4 (traditional manufacturing) ----------
for row, col in [(2, "Functional upgrading"), (3, "Functional upgrading"), (6, "Product upgrading"),
                 (6, "Process upgrading"), (7, "Product upgrading"), (7, "Functional upgrading"),
                 (10, "Functional upgrading"), (11, "Functional upgrading"), (15, "Product upgrading"),
                 (16, "Functional upgrading"), (17, "Product upgrading"), (17, "Functional upgrading")]:
    add(("10-4", row, col, "1", "default", "glyph", "high",
         "'_' is the OCR's 1 (Gamarra: _ + _ = printed sum 2); column Total row and row sum hold"))
add(("10-4", 2, "Intersectoral upgrading", "1", "default", "glyph", "high",
     "'_' = 1; Intersectoral Total '_' = 1 and Average 0.06 (=1/15 truncated) leave exactly one 1 in the column"))
for row, col in [(3, "Product upgrading"), (3, "Process upgrading"), (7, "Process upgrading"),
                 (9, "Product upgrading"), (9, "Process upgrading")]:
    add(("10-4", row, col, "3", "default", "glyph", "high",
         "'m'/'M' is the OCR's 3 (Itaji: m + m + 1 = printed sum 7); column Totals 28 and 31.5 hold"))
for row, col in [(20, "Product upgrading"), (20, "Process upgrading")]:
    add(("10-4", row, col, "3", "default", "glyph", "high",
         "'ĸ' = 3: row sum 7 = 3 + 3 + 1 and column Totals 28 / 31.5 hold"))
add(("10-4", 20, "Functional upgrading", "1", "default", "glyph", "high",
     "'-' = 1: row sum 7 = 3 + 3 + 1; Functional Total 10.5 holds"))
add(("10-4", 18, "Functional upgrading", "1", "default", "glyph", "high",
     "'<u></u>' (an underscore) = 1; Functional Total 10.5 holds; row sum 5 (printed '2', see Sum)"))
add(("10-4", 5, "Functional upgrading", "NA", "default", "missing", "high",
     "printed N/A (not available); the printed Functional Average 0.70 = 10.5/15 counts this cluster in the denominator (10.5/14 = 0.75)"))
add(("10-4", 2, "Sum of upgrading", "6", "default", "glyph", "high", f"2 + 2 + 1 + 1 = 6; {ROT}; {T4_SUMS}"))
add(("10-4", 5, "Sum of upgrading", "3", "default", "glyph", "high", "'m' = 3 = 1.5 + 1.5 + 0"))
for row in (7, 10, 11, 14, 18):
    add(("10-4", row, "Sum of upgrading", "5", "default", "glyph", "high",
         f"components add to 5; {FIVE}; {T4_SUMS}"))
add(("10-4", 12, "Sum of upgrading", "3", "default", "glyph", "high", "'ĸ' = 3 = 1.5 + 1.5"))
add(("10-4", 21, "Intersectoral upgrading", "1", "default", "glyph", "high",
     "'_' = 1: the only nonzero intersectoral cell is Medellin's; Average 0.06 = 1/15 truncated"))
add(("10-4", 22, "Intersectoral upgrading", "0.06", "default", "glyph", "high",
     "'90.0' is 0.06 printed upside down; 1/15 = 0.0667, so the book truncates (as in Product 28/15 = 1.867 -> 1.86)"))
add(("10-4", 22, "Product upgrading", "1.86", "default", "contradiction", "high",
     "printed 1.86 kept; 28/15 = 1.8667 rounds to 1.87: the book truncates in Table 10-4 but rounds in 10-5 and 10-6"))
add(("10-4", 2, "*", "NA", "default", "structural", "high",
     "seed line 3448 prints 'Medellin Colombia)' (opening parenthesis lost); same cluster as Table 10-2 'Medellin (Colombia)'"))

# ---------- Table 10-5 (natural-resource-based) ----------
for row, col, glyph in [(1, "Product upgrading", "ĸ"), (1, "Process upgrading", "ĸ"),
                        (2, "Product upgrading", "ĸ"), (2, "Process upgrading", "κ"),
                        (3, "Product upgrading", "Μ"), (3, "Process upgrading", "Μ"),
                        (4, "Product upgrading", "Μ"), (4, "Process upgrading", "٣"),
                        (7, "Product upgrading", "Μ"), (9, "Product upgrading", "m"),
                        (9, "Process upgrading", "٣"), (11, "Product upgrading", "M")]:
    add(("10-5", row, col, "3", "default", "glyph", "high",
         f"'{glyph}' = 3; column Totals (Product 29, Process 28) hold only with every such glyph = 3"))
add(("10-5", 7, "Process upgrading", "3", "default", "glyph", "high",
     "'c' = 3: Salmon row sum 10 = 3 + c + 2 + 2; Process Total 28 holds"))
add(("10-5", 11, "Process upgrading", "3", "default", "glyph", "high",
     "'\\sim' (a LaTeX tilde from the OCR) = 3: Process Total 28 holds; Apples sum 6 (printed 9, upside down)"))
add(("10-5", 10, "Process upgrading", "1", "default", "glyph", "high",
     "'_' = 1: Melons sum '٣' = 3 = 2 + 1; Process Total 28 holds"))
add(("10-5", 4, "Intersectoral upgrading", "1", "default", "glyph", "high",
     "'_' = 1: Intersectoral Total 4 = 1 (Sugar) + 1 (Copper) + 2 (Salmon)"))
add(("10-5", 6, "Intersectoral upgrading", "1", "default", "glyph", "high",
     "'—' = 1: Intersectoral Total 4 = 1 + 1 + 2; Copper row sum 5"))
for row in (1, 2, 3, 8, 9, 11):
    add(("10-5", row, "Sum of upgrading", "6", "default", "glyph", "high",
         f"components add to 6; {ROT}; Average 6.09 = 67/11 holds only with this reading"))
add(("10-5", 4, "Sum of upgrading", "9", "default", "glyph", "high",
     f"3 + 3 + 2 + 1 = 9; {ROT}; Average 6.09 = 67/11 holds"))
add(("10-5", 6, "Sum of upgrading", "5", "default", "glyph", "high",
     "2 + 2 + 0 + 1 = 5; the OCR renders 5 as 2 in the Sum column; Average 6.09 = 67/11 holds"))
add(("10-5", 10, "Sum of upgrading", "3", "default", "glyph", "high", "'٣' (Arabic-Indic three) = 3 = 2 + 1"))
add(("10-5", 12, "Functional upgrading", "6", "default", "glyph", "high",
     f"Functional cells add to 6 (Sugar 2, Salmon 2, Milk 2); {ROT}; Average 0.55 = 6/11"))
add(("10-5", 13, "Intersectoral upgrading", "0.60", "default", "contradiction", "high",
     "'09.0' is 0.60 printed upside down, but Total 4 / 11 clusters = 0.36: no reading of the column reproduces 0.60; printed value kept"))
add(("10-5", 13, "Sum of upgrading", "6.09", "default", "glyph", "high",
     "'60.9' is 6.09 printed upside down; 67/11 = 6.091"))
add(("10-5", 8, "*", "NA", "default", "structural", "high",
     "seed lines 3519-3520 print 'Milk-dairy Mangoes' / 'and grapes': the Main product labels of rows 8 and 9 are split at the line break"))
add(("10-5", "*", "Intersectoral upgrading", "NA", "default", "structural", "high",
     "header printed 'Functional Intersectoral upgrading' (seed line 3511): the last upgrading column is Intersectoral"))

# ---------- Table 10-6 (complex products) ----------
for row, col, glyph in [(2, "Product upgrading", "m"), (2, "Process upgrading", "m"),
                        (4, "Process upgrading", "m"), (5, "Process upgrading", "Μ"),
                        (8, "Product upgrading", "ĸ"), (8, "Process upgrading", "m")]:
    add(("10-6", row, col, "3", "default", "glyph", "high",
         f"'{glyph}' = 3; column Totals (Product 22, Process 24) and row sums hold"))
add(("10-6", 4, "Product upgrading", "3", "default", "glyph", "high",
     "'Ω' = 3: Juarez row sum '∞' = 8 = Ω + 3 + 2; Product Total 22 holds"))
add(("10-6", 4, "Sum of upgrading", "8", "default", "glyph", "high", "'∞' is an 8 on its side; 3 + 3 + 2 + 0 = 8"))
for row, glyph in [(2, "<u></u>"), (8, "—"), (9, "_")]:
    add(("10-6", row, "Functional upgrading", "1", "default", "glyph", "high",
         f"'{glyph}' = 1: Functional Total 8.5 = 2 + 1 + 2 + 1.5 + 1 + 1 holds; row sums hold"))
for row in (1, 9):
    add(("10-6", row, "Sum of upgrading", "6", "default", "glyph", "high",
         f"components add to 6; {ROT}; Average 6.06 = 54.5/9 holds"))
for row in (5, 6):
    add(("10-6", row, "Sum of upgrading", "5", "default", "glyph", "high",
         "components add to 5; the OCR renders 5 as 2 in the Sum column; Average 6.06 = 54.5/9 holds"))
add(("10-6", 11, "Sum of upgrading", "6.06", "default", "glyph", "high",
     "'90.9' is 6.06 printed upside down; 54.5/9 = 6.056"))
add(("10-6", 11, "Process upgrading", "2.70", "default", "contradiction", "high",
     "printed 2.70 kept; Process Total 24 / 9 clusters = 2.67 and every row sum confirms the Process cells"))
add(("10-6", 6, "*", "NA", "default", "structural", "high",
     "seed lines 3544-3545 print 'Electronics Audiovisual' / 'equipment': labels of rows 6 and 7 split at the line break"))

# ---------- Table 10-1 ----------
for row, ee, ja, ce in [(1, 7.60, 5.23, 6.31), (2, 8.91, 7.36, 8.20), (3, 7.61, 4.80, 6.19), (4, 9.10, 7.80, 8.70)]:
    add(("10-1", row, "Collective Efficiency Index", f"{ce:.2f}", "default", "contradiction", "high",
         f"the printed note (seed line 3201) says CE = 0.5*EE + 0.5*JA, which gives {0.5 * ee + 0.5 * ja:.3f}; "
         "an average of per-cluster indices obeys the same identity, so no rounding explains it; printed value kept"))

# ---------- Table 10-2 (governance codes) ----------
add(("10-2", 45, "Market", "NA", "default", "structural", "medium",
     "product header 'Aircraft' (seed line 3362) carries stray '_' marks; header rows carry no data; SJC's own row (46) is complete"))
add(("10-2", 45, "Quasi-hierarchy", "NA", "default", "structural", "medium",
     "stray '_' on the product header row 'Aircraft'; ignored (SJC row 46 prints 0 0 2 0)"))
for row, label in [(51, "Metalworking"), (53, "Electronics"), (55, "Audiovisual equipment"), (57, "ICT")]:
    for col in ("Market", "Network", "Quasi-hierarchy", "Hierarchy"):
        add(("10-2", row, col, "NA", "default", "structural", "medium",
             f"product header '{label}' repeats a code row (misaligned complex-products block, seed lines 3368-3376): "
             "header rows carry no data; the cluster row below it is used"))
add(("10-2", 52, "Quasi-hierarchy", "1", "default", "ambiguous", "medium",
     "cluster row prints 1 (domestic chain) while the misaligned header above prints 4 (out of range 0-3); "
     "text (seed line 3564): local SMEs sell in the domestic market to large anchor firms"))
add(("10-2", 52, "Quasi-hierarchy", "2", "10-2.B", "ambiguous", "low",
     "alternative: the same text calls the SMEs 'indirectly part of global commodity chains' (seed line 3564): a global chain code"))
add(("10-2", 58, "Market", "2", "default", "ambiguous", "medium",
     "cell prints '2 2': the ICT header above repeats 2 0 0 0; read as market = 2, one 2 being the header's duplicate"))
add(("10-2", 58, "Market", "2", "10-2.A", "ambiguous", "low",
     "alternative: '2 2' is Market 2 and Network 2 run together, the row's trailing 0s being Quasi-hierarchy and Hierarchy"))
add(("10-2", 58, "Network", "2", "10-2.A", "ambiguous", "low", "see Market of this row, reading 10-2.A"))
add(("10-2", 59, "Market", "2", "default", "glyph", "high", "'Z' is the OCR's 2 (same shape)"))
for col in ("Market", "Network", "Quasi-hierarchy", "Hierarchy"):
    add(("10-2", 13, col, "NA", "default", "missing", "high", "printed N/A: not available (Campina Grande)"))
add(("10-2", 66, "Quasi-hierarchy", "3", "default", "contradiction", "high",
     "printed 3 kept; footnote 4 (seed line 3421) says none of the specialized-services (software) cases is part of a quasi-hierarchical chain"))

with open("data/raw/_fragments/chapter10_decisions.csv", "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["table", "row", "row_label", "column", "printed_text", "value_used", "reading", "kind", "confidence", "reason"])
    tables = {t: list(csv.DictReader(open(RAW / f, encoding="utf-8"))) for t, f in FILES.items()}
    for table, row, col, value, reading, kind, conf, reason in D:
        if row == "*":
            label, printed = "", ""
        else:
            rec = tables[table][row - 1]
            label = rec[list(rec)[1]]
            printed = "" if col == "*" else rec[col]
        w.writerow([table, row, label, col, printed, value, reading, kind, conf, reason])
print(len(D), "decisions")
