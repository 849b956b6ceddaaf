"""The serving signatures against the evaluation path, the recurrent update and bad input."""

import numpy as np
import pytest
import tensorflow as tf

from recsys_tf.evaluation.model_scores import model_scorer
from recsys_tf.evaluation.new_item_slots import last_item_similarity, new_item_scores
from recsys_tf.experiment.prepared_data import prepare_data, sentence_encoder
from recsys_tf.experiment.run_directory import FinishedRun
from recsys_tf.export.serving_module import ServingModule
from tests.evaluation.test_new_item_slots import reference_list
from tests.export.history_requests import requests_for_targets

TOP_K = 5


@pytest.fixture(scope="module", params=["tiny_run", "tiny_transition_run"])
def served(request):
    """``tiny_run`` (the cross tower with its id table) and ``tiny_transition_run`` (the
    prior; the cross tower reads its stream by text only)."""
    run = FinishedRun.load(request.getfixturevalue(request.param))
    cross = run.model.query_model.get_layer("cross_domain_tower")
    assert cross.use_item_ids == (request.param == "tiny_run")
    prior = run.model.retrieval_score.transitions
    if prior is not None:  # whatever validation chose: make the prior count
        prior.set_weights_to(log_count=1.0, share=3.0)
    prepared = prepare_data(run.experiment.data, vocabularies=run.vocabularies)
    encoder = sentence_encoder(run.experiment.data, prepared.item_titles)
    module = ServingModule(run.model.towers(), run.vocabularies,
                           max_length=prepared.sequence.max_length,
                           max_cross_length=prepared.sequence.max_cross_length, top_k=TOP_K,
                           token_encoder=encoder.model)
    return module, module.signatures(), prepared, run, encoder


def call(signature, request):
    return {k: v.numpy() for k, v in signature(**{k: tf.constant(v) for k, v in
                                                  request.items()}).items()}


def reference_scores(run, prepared, rows):
    """The evaluation path's scores with the history and non-candidates masked out."""
    batch = {k: v[rows] for k, v in prepared.test.items()}
    scores = model_scorer(run.model)(batch)
    excluded = prepared.test_history.dense(rows, prepared.num_items) | ~prepared.candidate_mask
    return np.where(excluded, -np.inf, scores)


def test_recommend_equals_the_evaluation_path_from_raw_ids_and_timestamps(served):
    module, signatures, prepared, run, _ = served
    count = 40
    request = requests_for_targets(prepared, count)
    assert (request["item_ids"] != "").sum(axis=1).max() > prepared.sequence.max_length
    out = call(signatures["recommend"], request)
    expected = reference_scores(run, prepared, slice(0, count))
    top = np.sort(expected, axis=1)[:, ::-1][:, :TOP_K]
    np.testing.assert_allclose(out["scores"], top, rtol=1e-5, atol=1e-5)
    ids = run.vocabularies.item_id.lookup(out["item_ids"].astype(str).ravel()).reshape(count, -1)
    np.testing.assert_allclose(np.take_along_axis(expected, ids, axis=1), out["scores"],
                               rtol=1e-5, atol=1e-5)
    # serving_default is recommend
    default = call(signatures["serving_default"], request)
    np.testing.assert_array_equal(default["item_ids"], out["item_ids"])


def test_user_and_item_embeddings_give_the_recommend_scores(served):
    """Their dot product is the score; a transition prior adds the last item's term, and the
    state keeps that last item."""
    module, signatures, prepared, run, _ = served
    request = requests_for_targets(prepared, 8)
    user = call(signatures["user_embedding"], request)
    top = call(signatures["recommend"], request)
    items = call(signatures["item_embedding"], {"item_ids": top["item_ids"].ravel()})
    assert items["in_catalogue"].all()
    vectors = items["item_embedding"].reshape(8, TOP_K, -1)
    expected = np.einsum("bd,bkd->bk", user["user_embedding"], vectors)
    if run.model.retrieval_score.transitions is not None:
        last = module.state.last_item(tf.constant(user["state"])).numpy()
        last_ids = [request["item_ids"][row][request["item_ids"][row] != ""][-1]
                    for row in range(8)]
        np.testing.assert_array_equal(last, run.vocabularies.item_id.lookup(last_ids))
        ids = run.vocabularies.item_id.lookup(top["item_ids"].astype(str).ravel())
        prior = run.model.retrieval_score.transitions.pair_scores(np.repeat(last, TOP_K), ids)
        expected += np.asarray(prior).reshape(8, TOP_K)
        assert np.abs(np.asarray(prior)).max() > 0  # the prior is in play
    np.testing.assert_allclose(expected, top["scores"], rtol=1e-5, atol=1e-5)
    unknown = call(signatures["item_embedding"], {"item_ids": np.array(["no-such-item", ""],
                                                                       object)})
    assert not unknown["in_catalogue"].any() and np.isfinite(unknown["item_embedding"]).all()


def _events_in_time_order(prepared, user, limit):
    events = prepared.log.events
    mine = events[events["user_id"] == user].head(limit)
    return mine.sort_values(["timestamp", "position"])


def test_update_interest_steps_reproduce_the_full_pass(served):
    module, signatures, prepared, _, _ = served
    users = prepared.split.test["user_id"].to_numpy()[:6]
    target = prepared.sequence.target_domain
    for user in users:
        events = _events_in_time_order(prepared, user, limit=24)
        state = np.zeros((1, module.state.size), np.float32)
        last = np.array([-1], np.int64)
        for row in events.itertuples():
            out = call(signatures["update_interest"], {
                "state": state, "last_timestamp": last, "item_id": np.array([row.item_id], object),
                "event_type": np.array([row.event_type], object),
                "timestamp": np.array([row.timestamp], np.int64),
                "cross_domain": np.array([row.domain != target]),
                "exclude_item_ids": np.array([[""]], object)})
            state, last = out["state"], out["last_timestamp"]
        main = events[events["domain"] == target]
        other = events[events["domain"] != target]
        assert 0 < len(main) <= prepared.sequence.max_length
        full = call(signatures["user_embedding"], {
            "item_ids": main["item_id"].to_numpy(object)[None],
            "event_types": main["event_type"].to_numpy(object)[None],
            "timestamps": main["timestamp"].to_numpy(np.int64)[None],
            "cross_item_ids": other["item_id"].to_numpy(object)[None],
            "cross_event_types": other["event_type"].to_numpy(object)[None],
            "cross_timestamps": other["timestamp"].to_numpy(np.int64)[None]})
        np.testing.assert_allclose(out["user_embedding"], full["user_embedding"], atol=1e-5)
        np.testing.assert_allclose(state, full["state"], atol=1e-5)
        assert last[0] == full["last_timestamp"][0] == events["timestamp"].max()


def test_update_interest_excludes_items_and_rejects_a_wrong_state(served):
    module, signatures, prepared, _, _ = served
    first = call(signatures["update_interest"], {
        "state": np.zeros((1, module.state.size), np.float32),
        "last_timestamp": np.array([-1], np.int64), "item_id": np.array(["unknown-item"], object),
        "event_type": np.array(["click"], object), "timestamp": np.array([10], np.int64),
        "cross_domain": np.array([False]), "exclude_item_ids": np.zeros((1, 0), object)})
    assert np.isfinite(first["user_embedding"]).all()
    excluded = first["item_ids"][:, :2]
    second = call(signatures["update_interest"], {
        "state": np.zeros((1, module.state.size), np.float32),
        "last_timestamp": np.array([-1], np.int64), "item_id": np.array(["unknown-item"], object),
        "event_type": np.array(["click"], object), "timestamp": np.array([10], np.int64),
        "cross_domain": np.array([False]), "exclude_item_ids": excluded})
    assert not set(second["item_ids"].ravel()) & set(excluded.ravel())
    with pytest.raises(tf.errors.InvalidArgumentError, match="state"):
        signatures["update_interest"](
            state=tf.zeros((1, module.state.size + 1)), last_timestamp=tf.constant([-1], tf.int64),
            item_id=tf.constant(["x"]), event_type=tf.constant(["click"]),
            timestamp=tf.constant([1], tf.int64), cross_domain=tf.constant([False]),
            exclude_item_ids=tf.constant([[""]]))


def test_xla_compiled_update_core_gives_the_same_outputs(served):
    module, signatures, prepared, run, _ = served
    compiled = ServingModule(run.model.towers(), run.vocabularies, max_length=module.max_length,
                             max_cross_length=module.max_cross_length, top_k=TOP_K,
                             xla_update=True).signatures()["update_interest"]
    rng = np.random.default_rng(0)
    ids = np.array(run.vocabularies.item_id.tokens, object)
    request = {"state": rng.normal(scale=0.3, size=(3, module.state.size)).astype(np.float32),
               "last_timestamp": np.array([-1, 100, 5_000], np.int64),
               "item_id": np.array([ids[3], "unknown-item", ids[7]], object),
               "event_type": np.array(["click", "", "view"], object),
               "timestamp": np.array([10, 4_000, 90_000], np.int64),
               "cross_domain": np.array([False, False, True]),
               "exclude_item_ids": ids[rng.integers(0, len(ids), size=(3, 4))]}
    expected, actual = call(signatures["update_interest"], request), call(compiled, request)
    assert expected.keys() == actual.keys()
    for name in expected:
        if expected[name].dtype == object:
            np.testing.assert_array_equal(actual[name], expected[name])
        else:
            np.testing.assert_allclose(actual[name], expected[name], rtol=1e-5, atol=1e-5)


def test_bad_history_input_never_crashes_or_returns_nan(served):
    module, signatures, prepared, _, _ = served
    request = requests_for_targets(prepared, 4)
    right = call(signatures["recommend"], request)
    # Left padding and holes are compacted: same answer.
    shifted = {k: np.concatenate([np.full((4, 3), "" if v.dtype == object else 0, v.dtype), v],
                                 axis=1) for k, v in request.items()}
    np.testing.assert_allclose(call(signatures["recommend"], shifted)["scores"], right["scores"],
                               atol=1e-6)
    # Unknown ids are OOV; they never come back as recommendations.
    noisy = {k: v.copy() for k, v in request.items()}
    noisy["item_ids"][:, 0] = "never-seen-item"
    noisy["event_types"][:, 1] = "never-seen-type"
    out = call(signatures["recommend"], noisy)
    assert np.isfinite(out["scores"]).all() and "never-seen-item" not in out["item_ids"]
    # Empty histories (zero width, or all padding) fall back to the zero state's embedding.
    empty = {k: v[:, :0] for k, v in request.items()}
    user = call(signatures["user_embedding"], empty)
    query, _ = module.state.query(module.state.zeros(4))
    np.testing.assert_allclose(user["query_embedding"], query.numpy(), atol=1e-6)
    np.testing.assert_array_equal(user["state"], 0.0)
    assert (user["last_timestamp"] == -1).all()
    padded = {k: np.zeros_like(v) if v.dtype != object else np.full_like(v, "")
              for k, v in request.items()}
    assert np.isfinite(call(signatures["recommend"], padded)["scores"]).all()
    with pytest.raises(tf.errors.InvalidArgumentError, match="event_types"):
        bad = dict(request, event_types=request["event_types"][:, :2])
        call(signatures["recommend"], bad)


def test_explain_reports_the_score_drop_of_removing_each_history_event(served):
    module, signatures, prepared, run, _ = served
    count = 3
    request = requests_for_targets(prepared, count)
    out = call(signatures["explain"], {**request, "item_id": np.array(["", "", ""], object)})
    top = call(signatures["recommend"], request)
    np.testing.assert_array_equal(out["item_id"], top["item_ids"][:, 0])
    np.testing.assert_allclose(out["score"], top["scores"][:, 0], rtol=1e-5)
    np.testing.assert_allclose(out["interest"].sum(axis=1), 1.0, atol=1e-5)
    scorer = model_scorer(run.model)
    for row in range(count):
        example = {k: v[row:row + 1] for k, v in prepared.test.items()}
        length = int(example["history_length"][0])
        example["cross_lengths"] = np.full_like(example["cross_lengths"],
                                                example["cross_lengths"][0, length - 1])
        target = run.vocabularies.item_id.lookup([out["item_id"][row]])[0]
        full = scorer(example)[0, target]
        drops = []
        for j in range(length):
            variant = dict(example, history_length=example["history_length"] - 1)
            for key in ("item_ids", "event_types", "hours", "weekdays", "log_gaps"):
                values = np.delete(example[key][0], j)
                variant[key] = np.append(values, 0).astype(example[key].dtype)[None]
            drops.append(full - scorer(variant)[0, target])
        order = np.argsort(drops)[::-1][:5]
        items = prepared.test["item_ids"][row, order]
        expected_ids = [run.vocabularies.item_id.token(int(i)) for i in items]
        np.testing.assert_allclose(out["history_contributions"][row], np.array(drops)[order],
                                   atol=1e-5)
        assert list(out["history_item_ids"][row].astype(str)) == expected_ids


def test_item_embedding_from_tokens_is_the_text_only_item_tower(served):
    module, signatures, prepared, run, encoder = served
    rows = np.array([2, 7, 11])
    titles = [prepared.item_titles[i] for i in rows]
    tokens = encoder.tokenize(titles)
    out = call(signatures["item_embedding_from_tokens"], {
        "token_ids": tokens["token_ids"].astype(np.int32),
        "padding_mask": tokens["padding_mask"].astype(np.int32)})
    text = prepared.item_text[rows]
    tower = run.model.candidate_model.item_tower
    ones = np.ones(len(rows), np.int32)
    expected = np.asarray(tower({"item_ids": ones, "text_embeddings": text, "categories": ones}))
    topics = np.asarray(run.model.query_model.topic_head.item_topics(text))
    np.testing.assert_allclose(out["item_embedding"], np.concatenate([expected, topics], 1),
                               atol=1e-5)
    negative = tokens["token_ids"].astype(np.int32)
    negative[0, 1] = -5  # would wrap to another token
    with pytest.raises(tf.errors.InvalidArgumentError, match="token_ids. must be >= 0"):
        signatures["item_embedding_from_tokens"](
            token_ids=tf.constant(negative),
            padding_mask=tf.constant(tokens["padding_mask"].astype(np.int32)))


def test_the_module_saves_only_the_model_variables_its_signatures_read(served):
    module, signatures, _, run, _ = served
    read = {id(v) for function in signatures.values() for v in function.variables}
    assert all(id(v) in read for v in module.model_variables)
    # The candidate tower's text table duplicates the query tower's and is read by none.
    candidate_table = run.model.candidate_model.text_table.table.value
    assert all(v is not candidate_table for v in module.model_variables)


def test_recommend_keeps_places_for_items_without_training_events(tiny_run):
    run = FinishedRun.load(tiny_run)
    prepared = prepare_data(run.experiment.data, vocabularies=run.vocabularies)
    tower = run.model.candidate_model.item_tower
    new = prepared.candidate_mask & (np.arange(prepared.num_items) % 7 == 0)
    tower.set_known_items(tower.known.numpy() * ~new)
    module = ServingModule(run.model.towers(), run.vocabularies,
                           max_length=prepared.sequence.max_length,
                           max_cross_length=prepared.sequence.max_cross_length, top_k=TOP_K,
                           new_item_slots=2, new_item_title_weight=3.0)
    np.testing.assert_array_equal(module.new_items.numpy(), new)
    signatures = module.signatures()
    count = 30
    request = requests_for_targets(prepared, count)
    expected = reference_scores(run, prepared, slice(0, count))
    test = prepared.test
    last = test["item_ids"][np.arange(count), np.maximum(test["history_length"][:count] - 1, 0)]
    similarity = last_item_similarity(prepared.item_text, last)
    ranked_new = new_item_scores(expected, similarity, 3.0).numpy()

    def served_ids(out):
        return run.vocabularies.item_id.lookup(out["item_ids"].astype(str).ravel()).reshape(
            count, -1)

    listed = served_ids(call(signatures["recommend"], request))
    for row in range(count):
        assert listed[row].tolist() == reference_list(expected[row], new, 2, TOP_K,
                                                      ranked_new[row]), row
    assert (new[listed].sum(axis=1) >= 2).all()
    for slots in (0, TOP_K):
        out = call(signatures["recommend_with_new_items"],
                   {**request, "new_item_slots": np.full(count, slots, np.int32)})
        ids = served_ids(out)
        for row in range(count):
            assert ids[row].tolist() == reference_list(expected[row], new, slots, TOP_K,
                                                       ranked_new[row]), row
    with pytest.raises(tf.errors.InvalidArgumentError, match="one value per history"):
        call(signatures["recommend_with_new_items"],
             {**request, "new_item_slots": np.ones(3, np.int32)})
    # With a least title similarity, only the new items that close to the last item get a
    # place: some lists keep fewer new items than the places, none holds one it should not.
    gated = ServingModule(run.model.towers(), run.vocabularies,
                          max_length=prepared.sequence.max_length,
                          max_cross_length=prepared.sequence.max_cross_length, top_k=TOP_K,
                          new_item_slots=2, new_item_title_weight=3.0,
                          new_item_min_similarity=0.3)
    ranked_gated = new_item_scores(expected, similarity, 3.0, 0.3).numpy()
    assert np.isneginf(ranked_gated[:, new]).any() and np.isfinite(ranked_gated[:, new]).any()
    listed = served_ids(call(gated.signatures()["recommend"], request))
    for row in range(count):
        assert listed[row].tolist() == reference_list(expected[row], new, 2, TOP_K,
                                                      ranked_gated[row]), row
    # With an offset, a new item takes a place only where its score plus the offset reaches
    # the warm item it pushes out: an offset between the rows' gaps serves some lists whole.
    warm_tail = np.sort(np.where(new, -np.inf, expected), axis=1)[:, -TOP_K]
    offset = float(np.median(warm_tail - np.where(new, ranked_new, -np.inf).max(axis=1)))
    earning = ServingModule(run.model.towers(), run.vocabularies,
                            max_length=prepared.sequence.max_length,
                            max_cross_length=prepared.sequence.max_cross_length, top_k=TOP_K,
                            new_item_slots=2, new_item_title_weight=3.0,
                            new_item_offset=offset)
    listed = served_ids(call(earning.signatures()["recommend"], request))
    for row in range(count):
        assert listed[row].tolist() == reference_list(expected[row], new, 2, TOP_K,
                                                      ranked_new[row], offset), row
    assert 0 < (new[listed].sum(axis=1) == 0).sum() < count
    with pytest.raises(ValueError, match="new_item_offset"):
        ServingModule(run.model.towers(), run.vocabularies, max_length=5, max_cross_length=5,
                      top_k=TOP_K, new_item_offset=float("nan"))
    with pytest.raises(ValueError, match="new_item_min_similarity"):
        ServingModule(run.model.towers(), run.vocabularies, max_length=5, max_cross_length=5,
                      top_k=TOP_K, new_item_min_similarity=1.5)
    with pytest.raises(ValueError, match="new_item_slots"):
        ServingModule(run.model.towers(), run.vocabularies, max_length=5, max_cross_length=5,
                      top_k=TOP_K, new_item_slots=TOP_K + 1)
