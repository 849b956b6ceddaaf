"""On-disk cache of item text embeddings, keyed by encoder and text hash.

BERT encoding costs ~9 ms per title on a CPU, so every distinct text is encoded once, in
batches, and stored; later runs (and later epochs) read the vectors back. Entries are keyed by
``sha256(text)`` inside one file per encoder ``model_id``, so changing the weights never reuses
stale vectors. Files are ``.npz`` without pickled objects, replaced atomically.

Example::

    cache = TextEmbeddingCache("~/.cache/recsys_tf/text", encoder.model_id)
    vectors = cache.embed(items["text"].tolist(), encoder)   # [num_items, 384]
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np

from recsys_tf.data.progress import progress_bar


class TextEncoder(Protocol):
    model_id: str
    batch_size: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


def text_key(text: str) -> str:
    """The cache key of one text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class TextEmbeddingCache:
    """Embeddings of texts by one encoder, stored under ``directory``.

    Args:
        directory: cache folder (created on first write).
        model_id: identifies the encoder weights; one file per id.
    """

    def __init__(self, directory: str | os.PathLike, model_id: str):
        self.directory = Path(directory).expanduser()
        self.model_id = model_id
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", model_id)
        self.path = self.directory / f"{safe}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        if self.path.is_file():
            with np.load(self.path, allow_pickle=False) as stored:
                if str(stored["model_id"]) != model_id:
                    raise ValueError(f"Cache file {self.path} belongs to model "
                                     f"{stored['model_id']!s}, not {model_id}")
                self._vectors = dict(zip(stored["keys"].tolist(), stored["embeddings"],
                                         strict=True))
        self.encoded_last_call = 0

    def __len__(self) -> int:
        return len(self._vectors)

    def embed(self, texts: list[str], encoder: TextEncoder) -> np.ndarray:
        """Vectors for ``texts`` (in order), encoding only distinct texts not yet cached."""
        if encoder.model_id != self.model_id:
            raise ValueError(f"Encoder {encoder.model_id!r} does not match the cache's model "
                             f"{self.model_id!r}")
        keys = [text_key(t) for t in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts, strict=True):
            if key not in self._vectors:
                missing.setdefault(key, text)
        self.encoded_last_call = len(missing)
        if missing:
            # Similar lengths in one batch: less padding per encoder call.
            pending = sorted(missing.items(), key=lambda item: len(item[1]))
            with progress_bar(len(pending), "encoding item texts", "text") as bar:
                for start in range(0, len(pending), encoder.batch_size):
                    chunk = pending[start:start + encoder.batch_size]
                    vectors = encoder.encode([text for _, text in chunk])
                    for (key, _), vector in zip(chunk, vectors, strict=True):
                        self._vectors[key] = vector.astype(np.float32)
                    bar.update(len(chunk))
            self._save()
        if not keys:
            return np.zeros((0, 0), np.float32)
        return np.stack([self._vectors[key] for key in keys])

    def _save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors), dtype="<U64")
        embeddings = np.stack(list(self._vectors.values())).astype(np.float32)
        handle, temporary = tempfile.mkstemp(dir=self.directory, suffix=".npz.tmp")
        try:
            with os.fdopen(handle, "wb") as file:
                np.savez(file, keys=keys, embeddings=embeddings, model_id=np.array(self.model_id))
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
