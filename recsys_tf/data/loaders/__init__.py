"""Loaders for the supported dataset formats; :func:`load_dataset` dispatches by format name."""

from __future__ import annotations

from pathlib import Path

from recsys_tf.data.event_log import EventLog
from recsys_tf.data.loaders.amazon import load_amazon
from recsys_tf.data.loaders.cross_domain import load_cross_domain
from recsys_tf.data.loaders.events_csv import load_events_csv
from recsys_tf.data.loaders.movielens import load_movielens

FORMATS = ("movielens", "amazon", "cross-domain", "events-csv", "synthetic")


def load_dataset(fmt: str, path: str | Path | None = None, **options) -> EventLog:
    """Loads ``path`` in format ``fmt`` (one of :data:`FORMATS`); ``synthetic`` needs no path.

    Keyword options go to the format's loader (e.g. ``columns=`` for ``events-csv``, or a
    :class:`~recsys_tf.data.synthetic.SyntheticConfig` as ``config=`` for ``synthetic``).
    """
    if fmt == "synthetic":
        from recsys_tf.data.synthetic import generate_synthetic

        return generate_synthetic(**options).log
    if fmt not in FORMATS:
        raise ValueError(f"`fmt` must be one of {FORMATS}. Received: {fmt!r}")
    if path is None:
        raise ValueError(f"Format {fmt!r} needs a path.")
    loader = {"movielens": load_movielens, "amazon": load_amazon,
              "cross-domain": load_cross_domain, "events-csv": load_events_csv}[fmt]
    return loader(path, **options)


__all__ = ["FORMATS", "load_amazon", "load_cross_domain", "load_dataset", "load_events_csv",
           "load_movielens"]
