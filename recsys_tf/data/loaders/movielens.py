"""MovieLens loader: the 100K files (``u.data``, ``u.item``, ``u.user``) and 1M/10M ``::`` files.

Every rating is an implicit interaction (event type ``rating``, value = the rating); a user's
events are in time order, ties broken by file order. Items get the title as text and the first
listed genre as category (all genres in the extra ``genres`` column). Files are Latin-1.

Example (with the data beside the repository)::

    log = load_movielens("../shared/datasets/ml-100k")
    log.num_users, log.num_items, len(log.events)   # (943, 1682, 100000)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.ingest import EventColumns, read_events, read_table
from recsys_tf.data.preprocess import PreprocessConfig
from recsys_tf.data.report import DataError, DataReport

ENCODING = "latin-1"
DOMAIN = "movies"
_ML100K_GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                  "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                  "Romance", "Sci-Fi", "Thriller", "War", "Western")
_RATING_COLUMNS = EventColumns(user_id="user_id", item_id="item_id", timestamp="timestamp",
                               event_type=None, domain=None, value="rating")


def load_movielens(path: str | Path, config: PreprocessConfig = PreprocessConfig()) -> EventLog:
    """Loads MovieLens 100K (``u.data``) or 1M/10M (``ratings.dat``) from a directory."""
    path = Path(path)
    if (path / "u.data").is_file():
        return _load_100k(path, config)
    if (path / "ratings.dat").is_file():
        return _load_dat(path, config)
    raise DataError("not a MovieLens directory (expected u.data or ratings.dat)",
                    source=str(path))


def _load_100k(path: Path, config: PreprocessConfig) -> EventLog:
    report = DataReport()
    raw = read_events(path / "u.data", _RATING_COLUMNS, report=report, sep="\t", header=False,
                      names=["user_id", "item_id", "rating", "timestamp"], encoding=ENCODING)
    genres = _read_genres(path / "u.genre")
    item_file = path / "u.item"
    items = None
    if item_file.is_file():
        names = ["item_id", "text", "release_date", "video_release_date", "imdb_url", *genres]
        table = read_table(item_file, sep="|", header=False, names=names, encoding=ENCODING,
                           report=report)
        flags = table[list(genres)].fillna("0").to_numpy() == "1"
        items = table[["item_id", "text", "_source", "_row"]].assign(
            category=[genres[row.argmax()] if row.any() else "unknown" for row in flags],
            genres=["|".join(np.asarray(genres)[row]) for row in flags],
            release_date=table["release_date"], domain=DOMAIN)
    users = None
    if (path / "u.user").is_file():
        users = read_table(path / "u.user", sep="|", header=False, encoding=ENCODING,
                           names=["user_id", "age", "gender", "occupation", "zip_code"])
    return _assemble(raw, items, users, config, report, "ml-100k")


def _load_dat(path: Path, config: PreprocessConfig) -> EventLog:
    report = DataReport()
    raw = read_events(path / "ratings.dat", _RATING_COLUMNS, report=report, sep="::",
                      header=False, names=["user_id", "item_id", "rating", "timestamp"],
                      encoding=ENCODING)
    items = None
    if (path / "movies.dat").is_file():
        table = read_table(path / "movies.dat", sep="::", header=False, encoding=ENCODING,
                           names=["item_id", "text", "genres"], report=report)
        genres = table["genres"].fillna("")
        items = table.assign(category=genres.str.split("|").str[0].replace("", "unknown"),
                             genres=genres, domain=DOMAIN)
    users = None
    if (path / "users.dat").is_file():
        users = read_table(path / "users.dat", sep="::", header=False, encoding=ENCODING,
                           names=["user_id", "gender", "age", "occupation", "zip_code"])
    return _assemble(raw, items, users, config, report, path.name or "movielens")


def _assemble(raw, items, users, config, report, name) -> EventLog:
    raw = raw.assign(event_type="rating", domain=DOMAIN)
    return EventLog.from_frames(raw, items, users, config=config, report=report, name=name)


def _read_genres(path: Path) -> tuple[str, ...]:
    if not path.is_file():
        return _ML100K_GENRES
    table = read_table(path, sep="|", header=False, names=["genre", "index"],
                       encoding=ENCODING).dropna(subset=["genre", "index"])
    index = pd.to_numeric(table["index"], errors="coerce")
    if index.isna().any():
        row = table.loc[index.isna(), "_row"].iloc[0]
        raise DataError(f"genre index {table.loc[index.isna(), 'index'].iloc[0]!r} is not a "
                        "number", source=str(path), row=int(row))
    return tuple(table.assign(index=index).sort_values("index")["genre"])
