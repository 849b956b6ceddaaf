"""Frozen configuration of the dynamic interest model (both towers)."""

from __future__ import annotations

import dataclasses
from typing import Any

from recsys_tf.config_types import check_field_types
from recsys_tf.layers.interest_fusion import FUSION_MODES

ITEM_ID_INITS = ("random", "text")


@dataclasses.dataclass(frozen=True)
class ModelConfig:
    """Sizes and switches of the query (user) and candidate (item) towers.

    The vocabulary sizes come from the data (:meth:`for_data` in the training module fills them).

    Args:
        num_items: item vocabulary size (0 = padding, 1 = OOV).
        num_event_types: event-type vocabulary size.
        num_categories: category vocabulary size; 0 (or ≤ 2, i.e. only PAD/OOV) = no categories.
        text_dim: size of the cached sentence embeddings (384 for all-MiniLM-L6-v2); 0 = no text
            (the content tower, the topic head and the item text path need text).
        embedding_dim: item-id embedding size of the sequence towers.
        hidden_dim: LSTM units of each sequence tower.
        query_dim: size of the query and item embeddings.
        use_behaviour, use_content, use_cross_domain: the three sequence towers (at least one).
        use_topic_interest: the S0 §3.8 topic-interest head and its ``uᵀc`` score term.
        use_time_features: hour / weekday / log-gap features in the behaviour tower.
        use_item_ids: id embeddings in the item tower (off = pure content-based candidates).
        cross_domain_item_ids: id embeddings of the other domain's items in the cross-domain
            tower; off = that tower reads them through their text only (needs text).
        tie_item_embeddings: the behaviour tower reads its input item vectors from the item
            tower's id embeddings (one table for input and output, as in GRU4Rec and SASRec);
            needs ``use_behaviour``, ``use_item_ids`` and ``embedding_dim == query_dim``.
        use_transitions: add a :class:`~recsys_tf.layers.TransitionPrior` to the scores: how
            often each item followed the user's last item in training, with two weights fitted
            on validation after training (the towers train as without it).
        max_successors: next items the transition prior keeps per item.
        num_topics: latent topics when the items have no categories (else one per category).
        interest_alpha: α of the online interest update.
        fusion: ``"gated"`` or ``"concat"``.
        dropout: dropout inside the towers.
        item_id_dropout: probability of hiding a candidate's id part in training (teaches the
            text-only path used for items never seen in training).
        item_id_init: ``"random"`` (Keras' uniform initializer) or ``"text"``: every id table
            starts from the principal components of the items' text vectors
            (:mod:`~recsys_tf.training.text_id_init`; needs text).
        seed: seed of the model's random layers.
        text_finetune_layers: 0 (default) = the BERT text encoder is frozen and its embeddings
            are a cached table; ``k`` > 0 = its top ``k`` transformer layers train with the
            model (:class:`~recsys_tf.layers.TextEncoderTop`; a GPU feature).
        text_finetune_tokens: tokens kept per title when fine-tuning.
        text_finetune_heads, text_finetune_intermediate_dim: the BERT layer sizes (filled from
            the pretrained encoder by the trainer).

    On GPU the LSTMs use the cuDNN kernel: keep the Keras defaults (tanh/sigmoid activations,
    ``recurrent_dropout=0``, ``unroll=False``, ``use_bias=True``) and right padding. Left padding
    or a mask with holes makes Keras fall back to the slower generic kernel.
    """

    num_items: int
    num_event_types: int = 2
    num_categories: int = 0
    text_dim: int = 384
    embedding_dim: int = 64
    hidden_dim: int = 64
    query_dim: int = 64
    use_behaviour: bool = True
    use_content: bool = True
    use_cross_domain: bool = False
    use_topic_interest: bool = True
    use_time_features: bool = True
    use_item_ids: bool = True
    cross_domain_item_ids: bool = True
    tie_item_embeddings: bool = False
    use_transitions: bool = False
    max_successors: int = 64
    num_topics: int = 16
    interest_alpha: float = 0.1
    fusion: str = "gated"
    dropout: float = 0.2
    item_id_dropout: float = 0.1
    item_id_init: str = "random"
    seed: int = 0
    text_finetune_layers: int = 0
    text_finetune_tokens: int = 32
    text_finetune_heads: int = 12
    text_finetune_intermediate_dim: int = 1536

    def __post_init__(self):
        check_field_types(self, "[model]")
        for name in ("num_items", "num_event_types", "embedding_dim", "hidden_dim", "query_dim",
                     "num_topics", "max_successors"):
            if getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be >= 1. Received: {getattr(self, name)}")
        if self.text_dim < 0 or self.num_categories < 0:
            raise ValueError("`text_dim` and `num_categories` must be >= 0.")
        if not (self.use_behaviour or self.use_content or self.use_cross_domain):
            raise ValueError("At least one of `use_behaviour`, `use_content`, `use_cross_domain` "
                             "must be on.")
        if not self.text_dim and (self.use_content or self.use_topic_interest
                                  or not self.use_item_ids or not self.cross_domain_item_ids):
            raise ValueError("`use_content`, `use_topic_interest`, `use_item_ids=False` and "
                             "`cross_domain_item_ids=False` need item text (`text_dim` > 0).")
        if self.tie_item_embeddings and not (self.use_behaviour and self.use_item_ids
                                             and self.embedding_dim == self.query_dim):
            raise ValueError("`tie_item_embeddings` needs `use_behaviour`, `use_item_ids` and "
                             f"`embedding_dim` == `query_dim`. Received: {self.embedding_dim}, "
                             f"{self.query_dim}")
        if self.text_finetune_layers < 0 or self.text_finetune_tokens < 3:
            raise ValueError("`text_finetune_layers` must be >= 0 and `text_finetune_tokens` "
                             f">= 3. Received: {self.text_finetune_layers}, "
                             f"{self.text_finetune_tokens}")
        if self.text_finetune_layers and not self.text_dim:
            raise ValueError("`text_finetune_layers` > 0 needs item text (`text_dim` > 0).")
        if self.item_id_init not in ITEM_ID_INITS:
            raise ValueError(f"`item_id_init` must be one of {ITEM_ID_INITS}. Received: "
                             f"{self.item_id_init!r}")
        if self.item_id_init == "text" and not self.text_dim:
            raise ValueError('`item_id_init = "text"` needs item text (`text_dim` > 0).')
        if self.fusion not in FUSION_MODES:
            raise ValueError(f"`fusion` must be one of {FUSION_MODES}. Received: {self.fusion!r}")
        if not 0 < self.interest_alpha <= 1:
            raise ValueError(f"`interest_alpha` must be in (0, 1]. Received: "
                             f"{self.interest_alpha}")
        for name in ("dropout", "item_id_dropout"):
            if not 0 <= getattr(self, name) < 1:
                raise ValueError(f"`{name}` must be in [0, 1). Received: {getattr(self, name)}")

    @property
    def has_categories(self) -> bool:
        return self.num_categories > 2

    @property
    def finetunes_text(self) -> bool:
        return self.text_finetune_layers > 0

    def text_layer(self, name: str = "item_text"):
        """The item-text layer: a frozen :class:`LookupTable` or a :class:`TextEncoderTop`."""
        from recsys_tf.layers import LookupTable, TextEncoderTop

        if not self.finetunes_text:
            return LookupTable(self.num_items, (self.text_dim,), name=name)
        return TextEncoderTop(self.num_items, self.text_finetune_tokens, self.text_dim,
                              num_layers=self.text_finetune_layers,
                              num_heads=self.text_finetune_heads,
                              intermediate_dim=self.text_finetune_intermediate_dim, name=name)

    @property
    def topic_count(self) -> int:
        """Topics of the interest head: one per category if there are categories."""
        return self.num_categories if self.has_categories else self.num_topics

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> ModelConfig:
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"Unknown model config keys: {sorted(unknown)}")
        return cls(**values)
