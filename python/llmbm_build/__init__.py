"""Build steps for llm-baremetal that a compiler does not do.

Each step is one module, runnable as ``python3 -m llmbm_build.STEP`` and invoked by meson as a
custom target: ``elf2efi`` (static-PIE ELF to PE32+), ``embed`` (tokenizer into a C array),
``image`` (GPT + FAT32 disk image) and ``qemu`` (boot an image headless or interactively).
"""

from __future__ import annotations

import os
import shutil

__all__ = ["BuildError", "require_tools", "source_date_epoch"]


class BuildError(Exception):
    """A build step failed for a reason the user can fix; the message says what and where."""


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH (the reproducible-builds convention), or None when unset. Every step
    that writes a date takes it from here instead of the clock; each applies its own default."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as err:
        raise BuildError(f"SOURCE_DATE_EPOCH={value!r} is not an integer") from err


def require_tools(tools: dict[str, str]) -> None:
    """Every program named (program -> the Debian package that has it) is on PATH, or a
    BuildError saying what to install."""
    for tool, package in tools.items():
        if shutil.which(tool) is None:
            raise BuildError(f"{tool} not found: apt-get install {package}")
