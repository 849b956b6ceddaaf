"""What each tower, or any change to a config, adds: validation and test NDCG@10 per variant.

Run:  python -m benchmarks.analysis.ablation --config beauty [--epochs 8]
      python -m benchmarks.analysis.ablation --config synthetic
      python -m benchmarks.analysis.ablation --config ml-100k --seeds 3 \\
          --variant 'dropout 0.4={"model": {"dropout": 0.4}}' \\
          --variant 'length 100={"data": {"max_length": 100}}'

Without ``--variant`` the variants are the towers switched on one by one: behaviour tower only;
+ content tower (BERT titles, also in the item tower); + topic-interest head (S0 §3.8);
+ cross-domain tower (only for data with a ``target_domain``). With ``--variant NAME=JSON``
(repeatable) they are the config as it is and each change, JSON holding the changed fields of
its sections (``model``, ``data``, ``train``). Each variant is trained from seeds 0..N-1
(``--seeds``) with early stopping on validation NDCG@10 (full ranking, history masked); the data
is prepared once per distinct ``data`` section and shared. The table gives each variant's mean
over seeds of validation NDCG@10 and HR@10 (after the transition prior where the config fits
one) and of test NDCG@10, and marks the best mean validation: what a choice made on validation
alone picks.
With a target domain (the config's, or ``--target-domain``), each seed also gives validation
and test NDCG@10 of the users with at most 3 earlier target-domain events
(:mod:`~recsys_tf.evaluation.history_groups`), the users a cross-domain tower is for.
``--work-dir DIR`` keeps each run in ``DIR/runs/ablation-<config>[-<domain>]-<variant>-seed<N>``
and reuses a finished one (the trainer refuses a directory of another experiment).
Writes ``results/ablation-<config name>.json`` (every seed's figures) and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path

from recsys_tf.evaluation.history_groups import SHORT_GROUP, SHORT_HISTORY

TOWERS = [
    ("behaviour", {"model": {"use_content": False, "use_topic_interest": False,
                             "use_cross_domain": False}}),
    ("+ content", {"model": {"use_content": True, "use_topic_interest": False,
                             "use_cross_domain": False}}),
    ("+ topic interest", {"model": {"use_content": True, "use_topic_interest": True,
                                    "use_cross_domain": False}}),
    ("+ cross-domain", {"model": {"use_content": True, "use_topic_interest": True,
                                  "use_cross_domain": True}}),
]
AS_CONFIGURED = "as configured"


def parse_variant(text: str) -> tuple[str, dict]:
    """``NAME=JSON`` -> ``(NAME, changes)``; JSON maps config sections to changed fields.

    >>> parse_variant('dropout 0.4={"model": {"dropout": 0.4}}')
    ('dropout 0.4', {'model': {'dropout': 0.4}})
    >>> parse_variant('x={"optim": {}}')
    Traceback (most recent call last):
    ...
    ValueError: --variant 'x': unknown sections ['optim'] (use model, data, train)
    """
    name, sep, body = text.partition("=")
    if not sep or not name.strip():
        raise ValueError(f"--variant {text!r}: expected NAME=JSON")
    try:
        changes = json.loads(body)
    except json.JSONDecodeError as error:
        raise ValueError(f"--variant {name!r}: its JSON does not parse: {error}") from None
    if not isinstance(changes, dict) or not all(isinstance(v, dict) for v in changes.values()):
        raise ValueError(f"--variant {name!r}: JSON must map sections to objects of fields")
    unknown = sorted(set(changes) - {"model", "data", "train"})
    if unknown:
        raise ValueError(f"--variant {name!r}: unknown sections {unknown} (use model, data, train)")
    return name.strip(), changes


def summarise(name: str, seeds: list[dict]) -> dict:
    """One variant's row: the per-seed figures, and the mean and population std over seeds of
    each validation and test figure (:func:`~benchmarks.suites.ranking.seed_mean_std`).

    >>> row = summarise("v", [{"valid_ndcg@10": 0.1, "test_ndcg@10": 0.2},
    ...                       {"valid_ndcg@10": 0.3, "test_ndcg@10": 0.4}])
    >>> [round(row[k], 3) for k in ("valid_ndcg@10", "test_ndcg@10", "test_ndcg@10_std")]
    [0.2, 0.3, 0.1]
    """
    from benchmarks.suites.ranking import seed_mean_std

    figures = [{"row": {key: value for key, value in seed.items()
                        if key.startswith(("valid_", "test_"))}} for seed in seeds]
    return {"variant": name, "seeds": seeds, **seed_mean_std(figures)["row"]}


def figure(row: dict, key: str, with_std: bool) -> str:
    """``row[key]`` as a table cell, with its std over seeds."""
    return f"{row[key]:.4f}" + (f" ± {row[key + '_std']:.4f}" if with_std else "")


def slug(name: str) -> str:
    """A variant's name as a folder name.

    >>> slug("dropout 0.4 (+ copies)")
    'dropout-0-4-copies'
    """
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def short_history_ndcg(run_dir: Path, prepared) -> dict[str, float]:
    """Validation and test NDCG@10 (full ranking, history masked) of the finished run in
    ``run_dir`` over the users with at most ``SHORT_HISTORY`` earlier target-domain events."""
    import numpy as np

    from recsys_tf.evaluation.full_ranking import compute_ranks
    from recsys_tf.evaluation.history_groups import history_groups
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.evaluation.ranking_metrics import user_ndcg
    from recsys_tf.experiment.run_directory import FinishedRun

    score = model_scorer(FinishedRun.load(run_dir).model)
    figures = {}
    for split, examples, history in (("valid", prepared.valid, prepared.valid_history),
                                     ("test", prepared.test, prepared.test_history)):
        ranks = compute_ranks(score, examples, candidate_mask=prepared.candidate_mask,
                              history=history)
        short = history_groups(examples)[SHORT_GROUP]
        figures[f"{split}_short_ndcg@10"] = (float(np.mean(user_ndcg(ranks, 10)[short]))
                                             if short.any() else float("nan"))
    return figures


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="beauty")
    parser.add_argument("--epochs", type=int, default=None, help="cap on epochs per variant")
    parser.add_argument("--seeds", type=int, default=1, help="training seeds per variant")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME=JSON",
                        help="a config change to compare with the config as it is (repeatable)")
    parser.add_argument("--target-domain", default=None, metavar="NAME",
                        help="rank this domain (data with domains; default: the config's)")
    parser.add_argument("--work-dir", default=None,
                        help="keep the runs here and reuse finished ones (default: discard)")
    parser.add_argument("--output", default="results")
    args = parser.parse_args(argv)
    variants = ([(AS_CONFIGURED, {})] + [parse_variant(v) for v in args.variant]
                if args.variant else TOWERS)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from recsys_tf.experiment.experiment_config import ExperimentConfig
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import train

    experiment = ExperimentConfig.load(args.config)
    if args.target_domain:
        experiment = experiment.replace(data={"target_domain": args.target_domain})
    if args.epochs:
        experiment = experiment.replace(train={"epochs": args.epochs})
    cross = experiment.data.target_domain is not None
    prepared_by_data = {}
    rows = []
    for name, changes in variants:
        if not cross and changes.get("model", {}).get("use_cross_domain"):
            continue
        variant = experiment.replace(**changes)
        data_key = json.dumps(variant.to_dict()["data"], sort_keys=True)
        if data_key not in prepared_by_data:
            prepared_by_data[data_key] = prepare_data(variant.data)
        seeds = []
        prepared = prepared_by_data[data_key]
        for seed in range(args.seeds):
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as scratch:
                run_dir = Path(scratch)
                if args.work_dir:
                    domain = f"-{variant.data.target_domain}" if cross else ""
                    run_dir = (Path(args.work_dir).expanduser() / "runs" /
                               f"ablation-{Path(args.config).stem}{domain}-{slug(name)}-seed{seed}")
                metrics = train(variant.replace(train={"seed": seed}), run_dir,
                                prepared=prepared, verbose=2)
                short = short_history_ndcg(run_dir, prepared) if cross else {}
            seeds.append({
                "seed": seed, "valid_ndcg@10": metrics["valid"]["model"]["ndcg@10"],
                "valid_hr@10": metrics["valid"]["model"]["hr@10"],
                "test_ndcg@10": metrics["test"]["model"]["ndcg@10"], **short,
                "best_epoch": metrics["best_epoch"], "epochs": len(metrics["history"]),
                "seconds": round(time.perf_counter() - started, 1)})
            print(json.dumps({"variant": name, **seeds[-1]}), flush=True)
        rows.append({**summarise(name, seeds), "changes": changes})
    popularity = metrics["test"]["popularity"]
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result = {"config": args.config, "epochs_cap": args.epochs, "seeds": args.seeds,
              "variants": rows, "popularity_test_ndcg@10": popularity["ndcg@10"]}
    (out / f"ablation-{Path(args.config).stem}.json").write_text(json.dumps(result, indent=2))
    chosen = max(rows, key=lambda row: row["valid_ndcg@10"])["variant"]
    short = f"≤ {SHORT_HISTORY} events" if cross else None
    print(f"\n{args.config}, mean over {args.seeds} seed(s); * = best validation\n"
          "| variant | valid NDCG@10 | valid HR@10 | test NDCG@10 | "
          + (f"valid, {short} | test, {short} | " if short else "") + "best epoch |\n"
          + "|---" * (7 if short else 5) + "|")
    for row in rows:
        mark = " *" if row["variant"] == chosen else ""
        epochs = ", ".join(f"{s['best_epoch']}/{s['epochs']}" for s in row["seeds"])
        keys = ["test_ndcg@10"] + (["valid_short_ndcg@10", "test_short_ndcg@10"] if short
                                   else [])
        figures = " | ".join(figure(row, key, args.seeds > 1) for key in keys)
        print(f"| {row['variant']}{mark} | {row['valid_ndcg@10']:.4f} | "
              f"{row['valid_hr@10']:.4f} | {figures} | {epochs} |")
    print(f"| most popular | | | {popularity['ndcg@10']:.4f} | " + ("| | " if short else "")
          + "|")
    return rows


if __name__ == "__main__":
    main()
