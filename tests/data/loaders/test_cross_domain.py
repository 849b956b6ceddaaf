import pytest

from recsys_tf.data.loaders import load_cross_domain
from recsys_tf.data.report import DataError
from recsys_tf.data.splits import predefined_split
from tests.conftest import dataset_path, write


def test_food_kitchen_matches_published_counts():
    path = dataset_path("food-kitchen")
    log = load_cross_domain(path)
    assert log.items.groupby("domain").size().to_dict() == {"food": 8_661, "kitchen": 27_637}
    expected_lines = [int(x) for x in (path / "instance_num.txt").read_text().split()]
    assert [log.info["files"][f] for f in ("train_A", "train_B", "train_overlap")] == \
        expected_lines == [5_472, 38_191, 7_501]
    assert log.predefined_split.value_counts().to_dict() == {
        "train": sum(expected_lines), "valid": 960, "test": 937}
    assert log.report.total_dropped == 0
    # domain of every event follows the item index ranges of num.txt
    index = log.events["item_id"].astype(int)
    assert ((index < 8_661) == (log.events["domain"] == "food")).all()
    split = predefined_split(log)
    assert len(split.valid) == 960 and len(split.test) == 937


def make_dir(tmp_path, items="item_index,domain,asin,title\n0,a,x0,T0\n1,a,x1,T1\n2,b,x2,T2\n"):
    write(tmp_path, "num.txt", "2\n1\n")
    write(tmp_path, "instance_num.txt", "1\n1\n1\n")
    write(tmp_path, "train_A.txt", "1\t0,1\n")
    write(tmp_path, "train_B.txt", "1\t2\n")
    write(tmp_path, "train_overlap.txt", "1\t0,2,1\n")
    write(tmp_path, "valid.txt", "1\t1,2,0\n")
    write(tmp_path, "test.txt", "1\t0,1,2\n")
    write(tmp_path, "items.csv", items)
    return tmp_path


def test_small_directory_users_are_namespaced_by_file(tmp_path):
    log = load_cross_domain(make_dir(tmp_path))
    assert sorted(log.events["user_id"].unique()) == [
        "test/1", "train_A/1", "train_B/1", "train_overlap/1", "valid/1"]
    split = predefined_split(log, target_domain="b")
    assert split.test.values.tolist() == [["test/1", 2]]
    assert split.info["valid_targets_outside_domain"] == 1


def test_catalogue_disagreeing_with_num_txt_is_an_error(tmp_path):
    make_dir(tmp_path, items="item_index,domain,asin,title\n0,a,x0,T0\n1,b,x1,T1\n2,b,x2,T2\n")
    with pytest.raises(DataError, match="num.txt says"):
        load_cross_domain(tmp_path)
