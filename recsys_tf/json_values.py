"""Strict JSON for metrics and reports: NaN and infinities become ``null``.

Python's ``json`` writes ``NaN`` and ``Infinity``, which are not JSON: ``jq``, browsers and most
other parsers refuse the whole document. A metric that is undefined (e.g. no example in a
bucket) is written as ``null``.

Example:

>>> import json
>>> json.dumps(strict_json({"ndcg": float("nan"), "hr": [0.5, float("inf")]}), allow_nan=False)
'{"ndcg": null, "hr": [0.5, null]}'
"""

from __future__ import annotations

import math

import numpy as np


def strict_json(value):
    """``value`` (dicts, lists, tuples, numbers, numpy scalars and arrays) with every
    non-finite float replaced by None and numpy values by Python ones."""
    if isinstance(value, dict):
        return {key: strict_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [strict_json(item) for item in value]
    if isinstance(value, np.ndarray):
        return strict_json(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
