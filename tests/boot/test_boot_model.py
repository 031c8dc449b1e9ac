"""Boot an image holding stories260K.bin and drive the REPL's commands in one boot."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from boot_helpers import Boot, boot, image_read, make_image, size_text

COMMANDS = ["/help", "/models", "/cfg", "/frobnicate now", "hello there", "/shutdown"]


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, testdata, source_dir, boot_tools) -> tuple[Boot, Path, str]:
    tmp = tmp_path_factory.mktemp("boot-model")
    model = testdata / "stories260K.bin"
    image = make_image(efi_binary, tmp / "model.img", [model], source_dir / "firmware/repl/repl.cfg.example")
    cfg = image_read(image, "repl.cfg")
    match = re.search(r"^model=(.+)$", cfg, re.M)
    assert match, f"the image's repl.cfg names no model:\n{cfg}"
    return boot(image, COMMANDS, tmp), model, match.group(1).strip()


def test_boots_to_prompt_with_banner(session):
    result, _, _ = session
    banner = result.banner
    assert re.search(r"llm-baremetal \d+\.\d+\.\d+", banner), banner
    assert re.search(r"SIMD: (scalar|SSE2|AVX2|AVX-512)", banner), banner
    assert re.search(r"cores: \d+", banner), banner
    assert re.search(r"usable memory: \d+(\.\d)? MB", banner), banner
    assert "!!!! X64 Exception" not in result.console


def test_help_lists_commands(session):
    reply = session[0].reply("/help")
    for command in ("/help", "/models", "/cfg", "/reboot", "/shutdown"):
        assert command in reply, reply


def test_models_lists_the_model_with_its_size(session):
    result, model, name = session
    reply = result.reply("/models")
    line = next((row for row in reply.splitlines() if name in row), None)
    assert line, f"{name} not in /models:\n{reply}"
    assert size_text(model.stat().st_size) in line, line


def test_cfg_shows_values_and_sources(session):
    result, _, name = session
    reply = result.reply("/cfg")
    model_line = next(row for row in reply.splitlines() if row.startswith("model "))
    assert name in model_line and re.search(r"repl\.cfg line \d+", model_line), model_line
    for key in (
        "temp",
        "top_p",
        "top_k",
        "min_p",
        "repeat_penalty",
        "seed",
        "max_tokens",
        "ctx",
        "isa",
        "cores",
    ):
        assert re.search(rf"^{key} +\S+ +default$", reply, re.M), f"{key} missing:\n{reply}"


def test_unknown_command_is_reported(session):
    reply = session[0].reply("/frobnicate now")
    assert "Unknown command: /frobnicate" in reply


def test_missing_tokenizer_is_explained(session):
    # The image has no tokenizer.bin; a firmware built without -Dtokenizer has none either,
    # so the model named in repl.cfg cannot be used and the boot says why.
    banner = session[0].banner
    if "tokenizer built into the firmware" in banner:
        pytest.skip("this firmware embeds a tokenizer (-Dtokenizer)")
    assert "no tokenizer. A llama2.c model needs a tokenizer.bin" in banner, banner
    assert "Not loaded; no model is loaded now." in banner, banner


def test_chat_without_model_explains(session):
    reply = session[0].reply("hello there")
    if "Not loaded; no model is loaded now." in session[0].banner:
        assert "No model is loaded" in reply
    else:
        assert "-- prompt " in reply, reply


def test_shutdown_exits_cleanly(session):
    result = session[0]
    assert "Goodbye" in result.reply("/shutdown")
    assert result.status == 0, f"status {result.status}\n{result.stderr}\n{result.console[-2000:]}"
