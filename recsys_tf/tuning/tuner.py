"""``recsys-tf tune``: a KerasTuner search scored by our full-ranking validation NDCG@10.

Each trial is a whole :func:`~recsys_tf.training.trainer.train` run (early stopping on
validation NDCG@10, the transition prior fitted on validation) with the trial's values from the
``[tune]`` search space (:mod:`~recsys_tf.tuning.search_space`); the objective is that run's
validation NDCG@10 — all items ranked, history masked — not Keras' validation loss. The data is
prepared once and shared by all trials.

Everything lives under the output folder, so a killed search resumes where it stopped:

* ``search/`` — KerasTuner's oracle and trial records. On a restart KerasTuner reloads them;
  finished trials are kept and the trial that was running is run again with its values.
* ``trials/<id>/`` — each trial's run directory; the re-run trial resumes from its last
  finished epoch.
* ``trials.md`` / ``trials.json`` — every trial's values and validation NDCG@10, best first.
* ``best.toml`` — the experiment with the best trial's values: ``recsys-tf train --config``
  it for a full run (its ``[train] epochs`` is the experiment's, not ``--max-epochs``).

Example::

    result = tune("ml-100k-tune.toml", "runs/tune-ml-100k", trials=20, max_epochs=20)
    result["best"]["valid_ndcg@10"], result["best"]["values"]
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from recsys_tf.experiment.run_directory import write_atomically
from recsys_tf.experiment.toml_text import toml_text
from recsys_tf.tuning.search_space import TuneConfig

OBJECTIVE = "val_ndcg@10"


def _tuner_class():
    """Defined on first use: importing KerasTuner costs a second and pulls in gRPC."""
    from keras_tuner.engine import base_tuner

    class RankingTuner(base_tuner.BaseTuner):
        """Runs each trial as a training run in ``trials/<trial id>``."""

        def __init__(self, oracle, *, run_trial, directory: Path):
            self._run = run_trial
            super().__init__(oracle=oracle, directory=str(directory), project_name="search",
                             overwrite=False)

        def run_trial(self, trial, *args, **kwargs):
            return {OBJECTIVE: self._run(trial.trial_id, trial.hyperparameters.values)}

    return RankingTuner


def _oracle(search: TuneConfig, trials: int):
    import keras_tuner

    objective = keras_tuner.Objective(OBJECTIVE, direction="max")
    hp = search.hyperparameters()
    if search.algorithm == "random":
        return keras_tuner.oracles.RandomSearchOracle(
            objective=objective, max_trials=trials, hyperparameters=hp, seed=search.seed)
    try:
        return keras_tuner.oracles.BayesianOptimizationOracle(
            objective=objective, max_trials=trials, hyperparameters=hp, seed=search.seed)
    except ImportError:
        raise ValueError('[tune] algorithm = "bayesian" needs scikit-learn (pip install '
                         'scikit-learn); "random" needs nothing more') from None


def tune(config: str | Path, output: str | Path, *, trials: int,
         max_epochs: int | None = None, log=print) -> dict:
    """Runs (or resumes) the search of ``config``'s ``[tune]`` table into ``output``; returns
    the trials table (see the module docstring)."""
    import keras_tuner

    from recsys_tf.experiment.prepared_data import prepare_data
    from recsys_tf.training.trainer import train

    if trials < 1:
        raise ValueError(f"--trials must be >= 1. Received: {trials}")
    if max_epochs is not None and max_epochs < 1:
        raise ValueError(f"--max-epochs must be >= 1. Received: {max_epochs}")
    search = TuneConfig.load(config)
    experiment = search.experiment(config)
    if max_epochs is not None:
        experiment = experiment.replace(
            train={"epochs": min(max_epochs, experiment.train.epochs)})
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    prepared = prepare_data(experiment.data)
    records: dict[str, dict] = {}

    def run_trial(trial_id: str, values: dict) -> float:
        try:
            trial_experiment = search.apply(experiment, values)
        except ValueError as error:  # e.g. a combination the model refuses
            raise keras_tuner.errors.FailedTrialError(str(error)) from None
        started = time.perf_counter()
        log(f"trial {trial_id}: {_format_values(search.typed(values))}")
        metrics = train(trial_experiment, output / "trials" / trial_id, prepared=prepared,
                        verbose=0, log=lambda line: None)
        score = float(metrics["valid"]["model"]["ndcg@10"])
        records[trial_id] = {"best_epoch": metrics["best_epoch"],
                             "epochs": len(metrics["history"]),
                             "seconds": round(time.perf_counter() - started, 1)}
        log(f"trial {trial_id}: validation NDCG@10 {score:.4f} (best epoch "
            f"{metrics['best_epoch']})")
        return score

    tuner = _tuner_class()(_oracle(search, trials), run_trial=run_trial, directory=output)
    tuner.search(verbose=0)
    result = trials_table(tuner.oracle, search, records, output)
    result.update(config=str(config), max_epochs=max_epochs, algorithm=search.algorithm,
                  seed=search.seed)
    if result["best"] is None:
        raise ValueError(f"no trial of {config} finished (see {output / 'search'})")
    best_experiment = search.apply(search.experiment(config), result["best"]["values"])
    header = (f"The best of {len(result['trials'])} trials of `recsys-tf tune --config {config}"
              f"` (trial {result['best']['trial']}, validation NDCG@10 "
              f"{result['best']['valid_ndcg@10']:.4f} after at most "
              f"{experiment.train.epochs} epochs).\nSearched: "
              f"{_format_values(result['best']['values'])}")
    write_atomically(output / "best.toml", lambda path: Path(path).write_text(
        toml_text(best_experiment.to_dict(), header), encoding="utf-8"))
    write_atomically(output / "trials.json", lambda path: Path(path).write_text(
        json.dumps(result, indent=2) + "\n", encoding="utf-8"))
    write_atomically(output / "trials.md", lambda path: Path(path).write_text(
        format_trials(result) + "\n", encoding="utf-8"))
    return result


def trials_table(oracle, search: TuneConfig, records: dict, output: Path) -> dict:
    """Every trial KerasTuner holds (this session's and earlier ones'), best first."""
    rows = []
    for trial_id, trial in sorted(oracle.trials.items()):
        score = (trial.metrics.get_best_value(OBJECTIVE)
                 if trial.metrics.exists(OBJECTIVE) else None)
        record = records.get(trial_id) or _recorded_run(output / "trials" / trial_id)
        rows.append({"trial": trial_id, "status": str(trial.status),
                     "values": search.typed(trial.hyperparameters.values),
                     "valid_ndcg@10": None if score is None else float(score), **record})
    rows.sort(key=lambda row: -1.0 if row["valid_ndcg@10"] is None else -row["valid_ndcg@10"])
    finished = [row for row in rows if row["valid_ndcg@10"] is not None]
    return {"objective": "validation NDCG@10 (full ranking, history masked)",
            "trials": rows, "best": finished[0] if finished else None}


def _recorded_run(run_dir: Path) -> dict:
    """Best epoch and epochs of a trial finished in an earlier session (its metrics.json)."""
    try:
        metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {"best_epoch": metrics.get("best_epoch"), "epochs": len(metrics.get("history", [])),
            "seconds": metrics.get("seconds", {}).get("train")}


def _format_values(values: dict) -> str:
    return ", ".join(f"{name} = {value:g}" if isinstance(value, float) else
                     f"{name} = {value}" for name, value in values.items())


def format_trials(result: dict) -> str:
    names = list(result["trials"][0]["values"]) if result["trials"] else []
    lines = [f"Objective: {result['objective']}; {len(result['trials'])} trials, best first.",
             "", "| trial | " + " | ".join(names) + " | val NDCG@10 | best epoch | status |",
             "|---|" + "---:|" * len(names) + "---:|---:|---|"]
    for row in result["trials"]:
        values = [f"{v:.4g}" if isinstance(v, float) else str(v) for v in row["values"].values()]
        score = "—" if row["valid_ndcg@10"] is None else f"{row['valid_ndcg@10']:.4f}"
        lines.append(f"| {row['trial']} | " + " | ".join(values) +
                     f" | {score} | {row.get('best_epoch', '—')} | {row['status']} |")
    return "\n".join(lines)
