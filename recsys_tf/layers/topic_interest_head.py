"""Topic-interest head: the interest formulas of S0 §3.8 as an interpretable output."""

from __future__ import annotations

import keras
from keras import ops

from recsys_tf.layers.argument_checks import check_positive


@keras.saving.register_keras_serializable(package="recsys_tf")
class TopicInterestHead(keras.layers.Layer):
    """A user's interest as a probability distribution over topics, updated event by event.

    Each event ``x_t`` (its item's text embedding) is mapped to a topic distribution
    ``p_t = softmax(x_t W + b)``. The interest starts uniform and follows the online update of
    S0 §3.8.2, ``u_t = (1 - α) u_{t-1} + α p_t``, so the interest after ``t`` events is

        ``u_t = (1 - α)^(t+1) · uniform + Σ_{s ≤ t} α (1 - α)^(t-s) · p_s``

    which the layer computes for all positions at once. A candidate ``c`` with topic distribution
    ``softmax(x_c W + b)`` scores ``r = uᵀ c`` (S0 §3.8.3; :meth:`item_topics`, :meth:`score`).
    When items have categories, ``W`` is trained to predict them, so topics are named.

    Args:
        num_topics: number of topics (categories, or latent topics).
        alpha: weight of the newest event, in (0, 1].

    Call arguments:
        text_embeddings: ``[batch, length, text_dim]``.
        mask: ``[batch, length]`` boolean, true at valid positions (right padding).

    Returns:
        ``[batch, length, num_topics]``: the interest after each position.

    Example:

    >>> import numpy as np
    >>> head = TopicInterestHead(num_topics=3, alpha=0.5)
    >>> u = head(np.ones((1, 2, 4), "float32"), mask=np.array([[True, True]]))
    >>> np.allclose(u.numpy().sum(-1), 1.0)
    True

    References:
        S0 §3.8.1 (u = softmax(XW + b)), §3.8.2 (u' = (1 − α)u + α softmax(X'W + b)),
        §3.8.3 (r = uᵀc).
    """

    def __init__(self, num_topics: int, alpha: float = 0.1, **kwargs):
        super().__init__(**kwargs)
        check_positive(num_topics=num_topics)
        if not 0 < alpha <= 1:
            raise ValueError(f"`alpha` must be in (0, 1]. Received: alpha={alpha}")
        self.num_topics = num_topics
        self.alpha = float(alpha)
        self.supports_masking = True
        self.topic_logits = keras.layers.Dense(num_topics, dtype=self.dtype_policy,
                                               name="topic_logits")

    def build(self, input_shape):
        self.topic_logits.build(input_shape)
        self.built = True

    def topic_logits_of(self, text_embeddings):
        """``x W + b`` (before the softmax), float32."""
        return ops.cast(self.topic_logits(ops.cast(text_embeddings, self.compute_dtype)),
                        "float32")

    def item_topics(self, text_embeddings):
        """``softmax(x W + b)`` of items ``[..., text_dim] -> [..., num_topics]``."""
        return ops.softmax(self.topic_logits_of(text_embeddings), axis=-1)

    def update(self, interest, text_embedding):
        """One online step ``u' = (1 - α) u + α softmax(x' W + b)`` (the O(1) serving path)."""
        return (1.0 - self.alpha) * interest + self.alpha * self.item_topics(text_embedding)

    def initial_interest(self, batch_size):
        """The uniform interest before any event, ``[batch_size, num_topics]``."""
        return ops.full((batch_size, self.num_topics), 1.0 / self.num_topics, "float32")

    @staticmethod
    def score(interest, candidate_topics):
        """``r = uᵀ c`` for every candidate: ``[..., K] x [n, K] -> [..., n]``."""
        return ops.matmul(interest, ops.transpose(candidate_topics))

    def call(self, text_embeddings, mask=None):
        p = self.item_topics(text_embeddings)
        if mask is not None:
            p = p * ops.cast(ops.expand_dims(mask, -1), p.dtype)
        length = ops.shape(p)[1]
        steps = ops.cast(ops.arange(length), "float32")
        lag = ops.expand_dims(steps, 1) - ops.expand_dims(steps, 0)  # t - s
        decay = 1.0 - self.alpha
        weights = ops.where(lag >= 0, self.alpha * ops.power(decay, ops.maximum(lag, 0.0)), 0.0)
        prior = ops.power(decay, steps + 1.0) / self.num_topics
        return ops.einsum("ts,bsk->btk", weights, p) + ops.reshape(prior, (1, -1, 1))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:2], self.num_topics)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "num_topics": self.num_topics, "alpha": self.alpha}
