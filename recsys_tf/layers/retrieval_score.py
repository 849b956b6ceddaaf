"""The retrieval score of a user for an item: the one place its formula is written."""

from __future__ import annotations

import keras
from keras import ops

from recsys_tf.layers.argument_checks import check_positive
from recsys_tf.layers.transition_prior import TransitionPrior


@keras.saving.register_keras_serializable(package="recsys_tf")
class RetrievalScore(keras.layers.Layer):
    """``score(i) = qᵀe_i + w·uᵀc_i (+ transition prior(l, i))``, over the whole catalogue.

    ``q`` is the query embedding, ``e_i`` item ``i``'s candidate embedding, ``u`` the topic
    interest and ``c_i`` the item's topic distribution (S0 §3.8.3), ``w`` a learned weight
    (``use_interest``), ``l`` the user's last item and the prior a
    :class:`~recsys_tf.layers.TransitionPrior` (``max_successors`` > 0). The two dot products
    are one: a **user vector** ``[q, w·u]`` (:meth:`user_vectors`) against an **item vector**
    ``[e, c]`` (:meth:`item_vectors`), so an index of item vectors serves the same score.

    The layer also owns which items may be recommended (``candidate_mask``: padding, OOV and
    items outside the target domain are not). The training loss, evaluation, the prior's fit and
    every serving signature call this layer.

    Args:
        num_items: size of the item vocabulary.
        use_interest: add the topic-interest term (a learned ``w``, initialised to 1).
        max_successors: next items the transition prior keeps per item; 0 = no prior.

    Call arguments:
        user_vectors: ``[n, d]`` from :meth:`user_vectors`.
        item_vectors: ``[m, d]`` from :meth:`item_vectors`: the whole catalogue (``m =
            num_items``) when ``last_items`` or ``exclude_non_candidates`` is given.
        last_items: ``[n]`` int, each user's last item, for the transition prior (None: no
            prior, as in the training loss: the prior is fitted afterwards).
        exclude_non_candidates: score items outside ``candidate_mask`` ``-inf``.
        first_item: ``item_vectors`` are a block of the catalogue, items ``first_item ..
            first_item + m - 1`` (None: the whole catalogue, or items without a prior or mask).

    Returns:
        ``[n, m]`` float32 scores.

    Example:

    >>> import numpy as np
    >>> score = RetrievalScore(num_items=3, use_interest=True)
    >>> users = score.user_vectors(np.array([[1.0, 0.0]]), np.array([[0.5]]))
    >>> items = score.item_vectors(np.eye(3, 2, dtype="float32"), np.ones((3, 1), "float32"))
    >>> np.asarray(score(users, items))  # q·e + 1.0 · u·c
    array([[1.5, 0.5, 0.5]], dtype=float32)
    """

    def __init__(self, num_items: int, use_interest: bool = False, max_successors: int = 0,
                 **kwargs):
        super().__init__(**kwargs)
        check_positive(num_items=num_items)
        if max_successors < 0:
            raise ValueError(f"`max_successors` must be >= 0. Received: {max_successors}")
        self.num_items = num_items
        self.use_interest = bool(use_interest)
        self.max_successors = max_successors
        self.interest_weight = None
        if self.use_interest:
            self.interest_weight = self.add_weight(shape=(), name="interest_weight",
                                                   initializer="ones")
        self.candidate_mask = self.add_weight(shape=(num_items,), name="candidate_mask",
                                              initializer="ones", trainable=False)
        self.transitions = None
        if max_successors:
            self.transitions = TransitionPrior(num_items, max_successors, name="transitions")
        self.built = True

    def set_candidates(self, mask) -> None:
        """Sets which items may be recommended (``[num_items]`` bool)."""
        self.candidate_mask.assign(ops.cast(ops.convert_to_tensor(mask), "float32"))

    def user_vectors(self, query, interest=None):
        """``[q, w·u]`` ``[n, query_dim (+ topics)]``; ``interest`` is ignored without
        ``use_interest``."""
        query = ops.cast(query, "float32")
        if not self.use_interest or interest is None:
            return query
        interest = ops.cast(interest, "float32")
        return ops.concatenate([query, ops.cast(self.interest_weight, "float32") * interest],
                               axis=-1)

    def item_vectors(self, embeddings, topics=None):
        """``[e, c]`` ``[m, query_dim (+ topics)]``; ``topics`` is ignored without
        ``use_interest``."""
        embeddings = ops.cast(embeddings, "float32")
        if not self.use_interest or topics is None:
            return embeddings
        return ops.concatenate([embeddings, ops.cast(topics, "float32")], axis=-1)

    def call(self, user_vectors, item_vectors, last_items=None, exclude_non_candidates=False,
             first_item=None):
        scores = ops.matmul(ops.cast(user_vectors, "float32"),
                            ops.transpose(ops.cast(item_vectors, "float32")))
        if self.transitions is not None and last_items is not None:
            scores = self.transitions(scores, last_items, first_item=first_item)
        if exclude_non_candidates:
            bias = self.non_candidate_bias()
            if first_item is not None:
                bias = ops.slice(bias, [first_item], [ops.shape(scores)[-1]])
            scores = scores + bias
        return scores

    def pair_scores(self, user_vectors, item_vectors, item_ids=None, last_items=None):
        """The score of one item per row: ``[n]`` for ``user_vectors`` ``[n, d]`` and that
        item's ``item_vectors`` ``[n, d]``; with ``last_items`` (and the items' ``item_ids``)
        the transition prior is added, as :meth:`call` adds it."""
        scores = ops.sum(ops.cast(user_vectors, "float32") * ops.cast(item_vectors, "float32"),
                         axis=-1)
        if self.transitions is not None and last_items is not None:
            if item_ids is None:
                raise ValueError("The transition prior needs the items' `item_ids`.")
            scores = scores + self.transitions.pair_scores(last_items, item_ids)
        return scores

    def non_candidate_bias(self):
        """``[num_items]``: 0 for candidates, ``-inf`` for the rest (added to scores)."""
        return ops.where(self.candidate_mask > 0, 0.0, float("-inf"))

    def compute_output_spec(self, user_vectors, item_vectors, *args, **kwargs):
        return keras.KerasTensor((user_vectors.shape[0], item_vectors.shape[0]), "float32")

    def get_config(self):
        return {**super().get_config(), "num_items": self.num_items,
                "use_interest": self.use_interest, "max_successors": self.max_successors}
