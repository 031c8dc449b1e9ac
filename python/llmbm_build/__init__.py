"""Build steps for llm-baremetal that a compiler does not do.

Each step is one module, runnable as ``python3 -m llmbm_build.STEP``; each module's docstring
says what it does. Build steps meson runs as custom targets: ``elf2efi``, ``dispatch`` (kernel
tables from the manifest; ``kernel_levels`` gives meson its levels at configure time),
``embed``, ``font``, ``pretok_tables`` (with ``pretokenizers`` and ``regex_program``) and
``unicode_tables`` (generated C), ``chat_template`` (``.tpl`` files), ``image``/``gpt``,
``sign``, ``keys``, ``release``. Running and measuring: ``qemu``, ``model_memory``,
``secureboot_vars``, ``bench_decode``/``bench_history``/``bench_threads``/
``bench_plot``/``png_canvas``, ``accuracy``, ``soak``, ``fault_injection``. Test models and
references: ``models``, ``gguf_models``, ``gguf_arch_models``, ``default_model``,
``reference_forward`` (with ``reference_config`` and ``reference_act_quant``),
``llama_cpp_logprobs``, ``logprob_file``, ``kl_stats``, ``kl_compare``. The weight type table
``dispatch`` and the kernel tests read: ``type_table``. Style: ``c_format`` (clang-format).
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
