"""``recsys-tf export``: a finished run -> ``<base-path>/<version>/``, written atomically.

The SavedModel, its warm-up requests, the BERT vocabulary for tokenising new titles and the
manifest are written into a temporary sibling directory (``.tmp-<version>-<pid>``; TF Serving
only loads integer-named directories) which is renamed to ``<version>`` as the last step. A
server polling the base path therefore never sees a partial version, and a killed export leaves
only a temporary directory, removed by the next export.

Two modes: ``full`` (the default) ranks the catalogue inside the SavedModel (``recommend``,
``update_interest`` with top-k, ...); ``index`` leaves that to a retrieval index
(:mod:`~recsys_tf.retrieval.tfrs_index`): the SavedModel serves ``user_embedding`` and the
state of ``update_interest`` without the per-item ranking tables, and the candidates' ids and
vectors are written to ``assets.extra/candidates.npz`` (not loaded by TF Serving) for the index
builder. docs/serving.md gives the memory per item of each.

Example::

    path = export_run("runs/synthetic", "exports/recsys")     # exports/recsys/1
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from recsys_tf.evaluation.new_item_slots import (
    DEFAULT_MIN_SIMILARITY,
    DEFAULT_OFFSET,
    DEFAULT_SLOTS,
    DEFAULT_TITLE_WEIGHT,
)
from recsys_tf.export.export_manifest import ExportError, write_manifest
from recsys_tf.export.restore_check import unrestored_variables
from recsys_tf.export.serving_module import ServingModule
from recsys_tf.export.warmup import example_requests, write_warmup_file

TEMPORARY_PREFIX = ".tmp-"
TOKENIZER_VOCABULARY = "vocab.txt"
CANDIDATES_FILE = "candidates.npz"
MODES = ("full", "index")


class _FineTunedTokenEncoder:
    """Token ids -> sentence embedding through the frozen lower BERT layers and the run's
    fine-tuned top layers (:class:`~recsys_tf.layers.TextEncoderTop`). A plain object, like a
    Keras model to :class:`~recsys_tf.export.serving_module.ServingModule`, which tracks
    its ``variables``."""

    def __init__(self, lower, top):
        self.lower = lower
        self.top = top

    @property
    def variables(self) -> list:
        return list(self.lower.variables) + list(self.top.variables)

    def __call__(self, inputs, training=False):
        hidden = self.lower(inputs, training=False)
        return self.top.encode_states(hidden, inputs["padding_mask"], training=False)


def token_encoder(run):
    """``(encoder, tokenizer vocabulary)`` for ``item_embedding_from_tokens``, or
    ``(None, None)`` when the run has no item text."""
    from recsys_tf.experiment.prepared_data import load_log, sentence_encoder

    data = run.experiment.data
    if data.text_encoder == "none" or not run.model.config.text_dim:
        return None, None
    titles = []
    if data.text_encoder == "tiny":  # its vocabulary is made from the dataset's titles
        titles = load_log(data)[0].items["text"].fillna("").astype(str).tolist()
    encoder = sentence_encoder(data, titles)
    vocabulary = list(encoder.preprocessor.tokenizer.get_vocabulary())
    config = run.model.config
    if config.finetunes_text:
        lower = encoder.lower_model(config.text_finetune_layers)
        return _FineTunedTokenEncoder(lower, run.model.text_encoder), vocabulary
    return encoder.model, vocabulary


def write_candidates(module: ServingModule, path: str | Path) -> Path:
    """The candidates' ids and vectors as ``.npz`` (``item_ids`` str, ``vectors`` float32):
    what a retrieval index is built from
    (:func:`~recsys_tf.retrieval.tfrs_index.read_candidates`)."""
    item_ids, vectors = module.candidate_vectors()
    np.savez(path, item_ids=item_ids.astype(str), vectors=np.asarray(vectors, np.float32))
    return Path(path)


def versions(base_path: str | Path) -> list[int]:
    """The integer version directories under ``base_path``, ascending."""
    base = Path(base_path)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isdigit())


def remove_stale_temporaries(base_path: Path) -> list[Path]:
    """Deletes the temporary directories (``.tmp-VERSION-PID``) of exports that are no longer
    running; nothing else under ``base_path`` is touched."""
    removed = []
    for path in base_path.glob(f"{TEMPORARY_PREFIX}*"):
        match = re.fullmatch(rf"{re.escape(TEMPORARY_PREFIX)}\d+-(\d+)", path.name)
        if match is None or not path.is_dir():
            continue  # not ours
        pid = int(match.group(1))
        if _running(pid) and pid != os.getpid():
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def export_run(run_dir: str | Path, base_path: str | Path, *, version: int | None = None,
               top_k: int = 10, model_name: str = "recsys", xla_update: bool = False,
               new_item_slots: int = DEFAULT_SLOTS,
               new_item_title_weight: float = DEFAULT_TITLE_WEIGHT,
               new_item_min_similarity: float = DEFAULT_MIN_SIMILARITY,
               new_item_offset: float = DEFAULT_OFFSET, mode: str = "full",
               log=print) -> Path:
    """Exports the finished run ``run_dir`` as version ``version`` (default: the next one),
    ``recommend`` keeping ``new_item_slots`` of its ``top_k`` places for catalogue items
    without training events, ranked for them with ``new_item_title_weight`` and given them
    from a title cosine of ``new_item_min_similarity`` with the last item on, where their score
    plus ``new_item_offset`` reaches the warm item they push out
    (:mod:`~recsys_tf.evaluation.new_item_slots`); ``mode="index"``: the index mode above
    (``top_k`` and the new-item settings then belong to the index).

    Raises:
        ValueError: ``run_dir`` is not a finished run, or the version already exists (versions
            are immutable: a server may already serve it).
    """
    from recsys_tf.experiment.run_directory import FinishedRun

    if mode not in MODES:
        raise ValueError(f"--mode must be one of {MODES}. Received: {mode!r}")
    started = time.perf_counter()
    base = Path(base_path)
    if base.exists() and not base.is_dir():
        raise ValueError(f"--base-path {base} is a file; it must be the model's directory of "
                         "versions")
    base.mkdir(parents=True, exist_ok=True)
    for path in remove_stale_temporaries(base):
        log(f"removed the unfinished export {path}")
    chosen = version is None
    version = (versions(base) or [0])[-1] + 1 if chosen else version
    if version < 1:
        raise ValueError(f"--version must be >= 1. Received: {version}")
    if (base / str(version)).exists():
        raise ValueError(f"{base / str(version)} already exists; versions are immutable (pass "
                         "a new --version or omit it for the next one)")

    run = FinishedRun.load(run_dir)
    catalogue = mode == "full"
    encoder, tokenizer_vocabulary = token_encoder(run) if catalogue else (None, None)
    data = run.experiment.data
    module = ServingModule(run.model.towers(), run.vocabularies, max_length=data.max_length,
                           max_cross_length=data.max_cross_length, top_k=top_k,
                           token_encoder=encoder, new_item_slots=min(new_item_slots, top_k),
                           new_item_title_weight=new_item_title_weight,
                           new_item_min_similarity=new_item_min_similarity,
                           new_item_offset=new_item_offset, xla_update=xla_update,
                           catalogue=catalogue)
    temporary = base / f"{TEMPORARY_PREFIX}{version}-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    try:
        signatures = module.signatures()
        tf.saved_model.save(module, str(temporary), signatures=signatures)
        missing = unrestored_variables(temporary)
        if missing:
            raise ExportError(
                f"The SavedModel's restore op misses {len(missing)} variable(s) the signatures "
                f"read ({', '.join(missing[:5])}): TF Serving would fail every request. A Keras "
                "object is tracked by the export module (see recsys_tf/export/keras_variables.py).")
        extra = temporary / "assets.extra"
        requests = example_requests(module, run.vocabularies)
        write_warmup_file(extra, {name: request for name, request in requests.items()
                                  if name in signatures}, model_name=model_name)
        if not catalogue:
            write_candidates(module, extra / CANDIDATES_FILE)
        if tokenizer_vocabulary is not None:
            (extra / TOKENIZER_VOCABULARY).write_text("\n".join(tokenizer_vocabulary) + "\n",
                                                      encoding="utf-8")
        write_manifest(temporary, _manifest(module, signatures, run, version, top_k))
        _sync_tree(temporary)
        final = publish_version(temporary, base, version, chosen=chosen, relabel=lambda v: (
            write_manifest(temporary, _manifest(module, signatures, run, v, top_k))))
        version = int(final.name)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    log(f"exported {run.directory} as {final} in {time.perf_counter() - started:.1f} s "
        f"(signatures: {', '.join(sorted(signatures))})")
    return final


def publish_version(temporary: Path, base: Path, version: int, *, chosen: bool,
                    relabel=lambda version: None) -> Path:
    """Renames the finished ``temporary`` to ``base/version`` (atomic: a server sees all of it
    or nothing). When another export took the version first, a ``chosen`` (default) version
    moves on to the next free one (``relabel(version)`` updates the files that name it) and a
    requested one fails."""
    for _ in range(100):
        final = base / str(version)
        try:
            os.rename(temporary, final)  # fails if final exists and is not empty
        except OSError as error:
            if error.errno not in (errno.EEXIST, errno.ENOTEMPTY) or not final.exists():
                raise
            if not chosen:
                raise ValueError(f"{final} was written by another export meanwhile; versions "
                                 "are immutable (pass a new --version or omit it)") from None
            version = max(versions(base) + [version]) + 1
            relabel(version)
            continue
        _sync_directory(base)
        return final
    raise ValueError(f"no free version under {base} after 100 tries")


def _manifest(module: ServingModule, signatures: dict, run, version: int, top_k: int) -> dict:
    def describe(function):
        inputs = function.structured_input_signature[1]
        outputs = function.structured_outputs
        return {"inputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list()}
                           for k, v in inputs.items()},
                "outputs": {k: {"dtype": v.dtype.name, "shape": v.shape.as_list()}
                            for k, v in outputs.items()}}

    import recsys_tf

    return {"format_version": 1, "version": version, "recsys_tf": recsys_tf.__version__,
            "tensorflow": tf.__version__, "run": str(run.directory.resolve()),
            "mode": "full" if module.catalogue else "index",
            "candidates": (None if module.catalogue else
                           {"file": f"assets.extra/{CANDIDATES_FILE}",
                            "count": len(module.candidate_items)}),
            "top_k": module.top_k, "requested_top_k": top_k, "xla_update": module.xla_update,
            "new_item_slots": module.new_item_slots,
            "new_item_title_weight": module.new_item_title_weight,
            "new_item_min_similarity": module.new_item_min_similarity,
            # null: no offset, the places go to every list (JSON has no infinity)
            "new_item_offset": (None if np.isinf(module.new_item_offset)
                                else module.new_item_offset),
            "new_items": int(module.new_items.numpy().sum()) if module.catalogue else 0,
            "max_length": module.max_length, "max_cross_length": module.max_cross_length,
            "state_size": module.state.size, "state_layout": module.state.layout(),
            "empty_history": "the model's output on an all-padding sequence (= the zero state)",
            "tokenizer": (None if module.token_encoder is None else
                          {"vocabulary": f"assets.extra/{TOKENIZER_VOCABULARY}",
                           "lowercase": True, "wrap": "[CLS] title [SEP]"}),
            "model_config": run.model.config.to_dict(),
            "signatures": {name: describe(fn) for name, fn in signatures.items()}}


def _sync_tree(directory: Path) -> None:
    """fsync every file, so the rename cannot land before the data on a crash."""
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    _sync_directory(directory)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["ExportError", "export_run", "versions"]
