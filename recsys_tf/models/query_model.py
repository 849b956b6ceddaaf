"""The query (user) tower: behaviour + content + cross-domain LSTMs fused per position."""

from __future__ import annotations

import keras
from keras import ops

from recsys_tf.layers import (
    BehaviourTower,
    ContentTower,
    CrossDomainTower,
    InterestFusion,
    TopicInterestHead,
)
from recsys_tf.models.model_config import ModelConfig


def query_input_names(config: ModelConfig) -> list[str]:
    """The feature names the query model takes (a subset of the sequence examples' keys)."""
    names = ["item_ids"]
    if config.use_behaviour:
        names.append("event_types")
        if config.use_time_features:
            names += ["hours", "weekdays", "log_gaps"]
    if config.use_cross_domain:
        names += ["cross_item_ids", "cross_event_types", "cross_lengths"]
    return names


@keras.saving.register_keras_serializable(package="recsys_tf")
class QueryModel(keras.Model):
    """A functional model from a user's event sequence to a query embedding at every position.

    Inputs (dict, right-padded with 0): ``item_ids``, ``event_types``, ``hours``, ``weekdays``
    (int32 ``[batch, length]``), ``log_gaps`` (float32 ``[batch, length]``) and, with the
    cross-domain tower, ``cross_item_ids``, ``cross_event_types`` ``[batch, cross_length]`` and
    ``cross_lengths`` ``[batch, length]`` — see :func:`query_input_names`.

    Outputs (dict): ``query_embedding`` ``[batch, length, query_dim]`` and, with the topic head,
    ``interest`` ``[batch, length, topics]`` (the S0 §3.8 interest after each event).

    The item text embeddings are a non-trainable table inside the model (``item_text``), filled
    from the cache with :meth:`set_item_text`; the model never runs BERT. With
    ``text_finetune_layers`` > 0 the layer is a :class:`~recsys_tf.layers.TextEncoderTop`
    instead (pass ``text_encoder`` to share one with the candidate model). With
    ``tie_item_embeddings``, pass the candidate tower's id table as ``item_embedding``.

    Example::

        model = QueryModel(ModelConfig(num_items=100, text_dim=8))
        model.set_item_text(vectors)                  # [100, 8]
        outputs = model({"item_ids": ids, ...})       # outputs["query_embedding"]: [b, l, 64]
    """

    def __init__(self, config: ModelConfig, text_encoder=None, item_embedding=None, **kwargs):
        if isinstance(config, dict):
            config = ModelConfig.from_dict(config)
        # === Layers ===
        drop = config.dropout
        text_table = None
        if config.text_dim:
            text_table = text_encoder or config.text_layer()
        towers = {}
        if config.use_behaviour:
            towers["behaviour"] = BehaviourTower(
                config.num_items, config.num_event_types, embedding_dim=config.embedding_dim,
                hidden_dim=config.hidden_dim, dropout=drop,
                use_time_features=config.use_time_features, item_embedding=item_embedding,
                name="behaviour_tower")
        if config.use_content:
            towers["content"] = ContentTower(hidden_dim=config.hidden_dim,
                                             projection_dim=config.embedding_dim, dropout=drop,
                                             name="content_tower")
        if config.use_cross_domain:
            towers["cross_domain"] = CrossDomainTower(
                config.num_items, config.num_event_types, embedding_dim=config.embedding_dim,
                hidden_dim=config.hidden_dim,
                text_projection_dim=config.embedding_dim if config.text_dim else 0,
                dropout=drop, use_item_ids=config.cross_domain_item_ids,
                name="cross_domain_tower")
        fusion = InterestFusion(config.query_dim, mode=config.fusion, dropout=drop,
                                name="fusion")
        topic_head = None
        if config.use_topic_interest:
            topic_head = TopicInterestHead(config.topic_count, alpha=config.interest_alpha,
                                           name="topic_interest")

        # === Functional Model ===
        inputs = {name: keras.Input((None,), dtype="float32" if name == "log_gaps" else "int32",
                                    name=name) for name in query_input_names(config)}
        item_ids = inputs["item_ids"]
        mask = ops.not_equal(item_ids, 0)
        text = text_table(item_ids) if text_table is not None else None
        states = []
        if "behaviour" in towers:
            states.append(towers["behaviour"](
                {k: inputs[k] for k in ("item_ids", "event_types", "hours", "weekdays",
                                        "log_gaps") if k in inputs}))
        if "content" in towers:
            states.append(towers["content"](text, mask=mask))
        if "cross_domain" in towers:
            cross = {"item_ids": inputs["cross_item_ids"],
                     "event_types": inputs["cross_event_types"],
                     "lengths": inputs["cross_lengths"]}
            if text_table is not None:
                cross["text_embeddings"] = text_table(inputs["cross_item_ids"])
            states.append(towers["cross_domain"](cross))
        outputs = {"query_embedding": ops.cast(fusion(states), "float32")}
        if topic_head is not None:
            outputs["interest"] = topic_head(text, mask=mask)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)

        # === Config ===
        self.config = config
        self.text_table = text_table
        self.topic_head = topic_head
        self.behaviour_tower = towers.get("behaviour")
        self.cross_domain_tower = towers.get("cross_domain")

    def set_item_text(self, text_embeddings) -> None:
        """Fills the item text table (``[num_items, text_dim]``, row 0/1 = PAD/OOV)."""
        if self.text_table is None:
            raise ValueError("This model has no text (`text_dim` = 0).")
        if self.config.finetunes_text:
            raise ValueError("This model fine-tunes its text encoder: fill it with "
                             "`text_table.set_states(...)`, not with fixed embeddings.")
        self.text_table.set_table(text_embeddings)

    def get_config(self):
        return {"config": self.config.to_dict(), "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(ModelConfig.from_dict(config["config"]), name=config.get("name"))
