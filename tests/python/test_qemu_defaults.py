"""The QEMU runner's defaults that fit the user's machine: the accelerator probe (against fake
QEMUs that behave like a working KVM, a broken one and an aborting one), the core count, and the
guest memory read from the model that an image's repl.cfg names."""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

import gguf
import numpy as np
import pytest

from llmbm_build import BuildError
from llmbm_build import qemu as q
from llmbm_build.image import build_image
from llmbm_build.model_memory import (
    configured_model,
    gguf_shape,
    image_memory_mib,
    llama2c_shape,
    memory_needed_mib,
)

FAKE_QEMU = """#!{python}
import sys, time
mode = {mode!r}
if mode == "works":
    sys.stdout.write("BdsDxe: loading Boot0001\\n"); sys.stdout.flush(); time.sleep(30)
elif mode == "internal-error":
    sys.stderr.write("KVM internal error. Suberror: 1\\n"); sys.stderr.flush(); time.sleep(30)
elif mode == "abort":
    sys.stderr.write("qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69\\n"); sys.exit(134)
"""


def fake_qemu(tmp_path: Path, mode: str) -> str:
    path = tmp_path / f"qemu-{mode}"
    path.write_text(FAKE_QEMU.format(python=sys.executable, mode=mode))
    path.chmod(0o755)
    return str(path)


@pytest.fixture()
def ovmf(tmp_path: Path) -> q.Ovmf:
    code, vars_ = tmp_path / "CODE.fd", tmp_path / "VARS.fd"
    code.write_bytes(b"c")
    vars_.write_bytes(b"v")
    return q.Ovmf(code, vars_)


def kvm_opens() -> bool:
    try:
        os.close(os.open("/dev/kvm", os.O_RDWR))
    except OSError:
        return False
    return True


@pytest.mark.parametrize("mode", ["internal-error", "abort"])
def test_auto_falls_back_to_tcg_and_says_why(tmp_path: Path, ovmf: q.Ovmf, mode: str, capsys) -> None:
    assert q.choose_accel("auto", ovmf, fake_qemu(tmp_path, mode)) == "tcg"
    said = capsys.readouterr().err
    assert "using TCG" in said and "slow" in said, said
    if kvm_opens():
        assert ("KVM internal error" if mode == "internal-error" else "failed to set MSR") in said, said
    else:
        assert "/dev/kvm" in said, said


def test_auto_takes_kvm_when_the_probe_boot_prints(tmp_path: Path, ovmf: q.Ovmf) -> None:
    if not kvm_opens():
        assert q.kvm_unusable_reason(ovmf, fake_qemu(tmp_path, "works")).startswith("/dev/kvm")
        return
    assert q.choose_accel("auto", ovmf, fake_qemu(tmp_path, "works")) == "kvm"


def test_forced_accelerators_are_not_probed(tmp_path: Path, ovmf: q.Ovmf) -> None:
    missing = str(tmp_path / "no-such-qemu")
    assert q.choose_accel("tcg", ovmf, missing) == "tcg"
    assert q.choose_accel("kvm", ovmf, missing) == "kvm"


def test_default_smp_is_the_hosts_cores_up_to_eight() -> None:
    assert q.default_smp() == max(1, min(8, len(os.sched_getaffinity(0))))


def write_gguf(path: Path, layers: int, ctx: int, heads: int, kv_heads: int, dim: int) -> None:
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(layers)
    writer.add_context_length(ctx)
    writer.add_embedding_length(dim)
    writer.add_head_count(heads)
    writer.add_head_count_kv(kv_heads)
    writer.add_token_list([f"t{i}" for i in range(1000)])  # an array the reader must skip
    writer.add_tensor("token_embd.weight", np.zeros((4, dim), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def test_gguf_and_llama2c_headers(tmp_path: Path, testdata: Path) -> None:
    model = tmp_path / "m.gguf"
    write_gguf(model, layers=24, ctx=32768, heads=16, kv_heads=4, dim=2048)
    with model.open("rb") as handle:
        shape = gguf_shape(handle, str(model))
    assert (shape.n_layers, shape.kv_dim, shape.max_ctx) == (24, 4 * 128, 32768)
    with (testdata / "stories260K.bin").open("rb") as handle:
        assert llama2c_shape(handle, "stories260K.bin").n_layers == 5
    truncated = tmp_path / "t.gguf"
    truncated.write_bytes(model.read_bytes()[:200])
    with truncated.open("rb") as handle, pytest.raises(BuildError, match="ends inside its header"):
        gguf_shape(handle, str(truncated))
    bad = tmp_path / "bad.bin"
    bad.write_bytes(struct.pack("<7i", 64, 0, 5, 7, 4, 512, 512))
    with bad.open("rb") as handle, pytest.raises(BuildError, match="implausible"):
        llama2c_shape(handle, str(bad))


def test_memory_follows_the_model_and_ctx(tmp_path: Path) -> None:
    cfg = "# model=commented.gguf\nmodel=first.gguf\nctx=4096\nmodel=big model.gguf\n"
    assert configured_model(cfg) == ("big model.gguf", 4096)
    model = tmp_path / "big model.gguf"
    write_gguf(model, layers=24, ctx=32768, heads=16, kv_heads=4, dim=2048)
    efi = tmp_path / "fw.efi"
    efi.write_bytes(b"MZ" + bytes(4000))
    image = tmp_path / "m.img"
    build_image(efi, image, [model], headroom_mb=1, log=lambda *_: None)
    kv = 2 * 24 * 32768 * 512 * 4  # the whole trained context: ctx=0 in repl.cfg
    expected = -(-(model.stat().st_size + kv) // (1 << 20)) + 512
    assert expected > 2048
    assert image_memory_mib(image) == expected
    assert memory_needed_mib(model.stat().st_size, gguf_shape(model.open("rb"), "m"), 1024, 512, 2048) == 2048


def test_memory_floor_without_a_model(tmp_path: Path) -> None:
    efi = tmp_path / "fw.efi"
    efi.write_bytes(b"MZ" + bytes(4000))
    image = tmp_path / "n.img"
    build_image(efi, image, [], headroom_mb=1, log=lambda *_: None)
    assert image_memory_mib(image) == 2048
