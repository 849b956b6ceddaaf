"""Cross-domain loader for the A/B layout of C2DSR/LLMCDSR-style studies (e.g. Food→Kitchen).

Directory layout:

* ``num.txt``: item counts of domain A and domain B (A items are ``0..nA-1``, B items follow);
* ``instance_num.txt``: line counts of ``train_A``, ``train_B``, ``train_overlap``;
* ``train_A.txt``, ``train_B.txt``, ``train_overlap.txt``: ``user<TAB>item,item,...``;
* ``valid.txt``, ``test.txt``: mixed histories whose LAST item is the target;
* ``items.csv``: ``item_index,domain,asin,title``.

User numbering restarts in every file, so user ids are prefixed with the file name
(``train_A/1``, ``valid/1``). The dataset's own split is kept in
:attr:`EventLog.predefined_split`: users of the ``train_*`` files are ``train``, those of
``valid.txt``/``test.txt`` are ``valid``/``test``. Events carry no timestamps (file order only).

Example (with the data beside the repository)::

    log = load_cross_domain("../shared/datasets/food-kitchen")
    log.items.groupby("domain").size().to_dict()   # {'food': 8661, 'kitchen': 27637}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.ingest import ItemColumns, read_items
from recsys_tf.data.loaders.sequence_file import read_sequence_file
from recsys_tf.data.preprocess import PreprocessConfig
from recsys_tf.data.report import DataError, DataReport

TRAIN_FILES = ("train_A", "train_B", "train_overlap")
EVAL_FILES = ("valid", "test")
EVENT_TYPE = "review"


def load_cross_domain(path: str | Path, *, domain_names: tuple[str, str] | None = None,
                      config: PreprocessConfig = PreprocessConfig()) -> EventLog:
    """Loads a cross-domain A/B directory.

    Args:
        path: the directory.
        domain_names: labels of domains A and B; by default read from ``items.csv``
            (``("A", "B")`` without it).
        config: cleaning rules.

    Raises:
        DataError: a required file is missing, or ``items.csv`` disagrees with ``num.txt``.
    """
    path = Path(path)
    if not path.is_dir():
        raise DataError("not a directory", source=str(path))
    report = DataReport()
    counts = _read_ints(path / "num.txt")
    items = None
    if (path / "items.csv").is_file():
        items = read_items(path / "items.csv",
                           ItemColumns(item_id="item_index", text="title", category=None,
                                       domain="domain"), report=report)
    num_a = counts[0] if counts else None
    domain_names = domain_names or _domain_names(items)
    if items is not None and counts:
        per_domain = items.groupby("domain").size()
        found = [int(per_domain.get(name, 0)) for name in domain_names]
        if found != counts[:2]:
            raise DataError(f"items.csv has {found} items in domains {list(domain_names)}, "
                            f"num.txt says {counts[:2]}", source=str(path / "items.csv"))

    frames, roles, lines = [], {}, {}
    order = 0
    for stem in TRAIN_FILES + EVAL_FILES:
        file = path / f"{stem}.txt"
        if not file.is_file():
            if stem in TRAIN_FILES:
                raise DataError("missing training file", source=str(file))
            continue
        frame = read_sequence_file(file, report, user_prefix=f"{stem}/", first_order=order)
        order += len(frame)
        lines[stem] = _count_lines(file)
        role = "train" if stem in TRAIN_FILES else stem
        roles.update(dict.fromkeys(frame["user_id"].unique(), role))
        frames.append(frame)
    raw = pd.concat(frames, ignore_index=True)

    index = pd.to_numeric(raw["item_id"], errors="coerce")
    if items is not None:
        domain_of = dict(zip(items["item_id"].str.strip(), items["domain"], strict=True))
        raw["domain"] = raw["item_id"].map(domain_of)
    if num_a is not None:  # items missing from the catalogue: domain by index range
        by_range = np.where(index < num_a, domain_names[0], domain_names[1])
        raw["domain"] = raw["domain"].fillna(pd.Series(by_range, index=raw.index))
    raw["event_type"] = EVENT_TYPE

    info = {"files": lines, "num": counts,
            "instance_num": _read_ints(path / "instance_num.txt"),
            "domain_names": list(domain_names)}
    return EventLog.from_frames(raw, items, config=config, report=report, has_timestamps=False,
                                name=path.name, predefined_split=pd.Series(roles, name="split"),
                                info=info)


def _domain_names(items: pd.DataFrame | None) -> tuple[str, str]:
    if items is None or items["domain"].isna().all():
        return ("A", "B")
    index = pd.to_numeric(items["item_id"], errors="coerce")
    if index.isna().any():
        bad = items.loc[index.isna()].iloc[0]
        raise DataError(f"item_index {bad['item_id']!r} is not a number",
                        source=str(bad["_source"]), row=int(bad["_row"]))
    first = items.loc[index.idxmin(), "domain"]
    others = [d for d in items["domain"].dropna().unique() if d != first]
    if len(others) != 1:
        raise DataError(f"expected two domains in items.csv, found {[first, *others]}",
                        source=str(items["_source"].iloc[0]))
    return (str(first), str(others[0]))


def _read_ints(file: Path) -> list[int]:
    if not file.is_file():
        return []
    try:
        return [int(token) for token in file.read_text().split()]
    except ValueError as error:
        raise DataError(f"expected integers only: {error}", source=str(file)) from error


def _count_lines(file: Path) -> int:
    with open(file, "rb") as handle:
        return sum(1 for line in handle if line.strip())
