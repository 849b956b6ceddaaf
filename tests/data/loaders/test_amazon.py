from recsys_tf.data.loaders import load_amazon
from tests.conftest import dataset_path, write


def test_beauty_matches_published_counts():
    log = load_amazon(dataset_path("amazon-beauty"))
    assert (log.num_users, log.num_items, len(log.events)) == (22_363, 12_101, 198_502)
    assert log.report.dropped == {}
    assert log.report.altered == {"item_text_missing": 7}  # 7 empty titles in the real data
    assert not log.has_timestamps


def test_sequence_order_blank_and_empty_lines(tmp_path):
    write(tmp_path, "user_sequence.txt", "u1 b a c\n\nu2\nu3 a\n")
    write(tmp_path, "items.csv", "asin,title\na,Lipstick\nb,\"Soap, lavender\"\n")
    log = load_amazon(tmp_path, domain="beauty")
    assert log.events[["user_id", "item_id", "position"]].values.tolist() == [
        ["u1", "b", 0], ["u1", "a", 1], ["u1", "c", 2], ["u3", "a", 0]]
    assert log.report.dropped == {"blank_line": 1, "empty_sequence": 1}
    assert log.report.examples["empty_sequence"] == [f"{tmp_path / 'user_sequence.txt'}:3"]
    assert log.items.set_index("item_id")["text"].to_dict() == {
        "a": "Lipstick", "b": "Soap, lavender", "c": ""}
    assert set(log.items["domain"]) == {"beauty"}
