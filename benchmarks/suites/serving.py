"""``recsys-tf bench serving``: latency and the O(1) update through a loaded SavedModel.

One process, one machine state, ratios computed in the same run:

- ``recommend`` at batch 1 (p50 / p99 over ``calls`` requests of a 50-event history) and
  throughput at batch 256, on a Beauty-sized catalogue (12,101 items + PAD/OOV, 384-d text,
  all three towers' sizes as in the built-in ``beauty`` config);
- ``update_interest`` for one new event (state after 49 events + the 50th) against recomputing
  from the 50-event history (``recommend``, which also returns the top-k), per call from Python
  and inside one graph (no Python dispatch, as in TF Serving; ``IN_GRAPH_ROUNDS`` rounds
  alternating recommend and the updates, the median of the per-round ratios), and whether both
  give the same top-k (the largest score difference); for the default export and for one whose
  update core is XLA-compiled (``xla_update``).

The model has random weights (latency does not depend on them; a trained run can be given with
``--model``). Serving runs through ``tf.saved_model.load`` of the written SavedModel, the way TF
Serving runs it, minus the RPC.

Example::

    result = run_serving_benchmark(calls=1000)
    result["recommend_batch1_ms"]["p99"], result["update_speedup"]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

BEAUTY_ITEMS = 12_101
IN_GRAPH_ROUNDS = 7  # alternating rounds of the in-graph timings


def _synthetic_run(num_items: int, seed: int):
    """A Beauty-sized model with random weights and random unit text vectors."""
    from recsys_tf.data.vocabularies import Vocabularies
    from recsys_tf.data.vocabulary import Vocabulary
    from recsys_tf.models import ModelConfig, TwoTowerModel

    rng = np.random.default_rng(seed)
    total = num_items + 2
    config = ModelConfig(num_items=total, num_event_types=3, text_dim=384)
    model = TwoTowerModel(config)
    text = rng.normal(size=(total, 384)).astype(np.float32)
    text /= np.linalg.norm(text, axis=1, keepdims=True)
    text[:2] = 0
    known = np.arange(total) >= 2
    model.set_catalogue(text_embeddings=text, categories=None, known=known,
                        candidate_mask=known)
    ids = [f"item-{i:05d}" for i in range(num_items)]
    vocabularies = Vocabularies(item_id=Vocabulary(ids, "item_id"),
                                event_type=Vocabulary(["view"], "event_type"),
                                domain=Vocabulary(["beauty"], "domain"),
                                category=Vocabulary([], "category"))
    return model, vocabularies


def _timed(fn, calls: int, warmup: int = 20) -> np.ndarray:
    for _ in range(warmup):
        fn()
    out = np.empty(calls)
    for i in range(calls):
        start = time.perf_counter()
        fn()
        out[i] = time.perf_counter() - start
    return out * 1000.0


def _in_graph_round(signature, inputs: dict, output: str, repeats: int):
    """A function that calls ``signature`` ``repeats`` times inside one graph and returns the
    mean ms per call: the cost without Python dispatch, as TF Serving's C++ runtime pays it.
    The request enters as the loop function's arguments, not as constants, so that graph
    optimisation cannot precompute anything from it."""
    import tensorflow as tf

    @tf.function
    def loop(request):
        total = tf.constant(0.0)
        for _ in tf.range(repeats):
            total += tf.reduce_sum(signature(**request)[output])
        return total

    loop(inputs)  # trace and warm up

    def one_round() -> float:
        start = time.perf_counter()
        loop(inputs)
        return (time.perf_counter() - start) / repeats * 1000.0

    return one_round


def _alternating_rounds(rounds: dict, count: int) -> dict[str, np.ndarray]:
    """``count`` rounds of every in-graph loop in turn (A B C A B C ...), so that a change in
    machine load hits all of them alike: ms per call, ``[count]`` per name."""
    out = {name: np.empty(count) for name in rounds}
    for i in range(count):
        for name, one_round in rounds.items():
            out[name][i] = one_round()
    return out


def _summary(milliseconds: np.ndarray) -> dict:
    return {"p50": round(float(np.percentile(milliseconds, 50)), 3),
            "p99": round(float(np.percentile(milliseconds, 99)), 3),
            "mean": round(float(milliseconds.mean()), 3)}


def run_serving_benchmark(*, calls: int = 1000, model_dir: str | Path | None = None,
                          seed: int = 0, log=print) -> dict:
    import tensorflow as tf

    from recsys_tf.export.serving_module import ServingModule

    if model_dir is not None:
        from recsys_tf.experiment.run_directory import FinishedRun

        run = FinishedRun.load(model_dir)
        model, vocabularies = run.model, run.vocabularies
    else:
        model, vocabularies = _synthetic_run(BEAUTY_ITEMS, seed)
    if model.config.use_cross_domain:
        raise ValueError("bench serving times single-domain models (no cross_* inputs)")
    towers = model.towers()
    module = ServingModule(towers, vocabularies, max_length=50, max_cross_length=50, top_k=10)
    xla_module = ServingModule(towers, vocabularies, max_length=50, max_cross_length=50,
                               top_k=10, xla_update=True)
    with tempfile.TemporaryDirectory() as directory, tempfile.TemporaryDirectory() as xla_dir:
        tf.saved_model.save(module, directory, signatures=module.signatures())
        tf.saved_model.save(xla_module, xla_dir, signatures=xla_module.signatures())
        loaded = tf.saved_model.load(directory)
        xla_loaded = tf.saved_model.load(xla_dir)  # keep: signatures hold weak references
        xla_update = xla_loaded.signatures["update_interest"]
        recommend = loaded.signatures["recommend"]
        user_embedding = loaded.signatures["user_embedding"]
        update = loaded.signatures["update_interest"]

        rng = np.random.default_rng(seed)
        candidates = np.flatnonzero(module.candidate_mask.numpy())
        tokens = np.array([vocabularies.item_id.token(int(i)) for i in candidates], object)
        event = vocabularies.event_type.token(2)

        def history(batch, length):
            items = tokens[rng.integers(0, len(tokens), size=(batch, length))]
            times = 1_700_000_000 + np.cumsum(rng.integers(60, 86_400, (batch, length)), 1)
            return {"item_ids": tf.constant(items),
                    "event_types": tf.constant(np.full((batch, length), event, object)),
                    "timestamps": tf.constant(times.astype(np.int64))}

        one = history(1, 50)
        batch = history(256, 50)
        recommend_ms = _timed(lambda: recommend(**one), calls)
        batch_ms = _timed(lambda: recommend(**batch), max(calls // 50, 10), warmup=3)

        previous = {k: v[:, :49] for k, v in one.items()}
        state = user_embedding(**previous)
        step = {"state": state["state"], "last_timestamp": state["last_timestamp"],
                "item_id": one["item_ids"][:, 49], "event_type": one["event_types"][:, 49],
                "timestamp": one["timestamps"][:, 49],
                "exclude_item_ids": one["item_ids"]}
        update_ms = _timed(lambda: update(**step), calls)
        xla_update_ms = _timed(lambda: xla_update(**step), calls)
        repeats = max(calls // 5, 50)
        graph = _alternating_rounds({
            "recommend": _in_graph_round(recommend, one, "scores", repeats // 10),
            "update": _in_graph_round(update, step, "scores", repeats),
            "xla_update": _in_graph_round(xla_update, step, "scores", repeats)},
            count=IN_GRAPH_ROUNDS)
        embedding_ms = _timed(lambda: user_embedding(**one), max(calls // 5, 50))
        # The O(1) path against the full pass (recommend): same top-k, same scores.
        stepped, full = update(**step), recommend(**one)
        same_items = bool(np.array_equal(stepped["item_ids"].numpy(), full["item_ids"].numpy()))
        difference = float(np.abs(stepped["scores"].numpy() - full["scores"].numpy()).max())
        compiled = xla_update(**step)
        xla_same_items = bool(np.array_equal(compiled["item_ids"].numpy(),
                                             full["item_ids"].numpy()))
        xla_difference = float(np.abs(compiled["scores"].numpy() - full["scores"].numpy()).max())

    result = {
        "benchmark": "serving", "catalogue_items": int(len(candidates)),
        "history_length": 50, "calls": calls,
        "model": str(model_dir) if model_dir else "random weights, beauty sizes",
        "recommend_batch1_ms": _summary(recommend_ms),
        "recommend_batch256_ms": _summary(batch_ms),
        "recommend_batch256_users_per_s": round(256 / (np.median(batch_ms) / 1000.0), 1),
        "update_interest_batch1_ms": _summary(update_ms),
        "update_interest_xla_batch1_ms": _summary(xla_update_ms),
        "user_embedding_batch1_ms": _summary(embedding_ms),
        "update_speedup": round(float(np.median(recommend_ms) / np.median(update_ms)), 2),
        "xla_update_speedup": round(float(np.median(recommend_ms) / np.median(xla_update_ms)),
                                    2),
        "in_graph_ms": {"recommend": round(float(np.median(graph["recommend"])), 3),
                        "update_interest": round(float(np.median(graph["update"])), 3),
                        "update_interest_xla": round(float(np.median(graph["xla_update"])), 3)},
        # Median over the rounds of each round's ratio (the two timed back to back).
        "in_graph_update_speedup": round(float(np.median(
            graph["recommend"] / graph["update"])), 2),
        "in_graph_xla_update_speedup": round(float(np.median(
            graph["recommend"] / graph["xla_update"])), 2),
        "in_graph_rounds": IN_GRAPH_ROUNDS,
        "update_vs_recompute_max_abs_difference": difference,
        "update_vs_recompute_same_top_k": same_items,
        "xla_update_vs_recompute_max_abs_difference": xla_difference,
        "xla_update_vs_recompute_same_top_k": xla_same_items,
        "threads": tf.config.threading.get_intra_op_parallelism_threads() or "default",
        "date": time.strftime("%Y-%m-%d"),
    }
    log(serving_table(result))
    return result


def serving_table(result: dict) -> str:
    r1, r256 = result["recommend_batch1_ms"], result["recommend_batch256_ms"]
    up, xla = result["update_interest_batch1_ms"], result["update_interest_xla_batch1_ms"]
    emb, graph = result["user_embedding_batch1_ms"], result["in_graph_ms"]

    def check(prefix):
        same = "same" if result[f"{prefix}_same_top_k"] else "DIFFERENT"
        return f"{same} top-k, scores within {result[f'{prefix}_max_abs_difference']:.1e}"

    return "\n".join([
        f"| call ({result['catalogue_items']:,} items, 50-event history) | p50 ms | p99 ms |",
        "|---|---:|---:|",
        f"| recommend, batch 1 | {r1['p50']:.2f} | {r1['p99']:.2f} |",
        f"| recommend, batch 256 ({result['recommend_batch256_users_per_s']:,.0f} users/s) | "
        f"{r256['p50']:.2f} | {r256['p99']:.2f} |",
        f"| update_interest, one new event, batch 1 | {up['p50']:.2f} | {up['p99']:.2f} |",
        f"| update_interest, XLA core (`--xla-update`), batch 1 | {xla['p50']:.2f} | "
        f"{xla['p99']:.2f} |",
        f"| user_embedding (+ state), batch 1 | {emb['p50']:.2f} | {emb['p99']:.2f} |",
        "",
        "| update_interest vs recompute (recommend on the 50 events) | per call from Python "
        f"(p50) | in graph, no Python dispatch (median of {result['in_graph_rounds']} alternating "
        "rounds) | vs recommend |",
        "|---|---:|---:|---|",
        f"| default export | {result['update_speedup']:.1f}x | "
        f"{result['in_graph_update_speedup']:.1f}x ({graph['update_interest']:.2f} vs "
        f"{graph['recommend']:.2f} ms) | {check('update_vs_recompute')} |",
        f"| `--xla-update` | {result['xla_update_speedup']:.1f}x | "
        f"{result['in_graph_xla_update_speedup']:.1f}x ({graph['update_interest_xla']:.2f} vs "
        f"{graph['recommend']:.2f} ms) | {check('xla_update_vs_recompute')} |",
    ])
