import pytest

from recsys_tf.data.vocabulary import OOV_INDEX, PAD_INDEX, Vocabulary


def test_reserved_indexes_and_lookup():
    vocab = Vocabulary.build(["c", "a", "b", "a"], name="item_id")
    assert len(vocab) == 5
    assert vocab.lookup(["a", "b", "c", "new"]).tolist() == [2, 3, 4, OOV_INDEX]
    assert [vocab.token(i) for i in range(5)] == ["[PAD]", "[OOV]", "a", "b", "c"]
    assert PAD_INDEX not in vocab.lookup(["a", "b", "c", "new"])


def test_numbers_look_up_as_strings():
    vocab = Vocabulary.build(["1", "2"])
    assert vocab.lookup([1, 2, 3]).tolist() == [2, 3, 1]


def test_json_round_trip(tmp_path):
    vocab = Vocabulary.build(["é", "b"], name="item_id")
    vocab.save(tmp_path / "v.json")
    loaded = Vocabulary.load(tmp_path / "v.json")
    assert loaded == vocab and loaded.name == "item_id"
    assert (tmp_path / "v.json").read_text(encoding="utf-8").startswith("{")


def test_rejects_duplicates_and_reserved_tokens():
    with pytest.raises(ValueError, match="duplicate"):
        Vocabulary(["a", "a"])
    with pytest.raises(ValueError, match="may not contain"):
        Vocabulary(["[PAD]"])
