"""TextEncoderTop: the pretrained top layer reproduces the frozen encoder, then trains."""

import numpy as np
import pytest

from recsys_tf.layers import TextEncoderTop
from recsys_tf.text import SentenceEncoder
from tests.keras_harness import run_layer_test, run_serialization_test

VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "red", "blue", "shoes", "hat", "wool",
         "big"]
TITLES = ["red shoes", "blue wool hat", "hat", "big red red shoes and a blue hat", ""]
TOKENS = 8


@pytest.fixture(scope="module")
def encoder():
    return SentenceEncoder.tiny(VOCAB, hidden_dim=8, sequence_length=TOKENS)


def _top(encoder, num_layers=1):
    """A TextEncoderTop over rows 0/1 = PAD/OOV (no text) + TITLES, pretrained weights."""
    states, mask = encoder.lower_states(TITLES, top_layers=num_layers, num_tokens=TOKENS)
    rows = len(TITLES) + 2
    all_states = np.zeros((rows, TOKENS, 8), np.float16)
    all_mask = np.zeros((rows, TOKENS), bool)
    all_states[2:], all_mask[2:] = states, mask
    top = TextEncoderTop(rows, TOKENS, 8, num_layers=num_layers, num_heads=2,
                         intermediate_dim=16)
    top.set_states(all_states, all_mask)
    top.load_pretrained(encoder.backbone)
    return top


def test_pretrained_top_reproduces_the_frozen_sentence_embeddings(encoder):
    expected = encoder.encode(TITLES)
    top = _top(encoder)
    ids = np.array([[2, 3, 4], [5, 6, 2]])
    out = np.asarray(top(ids))
    np.testing.assert_allclose(out[0], expected[:3], atol=1e-3)  # float16 states
    np.testing.assert_allclose(out[1, :2], expected[3:5], atol=1e-3)
    np.testing.assert_allclose(out[1, 2], out[0, 0], atol=1e-7)  # repeated id, same vector
    np.testing.assert_allclose(np.asarray(top.catalogue())[2:], expected, atol=1e-3)


def test_pad_and_oov_rows_are_zero_and_out_of_range_ids_clip(encoder):
    top = _top(encoder)
    out = np.asarray(top(np.array([0, 1, 99])))
    np.testing.assert_array_equal(out[:2], 0.0)
    np.testing.assert_allclose(out[2], np.asarray(top(np.array([6])))[0])


def test_whole_backbone_can_be_the_trainable_top(encoder):
    top = _top(encoder, num_layers=1)
    # The tiny backbone has one layer: fine-tuning "all" of it starts from the embeddings.
    assert encoder.backbone.num_layers == 1
    with pytest.raises(ValueError, match="cannot fine-tune the top 2"):
        TextEncoderTop(7, TOKENS, 8, num_layers=2, num_heads=2,
                       intermediate_dim=16).load_pretrained(encoder.backbone)
    with pytest.raises(ValueError, match="must have shape"):
        top.set_states(np.zeros((7, TOKENS + 1, 8)), np.zeros((7, TOKENS + 1)))


def test_layer_contract_and_serialization(encoder, tmp_path):
    top = _top(encoder)
    ids = np.array([[2, 3, 0], [6, 5, 2]])
    # 16 weights of one keras-hub TransformerEncoder; a training step moves them.
    run_layer_test(top, ids, expected_output_shape=(2, 3, 8),
                   expected_num_trainable_weights=16)
    run_serialization_test(top, ids, tmp_path)
