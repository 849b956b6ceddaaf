"""Item text encoding with a pretrained BERT (all-MiniLM-L6-v2 through keras-hub)."""

from recsys_tf.text.sentence_encoder import (
    SentenceEncoder,
    TextEncoderConfig,
    default_preset_dir,
)
from recsys_tf.text.text_embedding_cache import TextEmbeddingCache

__all__ = ["SentenceEncoder", "TextEmbeddingCache", "TextEncoderConfig", "default_preset_dir"]
