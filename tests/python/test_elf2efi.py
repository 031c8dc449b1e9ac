"""elf2efi on static-PIE ELFs compiled here with the host cc: the PE output is parsed back by an
independent reader, and every refusal case must name what is wrong."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection

from llmbm_build import BuildError
from llmbm_build.elf2efi import convert

CFLAGS = ["-ffreestanding", "-fPIE", "-fshort-wchar", "-mno-red-zone", "-fno-stack-protector", "-O1"]
LDFLAGS = ["-static-pie", "-nostdlib", "-Wl,-e,efi_main", "-Wl,--build-id=none"]
PAGE_FLAGS = ["-Wl,-z,separate-code", "-Wl,-z,max-page-size=4096", "-Wl,-z,common-page-size=4096"]

# Pointer-holding data: every initialised pointer becomes one R_X86_64_RELATIVE. 600 of them
# span several 4 KiB pages, so the .reloc table needs several blocks.
GOOD_C = (
    "static char big[8192];\n"
    'const char *names[] = {"alpha", "beta", "gamma"};\n'
    "int counter = 3;\n"
    "int *counter_ptr = &counter;\n"
    "char *table[] = {" + ", ".join(f"big + {i}" for i in range(600)) + "};\n"
    "__attribute__((ms_abi)) unsigned long long efi_main(void *image, void *system_table) {\n"
    "    (void)image; (void)system_table;\n"
    "    return (unsigned long long)names[*counter_ptr % 3] + (unsigned long long)table[5];\n"
    "}\n"
)


def _cc() -> str:
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        pytest.fail(
            f"C compiler {cc!r} not found: these tests build ELF inputs with it (apt-get install gcc)"
        )
    return cc


def build_elf(tmp_path: Path, source: str, extra: list[str] | None = None, name: str = "t") -> Path:
    src = tmp_path / f"{name}.c"
    src.write_text(source)
    out = tmp_path / f"{name}.elf"
    cmd = [_cc(), *CFLAGS, *LDFLAGS, *(extra if extra is not None else PAGE_FLAGS), "-o", str(out), str(src)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(cmd)}\n{result.stderr}"
    return out


# --- an independent PE reader (the writer's code is not reused) -----------------------------


@dataclass
class PeSection:
    name: str
    vsize: int
    rva: int
    raw_size: int
    raw_ptr: int
    flags: int


@dataclass
class Pe:
    raw: bytes
    machine: int
    timestamp: int
    characteristics: int
    entry: int
    image_base: int
    section_alignment: int
    file_alignment: int
    size_of_image: int
    size_of_headers: int
    checksum: int
    checksum_offset: int
    subsystem: int
    dll_characteristics: int
    directories: list[tuple[int, int]]
    sections: list[PeSection]

    def read(self, rva: int, size: int) -> bytes:
        """Bytes at an RVA as the loader would map them (zero beyond the raw data)."""
        for s in self.sections:
            if s.rva <= rva and rva + size <= s.rva + max(s.vsize, s.raw_size):
                start = rva - s.rva
                data = self.raw[s.raw_ptr : s.raw_ptr + s.raw_size] if s.raw_size else b""
                return (data + bytes(size + start))[start : start + size]
        raise AssertionError(f"RVA {rva:#x} is in no section")


def parse_pe(raw: bytes) -> Pe:
    assert raw[:2] == b"MZ"
    (lfanew,) = struct.unpack_from("<I", raw, 0x3C)
    assert raw[lfanew : lfanew + 4] == b"PE\0\0"
    machine, nsec, stamp, _, _, opt_size, chars = struct.unpack_from("<HHIIIHH", raw, lfanew + 4)
    opt = lfanew + 24
    (magic,) = struct.unpack_from("<H", raw, opt)
    assert magic == 0x20B, "not PE32+"
    entry = struct.unpack_from("<I", raw, opt + 16)[0]
    image_base = struct.unpack_from("<Q", raw, opt + 24)[0]
    sect_align, file_align = struct.unpack_from("<II", raw, opt + 32)
    size_image, size_headers, checksum = struct.unpack_from("<III", raw, opt + 56)
    subsystem, dllchars = struct.unpack_from("<HH", raw, opt + 68)
    ndirs = struct.unpack_from("<I", raw, opt + 108)[0]
    dirs = [struct.unpack_from("<II", raw, opt + 112 + 8 * i) for i in range(ndirs)]
    sections = []
    for i in range(nsec):
        name, vsize, rva, rsize, rptr, *_, flags = struct.unpack_from(
            "<8sIIIIIIHHI", raw, opt + opt_size + 40 * i
        )
        sections.append(PeSection(name.rstrip(b"\0").decode(), vsize, rva, rsize, rptr, flags))
    return Pe(
        raw, machine, stamp, chars, entry, image_base, sect_align, file_align, size_image,
        size_headers, checksum, opt + 64, subsystem, dllchars, dirs, sections,
    )  # fmt: skip


def parse_relocs(pe: Pe) -> list[int]:
    rva, size = pe.directories[5]
    data = pe.read(rva, size)
    sites, pos = [], 0
    while pos < size:
        page, block = struct.unpack_from("<II", data, pos)
        assert block >= 8 and block % 4 == 0, f"block at {pos} has size {block}"
        assert page % 4096 == 0
        for (entry,) in struct.iter_unpack("<H", data[pos + 8 : pos + block]):
            kind, offset = entry >> 12, entry & 0xFFF
            assert kind in (0, 10), f"relocation type {kind}"
            if kind == 10:
                sites.append(page + offset)
        pos += block
    assert pos == size
    return sites


def reference_checksum(raw: bytes, offset: int) -> int:
    data = bytearray(raw)
    data[offset : offset + 4] = b"\0\0\0\0"
    if len(data) % 2:
        data.append(0)
    total = 0
    for (word,) in struct.iter_unpack("<H", bytes(data)):
        total += word
        total = (total & 0xFFFF) + (total >> 16)
    return (total + len(raw)) & 0xFFFFFFFF


def elf_relative_relocs(path: Path) -> dict[int, int]:
    with path.open("rb") as f:
        elf = ELFFile(f)
        out = {}
        for sec in elf.iter_sections():
            if isinstance(sec, RelocationSection):
                for r in sec.iter_relocations():
                    assert r["r_info_type"] == 8
                    out[r["r_offset"]] = r["r_addend"]
        return out


def elf_symbol(path: Path, name: str) -> int:
    with path.open("rb") as f:
        [sym] = ELFFile(f).get_section_by_name(".symtab").get_symbol_by_name(name)
        return sym["st_value"]


def run_cli(inp: Path, out: Path, epoch: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("SOURCE_DATE_EPOCH", None)
    if epoch is not None:
        env["SOURCE_DATE_EPOCH"] = epoch
    return subprocess.run(
        [sys.executable, "-m", "llmbm_build.elf2efi", str(inp), str(out)],
        capture_output=True,
        text=True,
        env=env,
    )


# --- the good case ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Pe]:
    tmp = tmp_path_factory.mktemp("good")
    elf = build_elf(tmp, GOOD_C)
    out = tmp / "t.efi"
    result = run_cli(elf, out, epoch="1700000000")
    assert result.returncode == 0, result.stderr
    return elf, parse_pe(out.read_bytes())


def test_headers(good: tuple[Path, Pe]) -> None:
    elf, pe = good
    assert pe.machine == 0x8664
    assert pe.subsystem == 10
    assert pe.section_alignment == 4096 and pe.file_alignment == 512
    assert pe.characteristics & 0x2, "EXECUTABLE_IMAGE"
    assert pe.timestamp == 1700000000
    assert pe.entry == elf_symbol(elf, "efi_main")
    assert pe.size_of_headers % 512 == 0
    assert pe.size_of_headers <= min(s.rva for s in pe.sections)
    last = max(pe.sections, key=lambda s: s.rva)
    assert pe.size_of_image == -(-(last.rva + last.vsize) // 4096) * 4096
    assert pe.checksum == reference_checksum(pe.raw, pe.checksum_offset)


def test_sections(good: tuple[Path, Pe]) -> None:
    _, pe = good
    names = [s.name for s in pe.sections]
    assert names[0] == ".text" and names[-1] == ".reloc" and ".data" in names
    prev_end = 0
    for s in pe.sections:
        assert s.rva % 4096 == 0 and s.rva >= prev_end, s
        assert s.raw_size % 512 == 0 and (s.raw_ptr % 512 == 0)
        assert s.raw_ptr + s.raw_size <= len(pe.raw)
        assert not (s.flags & 0x20000000 and s.flags & 0x80000000), f"{s.name} is W+X"
        prev_end = s.rva + s.vsize
    text = next(s for s in pe.sections if s.name == ".text")
    assert text.flags & 0x20000000 and text.rva <= pe.entry < text.rva + text.vsize
    data = next(s for s in pe.sections if s.name == ".data")
    assert data.vsize > data.raw_size, ".bss lives in .data's VirtualSize beyond the raw data"


def test_relocations_point_at_patched_values(good: tuple[Path, Pe]) -> None:
    elf, pe = good
    expected = elf_relative_relocs(elf)
    sites = parse_relocs(pe)
    assert sorted(sites) == sorted(expected), "one DIR64 entry per R_X86_64_RELATIVE"
    assert len(sites) > 600, "the table[] pointers span several pages"
    assert len({s & ~0xFFF for s in sites}) >= 2
    for site, addend in expected.items():
        (value,) = struct.unpack("<Q", pe.read(site, 8))
        assert value == pe.image_base + addend, f"value at {site:#x}"
    reloc = next(s for s in pe.sections if s.name == ".reloc")
    assert pe.directories[5] == (reloc.rva, reloc.vsize)


def test_reproducible_and_epoch_default(tmp_path: Path, good: tuple[Path, Pe]) -> None:
    elf, _ = good
    a, b = tmp_path / "a.efi", tmp_path / "b.efi"
    assert run_cli(elf, a).returncode == 0
    assert run_cli(elf, b).returncode == 0
    assert a.read_bytes() == b.read_bytes()
    assert parse_pe(a.read_bytes()).timestamp == 0, "no SOURCE_DATE_EPOCH: timestamp 0"


# --- refusals --------------------------------------------------------------------------------


def refused(elf: Path) -> str:
    with pytest.raises(BuildError) as info:
        convert(elf.read_bytes(), str(elf))
    return str(info.value)


def test_undefined_symbol_reference(tmp_path: Path) -> None:
    src = "extern int not_defined_anywhere;\nint *p = &not_defined_anywhere;\n" + GOOD_C
    elf = build_elf(tmp_path, src, PAGE_FLAGS + ["-Wl,-z,undefs", "-Wl,--export-dynamic"])
    with elf.open("rb") as f:
        kinds = {r["r_info_type"] for r in ELFFile(f).get_section_by_name(".rela.dyn").iter_relocations()}
    assert 1 in kinds, "the link should leave an R_X86_64_64 against the undefined symbol"
    message = refused(elf)
    assert "not_defined_anywhere" in message


def test_non_relative_relocation(tmp_path: Path) -> None:
    elf = build_elf(tmp_path, GOOD_C)
    raw = bytearray(elf.read_bytes())
    with elf.open("rb") as f:
        rela = ELFFile(f).get_section_by_name(".rela.dyn")
        offset = rela["sh_offset"]
    # Turn the first R_X86_64_RELATIVE into R_X86_64_64 (type 1) against no symbol.
    struct.pack_into("<Q", raw, offset + 8, 1)
    bad = tmp_path / "bad.elf"
    bad.write_bytes(bytes(raw))
    message = refused(bad)
    assert "type 1" in message and ".rela.dyn" in message


def test_misaligned_segment(tmp_path: Path) -> None:
    flags = ["-Wl,-z,separate-code", "-Wl,-z,max-page-size=0x200", "-Wl,-z,common-page-size=0x200"]
    elf = build_elf(tmp_path, GOOD_C, flags)
    message = refused(elf)
    assert "not 4 KiB" in message and "segment" in message and "." in message


def test_writable_executable(tmp_path: Path) -> None:
    src = GOOD_C + '\n__asm__(".section .wxsec,\\"awx\\",@progbits\\n.byte 0xc3\\n.previous");\n'
    elf = build_elf(tmp_path, src, PAGE_FLAGS)
    message = refused(elf)
    assert ".wxsec" in message and "writable and executable" in message


def test_code_in_header_page(tmp_path: Path) -> None:
    flags = ["-Wl,-z,noseparate-code", "-Wl,-z,max-page-size=4096"]
    elf = build_elf(tmp_path, GOOD_C, flags)
    assert "separate-code" in refused(elf)


def test_not_an_elf(tmp_path: Path) -> None:
    bad = tmp_path / "junk.elf"
    bad.write_bytes(b"\x7fELF" + bytes(60))
    result = run_cli(bad, tmp_path / "junk.efi")
    assert result.returncode == 1
    assert "junk.elf" in result.stderr and not (tmp_path / "junk.efi").exists()
