"""The ``recsys-tf`` command line.

Subcommands: ``data inspect``, ``train``, ``evaluate``, ``bench``, ``export``, ``query``,
``retrieval-index``.

Example::

    recsys-tf train --config training/configs/synthetic.toml --output runs/synthetic
    recsys-tf evaluate --model runs/synthetic --json
    recsys-tf export --model runs/synthetic --base-path exports/recsys
    recsys-tf query recommend --target localhost:8500 --inputs '{"item_ids": [["a", "b"]], ...}'
    recsys-tf retrieval-index --export exports/recsys/1 --output indexes/recsys/1
    recsys-tf data inspect --format synthetic
    recsys-tf data inspect ../shared/datasets/ml-100k --format movielens --json
    recsys-tf data inspect events.csv --format events-csv --column user_id=uid --column timestamp=ts
"""

from __future__ import annotations

import argparse
import json
import sys

from recsys_tf.data.loaders import FORMATS
from recsys_tf.data.report import DataError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recsys-tf", description=(
        "Dynamic interest modelling for recommender systems (Keras 3 / TensorFlow)."))
    commands = parser.add_subparsers(dest="command", required=True)

    data = commands.add_parser("data", help="read, validate and describe datasets")
    data_commands = data.add_subparsers(dest="data_command", required=True)
    inspect = data_commands.add_parser(
        "inspect", help="load a dataset and print counts, sequence lengths and dropped rows")
    inspect.add_argument("path", nargs="?", help="dataset file or directory (not for synthetic)")
    inspect.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.add_argument("--column", action="append", default=[], metavar="CANONICAL=SOURCE",
                         help="events-csv: source column of a canonical field, e.g. "
                              "user_id=uid (repeatable)")
    inspect.add_argument("--items", help="events-csv: item catalogue file")
    inspect.add_argument("--users", help="events-csv: user table file")
    inspect.add_argument("--sep", default=",", help="events-csv: field separator")
    inspect.add_argument("--encoding", default="utf-8", help="events-csv: text encoding")
    inspect.add_argument("--seed", type=int, default=0, help="synthetic: random seed")
    inspect.add_argument("--num-users", type=int, default=None, help="synthetic: users")
    inspect.set_defaults(handler=_data_inspect)

    train = commands.add_parser("train", help="train (or resume) a model from a TOML config")
    train.add_argument("--config", required=True, help="experiment TOML (training/configs/)")
    train.add_argument("--output", help="run directory (default: runs/<config name>); an "
                                        "existing run of the same config resumes")
    train.add_argument("--strategy", help="auto | one | mirrored | multiworker (overrides "
                                          "[train] strategy)")
    train.add_argument("--epochs", type=int, help="overrides [train] epochs")
    train.add_argument("--warm-start", help="a finished run directory to continue from")
    train.add_argument("--json", action="store_true", help="print the metrics as JSON")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser(
        "evaluate", help="test HR/NDCG@10,20 and MRR of a trained model and of popularity, "
        "full ranking and 100/999 sampled negatives")
    evaluate.add_argument("--model", required=True, help="a run directory with model.keras")
    evaluate.add_argument("--config", help="experiment TOML (default: the run's own)")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(handler=_evaluate)

    export = commands.add_parser(
        "export", help="write a finished run as a TF Serving SavedModel version (atomically)")
    export.add_argument("--model", required=True, help="a finished run directory")
    export.add_argument("--base-path", required=True,
                        help="the model's base path (TF Serving's base_path); the version is "
                             "written to BASE_PATH/VERSION")
    export.add_argument("--version", type=int, help="integer version (default: the next one)")
    export.add_argument("--top-k", type=int, default=10,
                        help="items returned by recommend / update_interest")
    export.add_argument("--xla-update", action="store_true",
                        help="XLA-compile update_interest's numeric core (about half its CPU "
                             "cost; TF Serving on CPU then needs "
                             "--xla_cpu_compilation_enabled=true)")
    export.set_defaults(handler=_export)

    query = commands.add_parser(
        "query", help="call the served model over gRPC (TF Serving's PredictionService)")
    query.add_argument("signature", help="metadata, recommend, user_embedding, update_interest, "
                                         "explain, item_embedding, ...")
    query.add_argument("--target", default="localhost:8500", help="TF Serving gRPC host:port")
    query.add_argument("--model-name", default="recsys", help="the model's name on the server")
    query.add_argument("--version", type=int, help="a fixed version (default: latest)")
    query.add_argument("--timeout", type=float, default=2.0, help="deadline per call, seconds")
    query.add_argument("--inputs", help='JSON object of inputs, e.g. \'{"item_ids": [["a"]]}\'')
    query.add_argument("--inputs-file", help="a file holding that JSON object")
    query.set_defaults(handler=_query)

    index = commands.add_parser(
        "retrieval-index", help="TFRS retrieval index (BruteForce/ScaNN) over an export version")
    index.add_argument("--export", required=True, help="an export version directory")
    index.add_argument("--output", required=True, help="directory for the index SavedModel")
    index.add_argument("--backend", default="bruteforce", choices=["bruteforce", "scann"])
    index.add_argument("--k", type=int, default=10, help="items returned per query")
    index.add_argument("--max-exclusions", type=int, default=200,
                       help="most recent history items excluded from the results")
    index.set_defaults(handler=_retrieval_index)

    bench = commands.add_parser(
        "bench", help="benchmark ours vs baselines (vs RecBole peers) on one protocol")
    bench.add_argument("name", choices=["ml-100k", "beauty", "food-kitchen", "cold-start",
                                        "speed", "drift", "serving"],
                       help="which benchmark")
    bench.add_argument("--seeds", type=int, default=1, help="training seeds (mean ± std)")
    bench.add_argument("--peers", action="store_true",
                       help="train the RecBole peers when no cached result fits (slow)")
    bench.add_argument("--peer-models", help="with --peers: which peers to train, comma-separated "
                                             "(default: SASRec,GRU4Rec)")
    bench.add_argument("--peer-set", action="append", default=[], metavar="KEY=VALUE",
                       help="ml-100k/beauty/food-kitchen: a RecBole setting for the peers, "
                            "repeatable, e.g. epochs=40 (a cap) or train_batch_size=256; part "
                            "of the cache key")
    bench.add_argument("--config", help="experiment TOML (default: training/configs/NAME)")
    bench.add_argument("--epochs", type=int, help="override [train] epochs")
    bench.add_argument("--results", default="results", help="results directory")
    bench.add_argument("--rounds", type=int, default=2,
                       help="speed: A/B rounds (one epoch of ours and of each peer per round)")
    bench.add_argument("--calls", type=int, default=1000,
                       help="serving: timed requests per measurement")
    bench.add_argument("--model", help="serving: a finished run (default: random weights at "
                                       "Beauty sizes)")
    bench.add_argument("--json", action="store_true", help="print the result as JSON")
    bench.set_defaults(handler=_bench)
    return parser


def _bench_other(args: argparse.Namespace, log) -> int:
    """drift, food-kitchen, cold-start, speed, serving: one result -> NAME.json / NAME.md."""
    from pathlib import Path

    if args.name == "serving":
        from recsys_tf.bench.serving_benchmark import run_serving_benchmark as run
        from recsys_tf.bench.serving_benchmark import serving_table as table

        result = run(calls=args.calls, model_dir=args.model, log=lambda _: None)
    else:
        if args.name == "drift":
            from recsys_tf.bench.drift_benchmark import drift_table as table
            from recsys_tf.bench.drift_benchmark import run_drift_benchmark as run
        elif args.name == "food-kitchen":
            from recsys_tf.bench.cross_domain_benchmark import cross_domain_table as table
            from recsys_tf.bench.cross_domain_benchmark import run_cross_domain_benchmark as run
        elif args.name == "speed":
            from recsys_tf.bench.speed_benchmark import run_speed_benchmark as run
            from recsys_tf.bench.speed_benchmark import speed_table as table
        else:
            from recsys_tf.bench.cold_start_benchmark import cold_start_table as table
            from recsys_tf.bench.cold_start_benchmark import run_cold_start_benchmark as run
        options = ({"rounds": args.rounds, "peer_models": _peer_models(args.peer_models)}
                   if args.name == "speed" else
                   {"results_dir": args.results, "seeds": args.seeds, "epochs": args.epochs})
        if args.name == "food-kitchen":
            options.update(peers=args.peers, peer_models=_peer_models(args.peer_models),
                           peer_settings=_peer_settings(args.peer_set))
        result = run(config=args.config, log=log, **options)
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{args.name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (results / f"{args.name}.md").write_text(f"# {args.name}\n\n{table(result)}\n")
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


def _peer_models(value: str | None) -> tuple[str, ...] | None:
    from recsys_tf.bench.peers import PEER_MODELS

    if value is None:
        return None
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = sorted(set(names) - set(PEER_MODELS))
    if unknown:
        raise ValueError(f"--peer-models: unknown {unknown}; choose from {list(PEER_MODELS)}")
    return names


def _peer_settings(pairs: list[str]) -> dict:
    """``["epochs=40", "learning_rate=0.002"]`` -> ``{"epochs": 40, "learning_rate": 0.002}``
    (values parsed as JSON, else kept as strings)."""
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


def _bench(args: argparse.Namespace) -> int:
    from recsys_tf.bench.ranking_benchmark import run_ranking_benchmark
    from recsys_tf.bench.report import markdown_table, write_report

    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1. Received: {args.seeds}")
    log = (lambda line: print(line, file=sys.stderr)) if args.json else print
    if args.name not in ("ml-100k", "beauty"):
        return _bench_other(args, log)
    result = run_ranking_benchmark(args.name, results_dir=args.results, seeds=args.seeds,
                                   peers=args.peers, config=args.config, epochs=args.epochs,
                                   peer_models=_peer_models(args.peer_models),
                                   peer_settings=_peer_settings(args.peer_set), log=log)
    paths = write_report(result, args.results)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(markdown_table(result))
        print("written: " + ", ".join(str(p) for p in paths.values()))
    return 0


def _export(args: argparse.Namespace) -> int:
    from recsys_tf.export import export_run

    if args.top_k < 1:
        raise ValueError(f"--top-k must be >= 1. Received: {args.top_k}")
    export_run(args.model, args.base_path, version=args.version, top_k=args.top_k,
               xla_update=args.xla_update)
    return 0


def _query(args: argparse.Namespace) -> int:
    from pathlib import Path

    from recsys_tf.serving import RecommenderClient, ServingError

    with RecommenderClient(args.target, model_name=args.model_name, version=args.version,
                           timeout_s=args.timeout) as client:
        try:
            if args.signature == "metadata":
                result = client.metadata()
            else:
                text = (Path(args.inputs_file).read_text(encoding="utf-8") if args.inputs_file
                        else args.inputs)
                if not text:
                    raise ValueError(f"{args.signature} needs --inputs or --inputs-file")
                try:
                    inputs = json.loads(text)
                except json.JSONDecodeError as error:
                    raise ValueError(f"--inputs is not valid JSON: {error}") from None
                if not isinstance(inputs, dict):
                    raise ValueError("--inputs must be a JSON object {input name: values}")
                outputs = client.predict(args.signature, inputs)
                result = {name: _jsonable(value) for name, value in outputs.items()}
        except ServingError as error:
            print(f"recsys-tf: error: {error}", file=sys.stderr)
            return 1
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def _jsonable(value):
    import numpy as np

    value = np.asarray(value)
    if value.dtype == object:
        return np.vectorize(lambda b: b.decode("utf-8") if isinstance(b, bytes) else b,
                            otypes=[object])(value).tolist() if value.size else value.tolist()
    return value.tolist()


def _retrieval_index(args: argparse.Namespace) -> int:
    import os
    import subprocess

    # TFRS needs Keras 2 (TF_USE_LEGACY_KERAS=1 before TensorFlow loads): its own process.
    command = [sys.executable, "-m", "recsys_tf.retrieval.tfrs_index", "--export", args.export,
               "--output", args.output, "--backend", args.backend, "--k", str(args.k),
               "--max-exclusions", str(args.max_exclusions)]
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1"}
    return subprocess.run(command, env=env, check=False).returncode


def _train(args: argparse.Namespace) -> int:
    from pathlib import Path

    from recsys_tf.evaluation.run_report import format_report
    from recsys_tf.training.experiment_config import ExperimentConfig
    from recsys_tf.training.trainer import train

    experiment = ExperimentConfig.load(args.config)
    output = args.output or str(Path("runs") / Path(args.config).stem)
    metrics = train(experiment, output, epochs=args.epochs, strategy=args.strategy,
                    warm_start=args.warm_start)
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        print(format_report(metrics))
        print(f"best epoch {metrics['best_epoch']}; model, metrics and TensorBoard logs in "
              f"{output}/")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from recsys_tf.evaluation.run_report import evaluate_run, format_report
    from recsys_tf.training.experiment_config import ExperimentConfig

    experiment = ExperimentConfig.load(args.config) if args.config else None
    report = evaluate_run(args.model, experiment)
    print(json.dumps(report, indent=2) if args.json else format_report(report))
    return 0


def _data_inspect(args: argparse.Namespace) -> int:
    from recsys_tf.data.ingest import EventColumns
    from recsys_tf.data.loaders import load_dataset
    from recsys_tf.data.summary import format_summary, summarize

    options: dict = {}
    if args.fmt == "synthetic":
        from recsys_tf.data.synthetic import SyntheticConfig

        if args.path:
            raise DataError("the synthetic format takes no path", source=args.path)
        overrides = {"seed": args.seed}
        if args.num_users is not None:
            overrides["num_users"] = args.num_users
        options["config"] = SyntheticConfig(**overrides)
    elif args.path is None:
        raise DataError(f"format {args.fmt!r} needs a PATH")
    elif args.fmt == "events-csv":
        options.update(columns=EventColumns.from_assignments(args.column), items=args.items,
                       users=args.users, sep=args.sep, encoding=args.encoding)
    log = load_dataset(args.fmt, args.path, **options)
    stats = summarize(log)
    if args.json:
        print(json.dumps(stats, indent=2, ensure_ascii=False))
    else:
        print(format_summary(stats))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status (2 for bad input, with a message)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except (DataError, ValueError) as error:
        print(f"recsys-tf: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
