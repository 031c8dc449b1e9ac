"""The framebuffer console, seen through QEMU screenshots, in one boot with the std VGA (OVMF's
GOP) and one without a display adapter.

With `/set template raw`, a model answers "é ß Жук 中文 ─│┼" (echo_model.py: a tiny GGUF built to
say that, run by the real engine); text with Latin-1, Greek, Cyrillic, CJK, box-drawing
characters and a combining mark is typed over the serial terminal (which OVMF hands over byte by
byte: the firmware puts the UTF-8 back together) and drawn by the line editor; a file name with
é and 中 comes back in /model_info's error. The screenshots must show exactly the glyphs Unifont
has for them, computed here from unifont.hex, at scale 1 and after `/set font_scale 2`; the
serial log must carry the same text as UTF-8. Without GOP the console is the firmware's ConOut
and the serial log is unchanged."""

from __future__ import annotations

import pytest
from boot_helpers import PROMPT, Boot, boot, make_image
from echo_model import TRIGGER, write_echo_model
from screen_helpers import Font, Screen, find_rows, ink_colours, read_ppm

TYPED = "Grüße: é ß Жук Ελλάδα 中文 ─│┼ e\u0301"
MISSING = "é中.gguf"
ANSWER_WORDS = [" é", " ß", " Жук", " 中文", " ─│┼"]


@pytest.fixture(scope="module")
def typeface() -> Font:
    return Font()


@pytest.fixture(scope="module")
def shots(tmp_path_factory, efi_binary, boot_tools) -> tuple[Boot, dict[str, Screen]]:
    tmp = tmp_path_factory.mktemp("boot-screen")
    model = tmp / "echo.gguf"
    write_echo_model(model, ANSWER_WORDS)
    image = make_image(efi_binary, tmp / "screen.img", [model])
    lines = [
        "/set template raw",
        "/set temp 0",
        "/set max_tokens 8",
        TRIGGER,
        f"@screendump {tmp / 'answer.ppm'}",
        TYPED,
        f"@screendump {tmp / 'typed.ppm'}",
        f"/model_info {MISSING}",
        f"@screendump {tmp / 'error.ppm'}",
        "/set font_scale 2",
        f"@screendump {tmp / 'scale2.ppm'}",
        "/shutdown",
    ]
    session = boot(image, lines, tmp, timeout=120)
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
    names = ("answer", "typed", "error", "scale2")
    return session, {name: read_ppm(tmp / f"{name}.ppm") for name in names}


@pytest.fixture(scope="module")
def no_gop(tmp_path_factory, efi_binary, boot_tools) -> Boot:
    tmp = tmp_path_factory.mktemp("boot-no-gop")
    image = make_image(efi_binary, tmp / "plain.img", [])
    return boot(image, [TYPED, "/shutdown"], tmp, timeout=120, extra_args=("--vga", "none"))


def test_banner_names_the_framebuffer_console(shots):
    session, screens = shots
    typed = screens["typed"]
    assert f"console: framebuffer {typed.width}x{typed.height}" in session.banner, session.banner
    assert "GNU Unifont" in session.banner, session.banner


def test_serial_log_carries_utf8(shots):
    session, _ = shots
    assert session.reply(TRIGGER).startswith("".join(ANSWER_WORDS) + "\n"), session.reply(TRIGGER)
    assert PROMPT + TYPED + "\n" in session.console, session.console[-2000:]
    assert f"{MISSING}: no such file" in session.reply(f"/model_info {MISSING}")


def test_model_answer_is_drawn_with_unifont_glyphs(shots, typeface):
    _, screens = shots
    screen = screens["answer"]
    answer = "".join(ANSWER_WORDS)
    rows = find_rows(screen, answer, 1, typeface)
    assert len(rows) == 1, f"the answer should be on exactly one row, found {rows}"
    asked = find_rows(screen, PROMPT + TRIGGER, 1, typeface)
    assert asked == [rows[0] - 1], (asked, rows)
    # The answer has a colour of its own: not the prompt's, the typed text's or the stats line's.
    words = ink_colours(screen, rows[0], 0, typeface.cells(answer), 1)
    prompt = ink_colours(screen, asked[0], 0, len(PROMPT) - 1, 1)
    typed = ink_colours(screen, asked[0], len(PROMPT), len(TRIGGER), 1)
    stats = ink_colours(screen, rows[0] + 1, 0, 10, 1)
    assert len(words) == 1 and not words & (prompt | typed | stats), (words, prompt, typed, stats)


def test_typed_line_is_drawn_with_unifont_glyphs(shots, typeface):
    _, screens = shots
    rows = find_rows(screens["typed"], PROMPT + TYPED, 1, typeface)
    assert len(rows) == 1, f"the typed line should be on exactly one row, found {rows}"


def test_program_output_is_drawn_with_unifont_glyphs(shots, typeface):
    _, screens = shots
    rows = find_rows(screens["error"], f"{MISSING}: no such file", 1, typeface)
    assert len(rows) == 1, rows
    # Drawn once more on the screen it was typed on: the command line itself.
    assert len(find_rows(screens["error"], PROMPT + "/model_info " + MISSING, 1, typeface)) == 1


def test_prompt_input_and_messages_have_distinct_colours(shots, typeface):
    _, screens = shots
    screen = screens["error"]
    command = find_rows(screen, PROMPT + "/model_info " + MISSING, 1, typeface)[0]
    error = find_rows(screen, f"{MISSING}: no such file", 1, typeface)[0]
    prompt = ink_colours(screen, command, 0, len(PROMPT) - 1, 1)
    typed = ink_colours(screen, command, len(PROMPT), 5, 1)
    message = ink_colours(screen, error, 0, typeface.cells(MISSING), 1)
    assert len(prompt) == len(typed) == len(message) == 1, (prompt, typed, message)
    assert len(prompt | typed | message) == 3, "prompt, typed text and messages share a colour"


def test_font_scale_2_redraws_the_text_twice_as_large(shots, typeface):
    _, screens = shots
    screen = screens["scale2"]
    assert len(find_rows(screen, PROMPT + TYPED, 2, typeface)) == 1
    assert len(find_rows(screen, PROMPT + TYPED, 1, typeface)) == 0


def test_without_gop_the_console_is_conout(no_gop):
    """ConOut as before: OVMF's PC-ANSI terminal shows most non-ASCII characters as '?', which is
    what the framebuffer console is for; the typed line still arrives and is answered."""
    assert no_gop.status == 0, f"status {no_gop.status}\n{no_gop.stderr}\n{no_gop.console[-2000:]}"
    assert "console: framebuffer" not in no_gop.banner, no_gop.banner
    after = no_gop.console.split(PROMPT + "Gr", 1)
    assert len(after) == 2, no_gop.console[-2000:]
    echoed, reply = after[1].split("\n", 1)
    assert "No model is loaded" in reply.split(PROMPT)[0], after[1][:500]
    # The combining mark (CC 81 on the wire) came in as one key, shown as one '?', not two.
    assert echoed.endswith(" e?"), echoed
