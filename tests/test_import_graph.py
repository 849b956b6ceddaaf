"""The package's imports run one way: each subpackage imports only from those below it.

Every ``import`` counts, also one inside a function (a lazy import is still a dependency).
"""

from __future__ import annotations

import ast
from pathlib import Path

import recsys_tf

PACKAGE = Path(recsys_tf.__file__).parent

# Bottom to top. A subpackage may import from its own row and the rows above it.
LAYERS = (
    ("__init__", "user_cache", "config_types", "json_values", "configs"),  # __init__: version
    ("data",),
    ("layers", "losses", "optimizers"),
    ("text",),            # the sentence encoder is built from layers
    ("models",),
    ("experiment",),      # preparing a run's data embeds item text
    ("evaluation", "baselines"),
    ("training",),        # early stopping and the prior fit evaluate on validation
    ("tuning",),          # every trial is a training run
    ("export",),
    ("retrieval", "serving"),
    ("cli", "__main__"),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _unit(module: str) -> str | None:
    """The subpackage (or top-level module) of ``recsys_tf.X...``; None outside the package."""
    parts = module.split(".")
    if parts[0] != "recsys_tf":
        return None
    return parts[1] if len(parts) > 1 else "__init__"


def import_edges() -> set[tuple[str, str, str]]:
    """``(importing unit, imported unit, file)`` for every import between different units."""
    edges = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        source = _unit(".".join(relative.parts))
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module]
                if node.module == "recsys_tf":
                    targets = [f"recsys_tf.{alias.name}" for alias in node.names
                               if (PACKAGE / alias.name).is_dir()
                               or (PACKAGE / f"{alias.name}.py").is_file()]
            else:
                continue
            for target in targets:
                unit = _unit(target)
                if unit is not None and unit != source:
                    edges.add((source, unit, str(relative)))
    return edges


def test_every_unit_has_a_layer():
    units = {_unit(".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts))
             for p in PACKAGE.rglob("*.py")}
    assert units - set(RANK) == set(), "give each new subpackage a row in LAYERS"


def test_imports_run_one_way():
    upward = sorted(f"{file}: {source} imports {target}"
                    for source, target, file in import_edges() if RANK[target] > RANK[source])
    assert upward == []


def test_no_cycle_between_subpackages():
    graph: dict[str, set[str]] = {}
    for source, target, _ in import_edges():
        graph.setdefault(source, set()).add(target)

    def reaches(start, goal, seen=()):
        return any(n == goal or (n not in seen and reaches(n, goal, (*seen, n)))
                   for n in graph.get(start, ()))

    cycles = sorted(unit for unit in graph if reaches(unit, unit))
    assert cycles == []


def test_the_check_sees_lazy_imports(tmp_path):
    # evaluation -> experiment is legal; the walk must find the import inside a function.
    assert ("evaluation", "experiment", "recsys_tf/evaluation/run_report") in import_edges()
