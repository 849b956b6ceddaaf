"""String ids to contiguous indexes, with index 0 reserved for padding and 1 for unknown ids.

Persisted as JSON (never pickle) so that the export and serving side can read it without this
package.

Example:

>>> vocab = Vocabulary.build(["b", "a", "b"])
>>> vocab.tokens
('a', 'b')
>>> vocab.lookup(["a", "b", "zzz"]).tolist()
[2, 3, 1]
>>> len(vocab)
4
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

PAD_TOKEN = "[PAD]"
OOV_TOKEN = "[OOV]"
PAD_INDEX = 0
OOV_INDEX = 1
NUM_RESERVED = 2
_FORMAT_VERSION = 1


class Vocabulary:
    """An immutable id vocabulary. Index 0 is padding, 1 is out-of-vocabulary, ids start at 2.

    Args:
        tokens: the ids, in index order (index of ``tokens[i]`` is ``i + 2``); no duplicates and
            neither reserved token.
        name: what the ids are (``item_id``, ``event_type``, ...), for messages and files.
    """

    def __init__(self, tokens: Iterable[str], name: str = "ids"):
        self._tokens = tuple(str(t) for t in tokens)
        self.name = name
        self._index = pd.Index(self._tokens)
        if not self._index.is_unique:
            dup = self._index[self._index.duplicated()][:3].tolist()
            raise ValueError(f"Vocabulary {name!r} has duplicate tokens, e.g. {dup}")
        if PAD_TOKEN in self._index or OOV_TOKEN in self._index:
            raise ValueError(f"Vocabulary {name!r} may not contain {PAD_TOKEN} or {OOV_TOKEN}")

    @classmethod
    def build(cls, values: Iterable, name: str = "ids") -> Vocabulary:
        """A vocabulary of the distinct values, sorted (deterministic across runs)."""
        return cls(sorted(set(map(str, values))), name=name)

    @property
    def tokens(self) -> tuple[str, ...]:
        return self._tokens

    def __len__(self) -> int:
        """Size including the two reserved indexes (the embedding table size)."""
        return len(self._tokens) + NUM_RESERVED

    def __eq__(self, other) -> bool:
        return isinstance(other, Vocabulary) and self._tokens == other._tokens

    def __repr__(self) -> str:
        return f"Vocabulary(name={self.name!r}, size={len(self)})"

    def lookup(self, values) -> np.ndarray:
        """Indexes of ``values`` (int32); unknown values map to :data:`OOV_INDEX`."""
        positions = self._index.get_indexer(pd.Index(np.asarray(values, dtype=object)).astype(str))
        return np.where(positions < 0, OOV_INDEX, positions + NUM_RESERVED).astype(np.int32)

    def token(self, index: int) -> str:
        """The id at ``index`` (the reserved tokens for 0 and 1)."""
        if index == PAD_INDEX:
            return PAD_TOKEN
        if index == OOV_INDEX:
            return OOV_TOKEN
        return self._tokens[index - NUM_RESERVED]

    def to_json(self) -> dict:
        return {"format_version": _FORMAT_VERSION, "name": self.name, "pad_token": PAD_TOKEN,
                "oov_token": OOV_TOKEN, "num_reserved": NUM_RESERVED,
                "tokens": list(self._tokens)}

    @classmethod
    def from_json(cls, data: dict) -> Vocabulary:
        if data.get("format_version") != _FORMAT_VERSION:
            raise ValueError(f"Unsupported vocabulary format_version {data.get('format_version')}")
        return cls(data["tokens"], name=data.get("name", "ids"))

    def save(self, path: str | Path) -> None:
        """Writes the vocabulary as JSON."""
        Path(path).write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Vocabulary:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
