"""Boot stories260K with Q4_0 matrices (repl.cfg loads it): under isa=auto the firmware times
every kernel level QEMU's CPU runs and uses the fastest it printed (under TCG, whose AVX2 is
emulated slowly, not avx2); /set isa avx2 forces a level and re-lays the matrices out in place,
/set isa auto measures again and lays them back; the tokens never change and equal `llmbm run`.
The banner ends with the ready time, whose parts add up to the total."""

from __future__ import annotations

import os
import re

import pytest
from boot_helpers import Boot, boot, make_image
from gen_helpers import host_run, host_steps, parse_answer
from kernels_line import assert_fastest_chosen, parse_measured  # tests/, on the path (conftest.py)

MODEL = "stories260K-q4_0-mix.gguf"
PROMPT = "The little bird"
MAX_TOKENS = 24
# At the levels without a Q4_0x16 kernel every Q4_0 matrix is Q4_0P; avx2 interleaves wq, wk,
# wv and wo of the 5 layers and the (untied) 512-row classifier; w1/w3 (172 rows) stay Q4_0P.
REWRITTEN = 21
COMMANDS = [
    "/set template raw",
    "/set temp 0",
    f"/set max_tokens {MAX_TOKENS}",
    PROMPT,
    "/set isa avx2",
    PROMPT,
    "/cfg",
    "/set isa auto",
    PROMPT,
    "/shutdown",
]
READY = re.compile(
    r"^Ready in ([\d.]+) s: UEFI ([\d.]+) s, firmware ([\d.]+) s, repl\.cfg ([\d.]+) s, "
    r"model read ([\d.]+) s \((\d+) MB/s\), model preparation ([\d.]+) s, tokenizer ([\d.]+) s, "
    r"KV cache ([\d.]+) s, other ([\d.]+) s$",
    re.M,
)


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, testdata, boot_tools) -> Boot:
    tmp = tmp_path_factory.mktemp("boot-autotune")
    image = make_image(efi_binary, tmp / "autotune.img", [testdata / MODEL])
    return boot(image, COMMANDS, tmp, timeout=200)


def test_boot_picks_the_fastest_level_it_timed(session):
    choice = parse_measured(session.banner)
    # QEMU's -cpu max has AVX2 but not AVX-512
    assert list(choice.timings) == ["scalar", "sse2", "avx2"], choice
    assert_fastest_chosen(choice)
    if os.environ.get("LLMBM_QEMU_ACCEL", "tcg") == "tcg":
        assert choice.chosen != "avx2", choice  # TCG emulates AVX2 several times slower
    assert "!!!! X64 Exception" not in session.console


def test_ready_time_parts_add_up(session):
    m = READY.search(session.banner)
    assert m, session.banner
    total, *parts = (float(m.group(i)) for i in (1, 2, 3, 4, 5, 7, 8, 9, 10))
    # each part is rounded to 0.01 s on its own
    assert abs(sum(parts) - total) <= 0.005 * (len(parts) + 1) + 1e-9, m.group(0)
    uefi, firmware = parts[0], parts[1]
    assert uefi > 0, m.group(0)  # QEMU starts the TSC at 0: OVMF's time before efi_main
    assert firmware >= 0.02, m.group(0)  # includes the 20 ms TSC calibration
    assert int(m.group(6)) > 0, m.group(0)
    assert m.start() > session.banner.find(f"Loaded {MODEL}") >= 0, session.banner


def test_forced_level_relays_out_and_auto_measures_again(session, testdata):
    loaded = re.search(r"Kernels: (\w+)", session.banner)
    assert loaded, session.banner
    forced = session.reply("/set isa avx2")
    assert "Kernels: avx2 (forced, not measured)" in forced, forced
    if loaded.group(1) == "avx2":  # measured fastest at load (it can be, on a quiet host)
        assert "Re-laid out" not in forced, forced
    else:
        assert f"Re-laid out {REWRITTEN} matrices of {MODEL} for avx2" in forced, forced
    assert "Kernels: avx2 (forced, not measured)" in session.reply("/cfg")
    again = session.reply("/set isa auto")
    choice = parse_measured(again)
    assert_fastest_chosen(choice)
    if choice.chosen == "avx2":  # measured fastest under TCG too (it can be, on a quiet host)
        assert "Re-laid out" not in again, again  # the matrices are already laid out for it
    else:
        assert f"Re-laid out {REWRITTEN} matrices of {MODEL} for {choice.chosen}" in again, again


def test_tokens_do_not_depend_on_the_level(session, build_dir, testdata):
    marker = "llmbm> " + PROMPT + "\n"
    replies = session.console.split(marker)[1:]
    assert len(replies) == 3, session.console
    answers = [parse_answer(r.split("llmbm> ", 1)[0]) for r in replies]
    assert answers[0].answer_tokens == MAX_TOKENS, answers[0]
    assert answers[1].text == answers[0].text and answers[2].text == answers[0].text, answers
    steps = host_steps(answers[0].prompt_tokens, MAX_TOKENS)
    assert answers[0].text == host_run(build_dir / "llmbm", testdata / MODEL, None, PROMPT, steps, "-t", "0")
