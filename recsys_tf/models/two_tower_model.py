"""Query tower + candidate tower, trained with a softmax retrieval loss at every position."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import ops

from recsys_tf.layers import RetrievalScore, RowEmbedding
from recsys_tf.losses import (
    full_softmax_cross_entropy,
    log_q_correction,
    remove_accidental_hits,
    sampled_softmax_cross_entropy,
)
from recsys_tf.models.candidate_model import CandidateModel
from recsys_tf.models.model_config import ModelConfig
from recsys_tf.models.query_model import QueryModel, query_input_names
from recsys_tf.models.towers import Towers

LOSSES = ("full", "sampled")


@keras.saving.register_keras_serializable(package="recsys_tf")
class TwoTowerModel(keras.Model):
    """The trainable pair of towers; ``model.keras`` of a run holds one of these.

    Score of item ``i`` for a query position: the :class:`~recsys_tf.layers.RetrievalScore`
    ``qᵀ e_i + w · uᵀ c_i`` (+ the transition prior of the query's last input item with
    ``use_transitions``). The prior is not trained with the towers: its two weights are
    fitted on validation afterwards (:mod:`~recsys_tf.training.transition_fit`; 0 until then).

    Training (``fit``): ``x`` = sequence features, ``y`` = next-item targets ``[batch, length]``
    (0 = padding). The loss is computed only at valid positions: a softmax over the whole
    catalogue (``loss="full"``) or over ``num_negatives`` sampled items with logQ correction and
    accidental-hit removal (``loss="sampled"``, for large catalogues). With item categories, the
    topic head's ``W`` is also trained to predict each item's category
    (``topic_loss_weight``), so the interest vector reads as named topics.

    Args:
        config: the towers' :class:`ModelConfig`.
        loss: ``"full"`` or ``"sampled"``.
        num_negatives: negatives per step for the sampled loss.
        topic_loss_weight: weight of the category loss of the topic head.
        dense_positions: compute logits for every position and mask the loss (static shapes,
            for XLA) instead of gathering the valid positions first.

    Example::

        model = TwoTowerModel(ModelConfig(num_items=100, text_dim=8))
        model.set_catalogue(text_embeddings=v, categories=None, known=k, candidate_mask=m,
                            sampling_probabilities=p)
        model.compile(optimizer="adam")
        model.fit(dataset, epochs=3)
        scores = model.score(query, interest)            # [n, num_items]
    """

    def __init__(self, config: ModelConfig, loss: str = "full", num_negatives: int = 1000,
                 topic_loss_weight: float = 0.1, dense_positions: bool = False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(config, dict):
            config = ModelConfig.from_dict(config)
        if loss not in LOSSES:
            raise ValueError(f"`loss` must be one of {LOSSES}. Received: loss={loss!r}")
        if num_negatives < 1 or topic_loss_weight < 0:
            raise ValueError("`num_negatives` must be >= 1 and `topic_loss_weight` >= 0. "
                             f"Received: {num_negatives}, {topic_loss_weight}")
        self.config = config
        self.loss_name = loss
        self.num_negatives = num_negatives
        self.topic_loss_weight = topic_loss_weight
        self.dense_positions = dense_positions
        # A fine-tuned text encoder is one layer shared by both towers.
        self.text_encoder = config.text_layer() if config.finetunes_text else None
        # With tied item embeddings, one id table feeds the behaviour tower and scores items.
        self.item_id_embedding = None
        if config.tie_item_embeddings:
            self.item_id_embedding = RowEmbedding(config.num_items, config.query_dim,
                                                  name="item_id_embedding")
        self.query_model = QueryModel(config, text_encoder=self.text_encoder,
                                                item_embedding=self.item_id_embedding,
                                                name="query_model")
        self.candidate_model = CandidateModel(config, text_encoder=self.text_encoder,
                                              id_embedding=self.item_id_embedding,
                                              name="candidate_model")
        self.input_names = query_input_names(config)
        # The score joining the towers; it also holds the candidate mask and the prior.
        self.retrieval_score = RetrievalScore(
            config.num_items, use_interest=config.use_topic_interest,
            max_successors=config.max_successors if config.use_transitions else 0,
            dtype="float32", name="retrieval_score")
        self.sampling_probabilities = self.add_weight(
            shape=(config.num_items,), name="sampling_probabilities",
            initializer=keras.initializers.Constant(1.0 / config.num_items), trainable=False)
        self.seed_generator = keras.random.SeedGenerator(config.seed)
        self.built = True  # both towers are functional models, built at construction

    def set_catalogue(self, *, text_embeddings: np.ndarray | None,
                      categories: np.ndarray | None, known: np.ndarray,
                      candidate_mask: np.ndarray,
                      sampling_probabilities: np.ndarray | None = None) -> None:
        """Fills the item tables of both towers from the prepared data (the transition prior's
        counts are filled after training, by ``transition_fit``)."""
        if (text_embeddings is not None and self.config.text_dim
                and not self.config.finetunes_text):
            self.query_model.set_item_text(text_embeddings)
        self.candidate_model.set_catalogue(text_embeddings=text_embeddings,
                                           categories=categories, known=known)
        self.retrieval_score.set_candidates(np.asarray(candidate_mask, bool))
        if sampling_probabilities is not None:
            p = np.asarray(sampling_probabilities, "float64") * np.asarray(candidate_mask)
            self.sampling_probabilities.assign((p / p.sum()).astype("float32"))

    def call(self, inputs, training=None):
        return self.query_model({k: inputs[k] for k in self.input_names}, training=training)

    def candidate_embeddings(self, item_ids=None, training=None):
        """Item embeddings of ``item_ids`` (default: the whole catalogue)."""
        if item_ids is None:
            item_ids = ops.arange(self.config.num_items, dtype="int32")
        return self.candidate_model({"item_ids": item_ids}, training=training)["item_embedding"]

    def candidate_topics(self, item_ids=None, training=None):
        """Topic distributions ``c`` of ``item_ids`` (default: all), or None without the head."""
        head = self.query_model.topic_head
        if head is None:
            return None
        return head.item_topics(self.item_text(item_ids, training))

    def item_text(self, item_ids=None, training=None):
        """Text embeddings of ``item_ids`` (default: all items): the frozen table or, when
        fine-tuning, the encoder's current output."""
        layer = self.query_model.text_table
        if self.text_encoder is not None:
            return (self.text_encoder.catalogue(training) if item_ids is None
                    else self.text_encoder(item_ids, training=training))
        return layer.table if item_ids is None else ops.take(layer.table, item_ids, axis=0)

    def catalogue_vectors(self, item_ids=None, training=None):
        """Item vectors ``[e, c]`` of ``item_ids`` (default: the whole catalogue) for
        :class:`~recsys_tf.layers.RetrievalScore`."""
        return self.retrieval_score.item_vectors(self.candidate_embeddings(item_ids, training),
                                                 self.candidate_topics(item_ids, training))

    def score(self, query, interest=None, item_ids=None, training=None, last_items=None):
        """Scores ``[n, items]`` of queries ``[n, dim]`` (and interests ``[n, topics]``) against
        ``item_ids`` (default: every item; masked items are not excluded here), by the
        model's :class:`~recsys_tf.layers.RetrievalScore`.

        ``last_items`` ``[n]`` (each query's last input item) adds the transition prior of a
        model with ``use_transitions`` to the whole catalogue's scores (the evaluation and
        serving paths pass it; the training loss does not: the prior is fitted afterwards)."""
        if last_items is not None and item_ids is not None:
            raise ValueError("The transition prior scores the whole catalogue: pass "
                             "`last_items` without `item_ids`.")
        return self.retrieval_score(self.retrieval_score.user_vectors(query, interest),
                                    self.catalogue_vectors(item_ids, training),
                                    last_items=last_items)

    def towers(self) -> Towers:
        """What serving needs: the two towers, the score and the catalogue's vectors."""
        item_text = None
        if self.config.text_dim:
            item_text = (np.asarray(self.item_text()) if self.text_encoder is not None
                         else self.query_model.text_table.table)
        return Towers(config=self.config, query_model=self.query_model,
                      candidate_model=self.candidate_model, score=self.retrieval_score,
                      item_text=item_text,
                      item_vectors=np.asarray(self.catalogue_vectors(), np.float32))

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        query, interest = y_pred["query_embedding"], y_pred.get("interest")
        if self.dense_positions:
            labels = ops.reshape(y, (-1,))
            query = ops.reshape(query, (-1, ops.shape(query)[-1]))
            if interest is not None:
                interest = ops.reshape(interest, (-1, ops.shape(interest)[-1]))
            weights = ops.cast(labels > 0, "float32")
        else:  # logits only for the valid (non-padded) positions
            positions = tf.where(y > 0)
            labels = tf.gather_nd(y, positions)
            query = tf.gather_nd(query, positions)
            if interest is not None:
                interest = tf.gather_nd(interest, positions)
            weights = None
        if self.loss_name == "full":
            loss = self._full_loss(query, interest, labels, weights, training)
        else:
            loss = self._sampled_loss(query, interest, labels, weights, training)
        if self.topic_loss_weight and self.config.has_categories and interest is not None:
            loss = loss + self.topic_loss_weight * self._topic_loss(
                sampled=self.loss_name == "sampled")
        # Keras sums replica gradients; scale like its built-in losses do.
        return loss / tf.distribute.get_strategy().num_replicas_in_sync

    def _full_loss(self, query, interest, labels, weights, training):
        logits = self.score(query, interest, training=training)
        return full_softmax_cross_entropy(logits, labels,
                                          self.retrieval_score.candidate_mask > 0, weights)

    def _sampled_loss(self, query, interest, labels, weights, training):
        log_p = ops.log(ops.maximum(ops.expand_dims(self.sampling_probabilities, 0), 1e-30))
        negatives = ops.cast(keras.random.categorical(log_p, self.num_negatives,
                                                      seed=self.seed_generator)[0], "int32")
        labels = ops.cast(labels, "int32")
        users = self.retrieval_score.user_vectors(query, interest)
        positive = self.retrieval_score.pair_scores(users,
                                                    self.catalogue_vectors(labels, training))
        negative = self.retrieval_score(users, self.catalogue_vectors(negatives, training))
        positive = log_q_correction(positive, self.sampling_probabilities, labels,
                                    self.num_negatives)
        negative = log_q_correction(negative, self.sampling_probabilities,
                                    ops.expand_dims(negatives, 0), self.num_negatives)
        negative = remove_accidental_hits(negative, labels, negatives)
        return sampled_softmax_cross_entropy(positive, negative, weights)

    def _topic_loss(self, sampled: bool = False):
        """Cross-entropy of the topic head's item topics against the item categories, over
        the whole catalogue or (``sampled``) over ``num_negatives`` items drawn uniformly
        with replacement each step: the same mean in expectation, at a cost that does not
        grow with the catalogue."""
        categories = self.candidate_model.category_table.table
        if not sampled:
            logits = self.query_model.topic_head.topic_logits_of(self.item_text(training=True))
            return full_softmax_cross_entropy(logits, categories, weights=categories > 1)
        items = keras.random.randint((self.num_negatives,), 2, self.config.num_items,
                                     seed=self.seed_generator, dtype="int32")
        picked = ops.take(categories, items)
        logits = self.query_model.topic_head.topic_logits_of(
            self.item_text(items, training=True))
        return full_softmax_cross_entropy(logits, picked, weights=picked > 1)

    def get_config(self):
        return {"config": self.config.to_dict(), "loss": self.loss_name,
                "num_negatives": self.num_negatives, "topic_loss_weight": self.topic_loss_weight,
                "dense_positions": self.dense_positions, "name": self.name}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        return cls(ModelConfig.from_dict(config.pop("config")), **config)

