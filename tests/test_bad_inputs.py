"""The hostile inputs of issue #35 at the command line: each is a clear error (exit 2, naming
the file, field or input) or a counted drop, never a traceback, a hang or a silent wrong result.
(Malformed files: tests/data/test_hostile_files.py; serving: tests/export, tests/serving.)"""

from __future__ import annotations

import json

import numpy as np
import pytest

from recsys_tf.cli import main

TINY = """
[data]
format = "events-csv"
path = "{path}"
text_encoder = "none"
max_length = 8
max_cross_length = 8
[model]
embedding_dim = 8
hidden_dim = 8
query_dim = 8
use_content = false
use_topic_interest = false
use_cross_domain = false
[train]
epochs = 1
batch_size = 32
patience = 1
"""


def events_csv(path, *, users=30, per_user=6, seed=0, shuffle_items=False):
    rng = np.random.default_rng(seed)
    items = [f"i{k}" for k in range(40)]
    if shuffle_items:
        items = list(rng.permutation(items))
    lines = ["user_id,item_id,timestamp"]
    for user in range(users):
        for step in range(per_user):
            lines.append(f"u{user},{items[(user + 3 * step) % 40]},{1_700_000_000 + 60 * step}")
    path.write_text("\n".join(lines) + "\n")
    return path


def config(tmp_path, data, extra="", name="tiny.toml"):
    path = tmp_path / name
    path.write_text(TINY.format(path=data) + extra)
    return path


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured


@pytest.mark.parametrize("section, line, message", [
    ("model", "use_behaviour = \"false\"", "use_behaviour must be true or false"),
    ("train", "epochs = 2.5", "epochs must be an integer"),
    ("train", "batch_size = 64.5", "batch_size must be an integer"),
    ("model", "embedding_dim = \"16\"", "embedding_dim must be an integer"),
    ("train", "patience = true", "patience must be an integer"),
    ("train", "learning_rate = inf", "learning_rate must be finite"),
    ("train", "eval_batch_size = 0", "eval_batch_size must be >= 1"),
    ("train", "short_history_copies = -1", "short_history_copies must be >= 0"),
])
def test_config_values_are_checked_not_coerced(tmp_path, capsys, section, line, message):
    data = events_csv(tmp_path / "events.csv")
    text = TINY.format(path=data).replace(f"[{section}]\n", f"[{section}]\n{line}\n", 1)
    text = "\n".join(row for row in text.splitlines()
                     if row.split("=")[0].strip() != line.split("=")[0].strip() or row == line)
    (tmp_path / "bad.toml").write_text(text)
    code, captured = run(capsys, "train", "--config", tmp_path / "bad.toml",
                         "--output", tmp_path / "run")
    assert code == 2 and message in captured.err
    assert not (tmp_path / "run").exists()


def test_unknown_synthetic_keys_and_bad_paths(tmp_path, capsys):
    (tmp_path / "synthetic.toml").write_text('[data]\nformat = "synthetic"\n'
                                             "[data.synthetic]\nnum_user = 5\n")
    code, captured = run(capsys, "train", "--config", tmp_path / "synthetic.toml")
    assert code == 2 and "unknown keys ['num_user']" in captured.err
    good = config(tmp_path, events_csv(tmp_path / "events.csv"))
    (tmp_path / "afile").write_text("")
    code, captured = run(capsys, "train", "--config", good, "--output", tmp_path / "afile")
    assert code == 2 and "is a file" in captured.err
    code, captured = run(capsys, "train", "--config", good, "--output", tmp_path / "run",
                         "--warm-start", tmp_path / "nowhere")
    assert code == 2 and "has no model.keras" in captured.err
    code, captured = run(capsys, "data", "inspect", tmp_path / "events.csv", "--format",
                         "events-csv", "--encoding", "klingon")
    assert code == 2 and "unknown text encoding" in captured.err
    code, captured = run(capsys, "query", "recommend", "--inputs-file", tmp_path / "nope.json")
    assert code == 2 and "nope.json" in captured.err
    code, captured = run(capsys, "query", "recommend", "--target", "127.0.0.1:9",
                         "--inputs", '{"item_ids": [[{"nested": 1}]]}')
    assert code in (1, 2) and "Traceback" not in captured.err


def test_data_that_leaves_nothing_to_train_or_validate_on(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("user_id,item_id,timestamp\n" + "".join(f"u{i},i{i},yesterday\n"
                                                           for i in range(20)))
    code, captured = run(capsys, "train", "--config", config(tmp_path, bad),
                         "--output", tmp_path / "run")
    assert code == 2 and "no events left after cleaning" in captured.err
    two = events_csv(tmp_path / "two.csv", users=1, per_user=2)
    code, captured = run(capsys, "train", "--config", config(tmp_path, two, name="two.toml"),
                         "--output", tmp_path / "run")
    assert code == 2 and "no validation examples" in captured.err
    assert not (tmp_path / "run").exists()


def test_a_failed_start_writes_nothing_and_changed_data_cannot_resume(tmp_path, capsys):
    data = events_csv(tmp_path / "events.csv")
    output = tmp_path / "run"
    # An error found when the model is built (after the data): nothing is claimed ...
    broken = config(tmp_path, data, name="broken.toml").read_text().replace(
        "use_cross_domain = false", "use_cross_domain = true")
    (tmp_path / "broken.toml").write_text(broken)
    code, captured = run(capsys, "train", "--config", tmp_path / "broken.toml",
                         "--output", output)
    assert code == 2 and "target_domain" in captured.err
    assert not (output / "experiment.json").exists()
    # ... so the corrected config trains there; its drops and fingerprint are recorded.
    code, captured = run(capsys, "train", "--config", config(tmp_path, data), "--output",
                         output, "--json")
    assert code == 0, captured.err
    metrics = json.loads(captured.out)
    assert metrics["data"]["fingerprint"] == json.loads(
        (output / "data.json").read_text())["fingerprint"]
    vocabularies = (output / "vocabularies.json").read_bytes()
    # Same counts, other item order: resuming would put weights on other items.
    events_csv(data, shuffle_items=True)
    code, captured = run(capsys, "train", "--config", config(tmp_path, data), "--output",
                         output, "--epochs", "2")
    assert code == 2 and "was trained on other data" in captured.err
    assert (output / "vocabularies.json").read_bytes() == vocabularies


def test_mixed_timestamp_units_are_reported_by_train(tmp_path, capsys):
    data = events_csv(tmp_path / "events.csv")
    lines = data.read_text().splitlines()
    lines += [f"u{u},i{u},{(1_700_000_000 + u) * 1000}" for u in range(10)]  # milliseconds
    data.write_text("\n".join(lines) + "\n")
    code, captured = run(capsys, "train", "--config", config(tmp_path, data), "--output",
                         tmp_path / "run", "--json")
    assert code == 0, captured.err
    assert "events kept" in captured.err
    report = json.loads(captured.out)["data"]["report"]
    assert sum(report["dropped"].values()) + sum(report.get("altered", {}).values()) > 0


def test_damaged_run_files_are_named(tmp_path, capsys):
    data = events_csv(tmp_path / "events.csv")
    output = tmp_path / "run"
    code, captured = run(capsys, "train", "--config", config(tmp_path, data), "--output", output)
    assert code == 0, captured.err
    model = (output / "model.keras").read_bytes()
    (output / "model.keras").write_bytes(model[: len(model) // 2])
    code, captured = run(capsys, "evaluate", "--model", output)
    assert code == 2 and "model.keras: cannot be loaded" in captured.err
    (output / "model.keras").write_bytes(model)
    (output / "vocabularies.json").write_text('{"item_id": ')
    code, captured = run(capsys, "evaluate", "--model", output)
    assert code == 2 and "vocabularies.json: damaged" in captured.err
