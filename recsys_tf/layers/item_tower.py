"""Item (candidate) tower: id embedding + projected text embedding + category embedding."""

from __future__ import annotations

import keras
import numpy as np
from keras import ops

from recsys_tf.layers.argument_checks import (
    check_positive,
    check_rate,
    check_shared_embedding,
)
from recsys_tf.layers.row_embedding import RowEmbedding


@keras.saving.register_keras_serializable(package="recsys_tf")
class ItemTower(keras.layers.Layer):
    """Embeds candidate items so that items never seen in training still get a vector.

    ``embedding = known(id) · E_id[id] + (1 - known(id)) · (text W + b) + MLP(text) +
    E_cat[category]``. ``known`` is a non-trainable 0/1 table set from the training data
    (:meth:`set_known_items`): an item without training events has an untrained id row, so its
    id part is replaced by the *text→id mapper* ``text W + b`` — a linear map fitted after
    training to predict warm items' id vectors from their text (:meth:`set_text_to_id`; zero,
    i.e. text-only, until fitted). Passing id 1 (OOV) with a text vector embeds an item outside
    the catalogue the same way. During training, ``id_dropout`` hides the id part of random
    items so that the text path learns to stand on its own.

    Args:
        num_items: size of the item vocabulary (0 = padding, 1 = OOV).
        output_dim: size of the item embedding (= the query embedding size).
        num_categories: size of the category vocabulary; 0 = no category feature.
        use_ids: include the id embedding.
        use_text: include the text projection.
        id_dropout: probability of hiding an item's id part during training.
        seed: seed of the id dropout.
        id_embedding: an ``Embedding(num_items, output_dim)`` layer to use as the id table
            instead of a new one (shared with the behaviour tower's input); not part of the
            config.

    Call arguments:
        inputs: dict with ``item_ids`` ``[n]``, and as configured ``text_embeddings``
            ``[n, text_dim]`` and ``categories`` ``[n]``.
        training: Python bool.

    Returns:
        ``[n, output_dim]``.

    Example:

    >>> import numpy as np
    >>> tower = ItemTower(num_items=5, output_dim=4, num_categories=3)
    >>> tower.set_known_items(np.array([0, 0, 1, 1, 0], bool))
    >>> out = tower({"item_ids": np.array([2, 4]), "text_embeddings": np.ones((2, 8), "float32"),
    ...              "categories": np.array([1, 2])})
    >>> tuple(out.shape)
    (2, 4)
    """

    def __init__(self, num_items: int, output_dim: int = 64, num_categories: int = 0,
                 use_ids: bool = True, use_text: bool = True, id_dropout: float = 0.0,
                 seed: int | None = None,
                 id_embedding: keras.layers.Embedding | None = None, **kwargs):
        super().__init__(**kwargs)
        check_positive(num_items=num_items, output_dim=output_dim)
        check_rate(id_dropout=id_dropout)
        if not (use_ids or use_text):
            raise ValueError("An item tower needs `use_ids` or `use_text`.")
        if id_embedding is not None and not use_ids:
            raise ValueError("`id_embedding` was passed to an item tower with `use_ids=False`.")
        check_shared_embedding("id_embedding", id_embedding, num_items, output_dim)
        self.num_items = num_items
        self.output_dim = output_dim
        self.num_categories = num_categories
        self.use_ids = use_ids
        self.use_text = use_text
        self.id_dropout = id_dropout
        self.seed = seed
        policy = self.dtype_policy
        if use_ids:
            self.id_embedding = id_embedding or RowEmbedding(
                num_items, output_dim, dtype=policy, name="id_embedding")
            self.known = self.add_weight(shape=(num_items,), name="known", initializer="ones",
                                         trainable=False)
            self.seed_generator = keras.random.SeedGenerator(seed)
        if use_text:
            self.text_hidden = keras.layers.Dense(output_dim, activation="gelu", dtype=policy,
                                                  name="text_hidden")
            self.text_output = keras.layers.Dense(output_dim, dtype=policy, name="text_output")
        if num_categories:
            self.category_embedding = keras.layers.Embedding(num_categories, output_dim,
                                                             dtype=policy, name="category")

    def build(self, input_shape):
        if self.use_ids:
            self.id_embedding.build(input_shape["item_ids"])
        if self.num_categories:
            self.category_embedding.build(input_shape["categories"])
        if self.use_text:
            self.text_hidden.build(input_shape["text_embeddings"])
            self.text_output.build((None, self.output_dim))
        if self.use_ids and self.use_text:
            text_dim = input_shape["text_embeddings"][-1]
            self.text_to_id_kernel = self.add_weight(shape=(text_dim, self.output_dim),
                                                     name="text_to_id_kernel",
                                                     initializer="zeros", trainable=False)
            self.text_to_id_bias = self.add_weight(shape=(self.output_dim,),
                                                   name="text_to_id_bias", initializer="zeros",
                                                   trainable=False)
        self.built = True

    def set_text_to_id(self, kernel: np.ndarray, bias: np.ndarray) -> None:
        """Sets the text→id mapper ``text W + b`` used for items without training events
        (``kernel`` ``[text_dim, output_dim]``, ``bias`` ``[output_dim]``)."""
        if not (self.use_ids and self.use_text):
            raise ValueError("The text→id mapper needs an item tower with ids and text.")
        kernel, bias = np.asarray(kernel, "float32"), np.asarray(bias, "float32")
        if kernel.shape != tuple(self.text_to_id_kernel.shape) or bias.shape != (
                self.output_dim,):
            raise ValueError(f"The text→id mapper must have shapes "
                             f"{tuple(self.text_to_id_kernel.shape)} and ({self.output_dim},). "
                             f"Received: {kernel.shape}, {bias.shape}")
        self.text_to_id_kernel.assign(kernel)
        self.text_to_id_bias.assign(bias)

    def set_known_items(self, known: np.ndarray) -> None:
        """Marks the items whose id embedding is trained (``[num_items]`` booleans)."""
        if not self.use_ids:
            return
        known = np.asarray(known, "float32")
        if known.shape != (self.num_items,):
            raise ValueError(f"`known` must have shape ({self.num_items},). "
                             f"Received: {known.shape}")
        self.known.assign(known)

    def call(self, inputs, training=None):
        item_ids = ops.cast(inputs["item_ids"], "int32")
        text = None
        if self.use_text:
            text = ops.cast(inputs["text_embeddings"], self.compute_dtype)
        parts = []
        if self.use_ids:
            known = ops.take(self.known, ops.clip(item_ids, 0, self.num_items - 1), axis=0)
            keep = known
            if training and self.id_dropout > 0:
                noise = keras.random.uniform(ops.shape(keep), seed=self.seed_generator)
                keep = keep * ops.cast(noise >= self.id_dropout, keep.dtype)
            keep = ops.cast(ops.expand_dims(keep, -1), self.compute_dtype)
            parts.append(self.id_embedding(item_ids) * keep)
            if text is not None:
                mapped = (ops.matmul(text, ops.cast(self.text_to_id_kernel, self.compute_dtype))
                          + ops.cast(self.text_to_id_bias, self.compute_dtype))
                unknown = ops.cast(ops.expand_dims(1.0 - known, -1), self.compute_dtype)
                parts.append(mapped * unknown)
        if text is not None:
            parts.append(self.text_output(self.text_hidden(text)))
        if self.num_categories:
            parts.append(self.category_embedding(inputs["categories"]))
        return sum(parts[1:], parts[0])

    def compute_output_shape(self, input_shape):
        return (*input_shape["item_ids"], self.output_dim)

    def get_config(self):
        return {**super().get_config(), "num_items": self.num_items,
                "output_dim": self.output_dim, "num_categories": self.num_categories,
                "use_ids": self.use_ids, "use_text": self.use_text,
                "id_dropout": self.id_dropout, "seed": self.seed}
