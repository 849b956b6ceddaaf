"""Type checks for configuration dataclasses read from TOML or JSON: checked, never coerced.

TOML has types, so a value of the wrong type is a mistake to report, not to convert:
``use_behaviour = "false"`` must not turn a tower on (a non-empty string is truthy),
``epochs = 2.5`` must not become 2, ``patience = true`` must not become 1.

Example:

>>> import dataclasses
>>> @dataclasses.dataclass(frozen=True)
... class Train:
...     epochs: int = 1
>>> check_field_types(Train(epochs=2), "[train]")
>>> check_field_types(Train(epochs=2.5), "[train]")
Traceback (most recent call last):
...
ValueError: [train] epochs must be an integer. Received: 2.5 (float)
"""

from __future__ import annotations

import dataclasses
import math

_KINDS = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "a string",
          "dict": "a table", "tuple": "a list", "list": "a list"}


def check_field_types(config, section: str) -> None:
    """Raises ``ValueError`` naming ``section`` and the field when a field of the dataclass
    ``config`` holds a value of another type than its annotation (``int | None`` etc.); a
    float must also be finite."""
    check_values(type(config), {f.name: getattr(config, f.name)
                                for f in dataclasses.fields(config)}, section)


def check_values(cls, values: dict, section: str) -> None:
    """:func:`check_field_types` for ``values`` meant for the dataclass ``cls``, before it is
    built (its own checks may compare a value of the wrong type)."""
    annotations = {f.name: f.type for f in dataclasses.fields(cls)}
    for name, value in values.items():
        if name not in annotations:
            continue  # unknown keys are the caller's to report
        annotation = annotations[name]
        annotation = annotation if isinstance(annotation, str) else annotation.__name__
        allowed = [part.strip() for part in annotation.split("|")]
        if value is None and "None" in allowed:
            continue
        kinds = [part.split("[")[0] for part in allowed if part != "None"]
        if not any(_matches(value, kind) for kind in kinds):
            expected = " or ".join(_KINDS.get(kind, kind) for kind in kinds)
            raise ValueError(f"{section} {name} must be {expected}. Received: "
                             f"{value!r} ({type(value).__name__})")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"{section} {name} must be finite. Received: {value!r}")


def _matches(value, kind: str) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind in ("tuple", "list"):
        return isinstance(value, tuple | list)
    expected = {"str": str, "dict": dict}.get(kind)
    if expected is None:  # an annotation this check does not know: leave it to the class
        return True
    return isinstance(value, expected)


__all__ = ["check_field_types", "check_values"]
