"""The candidate (item) tower as a functional model over item ids."""

from __future__ import annotations

import keras
import numpy as np

from recsys_tf.layers import ItemTower, LookupTable
from recsys_tf.models.model_config import ModelConfig


@keras.saving.register_keras_serializable(package="recsys_tf")
class CandidateModel(keras.Model):
    """Item ids ``[n]`` -> ``{"item_embedding": [n, query_dim]}``.

    The item's text embedding and category come from non-trainable tables inside the model
    (:meth:`set_catalogue`); with ``text_finetune_layers`` > 0 the text comes from a
    :class:`~recsys_tf.layers.TextEncoderTop` (``text_encoder``, shared with the query model).
    The :class:`~recsys_tf.layers.ItemTower` layer (``item_tower``) can also be called directly
    with a new item's text vector and id 1 (OOV): the text-only path. ``id_embedding`` shares an
    id table with the query model's behaviour tower (``tie_item_embeddings``).

    Example::

        candidates = CandidateModel(ModelConfig(num_items=100, text_dim=8))
        candidates.set_catalogue(text_embeddings=vectors, categories=None, known=known)
        candidates({"item_ids": np.arange(100)})["item_embedding"]     # [100, 64]
    """

    def __init__(self, config: ModelConfig, text_encoder=None, id_embedding=None, **kwargs):
        if isinstance(config, dict):
            config = ModelConfig.from_dict(config)
        # === Layers ===
        text_table = None
        if config.text_dim:
            text_table = text_encoder or config.text_layer()
        category_table = None
        if config.has_categories:
            category_table = LookupTable(config.num_items, (), table_dtype="int32",
                                         name="item_category")
        tower = ItemTower(config.num_items, output_dim=config.query_dim,
                          num_categories=config.num_categories if config.has_categories else 0,
                          use_ids=config.use_item_ids, use_text=bool(config.text_dim),
                          id_dropout=config.item_id_dropout, seed=config.seed,
                          id_embedding=id_embedding, name="item_tower")

        # === Functional Model ===
        item_ids = keras.Input((), dtype="int32", name="item_ids")
        features = {"item_ids": item_ids}
        if text_table is not None:
            features["text_embeddings"] = text_table(item_ids)
        if category_table is not None:
            features["categories"] = category_table(item_ids)
        outputs = {"item_embedding": keras.ops.cast(tower(features), "float32")}
        super().__init__(inputs={"item_ids": item_ids}, outputs=outputs, **kwargs)

        # === Config ===
        self.config = config
        self.item_tower = tower
        self.text_table = text_table
        self.category_table = category_table

    def set_catalogue(self, *, text_embeddings: np.ndarray | None,
                      categories: np.ndarray | None, known: np.ndarray) -> None:
        """Fills the text and category tables and marks the items seen in training."""
        if self.text_table is not None and not self.config.finetunes_text:
            self.text_table.set_table(text_embeddings)
        if self.category_table is not None:
            self.category_table.set_table(categories)
        self.item_tower.set_known_items(known)

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(ModelConfig.from_dict(config["config"]), name=config.get("name"))
