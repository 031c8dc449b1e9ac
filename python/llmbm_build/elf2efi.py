"""Convert an x86_64 static-PIE ELF into a PE32+ EFI application.

    python3 -m llmbm_build.elf2efi INPUT.elf OUTPUT.efi

The firmware is linked by the ordinary host toolchain (``-ffreestanding -fPIE -static-pie
-nostdlib -z separate-code -z max-page-size=4096``) at base 0. Such an ELF already has the memory
layout a PE image needs: every loadable section sits at an address that we reuse unchanged as
its RVA, so ELF addresses and PE RVAs are identical (handy in a debugger). What remains is to
copy the allocated sections into PE sections grouped by permission, and to turn the dynamic
``R_X86_64_RELATIVE`` relocations into a ``.reloc`` base relocation table the UEFI loader applies.

Anything that would need a real dynamic linker (symbol relocations, undefined symbols, TLS) or
that the loader cannot map with per-page permissions (W+X, segments aligned below 4 KiB) is
refused with a message naming the offending symbol or section: a silently broken image only
shows up as a triple fault on real hardware.
"""

from __future__ import annotations

import argparse
import io
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

from elftools.common.exceptions import ELFError
from elftools.elf.constants import P_FLAGS, SH_FLAGS
from elftools.elf.elffile import ELFFile
from elftools.elf.relocation import RelocationSection
from elftools.elf.sections import Section, SymbolTableSection

from . import BuildError, source_date_epoch

PAGE = 0x1000  # UEFI maps images in 4 KiB pages: section alignment
FILE_ALIGNMENT = 0x200

# A fixed, non-zero, 64 KiB aligned preferred base (the usual x64 value). The loader almost
# never gets it, so it relocates; storing ImageBase + link-time value makes that a plain add.
IMAGE_BASE = 0x1_4000_0000

R_X86_64_NONE = 0
R_X86_64_RELATIVE = 8
IMAGE_REL_BASED_ABSOLUTE = 0  # padding entry
IMAGE_REL_BASED_DIR64 = 10

MACHINE_AMD64 = 0x8664
SUBSYSTEM_EFI_APPLICATION = 10
# EXECUTABLE_IMAGE | LINE_NUMS_STRIPPED | LOCAL_SYMS_STRIPPED | LARGE_ADDRESS_AWARE | DEBUG_STRIPPED
COFF_CHARACTERISTICS = 0x0002 | 0x0004 | 0x0008 | 0x0020 | 0x0200
# HIGH_ENTROPY_VA | DYNAMIC_BASE | NX_COMPAT: true because we refuse W+X and relocate everything.
DLL_CHARACTERISTICS = 0x0020 | 0x0040 | 0x0100

SCN_CNT_CODE = 0x00000020
SCN_CNT_INITIALIZED_DATA = 0x00000040
SCN_MEM_DISCARDABLE = 0x02000000
SCN_MEM_EXECUTE = 0x20000000
SCN_MEM_READ = 0x40000000
SCN_MEM_WRITE = 0x80000000

KIND_CHARACTERISTICS = {
    ".text": SCN_CNT_CODE | SCN_MEM_READ | SCN_MEM_EXECUTE,
    ".rdata": SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ,
    ".data": SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ | SCN_MEM_WRITE,
}
RELOC_CHARACTERISTICS = SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ | SCN_MEM_DISCARDABLE
SBAT_CHARACTERISTICS = SCN_CNT_INITIALIZED_DATA | SCN_MEM_READ

# SBAT (Secure Boot Advanced Targeting): shim refuses a second stage without a .sbat section, so
# a signed binary started through shim needs one. CSV: the format's own line, then ours
# (component, generation, vendor, package, version, where to read more). The generation goes up
# only when a security fix must revoke every older build.
SBAT_GENERATION = 1


def sbat_text(version: str) -> bytes:
    if not version or any(c in version for c in ",\n\0"):
        raise BuildError(f"version {version!r} cannot go into an SBAT CSV line")
    return (
        "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
        f"llm-baremetal,{SBAT_GENERATION},llm-baremetal,llm-baremetal,{version},README.md\n"
    ).encode()


# Sections only a dynamic linker or an unwinder reads. The UEFI loader uses .reloc instead, and
# nothing unwinds in firmware, so they are left out of the image.
SKIPPED_TYPES = {
    "SHT_DYNAMIC",
    "SHT_DYNSYM",
    "SHT_STRTAB",
    "SHT_HASH",
    "SHT_GNU_HASH",
    "SHT_NOTE",
    "SHT_RELA",
    "SHT_REL",
    "SHT_GNU_versym",
    "SHT_GNU_verneed",
    "SHT_GNU_verdef",
}
SKIPPED_NAMES = {".eh_frame", ".eh_frame_hdr", ".relro_padding", ".interp"}

DOS_STUB_CODE = bytes.fromhex("0e1fba0e00b409cd21b8014ccd21")  # print the message, exit 1
DOS_STUB_TEXT = b"This program cannot be run in DOS mode.\r\r\n$"
PE_OFFSET = 0x80
OPTIONAL_HEADER_SIZE = 240  # PE32+ with 16 data directories
SECTION_HEADER_SIZE = 40
NUM_DATA_DIRECTORIES = 16
DIR_BASERELOC = 5


def align_up(value: int, alignment: int) -> int:
    return (value + alignment - 1) & ~(alignment - 1)


def align_down(value: int, alignment: int) -> int:
    return value & ~(alignment - 1)


@dataclass
class PeSection:
    """One PE section: a run of ELF sections with the same permissions, page-aligned."""

    name: str
    rva: int
    data: bytearray  # initialised bytes, starting at rva
    virtual_size: int
    characteristics: int
    elf_names: list[str] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.rva + self.virtual_size


def _kind(section: Section, path: str) -> str:
    flags = section["sh_flags"]
    if flags & SH_FLAGS.SHF_EXECINSTR and flags & SH_FLAGS.SHF_WRITE:
        raise BuildError(f"{path}: section {section.name} is both writable and executable")
    if flags & SH_FLAGS.SHF_TLS:
        raise BuildError(f"{path}: section {section.name} is thread-local storage, which UEFI lacks")
    if flags & SH_FLAGS.SHF_EXECINSTR:
        return ".text"
    if flags & SH_FLAGS.SHF_WRITE:
        return ".data"
    return ".rdata"


def _check_segments(elf: ELFFile, path: str) -> None:
    """Per-page permissions only work if every PT_LOAD is page-aligned and never W+X."""
    for index, segment in enumerate(elf.iter_segments()):
        if segment["p_type"] != "PT_LOAD":
            continue
        names = [s.name for s in elf.iter_sections() if s.name and segment.section_in_segment(s)]
        what = f"segment {index} ({', '.join(names) or 'no sections'})"
        if segment["p_flags"] & P_FLAGS.PF_W and segment["p_flags"] & P_FLAGS.PF_X:
            raise BuildError(f"{path}: {what} is both writable and executable")
        align = segment["p_align"]
        if align < PAGE or align % PAGE:
            raise BuildError(
                f"{path}: {what} is aligned to {align:#x}, not 4 KiB: "
                "link with -z max-page-size=4096 -z separate-code"
            )
        if segment["p_vaddr"] % PAGE != segment["p_offset"] % PAGE:
            raise BuildError(f"{path}: {what} has address and file offset that differ modulo 4 KiB")


def _collect_sections(elf: ELFFile, path: str) -> list[PeSection]:
    allocated = [s for s in elf.iter_sections() if s["sh_flags"] & SH_FLAGS.SHF_ALLOC and s["sh_size"]]
    allocated.sort(key=lambda s: s["sh_addr"])
    groups: list[PeSection] = []
    for section in allocated:
        if section["sh_type"] in SKIPPED_TYPES or section.name in SKIPPED_NAMES:
            continue
        if section["sh_type"] not in ("SHT_PROGBITS", "SHT_NOBITS", "SHT_INIT_ARRAY", "SHT_FINI_ARRAY"):
            raise BuildError(f"{path}: section {section.name} has unsupported type {section['sh_type']}")
        kind = _kind(section, path)
        addr = section["sh_addr"]
        size = section["sh_size"]
        nobits = section["sh_type"] == "SHT_NOBITS"
        current = groups[-1] if groups else None
        if current is not None and current.name == kind:
            if addr < current.end:
                raise BuildError(
                    f"{path}: section {section.name} at {addr:#x} overlaps {current.elf_names[-1]}"
                )
        else:
            rva = align_down(addr, PAGE)
            if rva == 0:
                raise BuildError(
                    f"{path}: section {section.name} at {addr:#x} shares the first page with the "
                    "headers: link with -z separate-code"
                )
            if current is not None and rva < align_up(current.end, PAGE):
                raise BuildError(
                    f"{path}: section {section.name} ({kind[1:]}) shares page {rva:#x} with "
                    f"{current.elf_names[-1]} ({current.name[1:]}): link with -z separate-code "
                    "-z max-page-size=4096"
                )
            current = PeSection(kind, rva, bytearray(), 0, KIND_CHARACTERISTICS[kind])
            groups.append(current)
        if not nobits:
            # Zero-fill the gap (alignment padding or a skipped section) up to this section.
            current.data += bytes(addr - current.rva - len(current.data))
            current.data += section.data()
        current.virtual_size = addr + size - current.rva
        current.elf_names.append(section.name)
    if not groups:
        raise BuildError(f"{path}: no loadable sections")
    return groups


def _check_symbols(elf: ELFFile, path: str) -> None:
    """An undefined symbol needs a dynamic linker, which UEFI does not have."""
    for section in elf.iter_sections():
        if not isinstance(section, SymbolTableSection):
            continue
        for index, symbol in enumerate(section.iter_symbols()):
            if index == 0 or symbol["st_shndx"] != "SHN_UNDEF" or not symbol.name:
                continue
            raise BuildError(f"{path}: undefined symbol {symbol.name} (in {section.name})")


def _find(groups: list[PeSection], rva: int, width: int) -> PeSection | None:
    for group in groups:
        if group.rva <= rva and rva + width <= group.end:
            return group
    return None


def _apply_relocations(elf: ELFFile, groups: list[PeSection], path: str) -> list[int]:
    """Bake every RELATIVE relocation into the data, returning the RVAs the loader must fix."""
    sites: list[int] = []
    for section in elf.iter_sections():
        if section["sh_type"] in ("SHT_RELR", 19) or section.name.startswith(".relr"):
            raise BuildError(
                f"{path}: section {section.name} holds packed RELR relocations: "
                "link with -z nopack-relative-relocs"
            )
        if not isinstance(section, RelocationSection):
            continue
        if not section["sh_flags"] & SH_FLAGS.SHF_ALLOC:
            continue  # --emit-relocs leftovers: static, already applied by the linker
        symtab = elf.get_section(section["sh_link"]) if section["sh_link"] else None
        for number, reloc in enumerate(section.iter_relocations()):
            rtype = reloc["r_info_type"]
            if rtype == R_X86_64_NONE:
                continue
            offset = reloc["r_offset"]
            if rtype != R_X86_64_RELATIVE or reloc["r_info_sym"] != 0:
                symbol = "no symbol"
                if reloc["r_info_sym"] and isinstance(symtab, SymbolTableSection):
                    symbol = f"symbol {symtab.get_symbol(reloc['r_info_sym']).name or '?'}"
                raise BuildError(
                    f"{path}: relocation {number} in {section.name} at {offset:#x} has type {rtype} "
                    f"against {symbol}; only R_X86_64_RELATIVE ({R_X86_64_RELATIVE}) can be converted "
                    "(a symbol reference that the static link did not resolve?)"
                )
            if not section.is_RELA():
                raise BuildError(f"{path}: {section.name} uses REL relocations; x86_64 uses RELA")
            target = _find(groups, offset, 8)
            if target is None:
                raise BuildError(
                    f"{path}: relocation {number} in {section.name} patches {offset:#x}, "
                    "which is outside every copied section"
                )
            start = offset - target.rva
            if start + 8 > len(target.data):
                raise BuildError(f"{path}: relocation {number} at {offset:#x} patches .bss-only memory")
            value = (IMAGE_BASE + reloc["r_addend"]) & 0xFFFF_FFFF_FFFF_FFFF
            target.data[start : start + 8] = value.to_bytes(8, "little")
            sites.append(offset)
    return sites


def build_reloc_table(sites: list[int]) -> bytes:
    """Base relocation blocks: one per 4 KiB page, DIR64 entries, each block 4-byte aligned."""
    pages: dict[int, list[int]] = {}
    for rva in sorted(set(sites)):
        pages.setdefault(align_down(rva, PAGE), []).append(rva - align_down(rva, PAGE))
    out = bytearray()
    for page, offsets in sorted(pages.items()):
        entries = [(IMAGE_REL_BASED_DIR64 << 12) | off for off in offsets]
        if len(entries) % 2:
            entries.append(IMAGE_REL_BASED_ABSOLUTE << 12)  # pad the block to 4 bytes
        out += struct.pack("<II", page, 8 + 2 * len(entries))
        out += struct.pack(f"<{len(entries)}H", *entries)
    return bytes(out)


def pe_checksum(image: bytes, checksum_offset: int) -> int:
    """The PE image checksum: 16-bit one's-complement-style sum plus the file length."""
    data = image[:checksum_offset] + b"\0\0\0\0" + image[checksum_offset + 4 :]
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"<{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (total + len(image)) & 0xFFFF_FFFF


def _write_pe(groups: list[PeSection], entry: int, timestamp: int) -> bytes:
    sections = list(groups)
    header_end = PE_OFFSET + 4 + 20 + OPTIONAL_HEADER_SIZE + SECTION_HEADER_SIZE * len(sections)
    size_of_headers = align_up(header_end, FILE_ALIGNMENT)
    if size_of_headers > sections[0].rva:
        raise BuildError(f"PE headers ({size_of_headers:#x} bytes) overlap {sections[0].elf_names[0]}")

    raw_offset = size_of_headers
    table = bytearray()
    body = bytearray()
    size_of_code = size_of_init = 0
    base_of_code = 0
    reloc_dir = (0, 0)
    for section in sections:
        raw_size = align_up(len(section.data), FILE_ALIGNMENT)
        pointer = raw_offset if raw_size else 0
        body += section.data + bytes(raw_size - len(section.data))
        raw_offset += raw_size
        if section.characteristics & SCN_CNT_CODE:
            size_of_code += align_up(section.virtual_size, FILE_ALIGNMENT)
            base_of_code = base_of_code or section.rva
        else:
            size_of_init += align_up(section.virtual_size, FILE_ALIGNMENT)
        if section.name == ".reloc":
            reloc_dir = (section.rva, section.virtual_size)
        table += struct.pack(
            "<8sIIIIIIHHI",
            section.name.encode(),
            section.virtual_size,
            section.rva,
            raw_size,
            pointer,
            0,
            0,
            0,
            0,
            section.characteristics,
        )
    size_of_image = align_up(sections[-1].end, PAGE)

    dos = bytearray(PE_OFFSET)
    dos[0:2] = b"MZ"
    struct.pack_into("<HHHHH", dos, 2, 0x90, 3, 0, 4, 0)  # last page bytes, pages, relocs, header paras
    struct.pack_into("<HH", dos, 0x10, 0, 0xFFFF)  # min/max extra paragraphs
    struct.pack_into("<HH", dos, 0x18, 0x40, 0)  # e_lfarlc: "new executable" marker
    struct.pack_into("<HH", dos, 0x0E, 0, 0xB8)  # ss:sp
    struct.pack_into("<I", dos, 0x3C, PE_OFFSET)
    stub = DOS_STUB_CODE + DOS_STUB_TEXT
    dos[0x40 : 0x40 + len(stub)] = stub

    coff = struct.pack(
        "<4sHHIIIHH",
        b"PE\0\0",
        MACHINE_AMD64,
        len(sections),
        timestamp,
        0,
        0,
        OPTIONAL_HEADER_SIZE,
        COFF_CHARACTERISTICS,
    )
    directories = [(0, 0)] * NUM_DATA_DIRECTORIES
    directories[DIR_BASERELOC] = reloc_dir
    optional = struct.pack(
        "<HBBIIIIIQIIHHHHHHIIIIHHQQQQII",
        0x20B,  # PE32+
        0,
        0,
        size_of_code,
        size_of_init,
        0,  # SizeOfUninitializedData: .bss lives inside .data's VirtualSize
        entry,
        base_of_code,
        IMAGE_BASE,
        PAGE,
        FILE_ALIGNMENT,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        size_of_image,
        size_of_headers,
        0,  # CheckSum, filled in below
        SUBSYSTEM_EFI_APPLICATION,
        DLL_CHARACTERISTICS,
        0x100000,
        0x1000,
        0x100000,
        0x1000,
        0,
        NUM_DATA_DIRECTORIES,
    ) + b"".join(struct.pack("<II", *d) for d in directories)
    assert len(optional) == OPTIONAL_HEADER_SIZE

    headers = bytes(dos) + coff + optional + table
    image = bytearray(headers + bytes(size_of_headers - len(headers)) + body)
    checksum_offset = PE_OFFSET + 4 + 20 + 64
    struct.pack_into("<I", image, checksum_offset, pe_checksum(bytes(image), checksum_offset))
    return bytes(image)


def convert(elf_bytes: bytes, path: str = "<elf>", timestamp: int = 0, sbat: bytes = b"") -> bytes:
    """Return the PE32+ image for a static-PIE ELF; raise BuildError saying what is wrong."""
    try:
        elf = ELFFile(io.BytesIO(elf_bytes))
        if elf["e_machine"] != "EM_X86_64" or elf.elfclass != 64 or not elf.little_endian:
            raise BuildError(f"{path}: not an x86_64 ELF64 file ({elf['e_machine']})")
        if elf["e_type"] != "ET_DYN":
            raise BuildError(f"{path}: ELF type {elf['e_type']}, expected ET_DYN: link with -static-pie")
        if elf.num_sections() == 0:
            raise BuildError(f"{path}: no section headers (was it stripped with --strip-section-headers?)")
        _check_segments(elf, path)
        _check_symbols(elf, path)
        groups = _collect_sections(elf, path)
        sites = _apply_relocations(elf, groups, path)
        entry = elf["e_entry"]
    except ELFError as err:
        raise BuildError(f"{path}: not a valid ELF file: {err}") from err
    code = _find(groups, entry, 1)
    if code is None or code.name != ".text":
        raise BuildError(f"{path}: entry point {entry:#x} is not in an executable section")
    if sites:
        table = build_reloc_table(sites)
        rva = align_up(groups[-1].end, PAGE)
        groups.append(PeSection(".reloc", rva, bytearray(table), len(table), RELOC_CHARACTERISTICS))
    if sbat:
        rva = align_up(groups[-1].end, PAGE)
        groups.append(PeSection(".sbat", rva, bytearray(sbat), len(sbat), SBAT_CHARACTERISTICS))
    return _write_pe(groups, entry, timestamp)


def pe_timestamp() -> int:
    """Reproducible builds: the timestamp comes from SOURCE_DATE_EPOCH, else 0, never the clock."""
    stamp = source_date_epoch()
    if stamp is None:
        return 0
    if not 0 <= stamp <= 0xFFFF_FFFF:
        raise BuildError(f"SOURCE_DATE_EPOCH={stamp} does not fit the 32-bit PE timestamp")
    return stamp


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 -m llmbm_build.elf2efi", description=__doc__.split("\n")[0]
    )
    parser.add_argument("input", type=Path, help="static-PIE x86_64 ELF (linked at base 0)")
    parser.add_argument("output", type=Path, help="PE32+ EFI application to write")
    parser.add_argument("--sbat-version", help="add a .sbat section naming this version (for shim)")
    args = parser.parse_args(argv)
    try:
        try:
            elf_bytes = args.input.read_bytes()
        except OSError as err:
            raise BuildError(f"cannot read {args.input}: {err.strerror}") from err
        sbat = sbat_text(args.sbat_version) if args.sbat_version else b""
        image = convert(elf_bytes, str(args.input), pe_timestamp(), sbat)
    except BuildError as err:
        print(f"elf2efi: error: {err}", file=sys.stderr)
        return 1
    # Write then rename so an interrupted build never leaves a half-written .efi that ninja
    # would consider up to date.
    tmp = args.output.with_name(args.output.name + ".tmp")
    tmp.write_bytes(image)
    tmp.replace(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
