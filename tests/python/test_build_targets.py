"""The build's user-facing targets, run as a user runs them: the default image carries the
default chat model under its own file name and repl.cfg names it; `ninja release` packages an
image without a model; `meson dist` makes a source tarball that configures on its own."""

from __future__ import annotations

import hashlib
import lzma
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from llmbm_build.default_model import default_model_path
from llmbm_build.model_memory import configured_model, image_text

VERSION_FILE = "meson.build"


def ninja(build_dir: Path, target: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESON")}
    return subprocess.run(
        ["ninja", "-C", str(build_dir), target], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def project_version(source_dir: Path) -> str:
    text = (source_dir / VERSION_FILE).read_text()
    return text.split("version:", 1)[1].split("'")[1]


@pytest.fixture(scope="module")
def default_image(build_dir: Path) -> Path:
    image = build_dir / "llm-baremetal.img"
    if not image.is_file():
        pytest.fail(f"{image} not built (ninja -C {build_dir} image)")
    return image


def test_default_image_carries_the_default_model_by_its_name(default_image: Path) -> None:
    model = default_model_path()
    cfg = image_text(default_image, "repl.cfg")
    assert cfg is not None, "no repl.cfg on the default image"
    name, _ = configured_model(cfg)
    assert name == model.name, cfg
    assert "also answers to its 8.3 alias" in cfg, cfg
    result = subprocess.run(
        ["mtype", "-i", f"{default_image}@@1M", f"::/{model.name}"],
        capture_output=True,
        env=dict(os.environ, MTOOLS_SKIP_CHECK="1"),
    )
    assert result.returncode == 0, result.stderr
    assert hashlib.sha256(result.stdout).digest() == hashlib.sha256(model.read_bytes()).digest()
    template = image_text(default_image, model.name.rsplit(".", 1)[0] + ".tpl")
    assert template and "<|im_start|>" in template, "the model's ChatML template was not derived"


def test_release_is_a_no_model_image(build_dir: Path, source_dir: Path, tmp_path: Path) -> None:
    result = ninja(build_dir, "release", tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    name = f"llm-baremetal-{project_version(source_dir)}-x86_64.img"
    packed = build_dir / (name + ".xz")
    sums = (build_dir / "SHA256SUMS").read_text()
    assert hashlib.sha256(packed.read_bytes()).hexdigest() + "  " + packed.name in sums
    raw = tmp_path / name
    raw.write_bytes(lzma.decompress(packed.read_bytes()))
    assert hashlib.sha256(raw.read_bytes()).hexdigest() + "  " + name in sums
    cfg = image_text(raw, "repl.cfg")
    assert cfg is not None and configured_model(cfg)[0] is None, cfg
    assert "No model on this image" in cfg
    assert raw.stat().st_size < 64 * 1024 * 1024, "a release image without a model is small"


def test_dist_tarball_configures(build_dir: Path, source_dir: Path, tmp_path: Path) -> None:
    if not (source_dir / ".git").exists():
        pytest.skip(f"meson dist needs a git checkout; {source_dir} is not one")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESON")}
    result = subprocess.run(
        ["meson", "dist", "-C", str(build_dir), "--no-tests", "--allow-dirty", "--formats", "xztar"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tarball = build_dir / "meson-dist" / f"llm-baremetal-{project_version(source_dir)}.tar.xz"
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        top = names[0].split("/")[0]
        for needed in ("meson.build", "README.md", "python/llmbm_build/image.py", "firmware/engine/model.c"):
            assert f"{top}/{needed}" in names, needed
        assert not any("/.venv/" in n or "/build/" in n for n in names)
        tar.extractall(tmp_path, filter="data")
    tree = tmp_path / top
    configured = subprocess.run(
        ["meson", "setup", str(tmp_path / "b"), str(tree), "-Dmodel=none"],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert configured.returncode == 0, configured.stdout + configured.stderr
    assert "Image model: none" in configured.stdout
