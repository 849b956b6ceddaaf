"""How much a user's other-domain events tell about their next target-domain item, per history
group: the signal a cross-domain tower can learn, measured without training one.

Run:  python -m benchmarks.analysis.cross_domain_signal [--config food-kitchen] [--json]
          [--domain food --runs RUN [RUN ...]]

For each target domain of the data (every domain, as ``bench food-kitchen``), scorers that need
no training are ranked on validation and test (full ranking over the target's domain, history
masked), with NDCG@10 per history group
(:func:`~recsys_tf.evaluation.history_groups.history_groups`):

- ``popularity``;
- ``same-domain co-occurrence``: item-KNN over the target domain (the benchmark's baseline,
  tuned on validation);
- ``other-domain co-occurrence``: how often each target item was a training target while each
  other-domain item was among the user's last ``--window`` other-domain events,
  cosine-normalised; a user's score sums the rows of their own last ``--window`` other-domain
  events;
- ``other-domain titles``: the cosine of each item's title vector (the config's text encoder) to
  the mean title vector of the user's last ``--window`` other-domain events;
- ``same + w × other co-occurrence``: both co-occurrence scores (each divided by its row's
  maximum absolute value), one weight ``w`` for the users with at most 3 earlier target-domain
  events (the group a cross-domain tower exists for) and one for the rest, each chosen on its
  group's validation NDCG@10.

If the last row does not beat item-KNN for those users, the other domain adds little that
co-occurrence can see; the ratio the tower reaches over its single-domain ablation
(``bench food-kitchen``) should be read against it. With ``--runs`` (finished runs on one
``--domain``, e.g. the benchmark's seeds), each run is ranked as it is and with the
other-domain co-occurrence mixed in the same way: what a cross-domain count prior on top of a
trained model would add.
"""

from __future__ import annotations

import argparse
import json
import os

import numpy as np
import scipy.sparse as sp

from recsys_tf.evaluation.history_groups import SHORT_GROUP as SHORT
from recsys_tf.evaluation.history_groups import SHORT_HISTORY

WEIGHTS = (0.0, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)


def cross_cooccurrence(train: dict[str, np.ndarray], num_items: int, window: int
                       ) -> sp.csr_matrix:
    """``[num_items, num_items]`` cosine-normalised counts: row ``i`` (an other-domain item),
    column ``j`` (a target), counted once per training target ``j`` for each of the last
    ``window`` other-domain events visible before it.

    >>> train = {"targets": np.array([[5, 6, 0]]), "cross_item_ids": np.array([[2, 3, 0]]),
    ...          "cross_lengths": np.array([[1, 2, 0]])}
    >>> cross_cooccurrence(train, 7, window=1).toarray()[2:4, 5:7].round(2).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    targets, cross = train["targets"], train["cross_item_ids"]
    lengths = train["cross_lengths"]
    rows, cols = [], []
    for back in range(1, window + 1):
        index = lengths - back                       # the back-th latest visible event
        valid = (targets > 0) & (index >= 0)
        n, j = np.nonzero(valid)
        items = cross[n, index[n, j]]
        keep = items > 0
        rows.append(items[keep])
        cols.append(targets[n, j][keep])
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(num_items, num_items))
    counts.sum_duplicates()
    norm_rows = np.sqrt(np.asarray(counts.sum(axis=1)).ravel())
    norm_cols = np.sqrt(np.asarray(counts.sum(axis=0)).ravel())
    inverse = sp.diags(1 / np.maximum(norm_rows, 1e-12))
    return (inverse @ counts @ sp.diags(1 / np.maximum(norm_cols, 1e-12))).tocsr()


def latest_cross_items(batch: dict[str, np.ndarray], window: int) -> np.ndarray:
    """``[batch, window]`` the latest other-domain items visible at each example's last
    history position (0 = none), latest first.

    >>> batch = {"cross_item_ids": np.array([[4, 5, 6]]), "cross_lengths": np.array([[1, 2]]),
    ...          "history_length": np.array([2])}
    >>> latest_cross_items(batch, 3).tolist()
    [[5, 4, 0]]
    """
    last = np.maximum(batch["history_length"] - 1, 0)
    visible = batch["cross_lengths"][np.arange(len(last)), last]
    index = visible[:, None] - 1 - np.arange(window)[None]
    picked = np.take_along_axis(batch["cross_item_ids"], np.maximum(index, 0), axis=1)
    return np.where(index >= 0, picked, 0)


def cooccurrence_scorer(similarity: sp.csr_matrix, window: int):
    def score(batch):
        latest = latest_cross_items(batch, window)
        out = np.zeros((len(latest), similarity.shape[1]))
        for column in latest.T:
            out += similarity[column].toarray() * (column > 0)[:, None]
        return out

    return score


def title_scorer(item_text: np.ndarray, window: int):
    unit = item_text / np.maximum(np.linalg.norm(item_text, axis=1, keepdims=True), 1e-12)

    def score(batch):
        latest = latest_cross_items(batch, window)
        mean = (unit[latest] * (latest > 0)[..., None]).sum(axis=1)
        return mean @ unit.T

    return score


def mixed_scorer(first, second, short_weight: float, long_weight: float):
    """``first`` + weight × ``second``, each divided by its row's maximum absolute value; the
    weight is ``short_weight`` for examples with at most :data:`SHORT_HISTORY` history events.

    >>> one = lambda batch: np.array([[2.0, 1.0], [4.0, 0.0]])
    >>> two = lambda batch: np.array([[0.0, 3.0], [0.0, 1.0]])
    >>> mixed_scorer(one, two, 1.0, 0.0)({"history_length": np.array([2, 9])}).tolist()
    [[1.0, 1.5], [1.0, 0.0]]
    """
    def score(batch):
        a, b = first(batch), second(batch)
        scale = np.maximum(np.abs(a).max(axis=1, keepdims=True), 1e-12)
        other = np.maximum(np.abs(b).max(axis=1, keepdims=True), 1e-12)
        weight = np.where(batch["history_length"] <= SHORT_HISTORY, short_weight, long_weight)
        return a / scale + weight[:, None] * b / other

    return score


def mixed_in(name: str, base, other, prepared, scorers: dict, weights: dict) -> None:
    """Adds ``base`` mixed with ``other`` to ``scorers``, each group's weight chosen on its
    validation NDCG@10; records the grid in ``weights``."""
    grid = {w: grouped_ndcg(mixed_scorer(base, other, w, w), prepared, "valid") for w in WEIGHTS}
    short = max(WEIGHTS, key=lambda w: grid[w][SHORT]["ndcg@10"])
    long = max(WEIGHTS, key=lambda w: grid[w].get("rest", {"ndcg@10": 0})["ndcg@10"])
    weights[name] = {str(w): grid[w][SHORT]["ndcg@10"] for w in WEIGHTS}
    scorers[f"{name} + other co-occurrence (w {short} / {long})"] = mixed_scorer(
        base, other, short, long)


def grouped_ndcg(score_fn, prepared, split: str) -> dict[str, dict[str, float]]:
    from recsys_tf.evaluation.full_ranking import compute_ranks
    from recsys_tf.evaluation.history_groups import history_groups
    from recsys_tf.evaluation.ranking_metrics import ranking_metrics

    examples = getattr(prepared, split)
    ranks = compute_ranks(score_fn, examples, candidate_mask=prepared.candidate_mask,
                          history=getattr(prepared, f"{split}_history"))
    groups = {"all": np.ones(len(ranks), bool), **history_groups(examples)}
    groups["rest"] = ~groups[SHORT]
    return {label: {"ndcg@10": ranking_metrics(ranks[mask])["ndcg@10"], "users": int(mask.sum())}
            for label, mask in groups.items() if mask.any()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default="food-kitchen")
    parser.add_argument("--window", type=int, default=10,
                        help="other-domain events per user that score")
    parser.add_argument("--domain", help="rank only this target domain")
    parser.add_argument("--runs", nargs="+", default=[],
                        help="finished runs on --domain, each also mixed with the co-occurrence")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.runs and not args.domain:
        parser.error("--runs needs --domain (the runs' target domain)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from benchmarks.suites.ranking import tune_item_knn
    from benchmarks.suites.seeded_runs import benchmark_experiment
    from recsys_tf.evaluation.full_ranking import popularity_scores
    from recsys_tf.evaluation.model_scores import model_scorer
    from recsys_tf.experiment.prepared_data import load_log, prepare_data
    from recsys_tf.experiment.run_directory import FinishedRun

    base = benchmark_experiment(args.config, "food-kitchen")
    out = {}
    for domain in sorted(load_log(base.data)[0].domains):
        if args.domain and domain != args.domain:
            continue
        prepared = prepare_data(base.replace(data={"target_domain": domain}).data)
        knn, _ = tune_item_knn(prepared)
        other = cooccurrence_scorer(cross_cooccurrence(prepared.train, prepared.num_items,
                                                       args.window), args.window)
        scorers = {"popularity": popularity_scores(prepared.popularity),
                   "same-domain co-occurrence": knn.scorer(),
                   "other-domain co-occurrence": other}
        if prepared.item_text is not None:
            scorers["other-domain titles"] = title_scorer(prepared.item_text, args.window)
        weights = {}
        mixed_in("same-domain co-occurrence", knn.scorer(), other, prepared, scorers, weights)
        for run_dir in args.runs:
            model = FinishedRun.load(run_dir).model
            if model.config.num_items != prepared.num_items:
                raise ValueError(f"{run_dir}: the model has {model.config.num_items} items, "
                                 f"the {domain} data {prepared.num_items}")
            scorers[run_dir] = model_scorer(model)
            mixed_in(run_dir, scorers[run_dir], other, prepared, scorers, weights)
        out[domain] = {name: {split: grouped_ndcg(fn, prepared, split)
                              for split in ("valid", "test")}
                       for name, fn in scorers.items()}
        out[domain]["weights (valid NDCG@10, ≤ 3)"] = weights
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for domain, rows in out.items():
        weights = rows.pop("weights (valid NDCG@10, ≤ 3)")
        print(f"\n{domain}: NDCG@10 valid / test (users ≤ 3 earlier {domain} events; all)")
        print("| scorer | ≤ 3 valid | ≤ 3 test | all valid | all test |\n|---|---:|---:|---:|---:|")
        for name, splits in rows.items():
            v, t = splits["valid"], splits["test"]
            print(f"| {name} | {v[SHORT]['ndcg@10']:.4f} | {t[SHORT]['ndcg@10']:.4f} | "
                  f"{v['all']['ndcg@10']:.4f} | {t['all']['ndcg@10']:.4f} |")
        for name, grid in weights.items():
            print(f"{name}, weight grid (valid ≤ 3):",
                  ", ".join(f"{w}: {value:.4f}" for w, value in grid.items()))


if __name__ == "__main__":
    main()
