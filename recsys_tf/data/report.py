"""Accounting of rows dropped or altered while reading and cleaning data.

Nothing is lost silently: every row that a loader or a cleaning step drops or changes is counted
here under a reason, with the first few offending rows kept as examples (``file:row``) so the user
can find them.

Example:

>>> report = DataReport()
>>> report.drop("duplicate", 2, examples=["events.csv:7", "events.csv:9"])
>>> report.dropped
{'duplicate': 2}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

MAX_EXAMPLES = 3


class DataError(ValueError):
    """Input data that cannot be read; the message names the file, row and column."""

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None):
        where = ""
        if source is not None:
            where = f"{source}"
            if row is not None:
                where += f":{row}"
            where += ": "
        if column is not None:
            where += f"column '{column}': "
        super().__init__(where + message)
        self.source = source
        self.row = row
        self.column = column


@dataclass
class DataReport:
    """Counts of dropped and altered rows, by reason, with a few examples of each."""

    dropped: dict[str, int] = field(default_factory=dict)
    altered: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)

    def drop(self, reason: str, count: int, examples: Iterable[str] = ()) -> None:
        """Records ``count`` rows dropped for ``reason`` (no-op for ``count == 0``)."""
        self._add(self.dropped, reason, count, examples)

    def alter(self, reason: str, count: int, examples: Iterable[str] = ()) -> None:
        """Records ``count`` rows kept but changed (e.g. a filled missing value)."""
        self._add(self.altered, reason, count, examples)

    def _add(self, table: dict[str, int], reason: str, count: int,
             examples: Iterable[str]) -> None:
        count = int(count)
        if count <= 0:
            return
        table[reason] = table.get(reason, 0) + count
        kept = self.examples.setdefault(reason, [])
        for example in examples:
            if len(kept) >= MAX_EXAMPLES:
                break
            kept.append(str(example))

    @property
    def total_dropped(self) -> int:
        return sum(self.dropped.values())

    def merge(self, other: DataReport) -> DataReport:
        """Adds the counts and examples of ``other`` to this report; returns ``self``."""
        for reason, count in other.dropped.items():
            self.drop(reason, count, other.examples.get(reason, ()))
        for reason, count in other.altered.items():
            self.alter(reason, count, other.examples.get(reason, ()))
        return self

    def to_dict(self) -> dict:
        return {
            "dropped": dict(sorted(self.dropped.items())),
            "altered": dict(sorted(self.altered.items())),
            "examples": {k: list(v) for k, v in sorted(self.examples.items())},
        }

    def format(self) -> str:
        """Human-readable lines, one per reason."""
        if not self.dropped and not self.altered:
            return "no rows dropped or altered"
        lines = []
        for title, table in (("dropped", self.dropped), ("altered", self.altered)):
            for reason, count in sorted(table.items()):
                example = ", ".join(self.examples.get(reason, []))
                lines.append(f"{title:8s} {count:>9,d}  {reason}" + (f"  (e.g. {example})"
                                                                      if example else ""))
        return "\n".join(lines)
