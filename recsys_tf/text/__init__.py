"""Item text encoding with a pretrained BERT (all-MiniLM-L6-v2 through keras-hub)."""

from recsys_tf.text.pretrained_files import minilm_dir
from recsys_tf.text.sentence_encoder import SentenceEncoder, TextEncoderConfig
from recsys_tf.text.text_embedding_cache import TextEmbeddingCache

__all__ = ["SentenceEncoder", "TextEmbeddingCache", "TextEncoderConfig", "minilm_dir"]
