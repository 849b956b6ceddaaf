import pytest

from recsys_tf.data.loaders import load_movielens
from recsys_tf.data.report import DataError
from tests.conftest import dataset_path, write


def test_ml_100k_matches_published_counts():
    log = load_movielens(dataset_path("ml-100k"))
    assert (log.num_users, log.num_items, len(log.events)) == (943, 1682, 100_000)
    assert log.report.total_dropped == 0 and not log.report.altered
    assert log.events["value"].between(1, 5).all()
    toy = log.items.set_index("item_id").loc["1"]
    assert toy["text"] == "Toy Story (1995)" and toy["category"] == "Animation"
    assert toy["genres"] == "Animation|Children's|Comedy"
    assert set(log.users.columns) == {"user_id", "age", "gender", "occupation", "zip_code"}
    # time order per user, ties by file order
    assert (log.events.groupby("user_id")["timestamp"].diff().dropna() >= 0).all()


def test_ml_1m_double_colon_format(tmp_path):
    latin = "Amélie (2001)".encode("latin-1")
    write(tmp_path, "ratings.dat", "1::10::5::978300760\n1::20::3::978300700\n2::10::4::97830\n")
    write(tmp_path, "movies.dat", b"10::" + latin + b"::Comedy|Romance\n20::Heat (1995)::Action\n")
    write(tmp_path, "users.dat", "1::F::1::10::48067\n2::M::56::16::70072\n")
    log = load_movielens(tmp_path)
    assert log.events[["user_id", "item_id"]].values.tolist() == [
        ["1", "20"], ["1", "10"], ["2", "10"]]
    assert log.items.set_index("item_id").loc["10", "text"] == "Amélie (2001)"
    assert log.items.set_index("item_id").loc["10", "category"] == "Comedy"
    assert log.users.set_index("user_id").loc["2", "age"] == "56"


def test_not_a_movielens_directory(tmp_path):
    with pytest.raises(DataError, match="not a MovieLens directory"):
        load_movielens(tmp_path)
