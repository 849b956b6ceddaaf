import pandas as pd
import pytest

from recsys_tf.data.synthetic import SyntheticConfig, generate_synthetic


def test_same_seed_same_data_other_seed_other_data():
    config = SyntheticConfig(num_users=30, seed=4)
    a, b = generate_synthetic(config), generate_synthetic(config)
    pd.testing.assert_frame_equal(a.log.events, b.log.events)
    c = generate_synthetic(SyntheticConfig(num_users=30, seed=5))
    assert not a.log.events["item_id"].equals(c.log.events["item_id"])


def test_events_follow_the_ground_truth_interest():
    data = generate_synthetic(SyntheticConfig(num_users=200, topic_noise=0.1, seed=0))
    events = data.log.events.merge(data.log.items[["item_id", "category"]], on="item_id")
    joined = events.merge(data.trajectory, on=["user_id", "position"])
    assert len(joined) == len(data.log.events)
    agreement = (joined["category"] == joined["topic"]).mean()
    # noise 0.1 picks a uniformly random topic (which may be the current one): ~0.9 + 0.1/8.
    assert 0.88 < agreement < 0.94


def test_interests_drift_and_both_domains_are_used():
    config = SyntheticConfig(num_users=100, mean_interest_span=8.0, cross_domain_rate=0.3)
    data = generate_synthetic(config)
    switches = data.trajectory["switch"].sum()
    events = len(data.trajectory)
    assert 0.6 / 8 < switches / events < 1.4 / 8
    topics = data.trajectory.groupby("user_id")["topic"]
    changed = topics.apply(lambda t: (t.to_numpy()[1:] != t.to_numpy()[:-1]).sum())
    assert changed.sum() == switches  # every switch is a real change of topic
    share = (data.log.events["domain"] == "goods").mean()
    assert 0.25 < share < 0.35
    assert data.log.items.groupby("domain").size().to_dict() == {"goods": 320, "media": 320}
    assert data.log.has_timestamps and data.log.report.total_dropped == 0


def test_titles_are_unique_per_domain_and_carry_topic_words():
    data = generate_synthetic(SyntheticConfig(num_users=5))
    items = data.log.items
    assert not items.duplicated(["domain", "text"]).any()
    assert items["text"].str.len().min() > 5


def test_config_validation():
    with pytest.raises(ValueError, match="num_topics"):
        SyntheticConfig(num_topics=1)
    with pytest.raises(ValueError, match="cross_domain_rate"):
        SyntheticConfig(cross_domain_rate=1.0)
