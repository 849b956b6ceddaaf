"""How often the validation and the test split ask about items that training rarely saw.

Run:  python benchmarks/split_rarity.py [--config training/configs/beauty.toml] [--json]

For the targets of each split and for the last input event before them, prints the median
number of times the item is a training target and the share of items that are one fewer
than ``--rare`` times (and never). With leave-one-out, the test's last input is the validation
target, which is never a training target itself; a model whose state leans on its last input
reads a less trained item row more often at test than at validation. Data only: no model runs.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np


def rarity(items: np.ndarray, counts: np.ndarray, rare: int) -> dict[str, float]:
    """Median training count of ``items`` and the shares below ``rare`` and at zero.

    >>> rarity(np.array([1, 2, 2]), np.array([0, 3, 10]), rare=5)
    {'median_count': 10.0, 'share_rare': 0.3333333333333333, 'share_unseen': 0.0}
    """
    seen = counts[items]
    return {"median_count": float(np.median(seen)), "share_rare": float((seen < rare).mean()),
            "share_unseen": float((seen == 0).mean())}


def last_inputs(examples: dict[str, np.ndarray]) -> np.ndarray:
    """The item of each example's last valid (right-padded) input position."""
    lengths = (examples["item_ids"] > 0).sum(axis=1)
    return examples["item_ids"][np.arange(len(lengths)), lengths - 1]


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="training/configs/beauty.toml")
    parser.add_argument("--rare", type=int, default=5, help="fewer training targets = rare")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from recsys_tf.training.experiment_config import ExperimentConfig
    from recsys_tf.training.prepared_data import prepare_data

    prepared = prepare_data(ExperimentConfig.load(args.config).data)
    counts = prepared.popularity
    result = {split: {"targets": rarity(examples["target"], counts, args.rare),
                      "last_input": rarity(last_inputs(examples), counts, args.rare)}
              for split, examples in (("valid", prepared.valid), ("test", prepared.test))}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"times each item is a training target; rare = fewer than {args.rare}")
        for split, parts in result.items():
            for part, values in parts.items():
                print(f"{split:<6}{part:<11} median {values['median_count']:>5.1f}  "
                      f"rare {values['share_rare']:.3f}  unseen {values['share_unseen']:.4f}")
    return result


if __name__ == "__main__":
    main()
