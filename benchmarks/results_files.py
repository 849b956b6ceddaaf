"""A benchmark run's files: ``NAME.json``, ``NAME.md`` and its PNGs, stamped with provenance.

Every figure in ``docs/benchmarks.md`` and the README's results table is read from these files
(:mod:`benchmarks.make_docs`), so each one traces to the run that measured it: the stamp holds
the date, the commit (``-dirty`` when the tree had changes), the machine and the command.

Example::

    write_results("drift", result, table="| ... |", results_dir="benchmarks/results",
                  command="recsys-tf bench drift --seeds 3")
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

RESULTS_DIR = Path(__file__).with_name("results")


def stamp(command: str) -> dict:
    """Where a result comes from: date, commit, machine and the command that measured it."""
    return {"date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "commit": _commit(), "machine": machine(), "command": command}


def machine() -> str:
    """``x86_64, 2 CPUs, Linux 6.1`` (+ the GPUs TensorFlow sees, if it was imported)."""
    text = f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}"
    tf = sys.modules.get("tensorflow")
    if tf is not None:
        gpus = [tf.config.experimental.get_device_details(d).get("device_name", d.name)
                for d in tf.config.list_physical_devices("GPU")]
        text += ", " + (", ".join(gpus) if gpus else "no GPU")
    return text


def write_results(name: str, result: dict, *, table: str, results_dir: str | Path,
                  command: str, plots: dict[str, Callable[[Path], None]] | None = None,
                  ) -> list[Path]:
    """Writes ``NAME.json`` (``result`` + ``"stamp"``), ``NAME.md`` and each plot
    ``NAME-<key>.png`` (``plots[key](path)`` draws it); returns the paths written."""
    results = Path(results_dir)
    results.mkdir(parents=True, exist_ok=True)
    result = {**result, "stamp": stamp(command)}
    written = [results / f"{name}.json", results / f"{name}.md"]
    written[0].write_text(json.dumps(result, indent=1) + "\n")
    for key, draw in (plots or {}).items():
        path = results / f"{name}-{key}.png"
        draw(path)
        written.append(path)
    written[1].write_text(render_markdown(name, result, table, written[2:]))
    return written


def render_markdown(name: str, result: dict, table: str, plots: list[Path]) -> str:
    """``NAME.md``: the table, the plots and the stamp line (a pure function of the result)."""
    figures = "".join(f"\n![{p.stem}]({p.name})\n" for p in plots)
    s = result["stamp"]
    return (f"# bench {name}\n\n{table}\n{figures}\nMeasured {s['date']} on {s['machine']}, "
            f"commit {s['commit']}, with `{s['command']}`"
            + (f" ({result['seconds']} s)" if "seconds" in result else "") + ".\n")


def read_results(results_dir: str | Path = RESULTS_DIR) -> dict[str, dict]:
    """Every ``NAME.json`` under ``results_dir``, keyed by ``NAME``."""
    return {path.stem: json.loads(path.read_text())
            for path in sorted(Path(results_dir).glob("*.json"))}


def _commit() -> str:
    root = Path(__file__).parents[1]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head + ("-dirty" if dirty else "")
