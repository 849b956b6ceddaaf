"""The exported serving graph: named signatures over a trained model's towers.

Signatures (named inputs, dict outputs; ``k`` = the export's ``top_k``):

- ``recommend`` (also ``serving_default``): a history -> ``item_ids`` ``[b, k]`` (string),
  ``scores`` ``[b, k]``; the history's items and items outside the target domain are never
  returned. ``new_item_slots`` of the ``k`` places (the export's setting) are kept for
  catalogue items without training events, ranked for them with the last item's title
  similarity and given them only from the export's least similarity on and where they earn
  them under the export's offset (:mod:`~recsys_tf.evaluation.new_item_slots`).
- ``recommend_with_new_items``: ``recommend`` with ``new_item_slots`` ``[b]`` (int32) per
  request instead of the export's setting.
- ``user_embedding``: a history -> ``user_embedding`` ``[b, D]`` (its dot product with
  ``item_embedding`` is the ``recommend`` score, less the transition prior of a model with
  ``use_transitions``, which needs the last item), ``query_embedding`` ``[b, query_dim]``,
  ``interest`` ``[b, topics]``, and ``state`` / ``last_timestamp`` to continue with
  ``update_interest``.
- ``item_embedding``: ``item_ids`` ``[n]`` -> ``item_embedding`` ``[n, D]``, ``in_catalogue``.
- ``item_embedding_from_tokens``: BERT ``token_ids`` / ``padding_mask`` ``[n, tokens]`` of a
  new item's title -> ``item_embedding`` ``[n, D]`` (the text-only path).
- ``update_interest``: ``state``, ``last_timestamp`` + one event -> the new ``state``,
  ``last_timestamp``, ``user_embedding``, ``interest``, top-k ``item_ids`` / ``scores``
  (``exclude_item_ids`` removed). One LSTM step per tower: O(1) per event.
- ``explain``: a history + ``item_id`` (``""`` = its top recommendation) -> ``interest``,
  ``top_topics`` / ``top_topic_weights``, and the ``history_item_ids`` whose removal lowers the
  item's score most, with that drop (``history_contributions``).

With ``catalogue=False`` (``recsys-tf export --mode index``) the module leaves the scan of the
catalogue to a retrieval index: it keeps only ``user_embedding`` (also ``serving_default``) and
an ``update_interest`` without ``exclude_item_ids`` and top-k outputs, and holds none of the
ranking's per-item tables (item vectors, candidate and new-item masks, the transition prior's
successors); :meth:`ServingModule.candidate_vectors` gives the vectors for the index. The
query tower's own per-item rows (the id and text rows it reads for history events) stay.

A history is ``item_ids`` ``[b, length]`` (string, ``""`` = padding) with, as the model uses
them, ``event_types`` (string), ``timestamps`` (int64 unix seconds) and the other domain's
``cross_item_ids``, ``cross_event_types``, ``cross_timestamps`` ``[b, cross_length]``. Bad input
follows :mod:`~recsys_tf.export.request_features`: unknown ids -> OOV, the most recent
``max_length`` events kept, an empty history -> the model's output on an empty sequence (the
zero state), never NaN. Shapes that disagree fail with ``INVALID_ARGUMENT`` naming the input.

Example::

    module = ServingModule(model.towers(), vocabularies, max_length=50, max_cross_length=50,
                           top_k=10)
    tf.saved_model.save(module, path, signatures=module.signatures())
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from recsys_tf.data.vocabularies import Vocabularies
from recsys_tf.evaluation.new_item_slots import (
    ALWAYS,
    DEFAULT_TITLE_WEIGHT,
    earned_slots,
    last_item_similarity,
    merge_new_item_slots,
    new_item_scores,
)
from recsys_tf.export import request_features as rf
from recsys_tf.export.catalogue_top_k import top_k_excluding
from recsys_tf.export.keras_variables import KerasObjects, wrapped_variable, wrapped_variables
from recsys_tf.export.tower_states import TowerStates
from recsys_tf.models.towers import Towers

NEGATIVE_INFINITY = float("-inf")


class ServingModule(tf.Module):
    """Signatures of a trained model's :class:`~recsys_tf.models.Towers`.

    Args:
        towers: the trained towers and their score (:meth:`TwoTowerModel.towers`).
        vocabularies: the run's vocabularies (ids in requests are the dataset's strings).
        max_length, max_cross_length: the training sequence lengths (longer histories are cut).
        top_k: items returned by ``recommend`` and ``update_interest``.
        token_encoder: Keras model ``{token_ids, padding_mask, segment_ids} -> [n, text_dim]``
            (the BERT sentence encoder) for ``item_embedding_from_tokens``; None = no such
            signature.
        explain_items: history items reported by ``explain``.
        new_item_slots: places of the top-k kept for catalogue items without training events
            (``recommend`` and ``update_interest``); 0 = none.
        new_item_title_weight: weight of the last item's title cosine when ranking new items
            for those places (:func:`~recsys_tf.evaluation.new_item_slots.new_item_scores`).
        new_item_min_similarity: the least title cosine with the last item that earns a new
            item a place (-1 = any; the last item's title twins never get one; the export
            passes the cold-start benchmark's choice).
        new_item_offset: a new item takes a place only if its new-item score plus this
            offset reaches the score of the warm item it pushes out
            (:func:`~recsys_tf.evaluation.new_item_slots.earned_slots`; inf = always).
        xla_update: compile the numeric core of ``update_interest`` (LSTM steps, interest
            update, catalogue scores, top-k) with XLA: that core takes about half the time on
            CPU, the whole signature ~30% less. TF Serving runs XLA on CPU only with
            ``--xla_cpu_compilation_enabled=true``; off by default.
        catalogue: False = the index mode (no per-item ranking tables; see above).
    """

    def __init__(self, towers: Towers, vocabularies: Vocabularies, *, max_length: int,
                 max_cross_length: int, top_k: int = 10, token_encoder=None,
                 explain_items: int = 5, new_item_slots: int = 0,
                 new_item_title_weight: float = DEFAULT_TITLE_WEIGHT,
                 new_item_min_similarity: float = -1.0, new_item_offset: float = ALWAYS,
                 xla_update: bool = False, catalogue: bool = True):
        super().__init__(name="recsys_tf_serving")
        config = towers.config
        # Keras objects are called, not tracked; the tf.Variables they read are tracked (see
        # keras_variables: otherwise TF Serving cannot restore them).
        self.keras = KerasObjects(query_model=towers.query_model,
                                  candidate_model=towers.candidate_model, score=towers.score,
                                  token_encoder=token_encoder)
        self.model_variables = wrapped_variables(towers.query_model, towers.candidate_model,
                                                 towers.score, token_encoder)
        self.config = config
        self.input_names = towers.input_names
        self.max_length = int(max_length)
        self.max_cross_length = int(max_cross_length)
        self.items = rf.IdLookup(vocabularies.item_id)
        self.event_types = rf.IdLookup(vocabularies.event_type)
        self.explain_items = int(explain_items)
        self.uses_time = config.use_behaviour and config.use_time_features
        self.xla_update = bool(xla_update)
        self._update_core = (tf.function(self._update_step, jit_compile=True)
                             if self.xla_update else self._update_step)

        candidate_mask = np.asarray(towers.score.candidate_mask.numpy() > 0)
        self.catalogue = bool(catalogue)
        self.candidate_items = np.flatnonzero(candidate_mask)  # not saved: plain NumPy
        if not len(self.candidate_items):
            raise ValueError("The model has no candidate items to recommend.")
        item_text = towers.item_text
        if item_text is not None:
            item_text = (wrapped_variable(item_text) if isinstance(item_text, keras.Variable)
                         else tf.Variable(np.asarray(item_text, np.float32), trainable=False,
                                          name="item_text"))
        self.item_text = item_text
        self.state = TowerStates(towers, item_text)
        if self.catalogue:
            self._init_catalogue(towers, candidate_mask, top_k, new_item_slots,
                                 new_item_title_weight, new_item_min_similarity,
                                 new_item_offset)
        else:
            self.top_k, self.new_item_slots, self.new_item_title_weight = 0, 0, 0.0
            self.new_item_min_similarity, self.new_item_offset = -1.0, ALWAYS
            self._candidate_vectors = np.asarray(towers.item_vectors)[self.candidate_items]
        if config.has_categories:
            names = ["", ""] + list(vocabularies.category.tokens)
        else:
            names = [f"topic-{i}" for i in range(config.topic_count)]
        self.topic_names = tf.constant(names[:config.topic_count])

    def _init_catalogue(self, towers, candidate_mask, top_k, new_item_slots,
                        new_item_title_weight, new_item_min_similarity, new_item_offset):
        """The per-item tables of the ranking signatures (the full mode)."""
        config = towers.config
        self.top_k = int(min(top_k, candidate_mask.sum()))
        self.candidate_mask = tf.Variable(candidate_mask, trainable=False, name="candidates")
        if not 0 <= new_item_slots <= self.top_k:
            raise ValueError(f"`new_item_slots` must be in [0, top_k={self.top_k}]. "
                             f"Received: {new_item_slots}")
        self.new_item_slots = int(new_item_slots)
        new_items = np.zeros_like(candidate_mask)
        if config.use_item_ids:
            new_items = candidate_mask & (
                towers.candidate_model.item_tower.known.numpy() == 0)
        self.new_items = tf.Variable(new_items, trainable=False, name="new_items")
        if not -1 <= new_item_min_similarity <= 1:
            raise ValueError("`new_item_min_similarity` must be a cosine in [-1, 1]. "
                             f"Received: {new_item_min_similarity}")
        if np.isnan(new_item_offset):
            raise ValueError("`new_item_offset` must be a number (inf: places for every list). "
                             f"Received: {new_item_offset}")
        self.new_item_offset = float(new_item_offset)
        self.new_item_title_weight = float(new_item_title_weight) if config.text_dim else 0.0
        self.new_item_min_similarity = (float(new_item_min_similarity) if config.text_dim
                                        else -1.0)
        self.item_vectors = tf.Variable(towers.item_vectors, trainable=False,
                                        name="item_vectors")

    @property
    def token_encoder(self):
        return self.keras.token_encoder

    def candidate_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """``(item ids [n] (str), item embeddings [n, D])`` of the candidate items: what a
        retrieval index holds. Their dot product with ``user_embedding`` is the score."""
        vectors = (self.item_vectors.numpy()[self.candidate_items] if self.catalogue
                   else self._candidate_vectors)
        ids = self.items.token(tf.constant(self.candidate_items, tf.int32)).numpy()
        return np.array([value.decode("utf-8") for value in ids], object), vectors

    # === Shared pieces: every score comes from the towers' RetrievalScore ===

    def _user_vectors(self, query, interest):
        return self.keras.score.user_vectors(query, interest)

    def _top_scores(self, user_vectors, excluded_items, last_items=None, new_item_slots=None):
        """``(scores, item indices)`` ``[b, k]`` of the top-k candidates per row, the item
        indices ``excluded_items`` ``[b, width]`` (0 = padding) scored -inf; ``last_items``
        ``[b]`` (each row's last item) for the transition prior; ``new_item_slots`` (default:
        the export's setting) places kept for new items."""
        scores = self.keras.score(user_vectors, self.item_vectors, last_items=last_items,
                                  exclude_non_candidates=True)
        values, indices = top_k_excluding(scores, excluded_items, self.top_k)
        if new_item_slots is None:
            if not self.new_item_slots:
                return values, indices
            new_item_slots = self.new_item_slots
        ranked = scores
        if self.item_text is not None and last_items is not None:
            ranked = new_item_scores(scores, last_item_similarity(self.item_text, last_items),
                                     self.new_item_title_weight, self.new_item_min_similarity)
        new_values, new_indices = top_k_excluding(
            tf.where(self.new_items, ranked, NEGATIVE_INFINITY), excluded_items, self.top_k)
        parts = (values, indices, tf.gather(self.new_items, indices), new_values, new_indices)
        return merge_new_item_slots(
            *parts, earned_slots(*parts, new_item_slots, self.new_item_offset))

    def _top_k(self, user_vectors, excluded_items, last_items=None, new_item_slots=None):
        scores, indices = self._top_scores(user_vectors, excluded_items, last_items,
                                           new_item_slots)
        return {"item_ids": self.items.token(indices), "scores": scores}

    def _pair_scores(self, user_vectors, item_indices, last_items):
        """Scores ``[b]`` of one item per row (as :meth:`_top_scores` scores it)."""
        return self.keras.score.pair_scores(user_vectors,
                                            tf.gather(self.item_vectors, item_indices),
                                            item_ids=item_indices, last_items=last_items)

    def _event_ids(self, item_ids, event_types):
        items = self.items(item_ids)
        events = self.event_types(event_types)
        # A real event with an empty type counts as an unknown type, never as padding.
        return items, tf.where((items > 0) & (events == 0), tf.ones_like(events), events)

    def _history(self, features):
        """Request history -> (model inputs ``[b, width]``, events kept ``[b]``, the item
        indices of the whole history ``[b, request width]`` (to exclude), main events, cross
        events) for the full and recurrent paths."""
        item_ids = features["item_ids"]
        checks = [tf.debugging.assert_equal(
            tf.shape(features[name]), tf.shape(item_ids),
            message=f"`{name}` must have the shape of `item_ids`")
            for name in ("event_types", "timestamps") if name in features]
        checks += [tf.debugging.assert_equal(
            tf.shape(features[name]), tf.shape(features["cross_item_ids"]),
            message=f"`{name}` must have the shape of `cross_item_ids`")
            for name in ("cross_event_types", "cross_timestamps") if name in features]
        with tf.control_dependencies(checks):
            request_items = self.items(item_ids)  # also the items to exclude from the top-k
        events = (self._event_ids(item_ids, features["event_types"])[1]
                  if "event_types" in features else tf.ones_like(request_items))
        timestamps = features.get("timestamps", tf.zeros_like(request_items, tf.int64))
        valid, items, events, timestamps = rf.compact(request_items > 0, request_items, events,
                                                      timestamps)

        cross = None
        if self.config.use_cross_domain:
            cross_items, cross_events = self._event_ids(features["cross_item_ids"],
                                                        features["cross_event_types"])
            cross_times = features.get("cross_timestamps", tf.zeros_like(cross_items, tf.int64))
            cross_valid, cross_items, cross_events, cross_times = rf.compact(
                cross_items > 0, cross_items, cross_events, cross_times)
        main = {"item_ids": items, "event_types": events}
        if self.uses_time:
            hours, weekdays = rf.hours_and_weekdays(timestamps, valid)
            gaps = (rf.history_log_gaps(timestamps, valid, cross_times, cross_valid)
                    if self.config.use_cross_domain else rf.history_log_gaps(timestamps, valid))
            main.update(hours=hours, weekdays=weekdays, log_gaps=gaps)
        names = list(main)
        valid, *kept = rf.keep_recent(valid, self.max_length, *main.values())
        main = dict(zip(names, kept, strict=True))
        inputs = dict(main)
        if self.config.use_cross_domain:
            cross_valid, cross_items, cross_events = rf.keep_recent(
                cross_valid, self.max_cross_length, cross_items, cross_events)
            cross = {"item_ids": cross_items, "event_types": cross_events}
            visible = tf.reduce_sum(tf.cast(cross_valid, tf.int32), axis=1, keepdims=True)
            inputs.update(cross_item_ids=cross_items, cross_event_types=cross_events,
                          cross_lengths=tf.broadcast_to(visible, tf.shape(main["item_ids"])))
        inputs = {name: inputs[name] for name in self.input_names}
        length = tf.reduce_sum(tf.cast(valid, tf.int32), axis=1)
        return inputs, length, request_items, main, cross

    def _query_at(self, inputs, length):
        """Full pass of the query tower, read after the ``length``-th event of each row (the
        empty history reads the all-padding position 0): ``(query, interest, last item)``."""
        last = tf.maximum(length - 1, 0)
        outputs = self.keras.query_model(inputs, training=False)
        query = tf.gather(outputs["query_embedding"], last, batch_dims=1)
        interest = outputs.get("interest")
        if interest is not None:
            interest = tf.gather(interest, last, batch_dims=1)
        return query, interest, tf.gather(inputs["item_ids"], last, batch_dims=1)

    def _last_timestamp(self, features):
        """Latest timestamp of the request's events (either domain); -1 without events."""
        latest = tf.fill(tf.shape(features["item_ids"])[:1], tf.constant(-1, tf.int64))
        for ids, times in (("item_ids", "timestamps"), ("cross_item_ids", "cross_timestamps")):
            if times in features:
                stamped = tf.where(tf.not_equal(features[ids], ""), features[times], -1)
                latest = tf.maximum(latest, tf.reduce_max(
                    tf.concat([stamped, tf.fill([tf.shape(stamped)[0], 1],
                                                tf.constant(-1, tf.int64))], 1), axis=1))
        return latest

    # === Signatures ===

    def recommend(self, features):
        inputs, length, excluded, _, _ = self._history(features)
        query, interest, last_items = self._query_at(inputs, length)
        return self._top_k(self._user_vectors(query, interest), excluded, last_items)

    def recommend_with_new_items(self, features):
        features = dict(features)
        slots = tf.cast(features.pop("new_item_slots"), tf.int32)
        inputs, length, excluded, _, _ = self._history(features)
        with tf.control_dependencies([tf.debugging.assert_equal(
                tf.shape(slots), tf.shape(length),
                message="`new_item_slots` must have one value per history")]):
            slots = tf.identity(slots)
        query, interest, last_items = self._query_at(inputs, length)
        return self._top_k(self._user_vectors(query, interest), excluded, last_items, slots)

    def user_embedding(self, features):
        # The recurrent scan gives the state and, from it, the same embedding as the full pass
        # (the towers are causal): one pass over the history, not two.
        _, _, _, main, cross = self._history(features)
        state = self.state.run(self.state.zeros(tf.shape(main["item_ids"])[0]), main, cross)
        query, interest = self.state.query(state)
        out = {"user_embedding": self._user_vectors(query, interest),
               "query_embedding": query, "state": state}
        if interest is not None:
            out["interest"] = interest
        if self.uses_time:
            out["last_timestamp"] = self._last_timestamp(features)
        return out

    def item_embedding(self, item_ids):
        index = self.items(item_ids)
        return {"item_embedding": tf.gather(self.item_vectors, index),
                "in_catalogue": index > 1}

    def item_embedding_from_tokens(self, token_ids, padding_mask):
        token_ids = tf.cast(token_ids, tf.int32)
        mask = tf.not_equal(tf.cast(padding_mask, tf.int32), 0)
        with tf.control_dependencies([
                tf.debugging.assert_equal(tf.shape(token_ids), tf.shape(mask),
                                          message="`padding_mask` must have the shape of "
                                                  "`token_ids`"),
                tf.debugging.assert_non_negative(token_ids,
                                                 message="`token_ids` must be >= 0")]):
            token_ids = tf.identity(token_ids)
        text = self.token_encoder({"token_ids": token_ids, "padding_mask": mask,
                                   "segment_ids": tf.zeros_like(token_ids)}, training=False)
        text = tf.cast(text, tf.float32)
        count = tf.shape(token_ids)[:1]
        features = {"item_ids": tf.ones(count, tf.int32), "text_embeddings": text}
        if self.config.has_categories:
            features["categories"] = tf.ones(count, tf.int32)  # unknown category
        embedding = self.keras.candidate_model.item_tower(features, training=False)
        head = self.keras.query_model.topic_head
        topics = None if head is None else head.item_topics(text)
        return {"item_embedding": self.keras.score.item_vectors(embedding, topics)}

    def update_interest(self, inputs):
        state = inputs["state"]
        with tf.control_dependencies([
                tf.debugging.assert_equal(tf.shape(state)[1], self.state.size,
                                          message=f"`state` must have {self.state.size} columns"),
                tf.debugging.assert_all_finite(state, "`state` must be finite (no NaN or inf)")]):
            state = tf.identity(state)
        # Table lookups here; the numeric rest in `_update_core` (XLA-compiled with
        # `xla_update`: XLA cannot compile hash-table ops).
        items, events = self._event_ids(inputs["item_id"], inputs.get(
            "event_type", tf.fill(tf.shape(inputs["item_id"]), "")))
        extra = {name: inputs[name] for name in ("timestamp", "last_timestamp", "cross_domain")
                 if name in inputs}
        excluded = self.items(inputs["exclude_item_ids"]) if self.catalogue else None
        out, indices = self._update_core(state, items, events, excluded, extra)
        if self.catalogue:
            out["item_ids"] = self.items.token(indices)
        return out

    def _update_step(self, state, items, events, excluded_items, extra):
        """The numeric part of ``update_interest``: ``(outputs without item_ids, top-k item
        indices)``."""
        event = {"item_ids": items, "event_types": events}
        out = {}
        if self.uses_time:
            timestamp, last = extra["timestamp"], extra["last_timestamp"]
            valid = items > 0
            hours, weekdays = rf.hours_and_weekdays(timestamp, valid)
            gap = tf.where(last >= 0, timestamp - last, tf.zeros_like(timestamp))
            event.update(hours=hours, weekdays=weekdays,
                         log_gaps=tf.where(valid, rf.log_gap(gap), 0.0))
            out["last_timestamp"] = tf.where(valid, tf.maximum(timestamp, last), last)
        if self.config.use_cross_domain:
            cross = extra["cross_domain"]
            main_event = {k: tf.where(cross, tf.zeros_like(v), v) for k, v in event.items()}
            cross_event = {"item_ids": tf.where(cross, items, 0),
                           "event_types": tf.where(cross, events, 0)}
            state = self.state.step_cross(self.state.step(state, main_event), cross_event)
        else:
            state = self.state.step(state, event)
        query, interest = self.state.query(state)
        user = self._user_vectors(query, interest)
        out.update(state=state, user_embedding=user)
        if interest is not None:
            out["interest"] = interest
        if not self.catalogue:  # the index mode: the top-k is the index's
            return out, None
        out["scores"], indices = self._top_scores(user, excluded_items,
                                                  self.state.last_item(state))
        return out, indices

    def explain(self, features):
        target_ids = features["item_id"]
        history = {k: v for k, v in features.items() if k != "item_id"}
        inputs, length, excluded, _, _ = self._history(history)
        query, interest, last_items = self._query_at(inputs, length)
        user = self._user_vectors(query, interest)
        top = self._top_k(user, excluded, last_items)
        target_ids = tf.where(tf.equal(target_ids, ""), top["item_ids"][:, 0], target_ids)
        target = self.items(target_ids)
        score = self._pair_scores(user, target, last_items)

        # Occlusion: the score without each history event, all variants in one batch.
        batch, width = tf.shape(inputs["item_ids"])[0], tf.shape(inputs["item_ids"])[1]
        removed = tf.range(width)
        position = tf.range(width)[tf.newaxis, :]
        source = tf.minimum(position + tf.cast(position >= removed[:, tf.newaxis], tf.int32),
                            width - 1)  # [width (variant), width]
        kept = position[tf.newaxis] < (length - 1)[:, tf.newaxis, tf.newaxis]  # [b, 1, width]
        variants = {}
        for name, value in inputs.items():
            if name in ("cross_item_ids", "cross_event_types", "cross_lengths"):
                variants[name] = tf.repeat(value, width, axis=0)
                continue
            picked = tf.gather(value, source, axis=1)  # [b, width, width]
            picked = tf.where(kept, picked, tf.zeros_like(picked))
            variants[name] = tf.reshape(picked, (batch * width, width))
        v_query, v_interest, v_last = self._query_at(variants, tf.repeat(length - 1, width))
        v_score = self._pair_scores(self._user_vectors(v_query, v_interest),
                                    tf.repeat(target, width), v_last)
        drop = score[:, tf.newaxis] - tf.reshape(v_score, (batch, width))
        is_event = position < length[:, tf.newaxis]
        count = tf.minimum(self.explain_items, width)
        best = tf.math.top_k(tf.where(is_event, drop, NEGATIVE_INFINITY), k=count)
        shown = tf.gather(is_event, best.indices, batch_dims=1)
        history_items = tf.gather(inputs["item_ids"], best.indices, batch_dims=1)
        out = {"item_id": target_ids, "score": score,
               "history_item_ids": tf.where(shown, self.items.token(history_items), ""),
               "history_contributions": tf.where(shown, best.values, 0.0)}
        if interest is not None:
            topics = tf.math.top_k(interest, k=min(3, self.config.topic_count))
            out.update(interest=interest, top_topic_weights=topics.values,
                       top_topics=tf.gather(self.topic_names, topics.indices))
        return out

    # === Input specs ===

    def history_specs(self) -> dict[str, tf.TensorSpec]:
        """Named inputs of ``recommend``, ``user_embedding`` and ``explain``."""
        def spec(name, dtype=tf.string):
            return tf.TensorSpec([None, None], dtype, name=name)

        specs = {"item_ids": spec("item_ids")}
        if self.config.use_behaviour:
            specs["event_types"] = spec("event_types")
        if self.uses_time:
            specs["timestamps"] = spec("timestamps", tf.int64)
        if self.config.use_cross_domain:
            specs["cross_item_ids"] = spec("cross_item_ids")
            specs["cross_event_types"] = spec("cross_event_types")
            if self.uses_time:
                specs["cross_timestamps"] = spec("cross_timestamps", tf.int64)
        return specs

    def update_specs(self) -> dict[str, tf.TensorSpec]:
        """Named inputs of ``update_interest``."""
        specs = {"state": tf.TensorSpec([None, self.state.size], tf.float32, name="state"),
                 "item_id": tf.TensorSpec([None], tf.string, name="item_id")}
        if self.config.use_behaviour or self.config.use_cross_domain:
            specs["event_type"] = tf.TensorSpec([None], tf.string, name="event_type")
        if self.uses_time:
            specs["timestamp"] = tf.TensorSpec([None], tf.int64, name="timestamp")
            specs["last_timestamp"] = tf.TensorSpec([None], tf.int64, name="last_timestamp")
        if self.config.use_cross_domain:
            specs["cross_domain"] = tf.TensorSpec([None], tf.bool, name="cross_domain")
        if self.catalogue:
            specs["exclude_item_ids"] = tf.TensorSpec([None, None], tf.string,
                                                      name="exclude_item_ids")
        return specs

    def signatures(self) -> dict:
        """The concrete functions to pass to ``tf.saved_model.save(signatures=...)``; the
        module then tracks (saves) only the model variables they read."""
        history = self.history_specs()
        if not self.catalogue:
            return self._index_signatures(history)
        explain = {**history, "item_id": tf.TensorSpec([None], tf.string, name="item_id")}
        functions = {
            "recommend": tf.function(self.recommend, input_signature=[history]),
            "recommend_with_new_items": tf.function(self.recommend_with_new_items,
                                                    input_signature=[{
                **history, "new_item_slots": tf.TensorSpec([None], tf.int32,
                                                           name="new_item_slots")}]),
            "user_embedding": tf.function(self.user_embedding, input_signature=[history]),
            "item_embedding": tf.function(self.item_embedding, input_signature=[
                tf.TensorSpec([None], tf.string, name="item_ids")]),
            "update_interest": tf.function(self.update_interest,
                                           input_signature=[self.update_specs()]),
            "explain": tf.function(self.explain, input_signature=[explain]),
        }
        if self.token_encoder is not None:
            functions["item_embedding_from_tokens"] = tf.function(
                self.item_embedding_from_tokens, input_signature=[
                    tf.TensorSpec([None, None], tf.int32, name="token_ids"),
                    tf.TensorSpec([None, None], tf.int32, name="padding_mask")])
        concrete = {name: fn.get_concrete_function() for name, fn in functions.items()}
        concrete["serving_default"] = concrete["recommend"]
        return self._keep_read_variables(concrete)

    def _index_signatures(self, history) -> dict:
        """The index mode's signatures: the user's embedding and state, nothing per item."""
        concrete = {
            "user_embedding": tf.function(self.user_embedding, input_signature=[history])
            .get_concrete_function(),
            "update_interest": tf.function(self.update_interest,
                                           input_signature=[self.update_specs()])
            .get_concrete_function()}
        concrete["serving_default"] = concrete["user_embedding"]
        return self._keep_read_variables(concrete)

    def _keep_read_variables(self, concrete: dict) -> dict:
        # Save only the model variables some signature reads: the candidate tower's text table
        # (a copy of the query tower's, 18.6 MB at Beauty size) and its other tables baked into
        # `item_vectors`, the sampling and seed-generator state are dead weight in an export.
        read = {id(variable) for function in concrete.values() for variable in function.variables}
        self.model_variables = [v for v in self.model_variables if id(v) in read]
        return concrete
