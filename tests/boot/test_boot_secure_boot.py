"""Secure Boot under OVMF's secboot build (SMM, TCG): with our keys enrolled (PK, KEK, db from
llmbm_build.keys) the signed binary boots to the prompt and the banner says so; the unsigned
binary and a signed one with one byte changed are refused. Through Debian's Microsoft-signed shim,
with Microsoft's keys in the store like a stock PC: refused until our certificate is in the MOK
list (pre-seeded here with virt-fw-vars, which is what MokManager's enrollment leaves behind),
then booted."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from boot_helpers import PROMPT, Boot, boot

from llmbm_build.image import build_image, find_shim_dir
from llmbm_build.keys import make_keys
from llmbm_build.qemu import EXIT_NOT_BOOTED, find_ovmf_secboot
from llmbm_build.secureboot_vars import make_vars
from llmbm_build.sign import sign

CN = "llmbm boot test"


def secure_boot(image: Path, vars_: Path, tmp: Path) -> Boot:
    return boot(
        image, ["/shutdown"], tmp, timeout=120, extra_args=("--secure-boot", "--ovmf-vars", str(vars_))
    )


def unsigned_copy(efi: Path, out: Path) -> Path:
    shutil.copyfile(efi, out)
    listing = subprocess.run(["sbverify", "--list", str(out)], capture_output=True, text=True)
    if "signature 1" in listing.stdout:  # a signed build (-Dsign_key): start from no signature
        subprocess.run(["sbattach", "--remove", str(out)], check=True, capture_output=True)
    return out


def tampered(signed: Path, out: Path) -> Path:
    """The signed binary with one byte of its first section's contents changed."""
    data = bytearray(signed.read_bytes())
    header = struct.unpack_from("<I", data, 0x3C)[0]
    optional_size = struct.unpack_from("<H", data, header + 20)[0]
    first_section = header + 24 + optional_size
    raw_pointer = struct.unpack_from("<I", data, first_section + 20)[0]
    data[raw_pointer + 100] ^= 0x01
    out.write_bytes(bytes(data))
    return out


@pytest.fixture(scope="module")
def boots(efi_binary: Path, boot_tools: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Boot]:
    tmp = tmp_path_factory.mktemp("secure-boot")
    keys = tmp / "keys"
    make_keys(keys, CN, log=lambda *_: None)
    unsigned = unsigned_copy(efi_binary, tmp / "unsigned.efi")
    signed = tmp / "signed.efi"
    sign(keys / "db.key", keys / "db.crt", unsigned, signed)
    ours = tmp / "ours.fd"
    template = find_ovmf_secboot().vars
    make_vars(ours, template, db=keys / "db.crt", pk=keys / "PK.crt", kek=keys / "KEK.crt")
    microsoft = template.with_name(template.name.replace(".fd", ".ms.fd"))
    ms_copy, ms_mok = tmp / "ms.fd", tmp / "ms-mok.fd"
    shutil.copyfile(microsoft, ms_copy)
    make_vars(ms_mok, microsoft, mok=keys / "db.cer")

    def image(name: str, efi: Path, shim: bool = False) -> Path:
        out = tmp / f"{name}.img"
        build_image(efi, out, [], headroom_mb=1, log=lambda *_: None, keys_from=keys / "db.crt",
                    shim_dir=find_shim_dir() if shim else None)  # fmt: skip
        return out

    return {
        "signed": secure_boot(image("signed", signed), ours, tmp),
        "unsigned": secure_boot(image("unsigned", unsigned), ours, tmp),
        "tampered": secure_boot(image("tampered", tampered(signed, tmp / "tampered.efi")), ours, tmp),
        "shim-no-mok": secure_boot(image("shim", signed, shim=True), ms_copy, tmp),
        "shim-mok": secure_boot(image("shim", signed, shim=True), ms_mok, tmp),
    }


@pytest.mark.parametrize("name", ["signed", "shim-mok"])
def test_signed_binary_boots_with_secure_boot_on(boots: dict[str, Boot], name: str) -> None:
    run = boots[name]
    assert run.status == 0, run.console + run.stderr
    assert f"Secure Boot: on | binary signed by: {CN} db" in run.banner, run.banner
    assert PROMPT + "/shutdown" in run.console


@pytest.mark.parametrize("name", ["unsigned", "tampered"])
def test_firmware_refuses_what_db_does_not_vouch_for(boots: dict[str, Boot], name: str) -> None:
    run = boots[name]
    assert run.status == EXIT_NOT_BOOTED, run.console + run.stderr
    assert "Access Denied" in run.console, run.console
    assert PROMPT not in run.console and "llm-baremetal" not in run.console


def test_shim_refuses_until_the_certificate_is_enrolled(boots: dict[str, Boot]) -> None:
    run = boots["shim-no-mok"]
    assert run.status == EXIT_NOT_BOOTED, run.console + run.stderr
    assert "Verification failed: (0x1A) Security Violation" in run.console, run.console
    assert PROMPT not in run.console
