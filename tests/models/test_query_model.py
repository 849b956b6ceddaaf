import pytest

from recsys_tf.models import QueryModel, query_input_names
from tests.keras_harness import assert_padding_invariant, run_serialization_test
from tests.models.fixtures import batch, catalogue, tiny_config

SWITCHES = [{}, {"use_content": False, "use_topic_interest": False},
            {"use_behaviour": False, "use_cross_domain": False},
            {"use_cross_domain": False, "use_time_features": False, "fusion": "concat"},
            {"cross_domain_item_ids": False}]


def build(**overrides):
    model = QueryModel(tiny_config(**overrides))
    model.set_item_text(catalogue()["text_embeddings"])
    return model


def inputs(model):
    x, _ = batch()
    return {k: x[k] for k in query_input_names(model.config)}


@pytest.mark.parametrize("overrides", SWITCHES)
def test_outputs_and_switches(overrides):
    model = build(**overrides)
    out = model(inputs(model))
    assert tuple(out["query_embedding"].shape) == (6, 5, 8)
    assert ("interest" in out) == model.config.use_topic_interest
    towers = {layer.name for layer in model.layers}
    for name, flag in (("behaviour_tower", "use_behaviour"), ("content_tower", "use_content"),
                       ("cross_domain_tower", "use_cross_domain")):
        assert (name in towers) == getattr(model.config, flag)


def test_input_names_follow_switches():
    assert query_input_names(tiny_config(use_cross_domain=False, use_behaviour=False)) == [
        "item_ids"]


def test_no_lambda_layers():
    assert not [layer for layer in build().layers if type(layer).__name__ == "Lambda"]


@pytest.mark.parametrize("overrides", [*SWITCHES[:2], SWITCHES[-1]])
def test_keras_round_trip(tmp_path, overrides):
    model = build(**overrides)
    run_serialization_test(model, inputs(model), tmp_path)


def test_padding_invariance():
    model = build()
    x = inputs(model)
    seq = ["item_ids", "event_types", "hours", "weekdays", "log_gaps", "cross_lengths"]
    assert_padding_invariant(lambda v: model(v, training=False), x, sequence_keys=seq)
