"""``recsys-tf bench scale``: what each step costs as the catalogue and the log grow.

For each size (catalogue items × events) a seeded synthetic log is generated
(:func:`growth_log`: users drift between topics, Zipf-like popularity inside a topic), written
as an ``events-csv`` file with its catalogue (``items.csv``: every item, also those no event
names, as in a shop's long tail), and every step a user runs is timed at that size:

- **prepare**: ``recsys-tf data prepare --shards 8`` in its own process: seconds and peak RSS;
- **epoch**: training from those shards with the sampled softmax (logQ), ``STEPS`` timed steps
  after ``WARMUP_STEPS``, scaled to a full epoch (``steps_per_epoch``) and per million events;
- **evaluation**: :class:`~recsys_tf.evaluation.device_ranks.BlockRanker` full ranking of
  ``EVAL_USERS`` validation users over the whole catalogue, history masked;
- **export**: the SavedModel of the full mode and of the index mode (bytes, and bytes per
  item from one size to the next);
- **latency** at batch 1 through the loaded SavedModels: ``recommend`` and ``update_interest``
  of the full export; ``user_embedding`` of the index export plus a TFRS index query
  (``benchmarks/suites/scale_index.py``, its own Keras-2 process), whose sum is the index
  path's ``recommend``, for the exact BruteForce index and the partitioned one (its recall@10
  against BruteForce over ``INDEX_QUERIES`` users); and each index's build time.

The model has random weights from its initialisers (cost does not depend on them). Text is
off (MiniLM over a million titles alone takes ~20 minutes on 2 cores; docs/benchmarks.md).

Example::

    result = run_scale_benchmark(sizes=[(10_000, 100_000)])
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.suites.serving import _summary, _timed

SIZES = ((10_000, 1_000_000), (100_000, 1_000_000), (1_000_000, 1_000_000),
         (100_000, 3_000_000), (100_000, 10_000_000), (1_000_000, 10_000_000))
EVENTS_PER_USER = 50
TOPICS = 64
SHARDS = 8
STEPS, WARMUP_STEPS = 20, 3
EVAL_USERS = 1000
LATENCY_CALLS = 200
INDEX_QUERIES = 200
# The in-process steps prepare the whole log again (the model needs the item tables): above
# this peak RSS of preparing the whole log, a size is measured for preparation only.
IN_PROCESS_RSS_LIMIT_MB = 9_000


def growth_log(num_items: int, num_events: int, seed: int = 0) -> dict[str, np.ndarray]:
    """A seeded log of ``num_events`` events over ``num_items`` items, ``EVENTS_PER_USER``
    per user on average: each user stays on a topic (a contiguous block of items) for a
    geometric number of events (mean 12), items inside a topic log-uniform in rank (Zipf-like).

    >>> log = growth_log(1_000, 5_000)
    >>> len(log["item_id"]), int(log["item_id"].max()) < 1_000
    (5000, True)
    """
    rng = np.random.default_rng(seed)
    users = max(num_events // EVENTS_PER_USER, 1)
    lengths = rng.integers(EVENTS_PER_USER // 2, EVENTS_PER_USER * 3 // 2 + 1, users)
    lengths = np.maximum((lengths * num_events / lengths.sum()).astype(np.int64), 3)
    lengths[-1] += num_events - lengths.sum()
    if lengths[-1] < 3:
        raise ValueError(f"{num_events} events are too few for {users} users")
    user = np.repeat(np.arange(users), lengths)
    start = np.repeat(np.cumsum(lengths) - lengths, lengths)
    switch = (rng.random(num_events) < 1 / 12) | (np.arange(num_events) == start)
    segment = np.cumsum(switch) - 1
    topic = rng.integers(0, TOPICS, segment[-1] + 1)[segment]
    per_topic = max(num_items // TOPICS, 1)
    rank = np.minimum(np.floor(per_topic ** rng.random(num_events)).astype(np.int64) - 1,
                      per_topic - 1)
    item = np.minimum(topic * per_topic + rank, num_items - 1)
    gaps = np.where(rng.random(num_events) < 0.2, rng.integers(86_400, 3 * 86_400, num_events),
                    rng.integers(30, 1_800, num_events))
    gaps[np.arange(num_events) == start] = 0
    elapsed = np.cumsum(gaps)
    timestamp = (1_700_000_000 + rng.integers(0, 30 * 86_400, users)[user]
                 + elapsed - elapsed[start])
    return {"user_id": user, "item_id": item, "timestamp": timestamp,
            "event_type": rng.choice(np.array(["view", "click", "buy"]), num_events,
                                     p=[0.7, 0.2, 0.1])}


def write_log(log: dict[str, np.ndarray], path: Path) -> None:
    import pandas as pd

    pd.DataFrame({"user_id": np.char.add("u", log["user_id"].astype(str)),
                  "item_id": np.char.add("i", log["item_id"].astype(str)),
                  "timestamp": log["timestamp"], "event_type": log["event_type"]}
                 ).to_csv(path, index=False)


def write_catalogue(num_items: int, path: Path) -> None:
    """``items.csv`` naming every item ``i0 … i{num_items-1}`` (ids only: text is off)."""
    import pandas as pd

    pd.DataFrame({"item_id": np.char.add("i", np.arange(num_items).astype(str))}
                 ).to_csv(path, index=False)


def experiment_for(events_csv: Path, cache: Path, items_csv: Path | None = None):
    from recsys_tf.experiment.experiment_config import ExperimentConfig

    return ExperimentConfig.from_dict({
        "data": {"format": "events-csv", "path": str(events_csv), "text_encoder": "none",
                 "items": None if items_csv is None else str(items_csv),
                 "cache_dir": str(cache), "columns": {"domain": None, "value": None}},
        "model": {"embedding_dim": 64, "hidden_dim": 64, "query_dim": 64, "use_content": False,
                  "use_topic_interest": False, "use_cross_domain": False},
        "train": {"loss": "sampled", "num_negatives": 1000, "batch_size": 256,
                  "eval_batch_size": 256}})


# Runs ``python -m recsys_tf ARGS`` and prints the process's own peak RSS last (VmHWM: the
# memory map made at exec). getrusage/wait4's ru_maxrss would also count the parent's pages
# held at fork, i.e. this benchmark's own generated log.
_OWN_PEAK = """import runpy, sys
sys.argv = ["recsys_tf", *sys.argv[1:]]
try:
    runpy.run_module("recsys_tf", run_name="__main__", alter_sys=True)
finally:
    status = dict(line.split(":", 1) for line in open("/proc/self/status"))
    print("peak_rss_kb", status["VmHWM"].split()[0], file=sys.stderr, flush=True)
"""


def prepare_in_process(config: Path, output: Path, *, part_events: int | None = None) -> dict:
    """``recsys-tf data prepare`` as its own process: seconds and that process's own peak RSS
    (``part_events=0``: the whole log at once)."""
    command = [sys.executable, "-c", _OWN_PEAK, "data", "prepare", "--config", str(config),
               "--output", str(output), "--shards", str(SHARDS), "--json"]
    if part_events is not None:
        command += ["--part-events", str(part_events)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"data prepare failed: {result.stderr[-2000:]}")
    peak = [line.split()[1] for line in result.stderr.splitlines()
            if line.startswith("peak_rss_kb ")]
    manifest = json.loads(result.stdout)
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(int(peak[-1]) / 1024, 1),
            "train_rows": manifest["splits"]["train"]["rows"]}


def measure_size(num_items: int, num_events: int, work: Path, *, seed: int = 0,
                 log=print) -> dict:
    import keras
    import tensorflow as tf

    from benchmarks.suites.step_clock import StepClock
    from recsys_tf.data.shards import SHUFFLE_BUFFER, shard_epochs
    from recsys_tf.evaluation.device_ranks import BlockRanker
    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.experiment.shard_files import read_manifest
    from recsys_tf.export.exporter import write_candidates
    from recsys_tf.export.serving_module import ServingModule
    from recsys_tf.export.warmup import example_requests
    from recsys_tf.training.trainer import build_model, make_optimizer

    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    write_log(growth_log(num_items, num_events, seed), work / "events.csv")
    write_catalogue(num_items, work / "items.csv")
    row = {"items": num_items, "events": num_events,
           "generate_seconds": round(time.perf_counter() - started, 2)}
    experiment = experiment_for(work / "events.csv", work / "cache", work / "items.csv")
    experiment.save(work / "config.json")
    row["prepare_whole"] = prepare_in_process(work / "config.json", work / "whole",
                                              part_events=0)
    shutil.rmtree(work / "whole")
    row["prepare"] = prepare_in_process(work / "config.json", work / "shards")
    log(f"{num_items} items × {num_events} events: prepared in {row['prepare']['seconds']} s, "
        f"peak RSS {row['prepare']['peak_rss_mb']} MB (whole log at once: "
        f"{row['prepare_whole']['seconds']} s, {row['prepare_whole']['peak_rss_mb']} MB)")
    if row["prepare_whole"]["peak_rss_mb"] > IN_PROCESS_RSS_LIMIT_MB:
        row["prepare_only"] = (f"preparing the whole log at once peaked at "
                               f"{row['prepare_whole']['peak_rss_mb']:,.0f} MB; the other steps "
                               "need that in this process (the item tables)")
        log(f"  {row['prepare_only']}")
        return row

    prepared = prepare_data(experiment.data)
    keras.utils.set_random_seed(seed)
    model = build_model(experiment, prepared)
    model.compile(optimizer=make_optimizer(experiment.train, model))
    entry = read_manifest(work / "shards")["splits"]["train"]
    batches, steps_per_epoch = shard_epochs(
        work / "shards", entry, batch_size=experiment.train.batch_size, seed=seed,
        first_epoch=0, last_epoch=1, shuffle_buffer=SHUFFLE_BUFFER,
        feature_keys=model.input_names)
    # One fit, timed from the end of the warm-up steps: a second fit would start a new
    # iterator, whose shuffle buffer (up to SHUFFLE_BUFFER records) refills inside the timing.
    clock = StepClock()
    model.fit(batches.repeat(), epochs=1, steps_per_epoch=WARMUP_STEPS + STEPS, shuffle=False,
              verbose=0, callbacks=[clock])
    step = clock.seconds_per_step(after=WARMUP_STEPS)
    row["epoch"] = {"step_seconds": round(step, 4), "steps_per_epoch": steps_per_epoch,
                    "epoch_seconds": round(step * steps_per_epoch, 1),
                    "seconds_per_million_events": round(step * steps_per_epoch
                                                        / (num_events / 1e6), 1)}
    log(f"  epoch {row['epoch']['epoch_seconds']} s ({step * 1000:.0f} ms/step)")

    users = min(EVAL_USERS, len(prepared.valid["target"]))
    subset = {k: v[:users] for k, v in prepared.valid.items()}
    ranker = BlockRanker(model)
    ranker.ranks({k: v[:8] for k, v in subset.items()}, history=prepared.valid_history,
                 batch_size=8)  # trace
    started = time.perf_counter()
    ranker.ranks(subset, history=prepared.valid_history, batch_size=256)
    row["evaluation"] = {"users": users,
                         "ms_per_user": round((time.perf_counter() - started) / users * 1000,
                                              3)}
    log(f"  evaluation {row['evaluation']['ms_per_user']} ms per user")

    row["catalogue"] = int(prepared.candidate_mask.sum())
    row["items_with_events"] = int((prepared.popularity > 0).sum())
    towers = model.towers()
    exports = {}
    for mode in ("full", "index"):
        module = ServingModule(towers, prepared.vocabularies, max_length=50,
                               max_cross_length=50, top_k=10, new_item_slots=0,
                               catalogue=mode == "full")
        started = time.perf_counter()
        tf.saved_model.save(module, str(work / mode), signatures=module.signatures())
        exports[mode] = (module, time.perf_counter() - started)
    row["export"] = {mode: {"bytes": directory_bytes(work / mode),
                            "seconds": round(seconds, 1)}
                     for mode, (_, seconds) in exports.items()}
    full_module, index_module = exports["full"][0], exports["index"][0]
    requests = example_requests(full_module, prepared.vocabularies)
    history = _long_history(full_module, prepared.vocabularies, seed)

    full = tf.saved_model.load(str(work / "full"))
    index = tf.saved_model.load(str(work / "index"))
    recommend, update = full.signatures["recommend"], full.signatures["update_interest"]
    state = full.signatures["user_embedding"](**history)
    step_request = {**{k: tf.constant(v) for k, v in requests["update_interest"].items()},
                    "state": state["state"], "last_timestamp": state["last_timestamp"]}
    user_embedding = index.signatures["user_embedding"]
    row["latency_ms"] = {
        "recommend": _summary(_timed(lambda: recommend(**history), LATENCY_CALLS)),
        "update_interest": _summary(_timed(lambda: update(**step_request), LATENCY_CALLS)),
        "index_user_embedding": _summary(_timed(lambda: user_embedding(**history),
                                                LATENCY_CALLS))}
    write_candidates(index_module, work / "candidates.npz")
    queries = user_embedding(**_long_history(full_module, prepared.vocabularies, seed,
                                             rows=INDEX_QUERIES))["user_embedding"]
    np.save(work / "queries.npy", queries.numpy())
    index_result = run_index_process(work / "candidates.npz", work / "queries.npy")
    row["index"] = index_result
    user_ms = row["latency_ms"]["index_user_embedding"]
    for name, result in (("index", index_result), ("partitioned", index_result["partitioned"])):
        row["latency_ms"][f"{name}_query"] = result["query_ms"]
        for q in ("p50", "p99"):
            row["latency_ms"][f"recommend_via_{name}_{q}"] = round(
                user_ms[q] + result["query_ms"][q], 3)
    log(f"  recommend p99 {row['latency_ms']['recommend']['p99']} ms (full), "
        f"{row['latency_ms']['recommend_via_index_p99']} ms (index path), "
        f"{row['latency_ms']['recommend_via_partitioned_p99']} ms (partitioned index, recall@10 "
        f"{index_result['partitioned']['recall@10']}); export "
        f"{row['export']['full']['bytes'] / 1e6:.0f} / {row['export']['index']['bytes'] / 1e6:.0f}"
        " MB")
    return row


def _long_history(module, vocabularies, seed: int, length: int = 50, rows: int = 1) -> dict:
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    picked = rng.choice(module.candidate_items, size=(rows, length))
    items = np.array([[vocabularies.item_id.token(int(i)) for i in row] for row in picked],
                     object)
    times = 1_700_000_000 + np.cumsum(rng.integers(60, 86_400, (rows, length)), 1)
    return {"item_ids": tf.constant(items),
            "event_types": tf.constant(np.full((rows, length), "view", object)),
            "timestamps": tf.constant(times.astype(np.int64))}


def run_index_process(candidates: Path, queries: Path) -> dict:
    """The TFRS indexes in their own Keras-2 process (``scale_index``)."""
    command = [sys.executable, "-m", "benchmarks.suites.scale_index", str(candidates),
               str(queries), str(LATENCY_CALLS)]
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env={**os.environ, "TF_USE_LEGACY_KERAS": "1",
                                 "TF_CPP_MIN_LOG_LEVEL": "2"})
    if result.returncode != 0:
        raise RuntimeError(f"the index process failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def directory_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def slope(xs, ys) -> float | None:
    """Slope of log y against log x between the first and last point (None if undefined)."""
    if len(xs) < 2 or min(ys) <= 0 or xs[0] == xs[-1]:
        return None
    return round(float(np.log(ys[-1] / ys[0]) / np.log(xs[-1] / xs[0])), 3)


def run_scale_benchmark(*, sizes=SIZES, seed: int = 0, log=print,
                        partial: Path | None = None) -> dict:
    """Measures every size in turn; with ``partial``, the rows so far are written there after
    each size (a long run stopped midway keeps what it measured)."""
    started = time.perf_counter()
    rows, failures = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for num_items, num_events in sizes:
            work = Path(scratch) / f"{num_items}-{num_events}"
            try:
                rows.append(measure_size(num_items, num_events, work, seed=seed, log=log))
            except (MemoryError, RuntimeError) as error:
                failures.append({"items": num_items, "events": num_events,
                                 "error": str(error)[-500:]})
                log(f"{num_items} items × {num_events} events failed: {error}")
            shutil.rmtree(work, ignore_errors=True)
            if partial is not None:
                Path(partial).parent.mkdir(parents=True, exist_ok=True)
                Path(partial).write_text(json.dumps({"rows": rows, "failures": failures},
                                                    indent=1) + "\n")
    if partial is not None:
        Path(partial).unlink(missing_ok=True)  # the whole result follows
    return {"benchmark": "scale", "sizes": [list(s) for s in sizes], "rows": rows,
            "failures": failures, "seconds": round(time.perf_counter() - started)}


def catalogue(row: dict) -> int | None:
    """The model's candidate items: the whole generated catalogue (``items.csv``; before it
    was written, the items that occur in the log)."""
    return row.get("catalogue") or row.get("index", {}).get("items")


def slopes(rows: list[dict]) -> dict:
    """Log-log slopes of each cost: against the catalogue (items that occur,
    :func:`catalogue`) at the most common event count, from the generator's 100k items up (as
    the goal states), and against events at the most common generator size (rows measured for
    preparation only count for the preparation costs)."""
    out = {}
    events = _most_common([r["events"] for r in rows])
    by_items = sorted((r for r in rows if r["events"] == events and r["items"] >= 100_000
                       and catalogue(r)), key=catalogue)
    items = _most_common([r["items"] for r in rows])
    by_events = sorted((r for r in rows if r["items"] == items), key=lambda r: r["events"])
    for name, pick in COSTS.items():
        ok_items = [r for r in by_items if _has(r, name)]
        ok_events = [r for r in by_events if _has(r, name)]
        out[name] = {"vs_items": slope([catalogue(r) for r in ok_items],
                                       [pick(r) for r in ok_items]),
                     "vs_events": slope([r["events"] for r in ok_events],
                                        [pick(r) for r in ok_events])}
    return out


def _has(row: dict, cost: str) -> bool:
    """Whether ``row`` measured ``cost``: rows measured for preparation only hold the
    preparation costs, and a results file written before a cost was added lacks it."""
    if not (cost.startswith("prepare") or "prepare_only" not in row):
        return False
    try:
        COSTS[cost](row)
    except KeyError:
        return False
    return True


def _most_common(values):
    return max(set(values), key=values.count) if values else None


COSTS = {
    "prepare s": lambda r: r["prepare"]["seconds"],
    "prepare peak RSS MB": lambda r: r["prepare"]["peak_rss_mb"],
    "prepare s (whole log)": lambda r: r["prepare_whole"]["seconds"],
    "prepare peak RSS MB (whole log)": lambda r: r["prepare_whole"]["peak_rss_mb"],
    "epoch s per 1M events": lambda r: r["epoch"]["seconds_per_million_events"],
    "evaluation ms per user": lambda r: r["evaluation"]["ms_per_user"],
    "full export MB": lambda r: r["export"]["full"]["bytes"] / 1e6,
    "index export MB": lambda r: r["export"]["index"]["bytes"] / 1e6,
    "recommend p99 ms (full)": lambda r: r["latency_ms"]["recommend"]["p99"],
    "recommend p99 ms (index)": lambda r: r["latency_ms"]["recommend_via_index_p99"],
    "recommend p99 ms (partitioned index)":
        lambda r: r["latency_ms"]["recommend_via_partitioned_p99"],
    "update_interest p99 ms": lambda r: r["latency_ms"]["update_interest"]["p99"],
    "index build s": lambda r: r["index"]["build_seconds"],
    "partitioned index build s": lambda r: r["index"]["partitioned"]["build_seconds"],
}


def scale_table(result: dict) -> str:
    """Columns: the generator's items × events; the first row gives the catalogue the log
    touched, against which the item slopes are fitted."""
    rows = result["rows"]
    fitted_all = slopes(rows)
    head = "| cost | " + " | ".join(f"{r['items']:,} items × {r['events']:,} events"
                                     for r in rows) + " | slope vs items | slope vs events |"
    lines = [head, "|---|" + "---:|" * (len(rows) + 2),
             "| catalogue items (with training events) | " + " | ".join(
                 f"{catalogue(r):,} ({r['items_with_events']:,})" if "items_with_events" in r
                 else f"{catalogue(r):,}" if catalogue(r) else "–" for r in rows) + " | | |"]
    for name, pick in COSTS.items():
        cells = " | ".join(f"{pick(r):,.3g}" if _has(r, name) else "–" for r in rows)
        fitted = fitted_all.get(name, {})
        lines.append(f"| {name} | {cells} | {_fmt(fitted.get('vs_items'))} | "
                     f"{_fmt(fitted.get('vs_events'))} |")
    recall = [r.get("index", {}).get("partitioned", {}).get("recall@10") for r in rows]
    lines.append("| partitioned index recall@10 (vs exact) | " + " | ".join(
        "–" if value is None else f"{value:.3f}" for value in recall) + " | | |")
    notes = [f"\nFailed: {f['items']:,} items × {f['events']:,} events ({f['error']})"
             for f in result["failures"]]
    notes += [f"\nPreparation only at {r['items']:,} items × {r['events']:,} events: "
              f"{r['prepare_only']}." for r in rows if "prepare_only" in r]
    return "\n".join(lines) + "".join(notes) + "\n"


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.2f}"


def scale_plots(result: dict) -> dict:
    def draw(path):
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        figure, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        events = _most_common([r["events"] for r in result["rows"]])
        items = _most_common([r["items"] for r in result["rows"]])
        panels = ((axes[0], "items", [r for r in result["rows"] if r["events"] == events],
                   f"catalogue items (at {events:,} events)"),
                  (axes[1], "events", [r for r in result["rows"] if r["items"] == items],
                   f"events (at {items:,} items)"))
        for axis, key, rows, label in panels:
            x_of = catalogue if key == "items" else (lambda r: r["events"])
            rows = sorted((r for r in rows if x_of(r)), key=x_of)
            for name, pick in COSTS.items():
                kept = [r for r in rows if _has(r, name)]
                xs, ys = [x_of(r) for r in kept], [pick(r) for r in kept]
                if len(xs) > 1:
                    fitted = slope(xs, ys)
                    axis.plot(xs, ys, marker="o", label=f"{name} (slope {_fmt(fitted)})")
            axis.set_xscale("log")
            axis.set_yscale("log")
            axis.set_xlabel(label)
            axis.grid(True, which="both", alpha=0.3)
            if axis.get_lines():
                axis.legend(fontsize=6)
        axes[0].set_ylabel("cost")
        figure.suptitle("recsys-tf bench scale: cost against size (log-log)")
        figure.tight_layout()
        figure.savefig(path, dpi=120)
        plt.close(figure)

    return {"log-log": draw}
