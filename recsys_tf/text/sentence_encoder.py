"""Sentence embeddings of item text: keras-hub BERT + masked mean pooling + L2 normalisation.

The pretrained weights are all-MiniLM-L6-v2 (a 6-layer, 384-d BERT), loaded from the folder
that :func:`~recsys_tf.text.pretrained_files.minilm_dir` finds (without PyTorch). The embedding
is what sentence-transformers computes for that model: ``[CLS] tokens [SEP]`` (at most 256
tokens), the mean of the last hidden states over the non-padding tokens, then L2 normalisation.

Tokenisation uses tensorflow-text ops; it runs once per distinct text (see
:class:`~recsys_tf.text.text_embedding_cache.TextEmbeddingCache`), never inside the
recommendation model.

Example (tiny random encoder, no download)::

    encoder = SentenceEncoder.tiny(vocabulary=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
                                               "red", "shoes"])
    encoder.encode(["red shoes"]).shape      # (1, 8)
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import keras
import numpy as np

from recsys_tf.layers.masked_mean_pooling import MaskedMeanPooling
from recsys_tf.text.pretrained_files import minilm_dir

MODEL_NAME = "all-MiniLM-L6-v2"


@dataclasses.dataclass(frozen=True)
class TextEncoderConfig:
    """Which text encoder to use.

    Args:
        preset: a keras-hub preset directory or name; ``None`` = the installed all-MiniLM-L6-v2.
        sequence_length: tokens per text including ``[CLS]``/``[SEP]`` (256 as in
            sentence-transformers for this model).
        batch_size: texts per encoder call.
    """

    preset: str | None = None
    sequence_length: int = 256
    batch_size: int = 64

    def __post_init__(self):
        if self.sequence_length < 3 or self.batch_size < 1:
            raise ValueError("`sequence_length` must be >= 3 and `batch_size` >= 1. Received: "
                             f"{self.sequence_length}, {self.batch_size}")


class SentenceEncoder:
    """Tokenizer + BERT backbone + pooling, turning texts into unit-norm vectors.

    Build it with :meth:`from_config` (pretrained) or :meth:`tiny` (random, for tests).

    Attributes:
        model: a functional Keras model ``{token_ids, padding_mask, segment_ids} -> [batch, dim]``.
        preprocessor: keras-hub preprocessor (tokenise, add ``[CLS]``/``[SEP]``, pad).
        model_id: a string identifying the weights (used as the cache key).
    """

    def __init__(self, backbone, tokenizer, *, sequence_length: int, batch_size: int,
                 model_id: str):
        import keras_hub

        self.backbone = backbone
        self.preprocessor = keras_hub.models.BertTextClassifierPreprocessor(
            tokenizer, sequence_length=sequence_length)
        self.batch_size = batch_size
        self.model_id = model_id
        inputs = {
            "token_ids": keras.Input((None,), dtype="int32", name="token_ids"),
            "padding_mask": keras.Input((None,), dtype="bool", name="padding_mask"),
            "segment_ids": keras.Input((None,), dtype="int32", name="segment_ids"),
        }
        hidden = backbone(inputs)["sequence_output"]
        pooled = MaskedMeanPooling(name="mean_pooling")(hidden, mask=inputs["padding_mask"])
        outputs = keras.layers.UnitNormalization(name="l2_normalize")(pooled)
        self.model = keras.Model(inputs, outputs, name="sentence_encoder")

    @property
    def dim(self) -> int:
        return int(self.model.output.shape[-1])

    @classmethod
    def from_config(cls, config: TextEncoderConfig = TextEncoderConfig()) -> SentenceEncoder:
        """The pretrained encoder of ``config.preset`` (default: installed all-MiniLM-L6-v2)."""
        import keras_hub

        preset = str(config.preset or minilm_dir())
        backbone = keras_hub.models.BertBackbone.from_preset(preset)
        tokenizer = keras_hub.models.BertTokenizer.from_preset(preset)
        return cls(backbone, tokenizer, sequence_length=config.sequence_length,
                   batch_size=config.batch_size,
                   model_id=_model_id(preset, MODEL_NAME if config.preset is None else None))

    @classmethod
    def tiny(cls, vocabulary: list[str], *, hidden_dim: int = 8, seed: int = 0,
             sequence_length: int = 16) -> SentenceEncoder:
        """A randomly initialised 1-layer BERT over ``vocabulary`` (fast tests)."""
        import keras_hub

        keras.utils.set_random_seed(seed)
        tokenizer = keras_hub.models.BertTokenizer(vocabulary=vocabulary, lowercase=True)
        backbone = keras_hub.models.BertBackbone(
            vocabulary_size=len(vocabulary), num_layers=1, num_heads=2, hidden_dim=hidden_dim,
            intermediate_dim=2 * hidden_dim, max_sequence_length=sequence_length)
        digest = hashlib.sha256("\n".join(vocabulary).encode()).hexdigest()[:12]
        return cls(backbone, tokenizer, sequence_length=sequence_length, batch_size=32,
                   model_id=f"tiny-bert-{hidden_dim}-seed{seed}-{digest}")

    def tokenize(self, texts: list[str]) -> dict[str, np.ndarray]:
        """Token ids, padding mask and segment ids as NumPy arrays."""
        features = self.preprocessor(list(texts))
        return {name: np.asarray(value) for name, value in features.items()}

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-norm embeddings ``[len(texts), dim]`` (float32), computed in batches."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), np.float32)
        for start in range(0, len(texts), self.batch_size):
            batch = self.tokenize(texts[start:start + self.batch_size])
            # Drop the columns that are padding in every row: attention and the masked mean
            # ignore them anyway, and titles are far shorter than 256 tokens.
            width = max(int(batch["padding_mask"].sum(axis=1).max()), 1)
            batch = {name: value[:, :width] for name, value in batch.items()}
            out[start:start + len(batch["token_ids"])] = np.asarray(
                self.model(batch, training=False))
        return out

    def lower_model(self, top_layers: int) -> keras.Model:
        """The backbone without its top ``top_layers`` layers: token inputs -> token states."""
        total = self.backbone.num_layers
        if not 1 <= top_layers <= total:
            raise ValueError(f"`top_layers` must be in [1, {total}]. Received: {top_layers}")
        below = ("embeddings_dropout" if top_layers == total
                 else f"transformer_layer_{total - top_layers - 1}")
        return keras.Model(self.backbone.inputs, self.backbone.get_layer(below).output)

    def lower_states(self, texts: list[str], *, top_layers: int,
                     num_tokens: int) -> tuple[np.ndarray, np.ndarray]:
        """Token states below the top ``top_layers`` layers, for fine-tuning those layers.

        Returns ``(states [n, num_tokens, dim] float16, padding_mask [n, num_tokens])``: the
        input of :class:`~recsys_tf.layers.TextEncoderTop` (titles cut to ``num_tokens``).
        """
        import keras_hub

        lower = self.lower_model(top_layers)
        preprocessor = keras_hub.models.BertTextClassifierPreprocessor(
            self.preprocessor.tokenizer, sequence_length=num_tokens)
        texts = list(texts)
        states = np.zeros((len(texts), num_tokens, self.dim), np.float16)
        mask = np.zeros((len(texts), num_tokens), bool)
        for start in range(0, len(texts), self.batch_size):
            batch = {k: np.asarray(v) for k, v in
                     preprocessor(texts[start:start + self.batch_size]).items()}
            end = start + len(batch["token_ids"])
            width = max(int(batch["padding_mask"].sum(axis=1).max()), 1)
            batch = {name: value[:, :width] for name, value in batch.items()}
            states[start:end, :width] = np.asarray(lower(batch, training=False))
            mask[start:end, :width] = batch["padding_mask"]
        return states, mask


def _model_id(preset: str, name: str | None = None) -> str:
    """Name + digest of the preset's config and weight size: changed weights, new cache."""
    path = Path(preset)
    if not path.is_dir():
        return preset
    digest = hashlib.sha256()
    for file in sorted(path.glob("*.json")):
        digest.update(file.read_bytes())
    for file in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.weights.h5")):
        digest.update(f"{file.name}:{file.stat().st_size}".encode())
    return f"{name or path.name}-{digest.hexdigest()[:16]}"
