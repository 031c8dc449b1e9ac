"""Secure Boot files, checked independently of the code that writes them: the ESL and .auth
structures are parsed here from the UEFI specification and each .auth signature is verified with
openssl over the payload the firmware checks; the signed binary's certificate table is read from
the PE headers, its Authenticode digest recomputed, and sbverify run on it. Also: signing is
reproducible, refuses bad inputs with the file's name, and no private key reaches an image."""

from __future__ import annotations

import hashlib
import os
import shutil
import struct
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from llmbm_build import BuildError
from llmbm_build.elf2efi import sbat_text
from llmbm_build.image import build_image
from llmbm_build.keys import KEY_NAMES, SIGNED_BY, make_keys
from llmbm_build.sign import sign

EFI_CERT_X509 = uuid.UUID("a5c059a1-94e4-4aa7-87b5-ab155c2bf072")
EFI_CERT_TYPE_PKCS7 = uuid.UUID("4aafd29d-68df-49ee-8aa9-347d375665a7")
EFI_GLOBAL_VARIABLE = uuid.UUID("8be4df61-93ca-11d2-aa0d-00e098032b8c")
EFI_IMAGE_SECURITY_DATABASE = uuid.UUID("d719b2cb-3d3a-4596-a3bc-dad00e67656f")
# NON_VOLATILE | BOOTSERVICE_ACCESS | RUNTIME_ACCESS | TIME_BASED_AUTHENTICATED_WRITE_ACCESS
AUTH_ATTRIBUTES = 0x01 | 0x02 | 0x04 | 0x20
WIN_CERT_TYPE_PKCS_SIGNED_DATA = 0x0002
WIN_CERT_TYPE_EFI_GUID = 0x0EF1
PKCS7_SIGNED_DATA_OID = bytes.fromhex("06092a864886f70d010702")


def tools() -> None:
    for tool in ("openssl", "sbsign", "sbverify", "faketime", "cert-to-efi-sig-list", "sign-efi-sig-list"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: scripts/install-deps installs it")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tools()
    out = tmp_path_factory.mktemp("keys")
    make_keys(out, "llmbm test", log=lambda *_: None)
    return out


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def parse_esl(data: bytes) -> tuple[uuid.UUID, list[tuple[uuid.UUID, bytes]]]:
    """One EFI_SIGNATURE_LIST: its type and its (owner, data) entries; the whole input."""
    sig_type = uuid.UUID(bytes_le=data[:16])
    list_size, header_size, sig_size = struct.unpack_from("<III", data, 16)
    assert list_size == len(data), "SignatureListSize covers the file"
    assert sig_size > 16 and (list_size - 28 - header_size) % sig_size == 0
    entries = []
    for at in range(28 + header_size, list_size, sig_size):
        entries.append((uuid.UUID(bytes_le=data[at : at + 16]), data[at + 16 : at + sig_size]))
    return sig_type, entries


def test_key_files(keys: Path) -> None:
    owner = uuid.UUID((keys / "owner.guid").read_text().strip())
    for name in KEY_NAMES:
        cer = (keys / f"{name}.cer").read_bytes()
        pem_as_der = subprocess.run(
            ["openssl", "x509", "-in", str(keys / f"{name}.crt"), "-outform", "DER"],
            capture_output=True,
            check=True,
        ).stdout
        assert cer == pem_as_der, f"{name}.cer is {name}.crt in DER"
        sig_type, entries = parse_esl((keys / f"{name}.esl").read_bytes())
        assert sig_type == EFI_CERT_X509 and entries == [(owner, cer)], name
        assert (keys / f"{name}.key").stat().st_mode & 0o077 == 0, f"{name}.key is private to its owner"


@pytest.mark.parametrize("name", KEY_NAMES)
def test_auth_files_are_signed_by_the_key_above(keys: Path, tmp_path: Path, name: str) -> None:
    data = (keys / f"{name}.auth").read_bytes()
    timestamp = data[:16]  # EFI_TIME
    length, revision, cert_type = struct.unpack_from("<IHH", data, 16)
    assert (revision, cert_type) == (0x0200, WIN_CERT_TYPE_EFI_GUID)
    assert uuid.UUID(bytes_le=data[24:40]) == EFI_CERT_TYPE_PKCS7
    signed_data, esl = data[40 : 16 + length], data[16 + length :]
    assert esl == (keys / f"{name}.esl").read_bytes(), "the .auth carries the .esl after its signature"
    # What the firmware verifies: name (UTF-16, no terminator), vendor GUID, attributes, time, data.
    vendor = EFI_IMAGE_SECURITY_DATABASE if name == "db" else EFI_GLOBAL_VARIABLE
    payload = (
        name.encode("utf-16-le") + vendor.bytes_le + struct.pack("<I", AUTH_ATTRIBUTES) + timestamp + esl
    )
    (tmp_path / "payload").write_bytes(payload)
    # The .auth holds a bare SignedData; openssl wants it inside a ContentInfo.
    inner = b"\xa0" + der_length(len(signed_data)) + signed_data
    body = PKCS7_SIGNED_DATA_OID + inner
    (tmp_path / "sig.der").write_bytes(b"\x30" + der_length(len(body)) + body)
    signer = keys / f"{SIGNED_BY[name]}.crt"
    result = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "sig.der"),
         "-content", str(tmp_path / "payload"), "-CAfile", str(signer), "-purpose", "any",
         "-out", os.devnull],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, f"{name}.auth does not verify with {signer.name}: {result.stderr}"
    other = keys / ("db.crt" if SIGNED_BY[name] != "db" else "PK.crt")
    wrong = subprocess.run(
        ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "sig.der"),
         "-content", str(tmp_path / "payload"), "-CAfile", str(other), "-purpose", "any", "-out", os.devnull],
        capture_output=True, text=True,
    )  # fmt: skip
    assert wrong.returncode != 0, f"{name}.auth must not verify with {other.name}"


def authenticode_sha256(pe: bytes) -> tuple[bytes, int, int]:
    """The image digest Authenticode signs (checksum and certificate directory left out, the
    certificate table too), and the table's offset and size from data directory 4."""
    header = struct.unpack_from("<I", pe, 0x3C)[0]
    assert pe[header : header + 4] == b"PE\0\0"
    optional = header + 24
    assert struct.unpack_from("<H", pe, optional)[0] == 0x20B, "PE32+"
    checksum = optional + 64
    cert_dir = optional + 112 + 8 * 4
    offset, size = struct.unpack_from("<II", pe, cert_dir)
    end = offset or len(pe)
    digest = hashlib.sha256(pe[:checksum] + pe[checksum + 4 : cert_dir] + pe[cert_dir + 8 : end]).digest()
    return digest, offset, size


@pytest.fixture(scope="module")
def unsigned_efi(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The build's EFI binary without a signature (a signed build keeps an unsigned copy)."""
    for name in ("llm-baremetal.unsigned.efi", "llm-baremetal.efi"):
        path = build_dir / name
        if path.is_file():
            break
    else:
        pytest.fail(f"no EFI binary in {build_dir}")
    copy = tmp_path_factory.mktemp("efi") / "unsigned.efi"
    shutil.copyfile(path, copy)
    if authenticode_sha256(copy.read_bytes())[1]:
        subprocess.run(["sbattach", "--remove", str(copy)], check=True, capture_output=True)
    return copy


def test_signed_binary(keys: Path, unsigned_efi: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.efi", tmp_path / "b.efi"
    sign(keys / "db.key", keys / "db.crt", unsigned_efi, first)
    sign(keys / "db.key", keys / "db.crt", unsigned_efi, second)
    assert first.read_bytes() == second.read_bytes(), "the same binary and key give the same bytes"
    pe = first.read_bytes()
    digest, offset, size = authenticode_sha256(pe)
    assert offset + size == len(pe) and offset % 8 == 0, "the certificate table ends the file"
    length, revision, cert_type = struct.unpack_from("<IHH", pe, offset)
    assert (revision, cert_type) == (0x0200, WIN_CERT_TYPE_PKCS_SIGNED_DATA) and length <= size
    signature = pe[offset + 8 : offset + length]
    assert digest in signature, "the signature covers this image's Authenticode digest"
    assert (keys / "db.cer").read_bytes() in signature, "the db certificate is in the signature"
    unsigned = unsigned_efi.read_bytes()
    unsigned += bytes(-len(unsigned) % 8)  # sbsign pads the image to 8 bytes before the table
    assert authenticode_sha256(unsigned)[0] == digest, "signing changes no byte the signature covers"
    check = subprocess.run(["sbverify", "--cert", str(keys / "db.crt"), str(first)], capture_output=True)
    assert check.returncode == 0, check.stderr
    other = subprocess.run(["sbverify", "--cert", str(keys / "KEK.crt"), str(first)], capture_output=True)
    assert other.returncode != 0, "a different certificate must not verify it"
    sbat = sbat_text(subprocess.run(
        [sys.executable, "-c", "print(open('meson.build').read().split(\"version: '\")[1].split(\"'\")[0])"],
        capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2], check=True,
    ).stdout.strip())  # fmt: skip
    assert sbat in pe, "the .sbat section shim needs is there"


def test_sign_errors_name_the_file(keys: Path, unsigned_efi: Path, tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="gone.key"):
        sign(tmp_path / "gone.key", keys / "db.crt", unsigned_efi, tmp_path / "x.efi")
    with pytest.raises(BuildError, match="sbverify refused|sbsign"):
        sign(keys / "db.key", keys / "KEK.crt", unsigned_efi, tmp_path / "y.efi")  # key and cert differ
    assert not (tmp_path / "x.efi").exists() and not (tmp_path / "y.efi").exists()


def test_configure_refuses_a_missing_key(source_dir: Path, tmp_path: Path, keys: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESON")}
    result = subprocess.run(
        ["meson", "setup", str(tmp_path / "b"), str(source_dir), "-Dmodel=none",
         f"-Dsign_key={tmp_path / 'missing.key'}", f"-Dsign_cert={keys / 'db.crt'}"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert result.returncode != 0
    assert "missing.key" in result.stdout + result.stderr, result.stdout + result.stderr


def test_configure_wires_signing_and_shim(source_dir: Path, tmp_path: Path, keys: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MESON")}
    build = tmp_path / "signed"
    args = ["meson", "setup", str(build), str(source_dir), "-Dmodel=none", "-Dshim=true"]
    result = subprocess.run(
        [*args, f"-Dsign_key={keys / 'db.key'}", f"-Dsign_cert={keys / 'db.crt'}"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # The commands ninja will run (custom targets' commands are not in meson's introspection).
    ninja = (build / "build.ninja").read_text()
    sign_rule = next((line for line in ninja.splitlines() if "llmbm_build.sign" in line), "")
    assert str(keys / "db.key") in sign_rule and "llm-baremetal.unsigned.efi" in sign_rule, sign_rule
    image_rule = next((line for line in ninja.splitlines() if "llmbm_build.image" in line), "")
    assert "--shim" in image_rule and f"--keys-from {keys / 'db.crt'}" in image_rule, image_rule
    assert "build run-secure-boot:" in ninja and "build keys:" in ninja
    unsigned = subprocess.run(
        [*args[:2], str(tmp_path / "plain"), *args[3:]], capture_output=True, text=True, env=env
    )
    assert unsigned.returncode != 0 and "-Dshim=true needs -Dsign_key" in unsigned.stdout + unsigned.stderr


def test_image_gets_public_keys_only(keys: Path, unsigned_efi: Path, tmp_path: Path) -> None:
    image = tmp_path / "k.img"
    build_image(unsigned_efi, image, [], headroom_mb=1, log=lambda *_: None, keys_from=keys / "db.crt")
    listing = subprocess.run(
        ["mdir", "-b", "-i", f"{image}@@1M", "::/keys"], capture_output=True, text=True,
        env=dict(os.environ, MTOOLS_SKIP_CHECK="1"), check=True,
    ).stdout  # fmt: skip
    names = {line.rsplit("/", 1)[-1] for line in listing.split()}
    for name in KEY_NAMES:
        assert {f"{name}.cer", f"{name}.esl", f"{name}.auth"} <= names, listing
        assert f"{name}.key" not in names, listing
    leaked = tmp_path / "leak"
    leaked.mkdir()
    shutil.copyfile(keys / "db.key", leaked / "db.crt")  # a private key under a public name
    with pytest.raises(BuildError, match="private key"):
        build_image(
            unsigned_efi,
            tmp_path / "l.img",
            [],
            headroom_mb=1,
            log=lambda *_: None,
            keys_from=leaked / "db.crt",
        )
