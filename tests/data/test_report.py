from recsys_tf.data.report import DataError, DataReport


def test_counts_accumulate_and_keep_three_examples():
    report = DataReport()
    report.drop("duplicate", 2, ["f:1", "f:2"])
    report.drop("duplicate", 3, ["f:3", "f:4", "f:5"])
    report.drop("nothing", 0, ["f:9"])
    report.alter("filled_domain", 1, ["f:7"])
    assert report.dropped == {"duplicate": 5}
    assert report.examples["duplicate"] == ["f:1", "f:2", "f:3"]
    assert report.total_dropped == 5
    assert "filled_domain" in report.format()


def test_merge_adds_counts():
    a, b = DataReport(), DataReport()
    a.drop("x", 1)
    b.drop("x", 2)
    b.alter("y", 4)
    assert a.merge(b).to_dict()["dropped"] == {"x": 3}
    assert a.altered == {"y": 4}


def test_error_names_file_row_and_column():
    error = DataError("bad value", source="events.csv", row=7, column="timestamp")
    assert str(error) == "events.csv:7: column 'timestamp': bad value"
