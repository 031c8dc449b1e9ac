"""Build steps for llm-baremetal that a compiler does not do.

Each step is one module, runnable as ``python3 -m llmbm_build.STEP`` and invoked by meson as a
custom target: ``elf2efi`` (static-PIE ELF to PE32+), ``embed`` (tokenizer into a C array),
``image`` (GPT + FAT32 disk image) and ``qemu`` (boot an image headless or interactively).
"""

from __future__ import annotations

__all__ = ["BuildError"]


class BuildError(Exception):
    """A build step failed for a reason the user can fix; the message says what and where."""
