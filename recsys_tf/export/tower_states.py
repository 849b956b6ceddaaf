"""The serving state of a user's interest and its O(1) update per event.

The query tower is recurrent: after each event, the behaviour and content LSTMs' ``(h, c)``,
the cross-domain LSTM's ``(h, c)`` and the S0 §3.8.2 topic interest ``u`` summarise everything
seen so far. Packed into one float vector, that state lets a server fold in one new event with
one LSTM step per tower (:meth:`TowerStates.step`) instead of re-reading the history, and
gives the same user embedding as the full pass (the towers are causal and the fusion reads only
their latest outputs).

Layout (``state``, float32 ``[batch, size]``), in this order, only the parts the model has:
``behaviour_h, content_h, behaviour_c, content_c, cross_h, cross_c`` (``hidden_dim`` each) and
``last_item`` (1, with the transition prior: the index of the last main-domain item, 0 =
none) and ``interest`` (``topics``), stored as ``u - 1/topics``. **An all-zero state is the
empty history**, so a new user starts from zeros. The main domain's ``h`` and ``c`` are each one
contiguous block, as the :class:`~recsys_tf.export.folded_step.FoldedEventStep` (the default
serving path of a main-domain event) reads them.

Example::

    state = TowerStates(model.towers(), item_text)
    s = state.zeros(batch)
    s = state.step(s, {"item_ids": ids, "event_types": types, "hours": h, "weekdays": w,
                       "log_gaps": g})
    query, interest = state.query(s)
"""

from __future__ import annotations

import tensorflow as tf

from recsys_tf.export.folded_step import FoldedEventStep, can_fold
from recsys_tf.export.keras_variables import KerasObjects


class TowerStates(tf.Module):
    """State layout and updates for a trained model's towers.

    Args:
        towers: the trained :class:`~recsys_tf.models.Towers`.
        item_text: ``[num_items, text_dim]`` item text embeddings (the model's current ones), or
            None for a model without text.
        fold: run main-domain events through a :class:`FoldedEventStep` when the model allows
            it (:func:`~recsys_tf.export.folded_step.can_fold`); False = the towers' own
            ``step`` methods (the reference the folded step is tested against).
    """

    def __init__(self, towers, item_text, fold: bool = True):
        super().__init__(name="interest_state")
        query_model, config = towers.query_model, towers.config
        self.config = config
        self.item_text = item_text
        # Called, not tracked: the owner of this state tracks the variables they read (see
        # keras_variables).
        self.keras = KerasObjects(
            behaviour=query_model.get_layer("behaviour_tower") if config.use_behaviour else None,
            content=query_model.get_layer("content_tower") if config.use_content else None,
            cross=(query_model.get_layer("cross_domain_tower") if config.use_cross_domain
                   else None),
            fusion=query_model.get_layer("fusion"), topic_head=query_model.topic_head)
        behaviour, content, topic_head = (self.keras.behaviour, self.keras.content,
                                          self.keras.topic_head)
        hidden = config.hidden_dim
        main = [name for name, tower in (("behaviour", behaviour),
                                         ("content", content)) if tower is not None]
        self.parts: list[tuple[str, int]] = [(f"{name}_h", hidden) for name in main]
        self.parts += [(f"{name}_c", hidden) for name in main]
        if self.keras.cross is not None:
            self.parts += [("cross_h", hidden), ("cross_c", hidden)]
        self.tracks_last_item = towers.score.transitions is not None
        if self.tracks_last_item:  # float32 holds every index below 2**24 exactly
            self.parts.append(("last_item", 1))
        if topic_head is not None:
            self.parts.append(("interest", config.topic_count))
        self.folded = None
        if fold and can_fold(behaviour, content, topic_head):
            self.folded = FoldedEventStep(behaviour, content, topic_head, item_text,
                                          hidden_dim=hidden)

    @property
    def size(self) -> int:
        return sum(size for _, size in self.parts)

    def layout(self) -> list[dict]:
        """``[{"name", "offset", "size"}]`` of the packed vector (for the export manifest)."""
        out, offset = [], 0
        for name, size in self.parts:
            out.append({"name": name, "offset": offset, "size": size})
            offset += size
        return out

    def zeros(self, batch_size) -> tf.Tensor:
        return tf.zeros((batch_size, self.size), tf.float32)

    def split(self, state: tf.Tensor) -> dict[str, tf.Tensor]:
        pieces = tf.split(state, [size for _, size in self.parts], axis=1)
        return dict(zip([name for name, _ in self.parts], pieces, strict=True))

    def join(self, parts: dict[str, tf.Tensor]) -> tf.Tensor:
        return tf.concat([tf.cast(parts[name], tf.float32) for name, _ in self.parts], axis=1)

    def _text(self, item_ids):
        return tf.gather(self.item_text, item_ids)

    def step(self, state: tf.Tensor, event: dict[str, tf.Tensor]) -> tf.Tensor:
        """Folds in one event of the main domain per row (``event`` holds the behaviour tower's
        features, each ``[batch]``); rows with item id 0 are unchanged."""
        if self.folded is not None:
            state = self._folded_step(state, event)
        else:
            state = self._tower_step(state, event)
        if not self.tracks_last_item:
            return state
        parts = self.split(state)
        parts["last_item"] = tf.where((event["item_ids"] > 0)[:, tf.newaxis],
                                      tf.cast(event["item_ids"][:, tf.newaxis], tf.float32),
                                      parts["last_item"])
        return self.join(parts)

    def _tower_step(self, state, event):
        parts = self.split(state)
        item_ids = event["item_ids"]
        valid = item_ids > 0
        text = (self._text(item_ids)
                if self.keras.content is not None or self.keras.topic_head is not None else None)
        if self.keras.behaviour is not None:
            _, (parts["behaviour_h"], parts["behaviour_c"]) = self.keras.behaviour.step(
                event, [parts["behaviour_h"], parts["behaviour_c"]])
        if self.keras.content is not None:
            _, (parts["content_h"], parts["content_c"]) = self.keras.content.step(
                text, [parts["content_h"], parts["content_c"]], valid)
        if self.keras.topic_head is not None:
            uniform = 1.0 / self.config.topic_count
            updated = self.keras.topic_head.update(parts["interest"] + uniform, text) - uniform
            parts["interest"] = tf.where(valid[:, tf.newaxis], updated, parts["interest"])
        return self.join(parts)

    def _folded_step(self, state, event):
        width, topics = self.folded.width, self.folded.topics
        h, c, other, interest = tf.split(
            state, [width, width, self.size - 2 * width - topics, topics], axis=1)
        h, c, interest = self.folded(h, c, interest if topics else None, event)
        return tf.concat([h, c, other] + ([interest] if topics else []), axis=1)

    def step_cross(self, state: tf.Tensor, event: dict[str, tf.Tensor]) -> tf.Tensor:
        """Folds in one event of the other domain per row (``item_ids``, ``event_types``
        ``[batch]``); a model without the cross-domain tower ignores it."""
        if self.keras.cross is None:
            return state
        parts = self.split(state)
        inputs = dict(event)
        if self.keras.cross.text_projection_dim:
            inputs["text_embeddings"] = self._text(event["item_ids"])
        _, (parts["cross_h"], parts["cross_c"]) = self.keras.cross.step(
            inputs, [parts["cross_h"], parts["cross_c"]])
        return self.join(parts)

    def run(self, state: tf.Tensor, events: dict[str, tf.Tensor],
            cross_events: dict[str, tf.Tensor] | None = None) -> tf.Tensor:
        """:meth:`step` through ``events`` ``[batch, length]`` (then :meth:`step_cross` through
        ``cross_events``): the state after a whole history, O(length)."""
        def fold(step, sequences, state):
            length = tf.shape(sequences["item_ids"])[1]

            def body(t, state):
                return t + 1, step(state, {k: v[:, t] for k, v in sequences.items()})

            return tf.while_loop(lambda t, _: t < length, body, (0, state))[1]

        state = fold(self.step, events, state)
        if cross_events is not None and self.keras.cross is not None:
            state = fold(self.step_cross, cross_events, state)
        return state

    def query(self, state: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor | None]:
        """The query embedding ``[batch, query_dim]`` and topic interest ``[batch, topics]``
        (None without the topic head) of a state."""
        parts = self.split(state)
        outputs = [parts[f"{name}_h"] for name, tower in (("behaviour", self.keras.behaviour),
                                                           ("content", self.keras.content),
                                                           ("cross", self.keras.cross))
                   if tower is not None]
        query = tf.cast(self.keras.fusion(outputs, training=False), tf.float32)
        interest = None
        if self.keras.topic_head is not None:
            interest = parts["interest"] + 1.0 / self.config.topic_count
        return query, interest

    def last_item(self, state: tf.Tensor) -> tf.Tensor | None:
        """The last main-domain item index ``[batch]`` (0 = none) of a state, or None when
        the model has no transition prior (the state does not keep it)."""
        if not self.tracks_last_item:
            return None
        return tf.cast(tf.round(self.split(state)["last_item"][:, 0]), tf.int32)
