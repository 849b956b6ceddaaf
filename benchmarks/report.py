"""Benchmark tables (markdown cells) and plots (PNG, matplotlib from the ``[bench]`` extra)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def cell(metrics: dict, key: str) -> str:
    """One table cell: ``metrics[key]``, with `` ± <key>_std`` where there is one.

    >>> cell({"ndcg@10": 0.12, "ndcg@10_std": 0.02}, "ndcg@10"), cell({}, "mrr")
    ('0.1200 ± 0.0200', '–')
    """
    if key not in metrics:
        return "–"
    std = metrics.get(f"{key}_std")
    return f"{metrics[key]:.4f}" + (f" ± {std:.4f}" if std else "")


def _listed(value) -> str:
    """Per-seed values as ``a/b/c``."""
    return "/".join(map(str, value)) if isinstance(value, list) else str(value)


def epochs_cell(row: dict) -> str:
    """``epochs (best epoch)`` of a trained row, per seed where listed; ``capped`` for a peer
    stopped by its epoch cap rather than by early stopping.

    >>> epochs_cell({"epochs": 30, "best_epoch": 30, "stopped": "max_epochs"}), epochs_cell({})
    ('30 (30), capped', '–')
    """
    if "epochs" not in row:
        return "–"
    capped = ", capped" if row.get("stopped") == "max_epochs" else ""
    return f"{_listed(row['epochs'])} ({_listed(row.get('best_epoch', '–'))}){capped}"


def markdown_table(result: dict) -> str:
    """The ranking benchmark as a markdown table (test split)."""
    protocols = [p for p in next(iter(result["rows"].values()))["metrics"] if p != "full"]
    header = (["model", "HR@10", "NDCG@10", "HR@20", "NDCG@20", "MRR"]
              + [f"NDCG@10 ({p.split('_')[1]} neg.)" for p in protocols]
              + ["epochs (best)", "s/epoch", "measured"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, row in result["rows"].items():
        full = row["metrics"]["full"]
        cells = [label, *(cell(full, k) for k in ("hr@10", "ndcg@10", "hr@20", "ndcg@20",
                                                   "mrr")),
                 *(cell(row["metrics"][p], "ndcg@10") for p in protocols),
                 epochs_cell(row),
                 _listed(row.get("seconds_per_epoch")
                         or ("– (reused run)" if "epochs" in row else "–")),
                 row.get("measured", "this run")]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    for label, hr, ndcg in result.get("published", []):
        lines.append(f"| {label} (published) | {hr:.4f} | {ndcg:.4f} | – | – | – |"
                     + " – |" * (len(protocols) + 2) + " published |")
    if result.get("classification"):
        lines += ["", "Classification (S2 ch. 6): test targets + 4 sampled negatives each, "
                  "probabilities fitted on validation pairs, threshold 0.5", "",
                  "| model | AUC | accuracy | precision | recall | F1 | MAE | MSE |",
                  "|---|---|---|---|---|---|---|---|"]
        for label, m in result["classification"].items():
            lines.append(f"| {label} | " + " | ".join(
                f"{m[k]:.4f}" for k in ("auc", "accuracy", "precision", "recall", "f1", "mae",
                                        "mse")) + " |")
    return "\n".join(lines)


def ranking_plots(result: dict) -> dict:
    """The ranking benchmark's plots for :func:`~benchmarks.results_files.write_results`:
    validation curves per epoch and test HR@K for K = 1..50."""
    name = result["benchmark"]
    plots = {}
    if result.get("curves"):
        plots["curves"] = lambda path: line_plot(path, result["curves"], "epoch",
                                                 "validation NDCG@10", f"{name}: training curves")
    if result.get("hit_rate_at_k"):
        plots["hr-at-k"] = lambda path: line_plot(path, result["hit_rate_at_k"], "K",
                                                  "HR@K (test, full ranking)", f"{name}: HR vs K")
    return plots


def line_plot(path: Path, series: dict[str, list[float]], xlabel: str, ylabel: str,
               title: str) -> Path:
    """One line per entry of ``series`` (x = 1, 2, ...), saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4))
    for label, values in series.items():
        axis.plot(np.arange(1, len(values) + 1), values, label=label)
    axis.set(xlabel=xlabel, ylabel=ylabel, title=title)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path
