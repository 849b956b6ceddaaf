"""Our split as RecBole atomic files (+ evaluation arrays) for the peer runner.

Training: one row per training target with its up-to-``max_length`` most recent training
events before it (RecBole's own per-prefix augmentation, done here so RecBole never re-splits);
validation / test: our evaluation examples. Item and user tokens are our indices, so ranks come
back in our item space. ``eval.npz`` carries what our evaluation needs: histories, targets, the
full prior-history masks (CSR), the candidate mask and sampled negatives.

Example::

    export_peer_data(prepared, "~/.cache/recsys_tf/bench/peers/beauty-data",
                     negatives={"100": neg100})
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from recsys_tf.experiment.prepared_data import PreparedData

HEADER = "user_id:token\titem_id_list:token_seq\titem_id:token\n"


def training_prefixes(prepared: PreparedData, max_length: int) -> tuple[list, list, list]:
    """``(users, histories, targets)``: every training target of the ranked domain with the
    user's last ``max_length`` earlier training events of that domain (non-empty)."""
    encoded = prepared.encoded
    domain = prepared.target_domain_index
    usable = np.asarray(prepared.split.train, bool)
    if domain is not None:
        usable &= encoded.domains == domain
    users, histories, targets = [], [], []
    for user in range(len(encoded.user_ids)):
        rows = slice(encoded.user_start[user], encoded.user_start[user + 1])
        items = encoded.items[rows][usable[rows]]
        for t in range(1, len(items)):
            users.append(user)
            histories.append(items[max(0, t - max_length):t])
            targets.append(int(items[t]))
    return users, histories, targets


def export_peer_data(prepared: PreparedData, directory: str | Path, *, max_length: int = 50,
                     negatives: dict[str, np.ndarray] | None = None) -> Path:
    """Writes ``peer/peer.{train,valid,test}.inter`` (RecBole reads ``data_path/<dataset>/``)
    and ``eval.npz`` into ``directory``."""
    directory = Path(directory)
    (directory / "peer").mkdir(parents=True, exist_ok=True)
    users, histories, targets = training_prefixes(prepared, max_length)
    _write(directory / "peer" / "peer.train.inter", users, histories, targets)
    arrays = {"num_items": np.int64(prepared.num_items),
              "candidate_mask": prepared.candidate_mask.astype(bool)}
    for split, examples, history in (("valid", prepared.valid, prepared.valid_history),
                                     ("test", prepared.test, prepared.test_history)):
        ids, lengths = examples["item_ids"], examples["history_length"]
        if ids.shape[1] != max_length:
            raise ValueError(f"The data's max_length is {ids.shape[1]}; the peers use "
                             f"{max_length}: prepare the data with max_length = {max_length}.")
        keep = lengths > 0  # RecBole's loaders need a non-empty history; our ranks use all
        _write(directory / "peer" / f"peer.{split}.inter", np.flatnonzero(keep),
               [row[:n] for row, n in zip(ids[keep], lengths[keep], strict=True)],
               examples["target"][keep])
        arrays.update({f"{split}_item_ids": ids.astype(np.int64),
                       f"{split}_history_length": lengths.astype(np.int64),
                       f"{split}_target": examples["target"].astype(np.int64),
                       f"{split}_history_items": history.items.astype(np.int64),
                       f"{split}_history_offsets": history.offsets.astype(np.int64)})
    for name, values in (negatives or {}).items():
        arrays[f"test_negatives_{name}"] = np.asarray(values, np.int64)
    np.savez_compressed(directory / "eval.npz", **arrays)
    return directory


def _write(path: Path, users, histories, targets) -> None:
    with open(path, "w", encoding="utf-8") as file:
        file.write(HEADER)
        for user, history, target in zip(users, histories, targets, strict=True):
            file.write(f"{user}\t{' '.join(map(str, history))}\t{target}\n")
