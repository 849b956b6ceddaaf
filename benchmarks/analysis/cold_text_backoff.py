"""Can a title-similarity backoff let the cold-start benchmark's held-out items compete?

Run:  python -m benchmarks.analysis.cold_text_backoff [--results results] [--epochs 10] [--seed 0]
                                             [--recent 1] [--json]

Takes the run of ``recsys-tf bench cold-start`` (``<results>/runs/cold-start-seed<seed>``,
trained here first if absent; pass the benchmark's ``--epochs``) and ranks validation and test
again with ``score + unknown_i · (a · sim(u, i) + d)``: ``unknown_i`` marks the items without
training events (the held-out ones), ``sim`` is the cosine of the candidate's BERT title with
the mean title of the user's last ``--recent`` items (the benchmark's text baseline), ``a``
lifts held-out items whose title is close to what the user just had, and ``d`` shifts all of
them. For each ``(a, d)`` of a grid it prints validation NDCG@10 over all targets (what a
validation-only choice maximises) and test HR@10 on cold and warm targets, so the table is the
trade-off between the two groups; the row a validation-only choice picks is marked.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from recsys_tf.user_cache import cache_root

WEIGHTS = (0.0, 1.0, 2.0, 4.0, 6.0, 8.0)
OFFSETS = (-2.0, -1.0, 0.0, 1.0)


def cached_scores(score_fn, examples: dict[str, np.ndarray], batch_size: int = 1024
                  ) -> np.ndarray:
    """``[n, num_items]`` float32 scores of ``examples``, computed batch by batch.

    >>> cached_scores(lambda b: b["x"][:, None] * np.ones((1, 2)), {"x": np.arange(3.0)}, 2)
    array([[0., 0.],
           [1., 1.],
           [2., 2.]], dtype=float32)
    """
    count = len(next(iter(examples.values())))
    parts = [score_fn({k: v[start:start + batch_size] for k, v in examples.items()})
             for start in range(0, count, batch_size)]
    return np.concatenate(parts).astype(np.float32)


def backoff_scorer(base: np.ndarray, similarity: np.ndarray, unknown: np.ndarray,
                   weight: float, offset: float):
    """A score function over cached ``[n, num_items]`` arrays, read by each batch's ``row``:
    ``base + unknown · (weight · similarity + offset)``.

    >>> score = backoff_scorer(np.zeros((1, 3)), np.array([[0.0, 0.5, 1.0]]),
    ...                        np.array([False, True, True]), weight=2.0, offset=-1.0)
    >>> score({"row": np.array([0])}).tolist()
    [[0.0, 0.0, 1.0]]
    """
    lift = np.asarray(unknown, np.float32)

    def score(batch: dict[str, np.ndarray]) -> np.ndarray:
        rows = batch["row"]
        return base[rows] + lift * (weight * similarity[rows] + offset)

    return score


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default=str(cache_root() / "bench"),
                        help="the cold-start benchmark's --work-dir")
    parser.add_argument("--config", default="beauty")
    parser.add_argument("--epochs", type=int, help="the benchmark's --epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--recent", type=int, default=1, help="last items in the title profile")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    from benchmarks.suites.cold_start import hold_out_items
    from benchmarks.suites.seeded_runs import benchmark_experiment, trained_model
    from recsys_tf.baselines.recent_text import recent_text_scorer
    from recsys_tf.evaluation.full_ranking import compute_ranks
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.evaluation.ranking_metrics import ranking_metrics
    from recsys_tf.experiment.prepared_data import prepare_data

    experiment = benchmark_experiment(None, args.config, args.epochs)
    prepared = prepare_data(experiment.data)
    view, held_out = hold_out_items(prepared)
    run_dir = Path(args.results) / "runs" / f"cold-start-seed{args.seed}"
    _, model = trained_model(experiment.replace(train={"seed": args.seed}), run_dir, view)
    unknown = ~np.asarray(view.known_items, bool) & prepared.candidate_mask
    score_fn = model_scorer(model)
    similarity_fn = recent_text_scorer(prepared.item_text, args.recent)

    splits = {"valid": (prepared.valid, prepared.valid_history),
              "test": (prepared.test, prepared.test_history)}
    ranks, cold = {}, {}
    for split, (examples, history) in splits.items():
        cold[split] = held_out[examples["target"]]
        examples = {**examples, "row": np.arange(len(examples["target"]))}
        base = cached_scores(score_fn, examples)
        similarity = cached_scores(similarity_fn, examples)
        for weight, offset in itertools.product(WEIGHTS, OFFSETS):
            ranks[split, weight, offset] = compute_ranks(
                backoff_scorer(base, similarity, unknown, weight, offset), examples,
                candidate_mask=prepared.candidate_mask, history=history)
        del base, similarity

    rows = []
    for weight, offset in itertools.product(WEIGHTS, OFFSETS):
        valid, test = ranks["valid", weight, offset], ranks["test", weight, offset]
        rows.append({"weight": weight, "offset": offset,
                     "valid_ndcg@10": ranking_metrics(valid)["ndcg@10"],
                     "valid_cold_hr@10": ranking_metrics(valid[cold["valid"]])["hr@10"],
                     "test_cold_hr@10": ranking_metrics(test[cold["test"]])["hr@10"],
                     "test_warm_hr@10": ranking_metrics(test[~cold["test"]])["hr@10"],
                     "test_ndcg@10": ranking_metrics(test)["ndcg@10"]})
    chosen = max(range(len(rows)), key=lambda i: rows[i]["valid_ndcg@10"])  # first on ties
    result = {"run": str(run_dir), "recent": args.recent, "held_out_items": int(held_out.sum()),
              "unknown_candidates": int(unknown.sum()), "chosen": rows[chosen], "rows": rows}
    if args.json:
        print(json.dumps(result, indent=1))
        return result
    print(f"{run_dir}: {result['held_out_items']} held-out items; title profile of the last "
          f"{args.recent} item(s)\n")
    print("| a | d | valid NDCG@10 | valid cold HR@10 | test cold HR@10 | test warm HR@10 | "
          "test NDCG@10 |\n|---:|---:|---:|---:|---:|---:|---:|")
    for i, row in enumerate(rows):
        mark = " (validation's choice)" if i == chosen else ""
        print(f"| {row['weight']:g} | {row['offset']:g}{mark} | {row['valid_ndcg@10']:.4f} | "
              f"{row['valid_cold_hr@10']:.4f} | {row['test_cold_hr@10']:.4f} | "
              f"{row['test_warm_hr@10']:.4f} | {row['test_ndcg@10']:.4f} |")
    return result


if __name__ == "__main__":
    main()
