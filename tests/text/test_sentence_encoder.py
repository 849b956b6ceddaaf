import json
from pathlib import Path

import numpy as np
import pytest

from recsys_tf.text import SentenceEncoder, TextEmbeddingCache, TextEncoderConfig

REFERENCE = Path(__file__).with_name("all_minilm_l6_v2_reference.json")
VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "blue", "shoes", "hat", "wool"]


@pytest.fixture(scope="module")
def tiny():
    return SentenceEncoder.tiny(VOCAB, hidden_dim=8)


@pytest.mark.slow
def test_pretrained_encoder_matches_sentence_transformers_vectors():
    reference = json.loads(REFERENCE.read_text())
    encoder = SentenceEncoder.from_config(TextEncoderConfig(batch_size=2))
    vectors = encoder.encode(reference["texts"])
    expected = np.asarray(reference["embeddings"], np.float32)
    assert vectors.shape == expected.shape == (4, 384)
    cosine = (vectors * expected).sum(1) / np.linalg.norm(expected, axis=1)
    assert (cosine >= 0.9999).all(), cosine
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_tiny_encoder_unit_norm_and_batch_independent(tiny):
    texts = ["red shoes", "blue wool hat", "hat", "red red red shoes shoes"]
    together = tiny.encode(texts)
    one_by_one = np.concatenate([tiny.encode([t]) for t in texts])
    np.testing.assert_allclose(together, one_by_one, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(together, axis=1), 1.0, rtol=1e-5)
    tokens = tiny.tokenize(["red shoes"])
    assert tokens["token_ids"][0, :4].tolist() == [2, 5, 7, 3]  # [CLS] red shoes [SEP]


def test_cache_encodes_each_distinct_text_once(tiny, tmp_path):
    calls = []

    class Counting:
        model_id, batch_size = tiny.model_id, 2

        def encode(self, texts):
            calls.append(list(texts))
            return tiny.encode(texts)

    cache = TextEmbeddingCache(tmp_path, tiny.model_id)
    texts = ["red shoes", "hat", "red shoes", "blue hat", "hat"]
    first = cache.embed(texts, Counting())
    assert cache.encoded_last_call == 3 and sum(map(len, calls)) == 3
    np.testing.assert_allclose(first, tiny.encode(texts), rtol=1e-5, atol=1e-6)
    calls.clear()
    reloaded = TextEmbeddingCache(tmp_path, tiny.model_id)
    np.testing.assert_array_equal(reloaded.embed(texts, Counting()), first)
    assert calls == [] and reloaded.encoded_last_call == 0 and len(reloaded) == 3
    assert not list(tmp_path.glob("*.tmp"))


def test_cache_refuses_another_model(tiny, tmp_path):
    cache = TextEmbeddingCache(tmp_path, "other-model")
    with pytest.raises(ValueError, match="does not match"):
        cache.embed(["hat"], tiny)
