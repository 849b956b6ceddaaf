"""Progress output: interactive bars on a terminal, one plain line per step in a job's log.

A training job's stdout is usually a file, where a redrawn bar leaves carriage returns and colour
codes behind. :func:`interactive` decides once for every writer in the package: tqdm bars (shown
after one second) and Keras' ``verbose`` (:func:`keras_verbose`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import BinaryIO

from tqdm.auto import tqdm

# A bar appears only when the work takes longer than this, so small files print nothing.
PROGRESS_DELAY_S = 1.0


def interactive() -> bool:
    """True when stdout and stderr are both terminals, so bars may redraw their line."""
    return all(stream is not None and stream.isatty() for stream in (sys.stdout, sys.stderr))


def keras_verbose() -> int:
    """Keras ``fit`` verbosity: the redrawn bar (1) on a terminal, one line per epoch (2) else."""
    return 1 if interactive() else 2


def progress_bar(total: int | None, desc: str, unit: str = "it", **kwargs) -> tqdm:
    """A tqdm bar on stderr that stays hidden for quick work and in non-interactive logs."""
    return tqdm(total=total, desc=desc, unit=unit, delay=PROGRESS_DELAY_S, leave=False,
                disable=not interactive(), dynamic_ncols=True, **kwargs)


@contextlib.contextmanager
def open_with_progress(path: str | os.PathLike, desc: str | None = None) -> Iterator[BinaryIO]:
    """Opens ``path`` for binary reading; reads advance a byte-count progress bar."""
    size = os.path.getsize(path)
    with open(path, "rb") as handle, progress_bar(size, desc or os.path.basename(path), "B",
                                                   unit_scale=True) as bar:
        yield _ProgressReader(handle, bar)


class _ProgressReader:
    """File wrapper that reports how many bytes were read."""

    def __init__(self, handle: BinaryIO, bar: tqdm):
        self._handle = handle
        self._bar = bar

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self._bar.update(len(chunk))
        return chunk

    def readline(self, size: int = -1) -> bytes:
        line = self._handle.readline(size)
        self._bar.update(len(line))
        return line

    def __iter__(self) -> Iterator[bytes]:
        for line in self._handle:
            self._bar.update(len(line))
            yield line

    def __getattr__(self, name):
        return getattr(self._handle, name)
