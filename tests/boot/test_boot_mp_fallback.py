"""The one-core fallbacks of firmware/efi/mp.c, forced from repl.cfg on a 2-core VM.

`mp=off` takes the path of firmware without MP Services (the protocol is never looked up);
`ap_timeout_ms=0` gives the APs no time to check in, the path of an AP that never starts.
Either way the banner says why only one core works, /selftest's parallel_for runs on the
boot processor alone, a greedy answer is `llmbm run`'s, and /shutdown still powers off (with
the APs never started, or left spinning). The settings are read before the APs start and
again by the REPL; only the REPL's reading reports a bad line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from boot_helpers import Boot, boot, image_read, image_write, selftest_cores, stories_image
from gen_helpers import host_run, host_steps, parse_answer

PROMPT_TEXT = "Once upon a time"
MAX_TOKENS = 12
COMMANDS = [
    "/cfg",
    "/selftest",
    "/set template raw",
    "/set temp 0",
    f"/set max_tokens {MAX_TOKENS}",
    PROMPT_TEXT,
    "/shutdown",
]
SETTINGS = {"mp-off": "mp=off", "ap-timeout": "ap_timeout_ms=0"}
BAD_LINE = "colour=blue"


@pytest.fixture(scope="module")
def boots(
    tmp_path_factory: pytest.TempPathFactory, efi_binary: Path, testdata: Path, boot_tools: None
) -> dict[str, Boot]:
    tmp = tmp_path_factory.mktemp("boot-mp-fallback")
    base = stories_image(efi_binary, tmp / "base.img", testdata)
    cfg = image_read(base, "repl.cfg")
    runs = {}
    for name, setting in SETTINGS.items():
        image = tmp / f"{name}.img"
        image.write_bytes(base.read_bytes())
        image_write(image, "repl.cfg", cfg + f"\n{setting}\n{BAD_LINE}\n", tmp)
        runs[name] = boot(image, COMMANDS, tmp, smp=2)
    return runs


def test_mp_off_never_asks_for_the_protocol(boots: dict[str, Boot]) -> None:
    banner = boots["mp-off"].banner
    # Without MP Services nothing counts the processors: one core is all we know of.
    assert "cores: 1 (1 in use)" in banner, banner
    assert "cores: running on one core: mp=off in repl.cfg" in banner, banner


def test_ap_timeout_leaves_the_aps_out(boots: dict[str, Boot]) -> None:
    banner = boots["ap-timeout"].banner
    # The protocol counted both processors; the AP did not check in within 0 ms.
    assert "cores: 2 (1 in use)" in banner, banner
    assert "cores: running on one core: not every AP started within 0 ms" in banner, banner


@pytest.mark.parametrize("name", SETTINGS)
def test_the_setting_is_a_known_key_and_warnings_come_once(boots: dict[str, Boot], name: str) -> None:
    run = boots[name]
    key, value = SETTINGS[name].split("=")
    warnings = re.findall(r"^warning: repl\.cfg.*$", run.banner, re.M)
    assert len(warnings) == 1 and "unknown key 'colour'" in warnings[0], run.banner
    assert re.search(rf"^{key} +{value} +repl\.cfg line \d+$", run.reply("/cfg"), re.M), run.reply("/cfg")


@pytest.mark.parametrize("name", SETTINGS)
def test_work_runs_on_the_boot_processor(boots: dict[str, Boot], name: str) -> None:
    assert selftest_cores(boots[name].reply("/selftest")) == 1


@pytest.mark.parametrize("name", SETTINGS)
def test_one_core_answers_as_llmbm_run(
    boots: dict[str, Boot], name: str, llmbm: Path, testdata: Path
) -> None:
    answer = parse_answer(boots[name].reply(PROMPT_TEXT))
    assert answer.answer_tokens == MAX_TOKENS, answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    model, tokenizer = testdata / "stories260K.bin", testdata / "tok512.bin"
    assert answer.text == host_run(llmbm, model, tokenizer, PROMPT_TEXT, steps, "-t", "0")


@pytest.mark.parametrize("name", SETTINGS)
def test_shutdown_powers_off(boots: dict[str, Boot], name: str) -> None:
    run = boots[name]
    assert run.status == 0, f"status {run.status}\n{run.stderr}\n{run.console[-2000:]}"
