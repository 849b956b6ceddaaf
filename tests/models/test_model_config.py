import pytest

from recsys_tf.models import ModelConfig


def test_round_trip():
    config = ModelConfig(num_items=10, use_cross_domain=True, fusion="concat")
    assert ModelConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("values, message", [
    ({"use_behaviour": False, "use_content": False}, "At least one"),
    ({"text_dim": 0}, "need item text"),
    ({"text_dim": 0, "use_content": False, "use_topic_interest": False,
      "use_cross_domain": True, "cross_domain_item_ids": False}, "cross_domain_item_ids"),
    ({"fusion": "sum"}, "fusion"),
    ({"interest_alpha": 0.0}, "interest_alpha"),
    ({"dropout": 1.0}, "dropout"),
    ({"tie_item_embeddings": True, "embedding_dim": 32}, "tie_item_embeddings"),
    ({"tie_item_embeddings": True, "use_item_ids": False}, "tie_item_embeddings"),
])
def test_invalid(values, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(num_items=10, **values)


def test_unknown_key():
    with pytest.raises(ValueError, match="Unknown model config keys"):
        ModelConfig.from_dict({"num_items": 3, "hidden": 4})


def test_topics_follow_categories():
    assert ModelConfig(num_items=5, num_categories=7).topic_count == 7
    assert ModelConfig(num_items=5, num_categories=2, num_topics=9).topic_count == 9
