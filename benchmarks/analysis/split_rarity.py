"""How often the validation and the test split ask about items that training rarely saw.

Run:  python -m benchmarks.analysis.split_rarity [--config beauty]
                                        [--target-domain DOMAIN] [--model RUN]
                                        [--peer WORK_DIR/peers/NAME.json ...] [--item-knn]
                                        [--json]

For the targets of each split and for the last input event before them, prints how many times
the item is a training target (median) and the share of items that are so fewer than ``--rare``
times, or never. With leave-one-out, the test's last input is the validation target, which is
never a training target itself; a model whose state leans on its last input reads a less trained
item row more often at test than at validation. With ``--model`` (a finished run on that data),
also the run's NDCG@10 per split within buckets of the last input's (and of the target's)
training count: if the buckets score alike on both splits, the rarer mix explains the test loss;
if test is lower within each bucket, it does not. The same for the (last input -> target)
transition: the share of examples whose pair is a training transition (an input and its
next-item target somewhere in training), and NDCG@10 for examples whose transition training has seen
vs not; with a target domain (``food-kitchen.toml``), also for the (last other-domain event ->
target) pair, a cross-domain transition. A run with a fitted transition prior
(``use_transitions``) is ranked a second time with the prior's weights at 0: the same towers
with and without it. Each ``--peer`` (a cached RecBole result, which keeps its per-example
ranks) and ``--item-knn`` (the benchmark's baseline) get the same buckets. For every model,
validation NDCG@10 re-weighted to test's mix of buckets says how much of the
validation-to-test drop the mix accounts for.
"""

from __future__ import annotations

import argparse
import itertools
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


def _pair_counts(train_sources: np.ndarray, train_targets: np.ndarray,
                 sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """How many times each (source, target) query pair occurs among the training pairs."""
    def key(a, b):
        return (a.astype(np.int64) << 32) | b.astype(np.int64)

    pairs, counts = np.unique(key(train_sources, train_targets), return_counts=True)
    if not len(pairs):
        return np.zeros(len(sources), np.int64)
    query = key(sources, targets)
    at = np.searchsorted(pairs, query).clip(max=len(pairs) - 1)
    return np.where((pairs[at] == query) & (sources > 0), counts[at], 0)


def seen_transitions(train: dict[str, np.ndarray], examples: dict[str, np.ndarray]
                     ) -> np.ndarray:
    """How many times each example's (last input -> target) pair is a training transition.

    >>> train = {"item_ids": np.array([[2, 3, 4]]), "targets": np.array([[3, 4, 0]])}
    >>> seen_transitions(train, {"item_ids": np.array([[2, 0], [4, 0], [3, 2]]),
    ...                          "target": np.array([3, 2, 4])}).tolist()
    [1, 0, 0]
    """
    valid = train["targets"] > 0
    return _pair_counts(train["item_ids"][valid], train["targets"][valid],
                        last_inputs(examples), examples["target"])


def seen_cross_transitions(train: dict[str, np.ndarray], examples: dict[str, np.ndarray]
                           ) -> np.ndarray:
    """How many times each example's (last other-domain event -> target) pair occurs in
    training, where a training pair is a target and the last event of the cross-domain stream
    before it (0 for examples with no such event).

    >>> train = {"targets": np.array([[5, 6, 0]]), "cross_item_ids": np.array([[9, 8]]),
    ...          "cross_lengths": np.array([[0, 1, 0]])}  # 9 came before 6, nothing before 5
    >>> seen_cross_transitions(train, {"item_ids": np.array([[5, 0], [5, 0]]),
    ...                                "target": np.array([6, 5]),
    ...                                "cross_item_ids": np.array([[9, 8], [8, 0]]),
    ...                                "cross_lengths": np.array([[1, 0], [1, 0]])}).tolist()
    [1, 0]
    """
    valid = (train["targets"] > 0) & (train["cross_lengths"] > 0)
    rows, _ = np.nonzero(valid)
    sources = train["cross_item_ids"][rows, train["cross_lengths"][valid] - 1]
    every = np.arange(len(examples["target"]))
    last = np.maximum((examples["item_ids"] > 0).sum(axis=1) - 1, 0)  # the last input
    lengths = examples["cross_lengths"][every, last]
    queries = np.where(lengths > 0, examples["cross_item_ids"][every, lengths - 1], 0)
    return _pair_counts(sources, train["targets"][valid], queries, examples["target"])


BUCKETS = (0, 5, 20)  # lower edges of the training-count buckets
TRANSITION_BUCKETS = (0, 1)  # transition unseen in training / seen


def bucket_ndcg(ranks: np.ndarray, counts: np.ndarray, edges: tuple[int, ...] = BUCKETS
                ) -> dict[str, dict[str, float]]:
    """NDCG@10 and size of each count bucket (by default ``"0-4"``, ``"5-19"``, ``"20+"``).

    >>> bucket_ndcg(np.array([0, 20, 1]), np.array([0, 3, 30]))["0-4"]
    {'targets': 2, 'ndcg@10': 0.5}
    >>> list(bucket_ndcg(np.array([0, 20]), np.array([0, 3]), TRANSITION_BUCKETS))
    ['0', '1+']
    """
    from recsys_tf.evaluation.ranking_metrics import ranking_metrics

    out = {}
    for lo, hi in itertools.pairwise((*edges, np.inf)):
        name = (f"{lo}+" if hi == np.inf else str(lo) if hi == lo + 1
                else f"{lo}-{int(hi) - 1}")
        metrics = ranking_metrics(ranks[(counts >= lo) & (counts < hi)], (10,))
        out[name] = {"targets": metrics["count"], "ndcg@10": metrics["ndcg@10"]}
    return out


def bucket_keys(prepared, examples: dict[str, np.ndarray]) -> dict[str, tuple]:
    """Per example: the count each bucketing reads, and that bucketing's edges."""
    counts = prepared.popularity
    keys = {"last_input": (counts[last_inputs(examples)], BUCKETS),
            "target": (counts[examples["target"]], BUCKETS),
            "transition": (seen_transitions(prepared.train, examples), TRANSITION_BUCKETS)}
    if "cross_item_ids" in examples:  # a target domain: the other domains' stream
        keys["cross_transition"] = (seen_cross_transitions(prepared.train, examples),
                                    TRANSITION_BUCKETS)
    return keys


def at_mix(ranks: np.ndarray, keys: np.ndarray, other_keys: np.ndarray) -> float:
    """NDCG@10 of ``ranks`` with its buckets (``keys``) weighted as ``other_keys`` are mixed.

    >>> at_mix(np.array([0, 0, 99]), np.array([0, 0, 1]), np.array([0, 1, 1, 1]))
    0.25
    """
    from recsys_tf.evaluation.ranking_metrics import ranking_metrics

    buckets, weights = np.unique(other_keys, return_counts=True)
    known = np.isin(buckets, keys)
    return float(sum(w * ranking_metrics(ranks[keys == b], (10,))["ndcg@10"]
                     for b, w in zip(buckets[known], weights[known], strict=True))
                 / weights[known].sum())


def split_keys(prepared) -> dict[str, dict[str, tuple]]:
    """:func:`bucket_keys` of validation and test, computed once for every ranked model."""
    return {split: bucket_keys(prepared, examples)
            for split, examples in (("valid", prepared.valid), ("test", prepared.test))}


def rank_buckets(ranks: dict[str, np.ndarray], keys: dict[str, dict[str, tuple]]) -> dict:
    """NDCG@10 per split (``ranks["valid"]``, ``ranks["test"]``, one rank per example) in each
    bucketing of ``keys`` (:func:`split_keys`), and validation re-weighted to test's mix of
    buckets (each bucketing, and transitions x target counts jointly) with the share of the
    validation-to-test drop that the mix accounts for."""
    from recsys_tf.evaluation.ranking_metrics import ranking_metrics

    out = {split: {part: bucket_ndcg(ranks[split], counts, edges)
                   for part, (counts, edges) in keys[split].items()} for split in keys}
    ndcg = {split: ranking_metrics(ranks[split], (10,))["ndcg@10"] for split in keys}

    def index(split, part):
        counts, edges = keys[split][part]
        return np.digitize(counts, edges[1:])

    mixes = {part: (index("valid", part), index("test", part)) for part in keys["valid"]}
    mixes["transition x target"] = tuple(index(s, "transition") * len(BUCKETS)
                                         + index(s, "target") for s in ("valid", "test"))
    drop = ndcg["valid"] - ndcg["test"]
    out["ndcg@10"] = ndcg
    out["valid_at_test_mix"] = {}
    for part, (valid_keys, test_keys) in mixes.items():
        value = at_mix(ranks["valid"], valid_keys, test_keys)
        out["valid_at_test_mix"][part] = {
            "ndcg@10": value, "share_of_drop": (ndcg["valid"] - value) / drop if drop else None}
    return out


def split_ranks(scorer, prepared) -> dict[str, np.ndarray]:
    """Full-ranking ranks of ``scorer`` (an evaluation ``ScoreFn``) on validation and test,
    history masked, as the benchmarks rank."""
    from recsys_tf.evaluation.full_ranking import compute_ranks

    return {split: compute_ranks(scorer, examples, candidate_mask=prepared.candidate_mask,
                                 history=history)
            for split, examples, history in (("valid", prepared.valid, prepared.valid_history),
                                             ("test", prepared.test, prepared.test_history))}


def peer_ranks(path: str, prepared) -> dict[str, np.ndarray]:
    """Validation and test ranks of a cached RecBole peer result (``<work dir>/peers/*.json``,
    written by ``recsys-tf bench NAME --peers``), checked against this data's split."""
    from benchmarks.peers.recbole_peers import data_fingerprint

    with open(path, encoding="utf-8") as file:
        result = json.load(file)
    if result["key"]["data"] != data_fingerprint(prepared):
        raise ValueError(f"{path}: made on other data (fingerprint {result['key']['data']}, "
                         f"this config's {data_fingerprint(prepared)}).")
    return {split: np.asarray(result[f"{split}_ranks"]) for split in ("valid", "test")}


def print_buckets(name: str, buckets: dict) -> None:
    for split in ("valid", "test"):
        for part in buckets[split]:
            what = {"transition": "whether training saw the transition",
                    "cross_transition": "whether training saw the cross-domain transition"
                    }.get(part, f"the {part.replace('_', ' ')}'s training count")
            cells = ", ".join(f"{bucket}: {b['ndcg@10']:.4f} ({b['targets']})"
                              for bucket, b in buckets[split][part].items())
            print(f"{name}: {split:<6}NDCG@10 by {what}: {cells}")
    ndcg = buckets["ndcg@10"]
    print(f"{name}: NDCG@10 validation {ndcg['valid']:.4f}, test {ndcg['test']:.4f}; "
          "validation at test's mix of")
    for part, mix in buckets["valid_at_test_mix"].items():
        share = "" if mix["share_of_drop"] is None else f" ({mix['share_of_drop']:.0%} of the drop)"
        print(f"    {part.replace('_', ' ')}: {mix['ndcg@10']:.4f}{share}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="beauty")
    parser.add_argument("--target-domain",
                        help="the config's target domain replaced (food-kitchen: food, kitchen)")
    parser.add_argument("--rare", type=int, default=5, help="fewer training targets = rare")
    parser.add_argument("--model", help="a finished run on this data: NDCG@10 per bucket")
    parser.add_argument("--peer", action="append", default=[],
                        help="a cached RecBole result on this data (WORK_DIR/peers/*.json): "
                             "NDCG@10 per bucket; repeatable")
    parser.add_argument("--item-knn", action="store_true",
                        help="also the item-KNN baseline's NDCG@10 per bucket")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from recsys_tf.experiment.experiment_config import ExperimentConfig
    from recsys_tf.experiment.prepared_data import prepare_data

    run = None
    if args.model:
        from recsys_tf.experiment.run_directory import FinishedRun

        run = FinishedRun.load(args.model)
    experiment = ExperimentConfig.load(args.config)
    if args.target_domain:
        experiment = experiment.replace(data={"target_domain": args.target_domain})
    prepared = prepare_data(experiment.data,
                            vocabularies=run.vocabularies if run else None)
    if run and run.model.config.num_items != prepared.num_items:
        raise ValueError(f"{args.model}: the model has {run.model.config.num_items} items, "
                         f"the data {prepared.num_items}: not the data it was trained on.")
    counts = prepared.popularity
    result = {split: {"targets": rarity(examples["target"], counts, args.rare),
                      "last_input": rarity(last_inputs(examples), counts, args.rare)}
              for split, examples in (("valid", prepared.valid), ("test", prepared.test))}
    keys = split_keys(prepared)
    for split in ("valid", "test"):
        for part in ("transition", "cross_transition"):
            if part not in keys[split]:
                continue
            seen = keys[split][part][0]
            result[split][part] = {"share_seen": float((seen > 0).mean()),
                                   "mean_count": float(seen.mean())}
    ranked = {}
    if run:
        from recsys_tf.evaluation.model_scores import model_scorer

        ranked[args.model] = split_ranks(model_scorer(run.model), prepared)
        prior = run.model.retrieval_score.transitions
        if prior is not None and (float(prior.log_count_weight) or float(prior.share_weight)):
            # The same towers without the fitted prior: where its counts add and where not.
            weights = float(prior.log_count_weight), float(prior.share_weight)
            prior.set_weights_to(log_count=0.0, share=0.0)
            ranked[f"{args.model} without the transition prior"] = split_ranks(
                model_scorer(run.model), prepared)
            prior.set_weights_to(log_count=weights[0], share=weights[1])
    ranked.update({path: peer_ranks(path, prepared) for path in args.peer})
    if args.item_knn:  # the benchmark's baseline, tuned on validation as `bench` tunes it
        from benchmarks.suites.ranking import tune_item_knn

        ranked["item-KNN"] = split_ranks(tune_item_knn(prepared)[0].scorer(), prepared)
    result["ndcg@10_by_bucket"] = {name: rank_buckets(ranks, keys)
                                   for name, ranks in ranked.items()}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"times each item is a training target; rare = fewer than {args.rare}")
        for split in ("valid", "test"):
            for part, values in result[split].items():
                if part.endswith("transition"):
                    pair = ("last input" if part == "transition"
                            else "last other-domain event")
                    print(f"{split:<6}({pair} -> target) is a training transition: "
                          f"{values['share_seen']:.3f} (mean count {values['mean_count']:.3f})")
                    continue
                print(f"{split:<6}{part:<11} median {values['median_count']:>5.1f}  "
                      f"rare {values['share_rare']:.3f}  unseen {values['share_unseen']:.4f}")
        for name, buckets in result["ndcg@10_by_bucket"].items():
            print_buckets(name, buckets)
    return result


if __name__ == "__main__":
    main()
