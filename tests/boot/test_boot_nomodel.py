"""Boot the no-model image (with a hand-written repl.cfg) and check it explains how to add a model."""

from __future__ import annotations

import re

import pytest
from boot_helpers import Boot, boot, image_write, make_image

# Line numbers matter: the warnings and /cfg must name them.
REPL_CFG = (
    """# written by test_boot_nomodel
temp = 0.5
colour=blue
top_p=2
this line has no equals sign
system="  You are terse.  "
"""
    + "# padding: the file may be any length\n" * 3000
    + "seed=42\n"
)  # seed is on line 3007
COMMANDS = ["/models", "/cfg", "what is this", "/reboot"]


@pytest.fixture(scope="module")
def session(tmp_path_factory, efi_binary, boot_tools) -> Boot:
    tmp = tmp_path_factory.mktemp("boot-nomodel")
    image = make_image(efi_binary, tmp / "nomodel.img", [])
    image_write(image, "repl.cfg", REPL_CFG, tmp)
    return boot(image, COMMANDS, tmp)


def test_boot_explains_how_to_add_a_model(session):
    banner = session.banner
    assert "No model loaded" in banner, banner
    assert "To add a model" in banner and "model=" in banner and "models\\" in banner, banner


def test_cfg_warnings_name_line_and_key(session):
    banner = session.banner
    assert "repl.cfg line 3: unknown key 'colour'" in banner, banner
    assert re.search(r"repl\.cfg line 4: bad value for top_p: '2'", banner), banner
    assert "repl.cfg line 5: expected key=value" in banner, banner


def test_cfg_shows_sources(session):
    reply = session.reply("/cfg")
    assert re.search(r"^temp +0\.5 +repl\.cfg line 2$", reply, re.M), reply
    assert re.search(r"^top_p +0\.9 +default$", reply, re.M), reply
    assert re.search(r"^system +  You are terse\.   +repl\.cfg line 6$", reply, re.M), reply
    assert re.search(r"^model +\(none\) +default$", reply, re.M), reply
    assert re.search(r"^seed +42 +repl\.cfg line 3007$", reply, re.M), reply


def test_models_says_none(session):
    assert "none found" in session.reply("/models")


def test_chat_without_model_explains(session):
    reply = session.reply("what is this")
    assert "No model is loaded" in reply and "To add a model" in reply


def test_reboot_ends_the_run(session):
    # The runner passes -no-reboot, so QEMU exits (status 0) when the firmware resets.
    assert "Rebooting." in session.reply("/reboot")
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
