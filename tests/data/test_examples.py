import numpy as np
import pandas as pd
import pytest

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.examples import (
    SequenceConfig,
    evaluation_examples,
    short_history_examples,
    training_examples,
)
from recsys_tf.data.splits import leave_one_out
from recsys_tf.data.synthetic import SyntheticConfig, generate_synthetic
from recsys_tf.data.vocabularies import Vocabularies, encode_events


def unique_item_log(lengths, domains=None, seed=0):
    """Every event has its own item id, so item identity == event identity."""
    rng = np.random.default_rng(seed)
    rows = []
    for user, length in enumerate(lengths):
        for position in range(length):
            domain = domains[rng.integers(len(domains))] if domains else "default"
            rows.append((f"u{user}", f"i{user}_{position}", position, domain))
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "timestamp", "domain"])
    log = EventLog.from_frames(frame)
    vocabularies = Vocabularies.build(log)
    return log, vocabularies, encode_events(log, vocabularies)


def test_windows_cover_every_target_once_right_padded():
    log, _, encoded = unique_item_log([12, 3, 1])
    ex = training_examples(encoded, SequenceConfig(max_length=5), train=None)
    targets = ex["targets"][ex["targets"] > 0]
    # 11 + 2 + 0 targets, each next item exactly once
    assert len(targets) == 13 and len(set(targets.tolist())) == 13
    valid = ex["item_ids"] > 0
    # right padding: once a position is padding, everything after is padding
    assert (np.diff(valid.astype(int), axis=1) <= 0).all()
    assert ((ex["targets"] > 0) == valid).all()
    # the target of position j is the item right after input j
    item_at = {int(i): p for p, i in enumerate(encoded.items)}
    for inputs, labels in zip(ex["item_ids"], ex["targets"], strict=True):
        for i, t in zip(inputs[inputs > 0], labels[labels > 0], strict=True):
            assert item_at[int(t)] == item_at[int(i)] + 1


def test_no_target_appears_in_its_own_input():
    log, _, encoded = unique_item_log([30, 7, 4, 2], seed=1)
    ex = training_examples(encoded, SequenceConfig(max_length=8), train=None)
    for inputs, labels in zip(ex["item_ids"], ex["targets"], strict=True):
        for j, target in enumerate(labels):
            if target:
                assert target not in inputs[: j + 1]


def test_training_uses_only_train_events_and_eval_history_precedes_target():
    log, vocabularies, encoded = unique_item_log([10, 6])
    split = leave_one_out(log)
    ex = training_examples(encoded, SequenceConfig(max_length=20), train=split.train)
    held_out = set(encoded.items[~split.train].tolist())
    assert not held_out & set(ex["targets"].ravel().tolist())
    assert not held_out & set(ex["item_ids"].ravel().tolist())
    test = evaluation_examples(encoded, split.test, SequenceConfig(max_length=4))
    assert test["target"].tolist() == vocabularies.item_id.lookup(["i0_9", "i1_5"]).tolist()
    assert test["history_length"].tolist() == [4, 4]
    assert test["item_ids"][0].tolist() == vocabularies.item_id.lookup(
        ["i0_5", "i0_6", "i0_7", "i0_8"]).tolist()
    for row, target in zip(test["item_ids"], test["target"], strict=True):
        assert target not in row


def test_cross_domain_stream_is_strictly_before_each_prediction():
    log, vocabularies, encoded = unique_item_log([40, 25, 9], domains=["A", "B"], seed=3)
    config = SequenceConfig(max_length=6, max_cross_length=5, target_domain="A")
    ex = training_examples(encoded, config, train=None, domain_vocabulary=vocabularies.domain)
    position_of = dict(zip(encoded.items.tolist(), encoded.positions.tolist(), strict=True))
    domain_a = int(vocabularies.domain.lookup(["A"])[0])
    assert set(encoded.domains[np.isin(encoded.items, ex["item_ids"][ex["item_ids"] > 0])]) \
        == {domain_a}
    assert (ex["cross_domains"][ex["cross_item_ids"] > 0] != domain_a).all()
    checked = 0
    for n in range(len(ex["targets"])):
        stream = ex["cross_item_ids"][n]
        for j, target in enumerate(ex["targets"][n]):
            if not target:
                continue
            seen = stream[: ex["cross_lengths"][n, j]]
            assert all(position_of[int(i)] < position_of[int(target)] for i in seen)
            # and nothing that happened before the target was left out of the kept stream
            unseen = stream[ex["cross_lengths"][n, j]:]
            assert all(position_of[int(i)] > position_of[int(target)] for i in unseen if i)
            checked += 1
    assert checked > 20
    # counts never decrease along the sequence
    assert (np.diff(ex["cross_lengths"], axis=1)[ex["targets"][:, 1:] > 0] >= 0).all()


def test_eval_cross_stream_counts_up_to_the_target():
    log, vocabularies, encoded = unique_item_log([20], domains=["A", "B"], seed=5)
    config = SequenceConfig(max_length=50, max_cross_length=50, target_domain="A")
    split = leave_one_out(log, target_domain="A")
    ex = evaluation_examples(encoded, split.test, config, domain_vocabulary=vocabularies.domain)
    target_position = int(split.test["position"][0])
    events = log.events
    cross_before = ((events["domain"] == "B") & (events["position"] < target_position)).sum()
    last = ex["history_length"][0] - 1
    assert ex["cross_lengths"][0, last] == cross_before


def test_user_features_are_aligned_with_examples():
    data = generate_synthetic(SyntheticConfig(num_users=5, seed=2))
    vocabularies = Vocabularies.build(data.log)
    encoded = encode_events(data.log, vocabularies)
    ex = training_examples(encoded, SequenceConfig(max_length=100), train=None)
    expected = vocabularies.user_features["segment"].lookup(
        data.log.users.set_index("user_id").loc[encoded.user_ids, "segment"])
    assert ex["user_segment"].tolist() == expected.tolist()


def test_target_domain_requires_domain_vocabulary():
    _, _, encoded = unique_item_log([5])
    with pytest.raises(ValueError, match="domain_vocabulary"):
        training_examples(encoded, SequenceConfig(target_domain="default"), train=None)


def test_short_history_copies_cut_the_target_history_and_keep_the_other_domain_whole():
    # user 2 has target-domain events only: it is not copied
    log, vocabularies, encoded = unique_item_log([40, 25, 9], domains=["A", "B"], seed=3)
    log_a, _, _ = unique_item_log([3], domains=["A"])
    frame = pd.concat([log.events, log_a.events.assign(user_id="only_a", item_id="a0_" +
                                                       log_a.events["item_id"])])
    log = EventLog.from_frames(frame[["user_id", "item_id", "timestamp", "domain"]])
    vocabularies = Vocabularies.build(log)
    encoded = encode_events(log, vocabularies)
    config = SequenceConfig(max_length=6, max_cross_length=50, target_domain="A")
    train = log.events["position"].to_numpy() < 30  # later events held out
    short = short_history_examples(encoded, config, train=train, copies=20, seed=1,
                                   domain_vocabulary=vocabularies.domain)
    natural = training_examples(encoded, config, train=train,
                                domain_vocabulary=vocabularies.domain)
    assert set(short) == set(natural)
    assert len(short["targets"]) == 3 * 20  # users 0, 1, 2; not the one without B events
    lengths = (short["item_ids"] > 0).sum(axis=1)
    assert lengths.min() == 1 and lengths.max() == 3
    assert ((short["targets"] > 0).sum(axis=1) == lengths).all()
    # every (input, target) pair is one a natural window holds, with the same cross state
    state = {}
    for n, row in enumerate(natural["targets"]):
        for j, target in enumerate(row[row > 0]):
            seen = natural["cross_item_ids"][n][: natural["cross_lengths"][n, j]]
            state[int(target)] = (int(natural["item_ids"][n, j]), seen.tolist())
    for n, row in enumerate(short["targets"]):
        for j, target in enumerate(row[row > 0]):
            seen = short["cross_item_ids"][n][: short["cross_lengths"][n, j]]
            assert state[int(target)] == (int(short["item_ids"][n, j]), seen.tolist())
    # the same seed makes the same copies, another seed others
    again = short_history_examples(encoded, config, train=train, copies=20, seed=1,
                                   domain_vocabulary=vocabularies.domain)
    other = short_history_examples(encoded, config, train=train, copies=20, seed=2,
                                   domain_vocabulary=vocabularies.domain)
    assert np.array_equal(again["item_ids"], short["item_ids"])
    assert not np.array_equal(other["item_ids"], short["item_ids"])


def test_short_history_copies_refuse_negative_counts():
    _, _, encoded = unique_item_log([5])
    with pytest.raises(ValueError, match="copies"):
        short_history_examples(encoded, SequenceConfig(), train=None, copies=-1, seed=0)
