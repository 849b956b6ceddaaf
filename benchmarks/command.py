"""``recsys-tf bench NAME [options]``: run one benchmark and write its results files.

The results (``NAME.md``, ``NAME.json``, PNGs) go to ``benchmarks/results/`` (``--results``);
the work behind them (our training runs, the RecBole peers' cached results and checkpoints) to
``--work-dir``, outside git, so a second run reuses it. Then ``python -m benchmarks.make_docs``
regenerates ``docs/benchmarks.md`` and the README's results table from the results files.

Example::

    recsys-tf bench drift --seeds 3
    recsys-tf bench beauty --seeds 3 --peers
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.results_files import RESULTS_DIR, write_results
from recsys_tf.user_cache import cache_root


@dataclasses.dataclass(frozen=True)
class Suite:
    """One benchmark: ``run(args, log) -> result``, its markdown table and its plots."""

    run: Callable[[argparse.Namespace, Callable[[str], None]], dict]
    table: Callable[[dict], str]
    plots: Callable[[dict], dict] = lambda result: {}


def _ranking(name: str) -> Suite:
    def run(args, log):
        from benchmarks.suites.ranking import run_ranking_benchmark

        return run_ranking_benchmark(name, work_dir=args.work_dir, seeds=args.seeds,
                                     peers=args.peers, config=args.config, epochs=args.epochs,
                                     peer_models=peer_models(args.peer_models),
                                     peer_settings=peer_settings(args.peer_set), log=log)

    from benchmarks.report import markdown_table, ranking_plots

    return Suite(run, markdown_table, ranking_plots)


def _food_kitchen() -> Suite:
    from benchmarks.suites.cross_domain import (
        cross_domain_table,
        history_table,
        run_cross_domain_benchmark,
    )

    return Suite(lambda args, log: run_cross_domain_benchmark(
        work_dir=args.work_dir, seeds=args.seeds, config=args.config, epochs=args.epochs,
        peers=args.peers, peer_models=peer_models(args.peer_models),
        peer_settings=peer_settings(args.peer_set), domains=args.domains, log=log),
        lambda result: (cross_domain_table(result) + "\n\nFull-ranking NDCG@10 by the "
                        "user's history (earlier events in the target domain; any in the "
                        "other):\n\n" + history_table(result)))


def _cold_start() -> Suite:
    from benchmarks.suites.cold_start import (
        cold_start_plots,
        cold_start_table,
        run_cold_start_benchmark,
    )

    return Suite(lambda args, log: run_cold_start_benchmark(
        work_dir=args.work_dir, seeds=args.seeds, config=args.config, epochs=args.epochs,
        log=log), cold_start_table, cold_start_plots)


def _drift() -> Suite:
    from benchmarks.suites.drift import drift_table, run_drift_benchmark

    return Suite(lambda args, log: run_drift_benchmark(
        work_dir=args.work_dir, seeds=args.seeds, config=args.config, epochs=args.epochs,
        log=log), drift_table)


def _speed() -> Suite:
    from benchmarks.suites.speed import run_speed_benchmark, speed_table

    return Suite(lambda args, log: run_speed_benchmark(
        rounds=args.rounds, config=args.config, peer_models=peer_models(args.peer_models),
        log=log), speed_table)


def _serving() -> Suite:
    from benchmarks.suites.serving import run_serving_benchmark, serving_table

    return Suite(lambda args, log: run_serving_benchmark(
        calls=args.calls, model_dir=args.model, log=log), serving_table)


def _scale() -> Suite:
    from benchmarks.suites.scale import SIZES, run_scale_benchmark, scale_plots, scale_table

    return Suite(lambda args, log: run_scale_benchmark(
        sizes=args.sizes or SIZES, log=log, partial=Path(args.results) / "scale.partial.json"),
        scale_table, scale_plots)


SUITES: dict[str, Callable[[], Suite]] = {
    "ml-100k": lambda: _ranking("ml-100k"), "beauty": lambda: _ranking("beauty"),
    "food-kitchen": _food_kitchen, "cold-start": _cold_start, "drift": _drift,
    "speed": _speed, "serving": _serving, "scale": _scale,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recsys-tf bench", description="Benchmark ours vs baselines (vs RecBole peers) on "
        "one protocol; writes NAME.md, NAME.json and PNGs to the results directory.")
    parser.add_argument("name", choices=list(SUITES), help="which benchmark")
    parser.add_argument("--seeds", type=int, default=1, help="training seeds (mean ± std)")
    parser.add_argument("--peers", action="store_true",
                        help="train the RecBole peers when no cached result fits (slow)")
    parser.add_argument("--peer-models", help="with --peers: which peers to train, "
                                              "comma-separated (default: SASRec,GRU4Rec)")
    parser.add_argument("--peer-set", action="append", default=[], metavar="KEY=VALUE",
                        help="ml-100k/beauty/food-kitchen: a RecBole setting for the peers, "
                             "repeatable, e.g. epochs=40 (a cap); part of the cache key")
    parser.add_argument("--config", help="experiment config: a built-in name or a TOML path "
                                         "(default: the benchmark's built-in config)")
    parser.add_argument("--epochs", type=int, help="override [train] epochs")
    parser.add_argument("--results", default=str(RESULTS_DIR),
                        help="where NAME.md/.json/.png go (default: benchmarks/results)")
    parser.add_argument("--work-dir", default=str(cache_root() / "bench"),
                        help="training runs and peer caches (default: ~/.cache/recsys_tf/bench)")
    parser.add_argument("--domain", action="append", dest="domains", metavar="NAME",
                        help="food-kitchen: rank only this target domain (repeatable; "
                             "default: every domain)")
    parser.add_argument("--rounds", type=int, default=2,
                        help="speed: A/B rounds (one epoch of ours and of each peer per round)")
    parser.add_argument("--calls", type=int, default=1000,
                        help="serving: timed requests per measurement")
    parser.add_argument("--model", help="serving: a finished run (default: random weights at "
                                        "Beauty sizes)")
    parser.add_argument("--size", action="append", dest="sizes", type=scale_size,
                        metavar="ITEMSxEVENTS", help="scale: one size, e.g. 100000x1000000 "
                        "(repeatable; default: 10k, 100k, 1M items × 1M events and 100k "
                        "items × 3M, 10M events)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    return parser


def scale_size(text: str) -> tuple[int, int]:
    """``ITEMSxEVENTS`` -> ``(items, events)``.

    >>> scale_size("10000x1000000")
    (10000, 1000000)
    """
    items, sep, events = text.lower().partition("x")
    if not sep or not items.isdigit() or not events.isdigit():
        raise argparse.ArgumentTypeError(f"expected ITEMSxEVENTS, e.g. 10000x1000000: {text!r}")
    return int(items), int(events)


def main(argv: list[str]) -> dict | str:
    """Runs ``recsys-tf bench`` with ``argv``; returns the result (``--json``) or its table.

    Progress lines go to stderr."""
    args = build_parser().parse_args(argv)
    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1. Received: {args.seeds}")
    args.work_dir = str(Path(args.work_dir).expanduser())
    suite = SUITES[args.name]()
    result = suite.run(args, lambda line: print(line, file=sys.stderr, flush=True))
    table = suite.table(result)
    paths = write_results(args.name, result, table=table, results_dir=args.results,
                          command=shlex.join(["recsys-tf", "bench", *argv]),
                          plots=suite.plots(result))
    print("written: " + ", ".join(str(p) for p in paths), file=sys.stderr)
    return result if args.json else table


def peer_models(value: str | None) -> tuple[str, ...] | None:
    """``"SASRec, GRU4Rec"`` -> ``("SASRec", "GRU4Rec")``, checked against the known peers."""
    from benchmarks.peers.recbole_peers import PEER_MODELS

    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(set(names) - set(PEER_MODELS))
    if unknown:
        raise ValueError(f"--peer-models: unknown {unknown}; choose from {list(PEER_MODELS)}")
    return names


def peer_settings(pairs: list[str]) -> dict:
    """``["epochs=40", "learning_rate=0.002"]`` -> ``{"epochs": 40, "learning_rate": 0.002}``
    (values parsed as JSON, else kept as strings).

    >>> peer_settings(["epochs=40", "loss_type=CE"])
    {'epochs': 40, 'loss_type': 'CE'}
    """
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--peer-set takes KEY=VALUE. Received: {pair!r}")
        try:
            settings[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            settings[key.strip()] = value
    return settings
