"""An experiment configuration written back as TOML (the tuner's best configuration).

Example:

>>> print(toml_text({"train": {"epochs": 3, "learning_rate": 0.002, "loss": "full"},
...                  "data": {"path": None, "synthetic": {"seed": 1}}}))
[train]
epochs = 3
learning_rate = 0.002
loss = "full"
<BLANKLINE>
[data]
<BLANKLINE>
[data.synthetic]
seed = 1
<BLANKLINE>
"""

from __future__ import annotations

import json
import math


def toml_value(value) -> str:
    """One TOML value: a string, bool, int, finite float or a list of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"TOML has no value for {value}")
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise ValueError(f"cannot write {value!r} ({type(value).__name__}) as TOML")


def toml_text(sections: dict[str, dict], header: str = "") -> str:
    """``sections`` (table name -> keys; nested dicts become sub-tables, ``None`` values are
    left out) as TOML text, after ``header`` comment lines."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]

    def table(name: str, values: dict) -> None:
        if lines:
            lines.append("")
        lines.append(f"[{name}]")
        nested = {k: v for k, v in values.items() if isinstance(v, dict)}
        for key, value in values.items():
            if value is not None and key not in nested:
                lines.append(f"{key} = {toml_value(value)}")
        for key, value in nested.items():
            table(f"{name}.{key}", value)

    for name, values in sections.items():
        table(name, values)
    return "\n".join(lines) + "\n"
