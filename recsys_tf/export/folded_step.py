"""The serving form of one main-domain event step: item-only work folded into one table row.

At inference, everything the behaviour LSTM, the content LSTM and the topic head compute from
an event's *item* alone is a fixed function of the item id: the behaviour tower's
``E_item[i] K_item``, the content tower's ``gelu(text_i W_p + b_p) K`` and the topic head's
``α (softmax(text_i W + b) - 1/topics)``. :class:`FoldedEventStep` computes those once per
catalogue item at export (``[num_items, 4 H · towers + topics]``), folds the event-type, hour
and weekday embeddings through their slices of the LSTM kernel the same way, and runs both
LSTMs as one gate computation (one block-diagonal recurrent matmul, one sigmoid):

``z = row[i] + T_event[e] + T_hour[h] + T_weekday[w] + g · a + b + [h_b, h_c] R``

with the ``tanh`` gate computed as ``2 σ(2x) - 1`` from weights scaled by 2. Per event: four
gathers, one matmul, one sigmoid, a few element-wise ops — instead of two Keras LSTM cells with
their input projections and the topic head's 384-wide matmul and softmax. The result equals
:meth:`~recsys_tf.export.tower_states.TowerStates.step`'s generic path up to float32
rounding (tested within 1e-5).

It needs float32 compute and the Keras LSTM defaults (``tanh`` / ``sigmoid``, with bias);
:func:`can_fold` says whether a model qualifies (otherwise the generic path runs).

Example::

    folded = FoldedEventStep(behaviour, content, topic_head, item_text, hidden_dim=64)
    h, c, interest = folded(h, c, interest, {"item_ids": ids, "event_types": types, ...})
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def can_fold(behaviour, content, topic_head) -> bool:
    """Whether a model's main-domain towers (at least one) and topic head can run as a
    :class:`FoldedEventStep`."""
    towers = [t for t in (behaviour, content) if t is not None]
    if not towers:
        return False
    layers = towers + ([topic_head] if topic_head is not None else [])
    for tower in towers:
        cell = tower.lstm.cell
        if (cell.activation.__name__ != "tanh" or cell.recurrent_activation.__name__ != "sigmoid"
                or not cell.use_bias):
            return False
    return all(layer.compute_dtype == "float32" for layer in layers)


def _numpy(x) -> np.ndarray:
    return np.asarray(tf.convert_to_tensor(x), np.float64)


class FoldedEventStep(tf.Module):
    """One event through the behaviour and content LSTMs and the topic head, folded.

    Args:
        behaviour: the :class:`~recsys_tf.layers.BehaviourTower`, or None.
        content: the :class:`~recsys_tf.layers.ContentTower`, or None.
        topic_head: the :class:`~recsys_tf.layers.TopicInterestHead`, or None.
        item_text: ``[num_items, text_dim]`` text table (None without content and topic head).
        hidden_dim: the LSTMs' units.

    Call arguments: ``h``, ``c`` ``[batch, H · towers]`` (the towers' states side by side,
    behaviour first), ``interest`` ``[batch, topics]`` (stored as ``u - 1/topics``; None
    without the head) and ``event`` (``item_ids`` and, with the behaviour tower, its other
    features, each ``[batch]``). Returns the new ``(h, c, interest)``; rows with item id 0 are
    returned unchanged.
    """

    def __init__(self, behaviour, content, topic_head, item_text, *, hidden_dim: int):
        super().__init__(name="folded_event_step")
        towers = [t for t in (behaviour, content) if t is not None]
        self.hidden_dim = hidden_dim
        self.width = hidden_dim * len(towers)
        self.uses_time = behaviour is not None and behaviour.use_time_features
        text = None if item_text is None else _numpy(item_text)

        # Per tower: the input part of z (per item, and the event features), R and the bias.
        item_rows, recurrent, bias = [], [], []
        event_rows = {}
        if behaviour is not None:
            kernel = _numpy(behaviour.lstm.cell.kernel)
            sizes = [behaviour.embedding_dim] + [behaviour.feature_dim] * (
                4 if self.uses_time else 1)
            k_item, k_event, *k_time = np.split(kernel, np.cumsum(sizes)[:-1], axis=0)
            item_rows.append(_numpy(behaviour.item_embedding.embeddings) @ k_item)
            event_rows["event_types"] = _numpy(behaviour.event_type_embedding.embeddings) @ k_event
            b = _numpy(behaviour.lstm.cell.bias)
            if self.uses_time:
                k_hour, k_weekday, k_gap = k_time
                event_rows["hours"] = _numpy(behaviour.hour_embedding.embeddings) @ k_hour
                event_rows["weekdays"] = _numpy(behaviour.weekday_embedding.embeddings) @ k_weekday
                gap_kernel = _numpy(behaviour.gap_projection.kernel)  # [1, feature_dim]
                gap_row = gap_kernel @ k_gap
                b = b + _numpy(behaviour.gap_projection.bias) @ k_gap
            recurrent.append(_numpy(behaviour.lstm.cell.recurrent_kernel))
            bias.append(b)
        if content is not None:
            projected = _numpy(content.projection(tf.constant(text, tf.float32)))
            item_rows.append(projected @ _numpy(content.lstm.cell.kernel))
            recurrent.append(_numpy(content.lstm.cell.recurrent_kernel))
            bias.append(_numpy(content.lstm.cell.bias))

        # Columns gate-major, tower-minor: [i_b, i_c, f_b, f_c, g_b, g_c, o_b, o_c]; the
        # candidate gate g doubled so that tanh(x) = 2 σ(2x) - 1 shares the one sigmoid.
        def interleave(blocks):  # list (per tower) of [..., 4H] -> [..., 4H · towers]
            gates = [np.split(block, 4, axis=-1) for block in blocks]
            columns = []
            for g in range(4):
                for tower_gates in gates:
                    columns.append(tower_gates[g] * (2.0 if g == 2 else 1.0))
            return np.concatenate(columns, axis=-1)

        def pad(block, t):  # one tower's [..., 4H] in the all-tower layout (zeros elsewhere)
            parts = [np.zeros_like(block) if s != t else block for s in range(len(towers))]
            return interleave(parts)

        per_item = sum(pad(block, t) for t, block in enumerate(item_rows))
        self.recurrent_kernel = tf.Variable(
            np.concatenate([pad(r, t) for t, r in enumerate(recurrent)], axis=0)
            .astype(np.float32), trainable=False, name="recurrent_kernel")
        self.bias = tf.Variable(sum(pad(b, t) for t, b in enumerate(bias)).astype(np.float32),
                                trainable=False, name="bias")
        self.event_tables = {name: tf.Variable(pad(table, 0).astype(np.float32), trainable=False,
                                               name=f"{name}_rows")
                             for name, table in event_rows.items()}
        self.gap_row = (tf.Variable(pad(gap_row, 0)[0].astype(np.float32), trainable=False,
                                    name="gap_row") if self.uses_time else None)

        self.topics = 0
        self.alpha = 0.0
        if topic_head is not None:
            self.topics = topic_head.num_topics
            self.alpha = float(topic_head.alpha)
            topics = _numpy(topic_head.item_topics(tf.constant(text, tf.float32)))
            per_item = np.concatenate([per_item, self.alpha * (topics - 1.0 / self.topics)],
                                      axis=1)
        self.item_rows = tf.Variable(per_item.astype(np.float32), trainable=False,
                                     name="item_rows")

    def __call__(self, h, c, interest, event):
        item_ids = event["item_ids"]
        row = tf.gather(self.item_rows, item_ids)
        z = row[:, :4 * self.width] if self.topics else row
        z = z + self.bias + tf.matmul(h, self.recurrent_kernel)
        for name, table in self.event_tables.items():
            z = z + tf.gather(table, event[name])
        if self.gap_row is not None:
            z = z + event["log_gaps"][:, tf.newaxis] * self.gap_row
        i, f, g, o = tf.split(tf.sigmoid(z), 4, axis=1)
        new_c = f * c + i * (2.0 * g - 1.0)
        new_h = o * tf.tanh(new_c)
        valid = (item_ids > 0)[:, tf.newaxis]
        h, c = tf.where(valid, new_h, h), tf.where(valid, new_c, c)
        if self.topics:
            updated = (1.0 - self.alpha) * interest + row[:, 4 * self.width:]
            interest = tf.where(valid, updated, interest)
        return h, c, interest
