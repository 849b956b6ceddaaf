"""What a trained model hands to serving: the two towers and the score that joins them."""

from __future__ import annotations

import dataclasses

import numpy as np

from recsys_tf.layers.retrieval_score import RetrievalScore
from recsys_tf.models.candidate_model import CandidateModel
from recsys_tf.models.model_config import ModelConfig
from recsys_tf.models.query_model import QueryModel, query_input_names


@dataclasses.dataclass(frozen=True)
class Towers:
    """The trained parts an export is built from (:meth:`TwoTowerModel.towers`), without the
    training wrapper's loss, sampling state or optimizer.

    Attributes:
        config: the towers' :class:`ModelConfig`.
        query_model: the query ("user") tower.
        candidate_model: the candidate ("item") tower, for items given by text only.
        score: the :class:`~recsys_tf.layers.RetrievalScore` (candidate mask, interest weight,
            transition prior).
        item_text: ``[num_items, text_dim]`` the items' text embeddings the query tower reads
            (the frozen table's variable, or the fine-tuned encoder's output), None without
            text.
        item_vectors: ``[num_items, d]`` every item's vector ``[e, c]`` for ``score``.
    """

    config: ModelConfig
    query_model: QueryModel
    candidate_model: CandidateModel
    score: RetrievalScore
    item_text: object | None
    item_vectors: np.ndarray

    @property
    def input_names(self) -> list[str]:
        return query_input_names(self.config)
