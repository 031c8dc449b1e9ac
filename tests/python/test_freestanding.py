"""The engine, the kernels and the REPL reach the world only through the
platform interface: no libc or UEFI header may creep into them, or the EFI
build (or the host build) silently starts depending on the wrong world."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# Headers a freestanding C implementation provides (C11 §4), plus the
# compiler's SIMD intrinsics for the kernels.
FREESTANDING = {"stdint.h", "stddef.h", "stdbool.h", "stdarg.h", "limits.h", "float.h", "stdalign.h"}
INTRINSICS = {"immintrin.h", "emmintrin.h", "xmmintrin.h", "pmmintrin.h", "tmmintrin.h", "smmintrin.h"}

SYSTEM_INCLUDE = re.compile(r"^\s*#\s*include\s*<([^>]+)>", re.MULTILINE)
PORTABLE_DIRS = {
    "firmware/engine": FREESTANDING,
    "kernels/x86_64": FREESTANDING | INTRINSICS,
    "firmware/repl": FREESTANDING,
    "firmware/console": FREESTANDING,
    "firmware/rt": FREESTANDING,
}


def _sources(root: Path, sub: str) -> list[Path]:
    # bench/ holds host-only benchmark programs, which may use libc.
    return sorted(p for p in (root / sub).rglob("*.[ch]") if "bench" not in p.parts)


@pytest.mark.parametrize("sub", sorted(PORTABLE_DIRS))
def test_only_freestanding_headers(source_dir: Path, sub: str) -> None:
    files = _sources(source_dir, sub)
    assert files, f"no C sources found under {sub}"
    offenders = [
        f"{path.relative_to(source_dir)}: <{header}>"
        for path in files
        for header in SYSTEM_INCLUDE.findall(path.read_text(encoding="utf-8"))
        if header not in PORTABLE_DIRS[sub]
    ]
    assert not offenders, "non-freestanding includes:\n" + "\n".join(offenders)
