"""Trains one RecBole 1.2.1 sequential model on recsys_tf's split; runs in the peer venv.

Not imported by recsys_tf: :mod:`benchmarks.peers.recbole_peers` runs this file with the Python of a
separate virtual environment (RecBole needs numpy < 2 and pandas < 2.2). The two sides exchange
files only: a directory from :func:`benchmarks.peers.peer_data.export_peer_data` in, one JSON
out. Ranks use recsys_tf's own ``ranking_metrics.py`` (NumPy only), loaded by path, so both
sides count ties and masks identically.

What differs from stock RecBole, and why:

- training examples are the per-prefix examples of our split (benchmark files), so RecBole
  never re-splits; evaluation is ours: RecBole's sequential full-sort evaluation does not mask
  the user's history (RecBole issues #1823, #1449, #2038), so early stopping and test ranks
  use the full prior history mask and keep the target;
- RecBole's checkpoint files are not used. With ``--checkpoint``, the runner saves its own
  state after every epoch (weights, Adam moments, the best epoch's weights, the epoch log and
  every random generator, the training loader's shuffle included) and a run started again
  with the same file goes on from there: a resumed run trains exactly as an uninterrupted one.
  The file is written by this runner only, so it is read with ``weights_only=False`` (the
  torch >= 2.6 default refuses the NumPy generator state);
- ``recbole.quick_start`` (which imports ``ray``) is never imported;
- ``alias_of_item_id = [item_id_list]``: without it RecBole remaps the history field with its
  own token table, so a history id and a target id of the same number are different items
  (the input embeddings GRU4Rec and SASRec share with their output layer stop lining up, and
  our evaluation's histories, mapped through the ``item_id`` table, no longer mean what the
  model trained on). :func:`_check_shared_item_ids` fails the run if the tables differ.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import os
import platform
import random
import resource
import sys
import time
from pathlib import Path

import numpy as np


def _ranking_metrics():
    path = Path(__file__).resolve().parents[1] / "evaluation" / "ranking_metrics.py"
    spec = importlib.util.spec_from_file_location("recsys_tf_ranking_metrics", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _dense_history(items, offsets, rows, num_items):
    out = np.zeros((rows.stop - rows.start, num_items), bool)
    counts = np.diff(offsets[rows.start:rows.stop + 1])
    out[np.repeat(np.arange(len(counts)), counts),
        items[offsets[rows.start]:offsets[rows.stop]]] = True
    return out


def _check_shared_item_ids(dataset, train_file: Path) -> None:
    """Decodes the first training row back to tokens and compares it with the file: histories
    and targets must share one item table."""
    with open(train_file, encoding="utf-8") as file:
        next(file)
        _, history, target = next(file).rstrip("\n").split("\t")
    tokens = dataset.field2id_token["item_id"]
    row = dataset.inter_feat.iloc[0]  # a DataFrame until data_preparation; lists unpadded
    decoded = [tokens[i] for i in row["item_id_list"]]
    shared = np.array_equal(dataset.field2id_token.get("item_id_list", tokens), tokens)
    if not shared or decoded != history.split() or tokens[int(row["item_id"])] != target:
        raise RuntimeError(f"RecBole's item ids for the history field differ from the target "
                           f"field's ({train_file} row 1: history {history.split()} decoded "
                           f"as {decoded}); the item_id_list alias is not in effect.")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="export_peer_data directory")
    parser.add_argument("--model", required=True, choices=["SASRec", "GRU4Rec"])
    parser.add_argument("--config", required=True, help="JSON of RecBole settings")
    parser.add_argument("--output", required=True, help="result JSON")
    parser.add_argument("--checkpoint", help="state file saved after every epoch; resumed "
                                             "from when it exists")
    args = parser.parse_args(argv)
    settings = json.loads(args.config)
    threads = int(settings.pop("threads", 2))
    max_epochs = int(settings.pop("epochs"))
    patience = int(settings.pop("patience"))
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))

    import torch
    from recbole.config import Config
    from recbole.data import create_dataset, data_preparation
    from recbole.data.interaction import Interaction
    from recbole.utils import get_model, get_trainer, init_seed

    torch.set_num_threads(threads)
    metrics = _ranking_metrics()
    data = Path(args.data).resolve()
    output = Path(args.output).resolve()
    checkpoint = Path(args.checkpoint).resolve() if args.checkpoint else None
    work = data / f"recbole-{args.model}"
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(work)  # RecBole writes log/ and log_tensorboard/ into the working directory
    config = Config(model=args.model, dataset="peer", config_dict={
        "data_path": str(data), "benchmark_filename": ["train", "valid", "test"],
        "USER_ID_FIELD": "user_id", "ITEM_ID_FIELD": "item_id",
        "load_col": {"inter": ["user_id", "item_id_list", "item_id"]},
        "alias_of_item_id": ["item_id_list"],
        "loss_type": "CE", "train_neg_sample_args": None, "device": "cpu", "use_gpu": False,
        "show_progress": False, "checkpoint_dir": str(work / "saved"),
        "log_wandb": False, "state": "WARNING", "reproducibility": True,
        "epochs": max_epochs, **settings})
    init_seed(config["seed"], config["reproducibility"])
    dataset = create_dataset(config)
    _check_shared_item_ids(dataset, data / "peer" / "peer.train.inter")
    train_data, _, _ = data_preparation(config, dataset)
    model = get_model(args.model)(config, train_data._dataset).to("cpu")
    trainer = get_trainer(config["MODEL_TYPE"], args.model)(config, model)

    arrays = np.load(data / "eval.npz")
    num_items = int(arrays["num_items"])
    # Our item index <-> RecBole's internal id (tokens are our indices as strings).
    tokens = dataset.field2id_token["item_id"]
    ours_of_recbole = np.array([int(t) if t != "[PAD]" else 0 for t in tokens], np.int64)
    recbole_of_ours = np.zeros(num_items, np.int64)
    recbole_of_ours[ours_of_recbole[1:]] = np.arange(1, len(tokens))
    candidate_mask = arrays["candidate_mask"].astype(bool)

    def rank(split: str, negatives: np.ndarray | None = None) -> np.ndarray:
        model.eval()
        ids, lengths = arrays[f"{split}_item_ids"], arrays[f"{split}_history_length"]
        targets = arrays[f"{split}_target"]
        items, offsets = arrays[f"{split}_history_items"], arrays[f"{split}_history_offsets"]
        out = np.zeros(len(targets), np.int64)
        with torch.no_grad():
            for start in range(0, len(targets), 1024):
                rows = slice(start, min(start + 1024, len(targets)))
                seq = torch.as_tensor(recbole_of_ours[ids[rows]])
                seq_len = torch.as_tensor(np.maximum(lengths[rows], 1))
                batch = Interaction({model.ITEM_SEQ: seq, model.ITEM_SEQ_LEN: seq_len})
                scores = model.full_sort_predict(batch).numpy()
                ours = np.full((len(seq), num_items), -np.inf)
                ours[:, ours_of_recbole[1:]] = scores[:, 1:]
                if negatives is None:
                    excluded = ~candidate_mask[None, :] | _dense_history(items, offsets, rows,
                                                                         num_items)
                else:
                    excluded = np.ones_like(ours, bool)
                    np.put_along_axis(excluded, negatives[rows], False, axis=1)
                out[rows] = metrics.target_ranks(ours, targets[rows], excluded)
        return out

    run = {"history": [], "best": -1.0, "best_state": None, "wait": 0, "resumed": []}
    if checkpoint is not None and checkpoint.is_file():
        run = _resume(checkpoint, settings, patience, model, trainer, train_data)
        run["resumed"].append(len(run["history"]))
        print(f"Resuming from {checkpoint} after epoch {len(run['history'])}", file=sys.stderr)
    history = run["history"]
    best, best_state, wait = run["best"], run["best_state"], run["wait"]
    while len(history) < max_epochs and wait < patience:
        epoch = len(history)
        started = time.perf_counter()
        model.train()
        loss = trainer._train_epoch(train_data, epoch, show_progress=False)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        valid = metrics.ranking_metrics(rank("valid"), ks=(10,))
        eval_seconds = time.perf_counter() - started
        loss = float(sum(loss) if isinstance(loss, tuple) else loss)
        history.append({"epoch": epoch + 1, "loss": loss / len(train_data),
                        "seconds": round(seconds, 2), "eval_seconds": round(eval_seconds, 2),
                        "val_ndcg@10": valid["ndcg@10"], "val_hr@10": valid["hr@10"]})
        print(json.dumps(history[-1]), flush=True)
        if valid["ndcg@10"] > best:
            best, best_state, wait = valid["ndcg@10"], copy.deepcopy(model.state_dict()), 0
        else:
            wait += 1
        if checkpoint is not None:
            _save(checkpoint, settings, patience, model, trainer, train_data,
                  {"history": history, "best": best, "best_state": best_state, "wait": wait,
                   "resumed": run["resumed"]})
    model.load_state_dict(best_state)
    started = time.perf_counter()
    result = {
        "model": args.model, "settings": {**settings, "epochs": max_epochs,
                                          "patience": patience, "threads": threads},
        "history": history,
        "best_epoch": int(np.argmax([h["val_ndcg@10"] for h in history])) + 1,
        "stopped": "early" if wait >= patience else "max_epochs",
        "resumed_after_epochs": run["resumed"],
        "valid_ranks": rank("valid").tolist(), "test_ranks": rank("test").tolist(),
        "sampled_test_ranks": {key.removeprefix("test_negatives_"):
                               rank("test", arrays[key]).tolist()
                               for key in arrays.files if key.startswith("test_negatives_")},
        "versions": {"recbole": __import__("recbole").__version__, "torch": torch.__version__,
                     "numpy": np.__version__, "pandas": __import__("pandas").__version__,
                     "python": sys.version.split()[0]},
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }
    result["test_eval_seconds"] = round(time.perf_counter() - started, 2)
    result["peak_rss_mb"] = _peak_rss_mb()
    output.write_text(json.dumps(result) + "\n")


def _save(path: Path, settings, patience, model, trainer, train_data, run: dict) -> None:
    """Writes the run's state to ``path`` (via a temporary file, so an interrupted write
    leaves the previous epoch's state)."""
    import torch

    # NumPy's legacy global generator is the one RecBole's ``init_seed`` seeds.
    state = {"settings": settings, "patience": patience, **run,
             "model": model.state_dict(), "optimizer": trainer.optimizer.state_dict(),
             "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),  # noqa: NPY002
                     "python": random.getstate(), "loader": train_data.generator.get_state()}}
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)


def _resume(path: Path, settings, patience, model, trainer, train_data) -> dict:
    """Restores what :func:`_save` wrote; refuses a state saved with other settings (the
    epoch cap may differ: a capped run can be continued with a higher cap)."""
    import torch

    state = torch.load(path, weights_only=False)
    if state["settings"] != settings or state["patience"] != patience:
        raise RuntimeError(f"{path} was saved by a run with other settings "
                           f"({state['settings']}, patience {state['patience']}); "
                           f"this run has {settings}, patience {patience}. Delete it to "
                           f"start over.")
    model.load_state_dict(state["model"])
    trainer.optimizer.load_state_dict(state["optimizer"])
    torch.set_rng_state(state["rng"]["torch"])
    np.random.set_state(state["rng"]["numpy"])  # noqa: NPY002
    random.setstate(state["rng"]["python"])
    train_data.generator.set_state(state["rng"]["loader"])
    return {key: state[key] for key in ("history", "best", "best_state", "wait", "resumed")}


def _peak_rss_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` belongs to this program's own address
    space; ``ru_maxrss`` (the fallback off Linux) also counts the parent's size at fork."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    main()
