"""GUID Partition Table writer: protective MBR, primary and backup headers and entry arrays.

Kept apart from image.py so the layout rules (UEFI spec 2.10, section 5.3) live in one place.
"""

from __future__ import annotations

import struct
import uuid
import zlib
from dataclasses import dataclass

SECTOR = 512
ENTRY_COUNT = 128
ENTRY_SIZE = 128
ENTRY_SECTORS = ENTRY_COUNT * ENTRY_SIZE // SECTOR  # 32
HEADER_SIZE = 92
REVISION_1_0 = 0x00010000
ESP_TYPE = uuid.UUID("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")


@dataclass(frozen=True)
class Partition:
    type_guid: uuid.UUID
    guid: uuid.UUID
    first_lba: int
    last_lba: int  # inclusive, as GPT stores it
    name: str


def first_usable_lba() -> int:
    return 2 + ENTRY_SECTORS


def last_usable_lba(total_sectors: int) -> int:
    return total_sectors - 2 - ENTRY_SECTORS


def protective_mbr(total_sectors: int) -> bytes:
    """One 0xEE partition covering the disk, so MBR-only tools see it as in use."""
    mbr = bytearray(SECTOR)
    size = min(total_sectors - 1, 0xFFFFFFFF)
    # status, CHS first (0/0/2), type, CHS last (saturated), first LBA, sector count
    mbr[446:462] = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff", 1, size)
    mbr[510:512] = b"\x55\xaa"
    return bytes(mbr)


def entry_array(partitions: list[Partition]) -> bytes:
    if len(partitions) > ENTRY_COUNT:
        raise ValueError("too many partitions")
    out = bytearray(ENTRY_COUNT * ENTRY_SIZE)
    for index, part in enumerate(partitions):
        name = part.name.encode("utf-16-le")
        if len(name) > 72:
            raise ValueError(f"partition name {part.name!r} longer than 36 UTF-16 units")
        # GUIDs are stored in the mixed-endian "bytes_le" form.
        struct.pack_into(
            "<16s16sQQQ72s",
            out,
            index * ENTRY_SIZE,
            part.type_guid.bytes_le,
            part.guid.bytes_le,
            part.first_lba,
            part.last_lba,
            0,
            name,
        )
    return bytes(out)


def header(total_sectors: int, disk_guid: uuid.UUID, entries: bytes, *, backup: bool) -> bytes:
    my_lba, alternate = (total_sectors - 1, 1) if backup else (1, total_sectors - 1)
    entries_lba = total_sectors - 1 - ENTRY_SECTORS if backup else 2
    fields = [
        b"EFI PART",
        REVISION_1_0,
        HEADER_SIZE,
        0,  # CRC32, computed over the header with this field zero
        0,
        my_lba,
        alternate,
        first_usable_lba(),
        last_usable_lba(total_sectors),
        disk_guid.bytes_le,
        entries_lba,
        ENTRY_COUNT,
        ENTRY_SIZE,
        zlib.crc32(entries),
    ]
    fmt = "<8sIIIIQQQQ16sQIII"
    raw = struct.pack(fmt, *fields)
    fields[3] = zlib.crc32(raw)
    return struct.pack(fmt, *fields).ljust(SECTOR, b"\0")


def write_gpt(path: str, total_sectors: int, disk_guid: uuid.UUID, partitions: list[Partition]) -> None:
    """Write the MBR and both GPT copies into an existing file of total_sectors sectors."""
    for part in partitions:
        if not first_usable_lba() <= part.first_lba <= part.last_lba <= last_usable_lba(total_sectors):
            raise ValueError(f"partition {part.name!r} outside the usable LBAs")
    entries = entry_array(partitions)
    with open(path, "r+b") as disk:
        disk.seek(0)
        disk.write(protective_mbr(total_sectors))
        disk.write(header(total_sectors, disk_guid, entries, backup=False))
        disk.write(entries)
        disk.seek((total_sectors - 1 - ENTRY_SECTORS) * SECTOR)
        disk.write(entries)
        disk.write(header(total_sectors, disk_guid, entries, backup=True))
