"""What each tower adds: validation NDCG@10 of the model with towers switched on one by one.

Run:  python benchmarks/ablation.py --config training/configs/beauty.toml [--epochs 8]
      python benchmarks/ablation.py --config training/configs/synthetic.toml

Variants (each trained from the same seed with early stopping on validation NDCG@10, full
ranking, history masked): behaviour tower only; + content tower (BERT titles, also in the item
tower); + topic-interest head (S0 §3.8); + cross-domain tower (only for data with a
``target_domain``). The data is prepared once and shared. Writes ``results/ablation-<name>.json``
and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

VARIANTS = [
    ("behaviour", {"use_content": False, "use_topic_interest": False,
                   "use_cross_domain": False}),
    ("+ content", {"use_content": True, "use_topic_interest": False, "use_cross_domain": False}),
    ("+ topic interest", {"use_content": True, "use_topic_interest": True,
                          "use_cross_domain": False}),
    ("+ cross-domain", {"use_content": True, "use_topic_interest": True,
                        "use_cross_domain": True}),
]


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="training/configs/beauty.toml")
    parser.add_argument("--epochs", type=int, default=None, help="cap on epochs per variant")
    parser.add_argument("--output", default="results")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from recsys_tf.training.experiment_config import ExperimentConfig
    from recsys_tf.training.prepared_data import prepare_data
    from recsys_tf.training.trainer import train

    experiment = ExperimentConfig.load(args.config)
    if args.epochs:
        experiment = experiment.replace(train={"epochs": args.epochs})
    prepared = prepare_data(experiment.data)
    cross = experiment.data.target_domain is not None
    rows = []
    for name, switches in VARIANTS:
        if switches["use_cross_domain"] and not cross:
            continue
        variant = experiment.replace(model=switches)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as run_dir:
            metrics = train(variant, Path(run_dir), prepared=prepared, verbose=2)
        rows.append({"variant": name, "valid_ndcg@10": metrics["valid"]["model"]["ndcg@10"],
                     "valid_hr@10": metrics["valid"]["model"]["hr@10"],
                     "test_ndcg@10": metrics["test"]["model"]["ndcg@10"],
                     "best_epoch": metrics["best_epoch"], "epochs": len(metrics["history"]),
                     "seconds": round(time.perf_counter() - started, 1)})
        print(json.dumps(rows[-1]), flush=True)
    popularity = metrics["test"]["popularity"]
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    result = {"config": args.config, "epochs_cap": args.epochs, "variants": rows,
              "popularity_test_ndcg@10": popularity["ndcg@10"]}
    (out / f"ablation-{Path(args.config).stem}.json").write_text(json.dumps(result, indent=2))
    print("\n| variant | valid NDCG@10 | valid HR@10 | test NDCG@10 | best epoch |\n"
          "|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['variant']} | {row['valid_ndcg@10']:.4f} | {row['valid_hr@10']:.4f} | "
              f"{row['test_ndcg@10']:.4f} | {row['best_epoch']}/{row['epochs']} |")
    print(f"| most popular (test) | | | {popularity['ndcg@10']:.4f} | |")
    return rows


if __name__ == "__main__":
    main()
