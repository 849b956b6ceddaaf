"""``assets.extra/recsys_tf.json``: what an export holds, and the check made before loading it.

The manifest records the signatures' inputs and outputs, the update state's layout, the export
settings and the size of every variable file. :func:`load_export` compares the files on disk
with it before calling ``tf.saved_model.load``, so a copy that lost or truncated its variables
fails with a message naming the file instead of a TensorFlow checkpoint error.

Example::

    module = load_export("exports/recsys/3")      # ExportError if incomplete
    module.signatures["recommend"](item_ids=...)
"""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST_FILE = "recsys_tf.json"


class ExportError(ValueError):
    """An export directory that cannot be served (missing or damaged files)."""


def variable_files(directory: Path) -> dict[str, int]:
    """``{relative path: size}`` of the files under ``directory/variables``."""
    root = directory / "variables"
    return {str(p.relative_to(directory)): p.stat().st_size
            for p in sorted(root.rglob("*")) if p.is_file()}


def write_manifest(directory: Path, content: dict) -> Path:
    """Writes the manifest (``content`` + the variable files) into ``assets.extra``."""
    path = directory / "assets.extra" / MANIFEST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    content = {**content, "variable_files": variable_files(directory)}
    path.write_text(json.dumps(content, indent=1) + "\n", encoding="utf-8")
    return path


def read_manifest(directory: str | Path) -> dict:
    path = Path(directory) / "assets.extra" / MANIFEST_FILE
    if not path.is_file():
        raise ExportError(f"{path} is missing: not a recsys_tf export version directory")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExportError(f"{path} is damaged ({error}): export the run again") from None


def check_export(directory: str | Path) -> dict:
    """Raises :class:`ExportError` naming the first missing or damaged file; returns the
    manifest."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ExportError(f"{directory} does not exist or is not a directory")
    if not (directory / "saved_model.pb").is_file():
        raise ExportError(f"{directory / 'saved_model.pb'} is missing: not a SavedModel "
                          "version directory")
    manifest = read_manifest(directory)
    files = manifest.get("variable_files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        raise ExportError(f"{directory / 'assets.extra' / MANIFEST_FILE} is damaged (no "
                          "variable_files): export the run again")
    for name, size in files.items():
        path = directory / name
        if not path.is_file():
            raise ExportError(f"{path} is missing: the SavedModel's variables are incomplete "
                              "(copy the whole version directory)")
        if path.stat().st_size != size:
            raise ExportError(f"{path} has {path.stat().st_size} bytes, the export wrote "
                              f"{size}: the variables are truncated or from another export")
    return manifest


def load_export(directory: str | Path):
    """``tf.saved_model.load`` of a checked export version directory."""
    import tensorflow as tf

    check_export(directory)
    try:
        return tf.saved_model.load(str(directory))
    except (OSError, ValueError, tf.errors.OpError) as error:
        raise ExportError(f"{directory} could not be loaded: {error}") from error
