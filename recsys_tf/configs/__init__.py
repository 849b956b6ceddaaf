"""The experiment configs shipped with the package, found by name from any directory.

``synthetic`` (the README demo), ``ml-100k``, ``beauty`` and ``food-kitchen`` (the benchmark
datasets, read from the relative paths in each file: run from the repository root or pass
``--data-path``).
"""

from __future__ import annotations

from pathlib import Path

BUILT_IN_CONFIGS = Path(__file__).parent


def built_in_configs() -> list[str]:
    """The names of the configs shipped with the package.

    >>> built_in_configs()
    ['beauty', 'food-kitchen', 'ml-100k', 'ml-100k-tune', 'synthetic']
    """
    return sorted(path.stem for path in BUILT_IN_CONFIGS.glob("*.toml"))


def config_path(name_or_path: str | Path) -> Path:
    """An existing config file, or the built-in config of that name (from any directory).

    >>> config_path("synthetic").name
    'synthetic.toml'
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    built_in = BUILT_IN_CONFIGS / f"{name_or_path}.toml"
    if path.parent == Path(".") and built_in.is_file():
        return built_in
    raise ValueError(f"Config file not found: {path} (nor a built-in config: "
                     f"{', '.join(built_in_configs())})")
