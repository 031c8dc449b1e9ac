"""image: the GPT is parsed back and its CRCs checked by a reader written here from the UEFI
spec (not the writer's code); the FAT32 volume is read with mtools; builds are reproducible.
Also covers the release packaging."""

from __future__ import annotations

import hashlib
import lzma
import os
import shutil
import struct
import subprocess
import sys
import uuid
import zlib
from pathlib import Path

import pytest
from odd_template_model import write_odd_model

from llmbm_build import BuildError
from llmbm_build.image import fat_name_problem
from llmbm_build.release import package

SECTOR = 512
ESP = uuid.UUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")


@pytest.fixture(scope="module", autouse=True)
def mtools() -> None:
    for tool in ("mformat", "mcopy", "mmd", "mdir", "mtype", "mshortname"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} not found: apt-get install mtools")


def build(
    tmp: Path, name: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "llmbm_build.image", "--output", str(tmp / name), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("inputs")
    efi = tmp / "fw.efi"
    efi.write_bytes(b"MZ" + bytes(range(256)) * 40)
    cfg = tmp / "repl.cfg.example"
    cfg.write_text("# every setting\n#model=NAME\n")
    small = tmp / "tiny.gguf"
    small.write_bytes(b"GGUF" + bytes(5000))
    return {"efi": efi, "cfg": cfg, "long": testdata / "stories260K.bin", "short": small}


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory, inputs: dict[str, Path]) -> Path:
    tmp = tmp_path_factory.mktemp("img")
    args = ["--efi", str(inputs["efi"]), "--model", str(inputs["long"]), "--model", str(inputs["short"])]
    result = build(tmp, "a.img", *args, "--cfg-example", str(inputs["cfg"]), "--headroom-mb", "4")
    assert result.returncode == 0, result.stderr
    return tmp / "a.img"


# --- independent GPT reader --------------------------------------------------------------------


def read_header(disk: bytes, lba: int) -> dict[str, int | bytes]:
    raw = disk[lba * SECTOR : lba * SECTOR + 92]
    names = [
        "sig",
        "rev",
        "size",
        "crc",
        "reserved",
        "my",
        "alt",
        "first",
        "last",
        "guid",
        "entries",
        "count",
        "entsize",
        "entcrc",
    ]
    header = dict(zip(names, struct.unpack("<8sIIIIQQQQ16sQIII", raw), strict=True))
    zeroed = raw[:16] + b"\0\0\0\0" + raw[20:]
    assert header["sig"] == b"EFI PART"
    assert header["rev"] == 0x00010000 and header["size"] == 92
    assert header["crc"] == zlib.crc32(zeroed), f"header CRC at LBA {lba}"
    assert disk[lba * SECTOR + 92 : (lba + 1) * SECTOR] == bytes(SECTOR - 92), "reserved tail is zero"
    return header


def read_entries(disk: bytes, header: dict[str, int | bytes]) -> bytes:
    start = int(header["entries"]) * SECTOR
    data = disk[start : start + int(header["count"]) * int(header["entsize"])]
    assert zlib.crc32(data) == header["entcrc"], "entry array CRC"
    return data


def test_gpt_layout(image: Path) -> None:
    disk = image.read_bytes()
    total = len(disk) // SECTOR
    assert len(disk) % (1024 * 1024) == 0, "whole MiB"
    mbr = disk[:SECTOR]
    assert mbr[510:] == b"\x55\xaa"
    status, ptype, first, count = mbr[446], mbr[450], *struct.unpack_from("<II", mbr, 454)
    assert (status, ptype, first, count) == (0, 0xEE, 1, total - 1), "protective MBR"
    assert mbr[462:510] == bytes(48), "only one MBR partition"

    primary = read_header(disk, 1)
    backup = read_header(disk, total - 1)
    assert (primary["my"], primary["alt"], primary["entries"]) == (1, total - 1, 2)
    assert (backup["my"], backup["alt"], backup["entries"]) == (total - 1, 1, total - 33)
    assert primary["count"] == 128 and primary["entsize"] == 128
    assert primary["first"] == 34 and primary["last"] == total - 34
    for key in ("first", "last", "guid", "count", "entsize", "entcrc"):
        assert primary[key] == backup[key], key
    entries = read_entries(disk, primary)
    assert entries == read_entries(disk, backup)

    type_guid, part_guid, first_lba, last_lba, attrs = struct.unpack_from("<16s16sQQQ", entries, 0)
    assert uuid.UUID(bytes_le=type_guid) == ESP
    assert first_lba * SECTOR == 1024 * 1024, "partition at 1 MiB"
    assert first_lba <= last_lba <= primary["last"]
    assert entries[56:128].decode("utf-16-le").rstrip("\0") == "EFI System Partition"
    assert entries[128:] == bytes(len(entries) - 128), "one partition only"
    assert uuid.UUID(bytes_le=part_guid) != uuid.UUID(bytes_le=primary["guid"])

    # The FAT boot sector: FAT32 exactly filling the partition (no overrun into the backup GPT).
    boot = disk[first_lba * SECTOR : (first_lba + 1) * SECTOR]
    assert boot[510:512] == b"\x55\xaa" and boot[82:90] == b"FAT32   "
    (fat_sectors,) = struct.unpack_from("<I", boot, 32)
    assert fat_sectors == last_lba - first_lba + 1


def mtool_bytes(image: Path, *args: str) -> bytes:
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    target = f"{image}@@{1024 * 1024}"
    result = subprocess.run([args[0], "-i", target, *args[1:]], capture_output=True, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def mtool(image: Path, *args: str) -> str:
    return mtool_bytes(image, *args).decode()


def test_fat_contents(image: Path, inputs: dict[str, Path]) -> None:
    listing = mtool(image, "mdir", "-b", "-/", "::/")
    files = {line.strip().lower() for line in listing.splitlines()}
    for name in ("::/efi/boot/bootx64.efi", "::/repl.cfg", "::/repl.cfg.example", "::/startup.nsh"):
        assert name in files, listing
    assert "::/stories260k.bin" in files and "::/tiny.gguf" in files, listing
    assert mtool_bytes(image, "mtype", "-b", "::/EFI/BOOT/BOOTX64.EFI") == inputs["efi"].read_bytes()
    cfg = mtool(image, "mtype", "::/repl.cfg")
    assert "model=stories260K.bin" in cfg.splitlines(), cfg
    # The alias comment names what mtools really chose (read back here with mshortname).
    for name, expected in (("stories260K.bin", "STORIE~1.BIN"), ("tiny.gguf", "TINY~1.GGU")):
        alias = mtool(image, "mshortname", f"::/{name}").strip().rsplit("/", 1)[-1]
        assert alias.upper() == expected, alias
        assert f"# {name} also answers to its 8.3 alias {alias}" in cfg.splitlines(), cfg
    assert "fs0:\\EFI\\BOOT\\BOOTX64.EFI" in mtool(image, "mtype", "::/startup.nsh")
    copied = mtool_bytes(image, "mtype", "-b", "::/stories260K.bin")
    assert hashlib.sha256(copied).digest() == hashlib.sha256(inputs["long"].read_bytes()).digest()


def test_reproducible(tmp_path: Path, image: Path, inputs: dict[str, Path]) -> None:
    args = ["--efi", str(inputs["efi"]), "--model", str(inputs["long"]), "--model", str(inputs["short"])]
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["TZ"] = "Pacific/Auckland"  # must not leak into FAT timestamps
    result = build(
        tmp_path, "b.img", *args, "--cfg-example", str(inputs["cfg"]), "--headroom-mb", "4", env=env
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.img").read_bytes() == image.read_bytes()


def test_no_model_image(tmp_path: Path, inputs: dict[str, Path]) -> None:
    result = build(tmp_path, "n.img", "--efi", str(inputs["efi"]))
    assert result.returncode == 0, result.stderr
    img = tmp_path / "n.img"
    assert img.stat().st_size >= 34 * 1024 * 1024, "FAT32 minimum"
    cfg = mtool(img, "mtype", "::/repl.cfg")
    assert "model=" not in [line[:6] for line in cfg.splitlines()]
    assert "No model on this image" in cfg


def test_size_follows_contents(tmp_path: Path, inputs: dict[str, Path]) -> None:
    big = tmp_path / "big.gguf"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    result = build(
        tmp_path, "big.img", "--efi", str(inputs["efi"]), "--model", str(big), "--headroom-mb", "8"
    )
    assert result.returncode == 0, result.stderr
    size_mb = (tmp_path / "big.img").stat().st_size // (1024 * 1024)
    assert 58 <= size_mb <= 64


def test_errors(tmp_path: Path, inputs: dict[str, Path]) -> None:
    result = build(tmp_path, "x.img", "--efi", str(inputs["efi"]), "--model", str(tmp_path / "gone.gguf"))
    assert result.returncode == 1 and "gone.gguf" in result.stderr
    assert not (tmp_path / "x.img").exists()
    empty = tmp_path / "bin"
    empty.mkdir()
    env = dict(os.environ, PATH=str(empty))
    result = build(tmp_path, "y.img", "--efi", str(inputs["efi"]), env=env)
    assert result.returncode == 1 and "apt-get install mtools" in result.stderr


def test_names_kept_or_refused(tmp_path: Path, inputs: dict[str, Path]) -> None:
    """A model keeps the name it was given, long, mixed-case and many-dotted; a name FAT cannot
    store is a build error naming the file."""
    for good in ("SmolLM2-135M-Instruct.Q4_1.gguf", "Llama 3.2 1B.gguf", "a", "x" * 255, "été.bin"):
        assert fat_name_problem(good) is None, good
    for bad in ("a:b.gguf", 'q"uote.bin', "star*.gguf", "tab\tname.bin", "dot.", "x" * 256, "back\\slash"):
        assert fat_name_problem(bad), bad
    named = tmp_path / "Llama 3.2 1B.Q4_0.gguf"
    named.write_bytes(b"GGUF" + bytes(100))
    result = build(tmp_path, "n.img", "--efi", str(inputs["efi"]), "--model", str(named))
    assert result.returncode == 0, result.stderr
    img = tmp_path / "n.img"
    assert "model=Llama 3.2 1B.Q4_0.gguf" in mtool(img, "mtype", "::/repl.cfg").splitlines()
    assert mtool_bytes(img, "mtype", "-b", "::/Llama 3.2 1B.Q4_0.gguf") == named.read_bytes()
    assert "has the 8.3 alias" in result.stdout, result.stdout
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    refused = bad_dir / "what?.gguf"
    refused.write_bytes(b"GGUF")
    result = build(tmp_path, "r.img", "--efi", str(inputs["efi"]), "--model", str(refused))
    assert result.returncode == 1 and "what?.gguf" in result.stderr and "'?'" in result.stderr, result.stderr
    twin = bad_dir / "TINY.GGUF"
    twin.write_bytes(b"GGUF")
    args = ["--efi", str(inputs["efi"]), "--model", str(inputs["short"]), "--model", str(twin)]
    result = build(tmp_path, "t.img", *args)
    assert result.returncode == 1 and "FAT ignores case" in result.stderr, result.stderr


def test_release(tmp_path: Path, image: Path) -> None:
    xz, sums = package(image, "9.9.9", tmp_path)
    assert xz.name == "llm-baremetal-9.9.9-x86_64.img.xz"
    assert lzma.decompress(xz.read_bytes()) == image.read_bytes()
    lines = dict(reversed(line.split("  ")) for line in sums.read_text().splitlines())
    assert lines[xz.name] == hashlib.sha256(xz.read_bytes()).hexdigest()
    assert lines["llm-baremetal-9.9.9-x86_64.img"] == hashlib.sha256(image.read_bytes()).hexdigest()
    first = xz.read_bytes()
    package(image, "9.9.9", tmp_path)
    assert xz.read_bytes() == first, "release packaging is reproducible"


def test_release_carries_licences(tmp_path: Path, image: Path) -> None:
    licence = tmp_path / "copyright"
    licence.write_text("Font: GPL-2+ with the font embedding exception\n")
    out = tmp_path / "out"
    out.mkdir()
    _, sums = package(image, "9.9.9", out, {"font-copyright.txt": licence})
    assert (out / "font-copyright.txt").read_bytes() == licence.read_bytes()
    lines = dict(reversed(line.split("  ")) for line in sums.read_text().splitlines())
    assert lines["font-copyright.txt"] == hashlib.sha256(licence.read_bytes()).hexdigest()
    with pytest.raises(BuildError, match="not found"):
        package(image, "9.9.9", out, {"x.txt": tmp_path / "missing"})


def test_image_carries_the_derived_template(tmp_path: Path, testdata: Path, inputs: dict[str, Path]) -> None:
    """NAME.tpl, derived from the model's Jinja template (llmbm_build.chat_template), beside it."""
    model = write_odd_model(tmp_path, testdata)
    result = build(tmp_path, "t.img", "--efi", str(inputs["efi"]), "--model", str(model))
    assert result.returncode == 0, result.stderr
    tpl = mtool(tmp_path / "t.img", "mtype", "::/odd.tpl")
    assert "user_prefix=[[USER]] \n" in tpl and "assistant_prefix=[[ASSISTANT]] \n" in tpl, tpl
