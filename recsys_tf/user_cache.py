"""The one folder where recsys_tf keeps what it fetches or computes once per machine.

``$RECSYS_TF_CACHE``, else ``~/.cache/recsys_tf``: pretrained weights (``models/``), the
benchmarks' work (``bench/``: training runs, peer results) and the peers' virtual environment
(``peers/``). Item text embeddings go where ``[data] cache_dir`` says (by default
``~/.cache/recsys_tf/text``).

>>> import os; os.environ["RECSYS_TF_CACHE"] = "/scratch/rt"; str(cache_root())
'/scratch/rt'
>>> del os.environ["RECSYS_TF_CACHE"]
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_CACHE = "RECSYS_TF_CACHE"


def cache_root() -> Path:
    """recsys_tf's cache folder: ``$RECSYS_TF_CACHE`` or ``~/.cache/recsys_tf``."""
    return Path(os.environ.get(ENV_CACHE) or Path.home() / ".cache" / "recsys_tf").expanduser()
