"""The hosted REPL's boot volume: repl.cfg warnings and sources, the no-model guidance,
/models, autorun, /reboot and the end of input, -m, and paths that try to leave the directory.
(Moved here from the boot suite's no-model, model and autorun scenarios.)"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from boot_helpers import PROMPT, Boot, size_text
from repl_helpers import link_model, run_repl

# Line numbers matter: the warnings and /cfg must name them.
REPL_CFG = (
    """# written by test_repl_volume
temp = 0.5
colour=blue
top_p=2
this line has no equals sign
system="  You are terse.  "
"""
    + "# padding: the file may be any length\n" * 3000
    + "seed=42\n"
)  # seed is on line 3007


@pytest.fixture(scope="module")
def nomodel(tmp_path_factory: pytest.TempPathFactory, llmbm: Path) -> Boot:
    vol = tmp_path_factory.mktemp("repl-nomodel")
    (vol / "repl.cfg").write_text(REPL_CFG)
    return run_repl(llmbm, vol, ["/models", "/cfg", "what is this", "/reboot", "/cfg"])


def test_boot_explains_how_to_add_a_model(nomodel: Boot) -> None:
    banner = nomodel.banner
    assert "No model loaded" in banner, banner
    assert "To add a model" in banner and "model=" in banner and "models\\" in banner, banner


def test_cfg_warnings_name_line_and_key(nomodel: Boot) -> None:
    banner = nomodel.banner
    assert "repl.cfg line 3: unknown key 'colour'" in banner, banner
    assert re.search(r"repl\.cfg line 4: bad value for top_p: '2'", banner), banner
    assert "repl.cfg line 5: expected key=value" in banner, banner


def test_cfg_shows_sources(nomodel: Boot) -> None:
    reply = nomodel.reply("/cfg")
    assert re.search(r"^temp +0\.5 +repl\.cfg line 2$", reply, re.M), reply
    assert re.search(r"^top_p +0\.9 +default$", reply, re.M), reply
    assert re.search(r"^system +  You are terse\.   +repl\.cfg line 6$", reply, re.M), reply
    assert re.search(r"^model +\(none\) +default$", reply, re.M), reply
    assert re.search(r"^seed +42 +repl\.cfg line 3007$", reply, re.M), reply


def test_models_says_none_and_chat_explains(nomodel: Boot) -> None:
    assert "none found" in nomodel.reply("/models")
    reply = nomodel.reply("what is this")
    assert "No model is loaded" in reply and "To add a model" in reply


def test_reboot_starts_over_and_the_end_of_input_ends_it(nomodel: Boot) -> None:
    assert "Rebooting." in nomodel.reply("/reboot")
    assert nomodel.console.count("llm-baremetal ") == 2, "a second banner after /reboot"
    assert nomodel.console.count("repl.cfg line 3: unknown key 'colour'") == 2, "repl.cfg is read again"
    assert nomodel.console.count(PROMPT + "/cfg\n") == 2, "the script goes on after the reboot"
    assert nomodel.status == 0, f"status {nomodel.status}\n{nomodel.stderr}"


AUTORUN_CFG = "# written by test_repl_volume\nautorun=bench.txt\n"
BENCH = "/help\n# a comment line is skipped\n\n/autorun missing.txt\n/autorun bench.txt\n/shutdown\n/help\n"


@pytest.fixture(scope="module")
def autorun(tmp_path_factory: pytest.TempPathFactory, llmbm: Path) -> Boot:
    vol = tmp_path_factory.mktemp("repl-autorun")
    (vol / "repl.cfg").write_text(AUTORUN_CFG)
    (vol / "bench.txt").write_text(BENCH)
    return run_repl(llmbm, vol, ["/help"])  # never typed: the autorun file shuts down first


def test_autorun_runs_the_lines_as_if_typed(autorun: Boot) -> None:
    assert "Running bench.txt (autorun= in repl.cfg line 2)" in autorun.console, autorun.console
    assert "Commands:" in autorun.reply("/help"), "each line is echoed after the prompt, then run"
    assert "a comment line" not in autorun.console


def test_a_missing_file_and_nesting_are_explained(autorun: Boot) -> None:
    assert "autorun: missing.txt is not on the boot volume: nothing run" in autorun.reply(
        "/autorun missing.txt"
    )
    assert "autorun files cannot start other autorun files" in autorun.reply("/autorun bench.txt")


def test_shutdown_in_the_file_ends_the_session(autorun: Boot) -> None:
    assert "Goodbye." in autorun.reply("/shutdown")
    assert autorun.console.count("Commands:") == 1, "nothing after /shutdown runs"
    assert autorun.status == 0, f"status {autorun.status}\n{autorun.stderr}"


ESCAPES = [
    "/load ../outside.bin",
    "/load models/../../outside.bin",
    "/model_info /OUTSIDE",
    "/autorun ../secret.txt",
]


@pytest.fixture(scope="module")
def confined(tmp_path_factory: pytest.TempPathFactory, llmbm: Path, testdata: Path) -> tuple[Boot, Path]:
    base = tmp_path_factory.mktemp("repl-confined")
    vol = base / "volume"
    vol.mkdir()
    link_model(base, testdata / "stories260K.bin", "outside.bin")
    (base / "secret.txt").write_text("/help\n")
    link_model(vol / "models", testdata / "stories260K-q8_0-mix.gguf", "inside.gguf")
    model = testdata / "stories260K-q4_0-mix.gguf"
    escapes = [line.replace("OUTSIDE", str(base / "outside.bin").lstrip("/")) for line in ESCAPES]
    lines = ["/cfg", "/models", *escapes, "/load inside.gguf", "/shutdown"]
    return run_repl(llmbm, vol, lines, "-m", str(model), "--isa", "sse2"), base


def test_m_loads_a_model_from_anywhere(confined: tuple[Boot, Path], testdata: Path) -> None:
    session, _ = confined
    given = testdata / "stories260K-q4_0-mix.gguf"
    # Made absolute as given (links and ".." kept, so NAME.tpl is looked for beside this name).
    model = given if given.is_absolute() else Path(f"{os.getcwd()}/{given}")
    assert f"Loading {model} (named on the command line)" in session.banner, session.banner
    assert f"Loaded {model}: GGUF" in session.banner, session.banner
    cfg = session.reply("/cfg")
    assert re.search(rf"^model +{re.escape(str(model))} +command line$", cfg, re.M), cfg
    # --isa reaches the REPL as isa= (repl.cfg's default, auto, would otherwise undo it).
    assert re.search(r"^isa +sse2 +command line$", cfg, re.M) and "Kernels: sse2" in session.banner, cfg


def test_models_lists_the_models_dir_with_sizes(confined: tuple[Boot, Path], testdata: Path) -> None:
    session, _ = confined
    reply = session.reply("/models")
    size = size_text((testdata / "stories260K-q8_0-mix.gguf").stat().st_size)
    assert re.search(rf"models\\inside\.gguf +{re.escape(size)}", reply), reply
    assert "outside" not in reply, reply


def test_paths_cannot_leave_the_volume(confined: tuple[Boot, Path]) -> None:
    session, base = confined
    for line in ESCAPES:
        typed = line.replace("OUTSIDE", str(base / "outside.bin").lstrip("/"))
        reply = session.reply(typed)
        assert "no such file on the boot volume" in reply or "is not on the boot volume" in reply, (
            typed,
            reply,
        )
        assert "Loaded" not in reply and "format:" not in reply and "Commands:" not in reply, (typed, reply)


def test_a_model_inside_loads_by_bare_name(confined: tuple[Boot, Path]) -> None:
    session, _ = confined
    assert "Loaded models/inside.gguf: GGUF" in session.reply("/load inside.gguf")
    assert session.status == 0, session.stderr


def test_a_fifo_on_the_volume_is_refused_not_waited_on(llmbm: Path, tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.bin")
    session = run_repl(llmbm, tmp_path, ["/load pipe.bin", "/autorun pipe.bin", "/shutdown"], timeout=30)
    assert "Not loaded" in session.reply("/load pipe.bin"), session.console
    assert "nothing run" in session.reply("/autorun pipe.bin"), session.console
    assert session.status == 0


def test_the_volume_must_be_a_directory(llmbm: Path, tmp_path: Path) -> None:
    res = run_repl(llmbm, tmp_path / "missing", ["/shutdown"])
    assert res.status == 1 and "is not a directory" in res.stderr, (res.status, res.stderr)
