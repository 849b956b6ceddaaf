"""Reader for one-line-per-user sequence files, shared by the Amazon and cross-domain loaders.

Every event is implicit (``value`` 1.0).

Two layouts are supported: ``user item item ...`` (whitespace separated, Amazon) and
``user<TAB>item,item,...`` (cross-domain). Files carry no time, so each event's ``timestamp`` is
its running index in the file (order only). Blank lines and users without items are counted in
the report, never skipped silently.

Example:

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "seq.txt"
>>> _ = path.write_text("u1 a b\\nu2 c\\n")
>>> report = DataReport()
>>> read_sequence_file(path, report)[["user_id", "item_id", "timestamp"]].values.tolist()
[['u1', 'a', 0], ['u1', 'b', 1], ['u2', 'c', 2]]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_tf.data.progress import open_with_progress
from recsys_tf.data.report import DataError, DataReport


def read_sequence_file(path: str | Path, report: DataReport, *, user_prefix: str = "",
                       first_order: int = 0, encoding: str = "utf-8") -> pd.DataFrame:
    """Reads a sequence file into raw events (strings + ``_source``/``_row`` bookkeeping).

    Args:
        path: the file.
        report: counts ``blank_line`` and ``empty_sequence`` lines.
        user_prefix: prepended to user ids (files whose user numbering restarts).
        first_order: the ``timestamp`` (order) of the first event, to continue across files.
        encoding: text encoding.
    """
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise DataError("no such file", source=name)
    users: list[str] = []
    items: list[str] = []
    rows: list[int] = []
    blank: list[str] = []
    empty: list[str] = []
    with open_with_progress(path) as handle:
        for number, raw_line in enumerate(handle, start=1):
            try:
                line = raw_line.decode(encoding).strip()
            except UnicodeDecodeError as error:
                raise DataError(f"not valid {encoding} ({error.reason})", source=name,
                                row=number) from error
            if not line:
                blank.append(f"{name}:{number}")
                continue
            if "\t" in line:
                user, _, rest = line.partition("\t")
                sequence = [s.strip() for s in rest.split(",") if s.strip()]
            else:
                user, *sequence = line.split()
            if not sequence:
                empty.append(f"{name}:{number}")
                continue
            users.extend([user_prefix + user.strip()] * len(sequence))
            items.extend(sequence)
            rows.extend([number] * len(sequence))
    report.drop("blank_line", len(blank), blank)
    report.drop("empty_sequence", len(empty), empty)
    return pd.DataFrame({
        "user_id": pd.Series(users, dtype=object),
        "item_id": pd.Series(items, dtype=object),
        "timestamp": np.arange(first_order, first_order + len(items), dtype=np.int64),
        "event_type": pd.NA, "domain": pd.NA, "value": "1.0",
        "_source": name, "_row": np.asarray(rows, dtype=np.int64)})
