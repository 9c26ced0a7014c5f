"""Agreement arithmetic on a small confusion matrix (pure; the database does the counting).

A matrix is {(row_label, col_label): count}: rows are one rater (the suggestion, or the first
agent), columns the other (the confirmed label, or the second agent).
"""
from __future__ import annotations

from collections import Counter


def matrix_from_pairs(pairs) -> dict[tuple[str, str], int]:
    return dict(Counter((a, b) for a, b in pairs))


def summary(matrix: dict[tuple[str, str], int], labels: list[str] | None = None) -> dict:
    """Accuracy (observed agreement), Cohen's kappa, per-label precision/recall/F1 (the column
    rater taken as the truth) and the matrix as rows for a template."""
    seen = sorted({a for a, _ in matrix} | {b for _, b in matrix})
    order = [lab for lab in (labels or []) if lab in seen] + [lab for lab in seen if lab not in (labels or [])]
    n = sum(matrix.values())
    rows_tot = Counter()
    cols_tot = Counter()
    for (a, b), c in matrix.items():
        rows_tot[a] += c
        cols_tot[b] += c
    agree = sum(c for (a, b), c in matrix.items() if a == b)
    po = agree / n if n else None
    pe = sum(rows_tot[lab] * cols_tot[lab] for lab in order) / (n * n) if n else None
    if not n:
        kappa = None
    elif pe >= 1.0:
        kappa = 1.0 if po == 1.0 else 0.0  # one label only: kappa is undefined, report agreement as-is
    else:
        kappa = (po - pe) / (1 - pe)
    per_label = []
    for lab in order:
        tp = matrix.get((lab, lab), 0)
        precision = tp / rows_tot[lab] if rows_tot[lab] else None
        recall = tp / cols_tot[lab] if cols_tot[lab] else None
        f1 = (2 * precision * recall / (precision + recall)) if precision and recall else (0.0 if n else None)
        per_label.append({"label": lab, "support": cols_tot[lab], "predicted": rows_tot[lab],
                          "precision": precision, "recall": recall, "f1": f1})
    return {
        "n": n, "accuracy": po, "expected": pe, "kappa": kappa, "labels": order, "per_label": per_label,
        "rows": [{"label": a, "cells": [matrix.get((a, b), 0) for b in order], "total": rows_tot[a]} for a in order],
        "col_totals": [cols_tot[b] for b in order],
    }
