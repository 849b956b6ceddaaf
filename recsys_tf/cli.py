"""The ``recsys-tf`` command line.

Subcommands: ``data inspect``, ``train``, ``evaluate``, ``bench``, ``export``, ``query``,
``retrieval-index``.

Example::

    recsys-tf train --config synthetic --output runs/synthetic
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
import contextlib
import dataclasses
import json
import os
import sys

from recsys_tf import __version__
from recsys_tf.configs import built_in_configs
from recsys_tf.data.loaders import FORMATS
from recsys_tf.data.report import DataError
from recsys_tf.data.user_partitions import PART_EVENTS
from recsys_tf.json_values import strict_json
from recsys_tf.training.errors import TrainingDiverged, WorkerStartupError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="recsys-tf", description=(
        "Dynamic interest modelling for recommender systems (Keras 3 / TensorFlow)."))
    parser.add_argument("--version", action="version", version=f"recsys-tf {__version__}")
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
    prepare = data_commands.add_parser(
        "prepare", help="write a config's train/valid/test examples as sharded TFRecord files")
    prepare.add_argument("--config", required=True, help="experiment TOML or built-in config")
    prepare.add_argument("--output", required=True, help="folder for the shards and manifest")
    prepare.add_argument("--shards", type=int, default=8, help="files per split (default 8)")
    prepare.add_argument("--part-events", type=int, default=PART_EVENTS,
                         help="events-csv split leave-one-out: prepare this many events at a "
                              "time (whole users; memory bounded by a part); 0 prepares the "
                              "whole log at once (default %(default)s)")
    prepare.add_argument("--json", action="store_true", help="print the manifest as JSON")
    prepare.set_defaults(handler=_data_prepare)

    train = commands.add_parser("train", help="train (or resume) a model from a TOML config")
    train.add_argument("--config", required=True,
                       help="experiment TOML, or a built-in config: "
                            + ", ".join(built_in_configs()))
    train.add_argument("--output", help="run directory (default: runs/<config name>); an "
                                        "existing run of the same config resumes")
    train.add_argument("--strategy", help="auto | one | mirrored | multiworker (overrides "
                                          "[train] strategy)")
    train.add_argument("--epochs", type=int, help="overrides [train] epochs")
    train.add_argument("--warm-start", help="a finished run directory to continue from")
    train.add_argument("--data-path", help="overrides [data] path (the dataset file or folder)")
    train.add_argument("--shards", help="read the training batches from a `recsys-tf data "
                                        "prepare` folder of the same data (each multiworker "
                                        "worker reads only its own files)")
    train.add_argument("--json", action="store_true",
                       help="print the metrics as one JSON document (logs go to stderr)")
    train.set_defaults(handler=_train)

    tune = commands.add_parser(
        "tune", help="search hyper-parameters declared in the config's [tune] table "
                     "(KerasTuner; objective: validation NDCG@10, full ranking)")
    tune.add_argument("--config", required=True, help="experiment TOML with a [tune] table")
    tune.add_argument("--trials", type=int, required=True, help="trials in the whole search "
                                                                "(a resumed search counts "
                                                                "earlier ones)")
    tune.add_argument("--max-epochs", type=int, help="caps [train] epochs of every trial")
    tune.add_argument("--output", help="search folder (default: runs/tune-<config name>); an "
                                       "existing search resumes")
    tune.add_argument("--json", action="store_true", help="print the trials as one JSON object")
    tune.set_defaults(handler=_tune)

    evaluate = commands.add_parser(
        "evaluate", help="test HR/NDCG@10,20 and MRR of a trained model and of popularity, "
        "full ranking and 100/999 sampled negatives")
    evaluate.add_argument("--model", required=True, help="a run directory with model.keras")
    evaluate.add_argument("--config", help="experiment TOML or built-in name (default: the "
                                           "run's own)"),
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
    export.add_argument("--new-item-slots", type=int, default=None,
                        help="places of the top-k kept for catalogue items without training "
                             "events (default: the cold-start benchmark's choice, recorded in "
                             "the manifest; 0 = none; docs/serving.md)")
    export.add_argument("--new-item-min-similarity", type=float, default=None,
                        help="the least title cosine with the user's last item that earns a "
                             "new item one of those places (default: the cold-start "
                             "benchmark's choice; -1 = any)")
    export.add_argument("--new-item-offset", type=float, default=None,
                        help="a new item takes one of those places only if its score plus "
                             "this offset reaches the warm item it pushes out (default: the "
                             "cold-start benchmark's choice; inf = always)")
    export.add_argument("--xla-update", action="store_true",
                        help="XLA-compile update_interest's numeric core (about half its CPU "
                             "cost; TF Serving on CPU then needs "
                             "--xla_cpu_compilation_enabled=true)")
    export.add_argument("--mode", choices=("full", "index"), default="full",
                        help="full: recommend & co. rank the catalogue in the SavedModel; "
                             "index: the SavedModel serves user_embedding / update_interest "
                             "state without per-item ranking tables, and `retrieval-index` "
                             "holds the item vectors (docs/serving.md)")
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
        "retrieval-index",
        help="TFRS retrieval index (BruteForce/partitioned/ScaNN) over an export version")
    index.add_argument("--export", required=True, help="an export version directory")
    index.add_argument("--output", required=True, help="directory for the index SavedModel")
    index.add_argument("--backend", default="bruteforce",
                       choices=["bruteforce", "partitioned", "scann"],
                       help="bruteforce: exact; partitioned: k-means partitions, a few scanned "
                       "per query (approximate; for large catalogues); scann: where it loads")
    index.add_argument("--k", type=int, default=10, help="items returned per query")
    index.add_argument("--max-exclusions", type=int, default=200,
                       help="most recent history items excluded from the results")
    index.add_argument("--partitions", type=int,
                       help="partitioned: k-means partitions (default sqrt(items))")
    index.add_argument("--probes", type=int,
                       help="partitioned: partitions scanned per query (default 1/8 of them)")
    index.set_defaults(handler=_retrieval_index)

    bench = commands.add_parser(
        "bench", add_help=False, help="benchmark ours vs baselines (vs RecBole peers) on one "
        "protocol; needs the [bench] extra (`recsys-tf bench --help` lists the benchmarks)")
    bench.add_argument("arguments", nargs=argparse.REMAINDER,
                       help="NAME [options] of `benchmarks.command`")
    bench.set_defaults(handler=_bench)
    return parser


def _bench(args: argparse.Namespace) -> Report:
    try:
        import matplotlib  # noqa: F401  (the [bench] extra)

        from benchmarks.command import main as bench_main
    except ImportError as error:
        raise ValueError(f"`recsys-tf bench` needs the [bench] extra ({error}): "
                         "python -m pip install -e '.[bench]' in a clone of the "
                         "repository") from None
    outcome = bench_main(args.arguments or ["--help"])
    return Report(outcome, outcome if isinstance(outcome, str) else json.dumps(outcome))


def _export(args: argparse.Namespace) -> int:
    from recsys_tf.export import export_run

    if args.top_k < 1:
        raise ValueError(f"--top-k must be >= 1. Received: {args.top_k}")
    slots = {} if args.new_item_slots is None else {"new_item_slots": args.new_item_slots}
    if slots and not 0 <= args.new_item_slots <= args.top_k:
        raise ValueError(f"--new-item-slots must be in [0, --top-k]. Received: "
                         f"{args.new_item_slots}")
    if args.new_item_min_similarity is not None:
        if not -1 <= args.new_item_min_similarity <= 1:
            raise ValueError("--new-item-min-similarity must be a cosine in [-1, 1]. "
                             f"Received: {args.new_item_min_similarity}")
        slots["new_item_min_similarity"] = args.new_item_min_similarity
    if args.new_item_offset is not None:
        slots["new_item_offset"] = args.new_item_offset
    export_run(args.model, args.base_path, version=args.version, top_k=args.top_k,
               xla_update=args.xla_update, mode=args.mode, **slots)
    return 0


def _query(args: argparse.Namespace) -> Report | int:
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
    return Report(result, json.dumps(result, indent=2, ensure_ascii=False))


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
    for option in ("partitions", "probes"):
        if getattr(args, option) is not None:
            command += [f"--{option}", str(getattr(args, option))]
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1"}
    return subprocess.run(command, env=env, check=False).returncode


def _train(args: argparse.Namespace) -> Report:
    from pathlib import Path

    from recsys_tf.evaluation.run_report import format_report
    from recsys_tf.experiment.experiment_config import ExperimentConfig
    from recsys_tf.training.trainer import train

    experiment = ExperimentConfig.load(args.config)
    output = args.output or str(Path("runs") / Path(args.config).stem)
    if args.data_path:
        experiment = experiment.replace(data={"path": args.data_path})
    metrics = train(experiment, output, epochs=args.epochs, strategy=args.strategy,
                    warm_start=args.warm_start, shards=args.shards)
    return Report(metrics, f"{format_report(metrics)}\nbest epoch {metrics['best_epoch']}; "
                           f"model, metrics and TensorBoard logs in {output}/")


def _tune(args: argparse.Namespace) -> Report:
    from pathlib import Path

    from recsys_tf.tuning.tuner import format_trials, tune

    output = args.output or str(Path("runs") / f"tune-{Path(args.config).stem}")
    result = tune(args.config, output, trials=args.trials, max_epochs=args.max_epochs)
    return Report(result, f"{format_trials(result)}\nbest configuration: {output}/best.toml")


def _evaluate(args: argparse.Namespace) -> Report:
    from recsys_tf.evaluation.run_report import evaluate_run, format_report
    from recsys_tf.experiment.experiment_config import ExperimentConfig

    experiment = ExperimentConfig.load(args.config) if args.config else None
    report = evaluate_run(args.model, experiment)
    return Report(report, format_report(report))


def _data_inspect(args: argparse.Namespace) -> Report:
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
    return Report(stats, format_summary(stats))


def _data_prepare(args: argparse.Namespace) -> Report:
    from recsys_tf.experiment.experiment_config import ExperimentConfig
    from recsys_tf.experiment.shard_files import prepare_shards

    manifest = prepare_shards(ExperimentConfig.load(args.config), args.output,
                              shards=args.shards, part_events=args.part_events,
                              log=lambda line: print(line, file=sys.stderr))
    lines = [f"{split}: {entry['rows']} examples in {len(entry['files'])} files"
             for split, entry in manifest["splits"].items()]
    return Report(manifest, "\n".join([*lines, f"fingerprint {manifest['fingerprint'][:12]}, "
                                        f"written to {args.output}"]))


@dataclasses.dataclass(frozen=True)
class Report:
    """What a command prints: ``payload`` as JSON with ``--json``, else ``text``."""

    payload: object
    text: str


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; returns the exit status (2 for bad input, with a message).

    With ``--json``, stdout carries exactly one JSON document: while the command runs,
    everything else printed to stdout (Keras' epoch lines, progress notes) goes to stderr.
    """
    # TensorFlow's C++ start-up notes (INFO) would open every job log; warnings still show.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    as_json = bool(getattr(args, "json", False)) or (
        args.command == "bench" and "--json" in args.arguments)
    stdout = sys.stdout
    try:
        with contextlib.redirect_stdout(sys.stderr) if as_json else contextlib.nullcontext():
            outcome = args.handler(args)
    except (DataError, ValueError, LookupError, TrainingDiverged, WorkerStartupError) as error:
        print(f"recsys-tf: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a file or folder that cannot be read or written
        where = f": {error.filename}" if error.filename else ""
        print(f"recsys-tf: error: {error.strerror or error}{where}", file=sys.stderr)
        return 2
    if not isinstance(outcome, Report):
        return outcome
    print(json.dumps(strict_json(outcome.payload), indent=2, ensure_ascii=False, allow_nan=False)
          if as_json else outcome.text,
          file=stdout, flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
