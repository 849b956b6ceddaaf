"""How fast recommendations follow a user's true interest switch (synthetic ground truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from recsys_tf.data.examples import SequenceConfig, training_examples
from recsys_tf.evaluation.full_ranking import ScoreFn


def switch_following(position_score_fn: ScoreFn, prepared, *, top_k: int = 10, share: float = 0.5,
                     batch_size: int = 256) -> dict[str, float]:
    """Events after a true interest switch until ``share`` of the top-k is the new topic.

    For every user of the synthetic data, the model reads the user's whole target-domain
    sequence; after each event it recommends a top-k (history masked, target domain only).
    At each switch (an event whose true topic differs from the previous event's), we count the
    events of the new interest the model has seen when its top-k first has at least ``share``
    items of the new topic. Switches whose new interest ends before that count as not followed.

    Args:
        position_score_fn: ``batch -> [batch, length, num_items]`` scores after every position
            (see :func:`~recsys_tf.evaluation.model_scores.model_position_scorer`).
        prepared: :class:`~recsys_tf.experiment.prepared_data.PreparedData` of synthetic data.

    Returns:
        ``switches``, ``followed_share`` (fraction of switches followed), ``mean_events`` and
        ``median_events`` (over followed switches).
    """
    if prepared.trajectory is None:
        raise ValueError("Interest drift needs ground-truth topics (synthetic data).")
    encoded, vocab = prepared.encoded, prepared.vocabularies
    # Topic of every event = the user's true interest when it happened.
    topic_of_row = prepared.trajectory["topic"].to_numpy()
    item_topic = pd.Series(prepared.log.items["category"].to_numpy(),
                           index=prepared.log.items["item_id"].to_numpy())
    topic_names = sorted(set(topic_of_row))
    topic_index = {name: i for i, name in enumerate(topic_names)}
    items = item_topic.reindex(list(vocab.item_id.tokens)).map(topic_index)
    item_topics = np.concatenate([[-1, -1], items.fillna(-1).to_numpy(np.int64)])

    longest = int(np.diff(encoded.user_start).max())
    sequence = SequenceConfig(longest, prepared.sequence.max_cross_length,
                              prepared.sequence.target_domain)
    examples = training_examples(encoded, sequence, train=None,
                                 domain_vocabulary=vocab.domain)
    main = np.ones(len(encoded.items), bool)
    if prepared.target_domain_index is not None:
        main = encoded.domains == prepared.target_domain_index
    user_rows = [np.arange(encoded.user_start[u], encoded.user_start[u + 1])
                 for u in range(len(encoded.user_ids))]
    user_rows = [rows[main[rows]] for rows in user_rows]
    user_rows = [rows for rows in user_rows if len(rows) >= 2]
    if len(user_rows) != len(examples["item_ids"]):
        raise AssertionError("one example per user expected")

    counts, followed = [], []
    for start in range(0, len(user_rows), batch_size):
        stop = min(start + batch_size, len(user_rows))
        top = _top_k_per_position(position_score_fn,
                                  {k: v[start:stop] for k, v in examples.items()},
                                  prepared.candidate_mask, top_k)
        for n, rows in enumerate(user_rows[start:stop]):
            truth = np.array([topic_index[t] for t in topic_of_row[rows]])
            last = len(truth) - 2  # the last event is only a target: outputs at 0..n-2
            shares = (item_topics[top[n, : last + 1]] == truth[: last + 1, None]).mean(axis=1)
            for switch in np.flatnonzero(truth[1: last + 1] != truth[:last]) + 1:
                end = switch
                while end < last and truth[end + 1] == truth[switch]:
                    end += 1
                # The output at position p has seen p - switch + 1 events of the new interest.
                hits = np.flatnonzero(shares[switch: end + 1] >= share)
                followed.append(bool(len(hits)))
                if len(hits):
                    counts.append(int(hits[0]) + 1)
    counts_array = np.asarray(counts, float)
    return {"switches": len(followed),
            "followed_share": float(np.mean(followed)) if followed else float("nan"),
            "mean_events": float(counts_array.mean()) if len(counts) else float("nan"),
            "median_events": float(np.median(counts_array)) if len(counts) else float("nan")}


def _top_k_per_position(position_score_fn: ScoreFn, batch: dict[str, np.ndarray],
                        candidate_mask: np.ndarray, top_k: int) -> np.ndarray:
    """``[batch, length, k]`` top items after each position, the history so far masked."""
    scores = np.array(position_score_fn(batch), np.float64)  # a writable copy
    scores[..., ~np.asarray(candidate_mask, bool)] = -np.inf
    ids = batch["item_ids"]
    length = ids.shape[1]
    # Item ids[n, s] is history for every position p >= s.
    for start in range(length):
        rows = np.flatnonzero(ids[:, start] > 0)
        scores[rows[:, None], np.arange(start, length)[None, :], ids[rows, start][:, None]] = (
            -np.inf)
    return np.argsort(-scores, axis=-1)[..., :top_k]
