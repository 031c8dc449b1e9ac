"""Write the bootable disk image: GPT, one EFI System Partition (FAT32) holding the firmware.

    python3 -m llmbm_build.image --efi FILE.efi --output IMG [--model PATH]... [--headroom-mb N]
                                 [--cfg-example PATH] [--label NAME]

The FAT file system is made and filled by mtools working directly inside the image at the
partition's offset, so no root, loop devices or mounts are needed. Everything that could vary
between builds is pinned: GUIDs and the volume serial come from a hash of the inputs, FAT
timestamps from SOURCE_DATE_EPOCH (default: FAT's own epoch, 1980-01-01) in UTC. Two builds from
the same inputs are byte-identical.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from . import BuildError, require_tools, source_date_epoch
from .gpt import ESP_TYPE, SECTOR, Partition, last_usable_lba, write_gpt

MIB = 1024 * 1024
PARTITION_START = MIB  # 1 MiB: the alignment every partitioning tool uses
# mformat refuses FAT32 below 65525 clusters; with 512-byte clusters that is a 34 MiB disk.
# Two more MiB keep the margin if another mtools version sizes its FATs differently.
MIN_IMAGE_MB = 36
DEFAULT_EPOCH = 315532800  # 1980-01-01T00:00:00Z, the earliest date FAT can store
DEFAULT_LABEL = "LLMBM"
ESP_NAME = "EFI System Partition"

# What a VFAT long name may not hold (besides control characters): the FAT specification's list.
_FAT_FORBIDDEN = set('"*/:<>?\\|')
# A long name is at most 255 UTF-16 code units.
MAX_LONG_NAME = 255
# Names the image itself uses at the root.
RESERVED_NAMES = ("repl.cfg", "repl.cfg.example", "startup.nsh", "efi")


@dataclass(frozen=True)
class FileEntry:
    source: Path | None  # None: contents given in `data`
    dest: str  # path on the FAT volume, '/'-separated
    data: bytes = b""

    def size(self) -> int:
        return self.source.stat().st_size if self.source else len(self.data)


def fat_name_problem(name: str) -> str | None:
    """Why `name` cannot be a file name on the FAT volume, or None when it can. Stored as a VFAT
    long name (mtools adds the 8.3 alias), so case, spaces and several dots are fine."""
    if not name or name in (".", ".."):
        return "an empty name"
    if len(name.encode("utf-16-le")) // 2 > MAX_LONG_NAME:
        return f"longer than the {MAX_LONG_NAME} UTF-16 units a FAT long name holds"
    bad = sorted({c for c in name if c in _FAT_FORBIDDEN or ord(c) < 0x20 or ord(c) == 0x7F})
    if bad:
        return "FAT refuses the character(s) " + " ".join(repr(c) for c in bad)
    if name[-1] in ". " or name[0] == " ":
        return "FAT drops a leading space and trailing dots and spaces"
    return None


def plan_models(models: list[Path]) -> tuple[list[FileEntry], str | None]:
    """Model files at the root under the names the user gave them, and the default model."""
    entries: list[FileEntry] = []
    taken = set(RESERVED_NAMES)
    for model in models:
        if not model.is_file():
            raise BuildError(f"model file {model} not found")
        name = model.name
        problem = fat_name_problem(name)
        if problem:
            raise BuildError(f"model file {model}: its name cannot be stored on the FAT volume: {problem}")
        # FAT compares names without case.
        if name.lower() in taken:
            raise BuildError(
                f"model file {model}: the image already has a file named {name} (FAT ignores case)"
            )
        taken.add(name.lower())
        entries.append(FileEntry(model, name))
    return entries, entries[0].dest if entries else None


def template_entries(model_entries: list[FileEntry], log=print) -> list[FileEntry]:
    """NAME.tpl beside each GGUF model NAME.gguf that has a chat template: the template's pieces
    rendered here with jinja2, so template=auto chats in the model's own format even when the
    firmware does not know its family."""
    from .chat_template import derive_for_model

    entries: list[FileEntry] = []
    for model in model_entries:
        stem, _, ext = model.dest.rpartition(".")
        if model.source is None or ext.lower() != "gguf":
            continue
        try:
            text = derive_for_model(model.source)
        except BuildError as err:
            # Not fatal: the firmware still recognises the known families by their markers.
            log(f"image: warning: no {stem}.tpl: {err}")
            continue
        if text is not None:
            entries.append(FileEntry(None, f"{stem}.tpl", text.encode()))
    return entries


def repl_cfg(default_model: str | None, all_models: list[str], aliases: dict[str, str]) -> bytes:
    lines = ["# repl.cfg written by the image build; edit freely. repl.cfg.example lists every setting."]
    if default_model:
        if len(all_models) > 1:
            lines.append("# models on this image: " + ", ".join(all_models))
        for name in all_models:
            if aliases.get(name, name).lower() != name.lower():
                # For the rare firmware whose FAT driver mishandles long names.
                lines.append(f"# {name} also answers to its 8.3 alias {aliases[name]}")
        lines.append(f"model={default_model}")
    else:
        lines.append("# No model on this image: copy a .gguf (or a llama2.c .bin) to the root of the stick")
        lines.append(
            "# and add a line model=NAME with its file name (e.g. model=SmolLM2-135M-Instruct.Q4_1.gguf)."
        )
    return ("\n".join(lines) + "\n").encode()


# Used when a firmware drops to the UEFI shell instead of starting EFI/BOOT/BOOTX64.EFI itself.
STARTUP_NSH = b"@echo -off\nfs0:\\EFI\\BOOT\\BOOTX64.EFI\n"


def image_size_mb(files: list[FileEntry], headroom_mb: int) -> int:
    """Contents + headroom in whole MiB, plus room for the GPT, FATs and cluster slack."""
    contents = sum(f.size() for f in files)
    # FAT32 with 512-byte to 4 KiB clusters: two FATs cost under 2 %, slack one cluster per file.
    overhead = contents // 50 + len(files) * 64 * 1024 + 2 * MIB
    total = contents + overhead + headroom_mb * MIB
    return max(MIN_IMAGE_MB, -(-total // MIB))


def _input_digest(files: list[FileEntry], label: str, size_mb: int) -> bytes:
    digest = hashlib.sha256()
    digest.update(f"llm-baremetal image v1 {label} {size_mb}\n".encode())
    for entry in files:
        digest.update(entry.dest.encode() + b"\0")
        if entry.source:
            with entry.source.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
        else:
            digest.update(entry.data)
        digest.update(b"\0")
    return digest.digest()


def _derived_uuid(seed: bytes, purpose: str) -> uuid.UUID:
    # Version-4-shaped (random-looking) but derived: the same inputs give the same GUIDs.
    return uuid.UUID(bytes=hashlib.sha256(seed + purpose.encode()).digest()[:16], version=4)


def fat_epoch() -> int:
    stamp = source_date_epoch()
    return DEFAULT_EPOCH if stamp is None else max(stamp, DEFAULT_EPOCH)  # FAT cannot store dates before 1980


def mtools_env(**extra: str) -> dict[str, str]:
    """The environment every mtools call here runs in: MTOOLS_SKIP_CHECK because the image is not
    a floppy with a geometry to check, no user mtoolsrc, C locale for parseable output."""
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1", LC_ALL="C", **extra)
    env.pop("MTOOLSRC", None)
    return env


def fat_target(image: os.PathLike[str] | str) -> str:
    """mtools' name for the FAT volume inside the image: the file at the partition's offset."""
    return f"{os.fspath(image)}@@{PARTITION_START}"


class Mtools:
    """Runs mtools on the FAT volume at a byte offset inside the image file."""

    def __init__(self, image: Path, offset: int, epoch: int) -> None:
        require_tools({"mformat": "mtools", "mmd": "mtools", "mcopy": "mtools", "mshortname": "mtools"})
        self.target = f"{image}@@{offset}"
        # TZ=UTC: mtools stores local time in FAT entries.
        self.env = mtools_env(SOURCE_DATE_EPOCH=str(epoch), TZ="UTC")

    def run(self, *args: str) -> None:
        result = subprocess.run([*args], env=self.env, capture_output=True, text=True)
        if result.returncode != 0:
            raise BuildError(f"{' '.join(args)} failed: {(result.stderr or result.stdout).strip()}")

    def format(self, sectors: int, hidden: int, serial: int, label: str) -> None:
        # -T: exactly the partition's size (without it mformat overruns into the backup GPT);
        # -H: sectors before the partition, recorded in the boot sector; -N: fixed serial.
        self.run(
            "mformat", "-i", self.target, "-F", "-T", str(sectors), "-H", str(hidden),
            "-N", f"{serial:08x}", "-v", label, "::",
        )  # fmt: skip

    def mkdir(self, path: str) -> None:
        self.run("mmd", "-i", self.target, "::/" + path)

    def copy(self, source: Path, dest: str) -> None:
        self.run("mcopy", "-i", self.target, "-o", str(source), "::/" + dest)

    def short_name(self, path: str) -> str:
        """The 8.3 alias mtools gave the file at `path` ("NAME.EXT")."""
        result = subprocess.run(
            ["mshortname", "-i", self.target, "::/" + path], env=self.env, capture_output=True, text=True
        )
        if result.returncode != 0 or not result.stdout.strip():
            raise BuildError(f"mshortname ::/{path} failed: {(result.stderr or result.stdout).strip()}")
        return result.stdout.strip().rsplit("/", 1)[-1]


def pem_certificate_der(pem: bytes, path: Path) -> bytes:
    """The DER bytes of the first certificate in a PEM file (what firmware setup screens read)."""
    begin, end = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"
    start = pem.find(begin)
    stop = pem.find(end, start)
    if start < 0 or stop < 0:
        raise BuildError(f"{path}: no PEM certificate in it")
    try:
        return base64.b64decode(b"".join(pem[start + len(begin) : stop].split()), validate=True)
    except ValueError as err:
        raise BuildError(f"{path}: broken PEM certificate: {err}") from err


def key_entries(cert: Path | None) -> list[FileEntry]:
    """keys/: the public half of the signing key set (never a private key), and the signing
    certificate in DER as well, for "Enroll from file" in firmware setup and MokManager."""
    if cert is None:
        return []
    from .keys import public_key_files

    entries = [FileEntry(path, f"keys/{path.name}") for path in public_key_files(cert)]
    if cert.suffix.lower() in (".crt", ".pem"):
        der_name = f"keys/{cert.stem}.cer"
        if all(e.dest != der_name for e in entries):
            entries.append(FileEntry(None, der_name, pem_certificate_der(cert.read_bytes(), cert)))
    return entries


# Debian's shim-signed / shim-helpers-amd64-signed: shim (signed by Microsoft's UEFI CA) loads
# grubx64.efi from its own directory and checks it against db and the MOK list; mmx64.efi is
# MokManager, where a user enrolls our certificate once. fbx64.efi is left out on purpose: with
# it beside shim, shim would run the fallback boot-entry creator instead of our binary.
# Where scripts/install-deps unpacks them (not installed: shim-signed's maintainer scripts would
# reconfigure the build machine's own bootloader), then the system's copy.
SHIM_DIRS = (
    Path(__file__).resolve().parents[2] / ".deps" / "shim" / "usr" / "lib" / "shim",
    Path("/usr/lib/shim"),
)
SHIM_FILES = (("shimx64.efi.signed", "EFI/BOOT/BOOTX64.EFI"), ("mmx64.efi.signed", "EFI/BOOT/mmx64.efi"))
SHIM_SECOND_STAGE = "EFI/BOOT/grubx64.efi"


def find_shim_dir() -> Path:
    for candidate in SHIM_DIRS:
        if all((candidate / name).is_file() for name, _ in SHIM_FILES):
            return candidate
    raise BuildError(
        "shim not found in "
        + " or ".join(str(d) for d in SHIM_DIRS)
        + ": scripts/install-deps unpacks Debian's "
        "shim-signed and shim-helpers-amd64-signed into .deps/shim"
    )


def boot_entries(efi: Path, shim_dir: Path | None) -> list[FileEntry]:
    """The binaries under EFI/BOOT: ours as BOOTX64.EFI, or behind shim as its second stage."""
    if shim_dir is None:
        return [FileEntry(efi, "EFI/BOOT/BOOTX64.EFI")]
    entries = []
    for name, dest in SHIM_FILES:
        if not (shim_dir / name).is_file():
            raise BuildError(
                f"{shim_dir / name} not found: apt-get install shim-signed shim-helpers-amd64-signed"
            )
        entries.append(FileEntry(shim_dir / name, dest))
    return [*entries, FileEntry(efi, SHIM_SECOND_STAGE)]


def build_image(
    efi: Path,
    output: Path,
    models: list[Path],
    headroom_mb: int = 16,
    cfg_example: Path | None = None,
    label: str = DEFAULT_LABEL,
    log=print,
    keys_from: Path | None = None,
    shim_dir: Path | None = None,
) -> None:
    if not efi.is_file():
        raise BuildError(f"EFI binary {efi} not found")
    if not 1 <= len(label) <= 11 or not re.match(r"^[A-Z0-9_\- ]+$", label.upper()):
        raise BuildError(f"volume label {label!r}: 1-11 letters, digits, '_', '-' or spaces")
    if cfg_example is not None and not cfg_example.is_file():
        raise BuildError(f"example config {cfg_example} not found")
    model_entries, default_model = plan_models(models)
    files = [*boot_entries(efi, shim_dir), *model_entries, *template_entries(model_entries, log)]
    if cfg_example is not None:
        files.append(FileEntry(cfg_example, "repl.cfg.example"))
    files.append(FileEntry(None, "startup.nsh", STARTUP_NSH))
    files += key_entries(keys_from)

    # repl.cfg is written last, once mtools has chosen the models' 8.3 aliases that it names.
    # It follows from the other inputs, so they alone seed the GUIDs; its size is in the slack.
    size_mb = image_size_mb([*files, FileEntry(None, "repl.cfg")], headroom_mb)
    total_sectors = size_mb * MIB // SECTOR
    first = PARTITION_START // SECTOR
    last = last_usable_lba(total_sectors)
    seed = _input_digest(files, label.upper(), size_mb)
    serial = int.from_bytes(hashlib.sha256(seed + b"serial").digest()[:4], "little")
    epoch = fat_epoch()

    tmp = output.with_name(output.name + ".tmp")
    tmp.unlink(missing_ok=True)
    with tmp.open("wb") as handle:
        handle.truncate(total_sectors * SECTOR)  # sparse: only written sectors take space
    try:
        partition = Partition(ESP_TYPE, _derived_uuid(seed, "partition"), first, last, ESP_NAME)
        write_gpt(str(tmp), total_sectors, _derived_uuid(seed, "disk"), [partition])
        fat = Mtools(tmp, PARTITION_START, epoch)
        fat.format(last - first + 1, first, serial, label.upper())
        fat.mkdir("EFI")
        fat.mkdir("EFI/BOOT")
        if any(f.dest.startswith("keys/") for f in files):
            fat.mkdir("keys")
        staging = output.with_name(output.name + ".files")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        try:
            for entry in files:
                source = entry.source
                if source is None:
                    source = staging / entry.dest.replace("/", "_")
                    source.write_bytes(entry.data)
                log(f"image: {entry.dest} ({entry.size()} bytes)")
                fat.copy(source, entry.dest)
            aliases = {m.dest: fat.short_name(m.dest) for m in model_entries}
            for name, alias in aliases.items():
                log(f"image: {name} has the 8.3 alias {alias}")
            cfg = staging / "repl.cfg"
            cfg.write_bytes(repl_cfg(default_model, [m.dest for m in model_entries], aliases))
            log(f"image: repl.cfg ({cfg.stat().st_size} bytes)")
            fat.copy(cfg, "repl.cfg")
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        tmp.replace(output)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log(f"image: wrote {output} ({size_mb} MiB, FAT32 label {label.upper()})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m llmbm_build.image", description=__doc__.split("\n")[0])
    parser.add_argument("--efi", type=Path, required=True, help="the firmware, becomes EFI/BOOT/BOOTX64.EFI")
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--model", type=Path, action="append", default=[], help="model file (repeatable)")
    parser.add_argument("--headroom-mb", type=int, default=16, help="free space beyond the contents")
    parser.add_argument("--cfg-example", type=Path, help="copied as repl.cfg.example")
    parser.add_argument("--label", default=DEFAULT_LABEL, help="FAT volume label")
    parser.add_argument(
        "--keys-from", type=Path, help="signing certificate: its public key files go in keys/"
    )
    parser.add_argument(
        "--shim", nargs="?", type=Path, const=Path(), help="boot through shim (from DIR, default: .deps/shim)"
    )
    args = parser.parse_args(argv)
    if args.headroom_mb < 0:
        parser.error("--headroom-mb must be >= 0")
    try:
        build_image(
            args.efi,
            args.output,
            args.model,
            args.headroom_mb,
            args.cfg_example,
            args.label,
            keys_from=args.keys_from,
            shim_dir=None if args.shim is None else find_shim_dir() if args.shim == Path() else args.shim,
        )
    except BuildError as err:
        print(f"image: error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
