"""Every core: boot with -smp 1, 2 and 4; /selftest and generation on all of them.

/selftest (firmware/repl/selftest.c) computes a mat-vec on one core and on every core in use,
compares the bits, checks that each row was computed exactly once and counts the distinct
cores (by APIC ID) that did the work; its checksum must be the same on every machine shape.
stories260K must give the same greedy and seeded tokens with 1, 2 and 4 cores.

The -smp 4 boot (the slowest under TCG) also covers the `cores` limit: its repl.cfg says
cores=1, so only the boot processor works until `/set cores 0` brings in all four."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from boot_helpers import PROMPT, Boot, boot, image_read, image_write, selftest_cores, stories_image
from gen_helpers import parse_answer

GREEDY = "Once upon a time"
SAMPLED = "One day, Lily went to the park"
GENERATE = [
    "/set template raw",
    "/set temp 0",
    "/set max_tokens 16",
    GREEDY,
    "/set temp 1.0",
    "/set seed 42",
    SAMPLED,
]
CHECKSUM = re.compile(r"^selftest: checksum ([0-9a-f]+)$", re.M)


@pytest.fixture(scope="module")
def boots(
    tmp_path_factory: pytest.TempPathFactory, efi_binary: Path, testdata: Path, boot_tools: None
) -> dict[int, Boot]:
    tmp = tmp_path_factory.mktemp("boot-smp")
    image = stories_image(efi_binary, tmp / "smp.img", testdata)
    runs = {n: boot(image, ["/selftest", *GENERATE, "/shutdown"], tmp, smp=n) for n in (1, 2)}
    limited = tmp / "smp-cores1.img"
    limited.write_bytes(image.read_bytes())
    image_write(limited, "repl.cfg", image_read(image, "repl.cfg") + "\ncores=1\n", tmp)
    runs[4] = boot(limited, ["/selftest", "/set cores 0", "/selftest", *GENERATE, "/shutdown"], tmp, smp=4)
    return runs


def replies(run: Boot, command: str) -> list[str]:
    """What the REPL printed after each time `command` was typed, in order."""
    out = []
    for chunk in run.console.split(PROMPT)[1:]:
        line, _, reply = chunk.partition("\n")
        if line == command:
            out.append(reply)
    assert out, f"{command!r} was never typed; console:\n{run.console}"
    return out


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_banner_shows_the_cores(boots: dict[int, Boot], smp: int) -> None:
    banner = boots[smp].banner
    assert f"cores: {smp} ({smp} in use)" in banner, banner
    assert "running on one core" not in banner, banner


@pytest.mark.parametrize("smp", [1, 2])
def test_selftest_uses_every_core(boots: dict[int, Boot], smp: int) -> None:
    assert selftest_cores(replies(boots[smp], "/selftest")[0]) == smp


def test_cores_setting_limits_then_set_restores(boots: dict[int, Boot]) -> None:
    run = boots[4]
    assert "cores: 1 of 4 in use (cores=1)" in run.banner, run.banner
    limited, everything = replies(run, "/selftest")
    assert selftest_cores(limited) == 1
    assert selftest_cores(everything) == 4


def test_selftest_result_is_the_same_on_any_machine(boots: dict[int, Boot]) -> None:
    sums = {CHECKSUM.search(reply) for run in boots.values() for reply in replies(run, "/selftest")}
    assert None not in sums and len({m.group(1) for m in sums if m}) == 1, sums


@pytest.mark.parametrize("prompt", [GREEDY, SAMPLED])
def test_same_tokens_on_any_core_count(boots: dict[int, Boot], prompt: str) -> None:
    texts = {smp: parse_answer(replies(run, prompt)[0]).text for smp, run in boots.items()}
    assert len(texts[1]) > len(prompt), texts
    assert texts[2] == texts[1] and texts[4] == texts[1], texts


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_shutdown_with_aps_running(boots: dict[int, Boot], smp: int) -> None:
    run = boots[smp]
    assert run.status == 0, f"status {run.status}\n{run.stderr}\n{run.console[-2000:]}"
