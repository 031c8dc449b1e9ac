"""What only the firmware proves, in one boot of a 256 MiB VM: the banner (SIMD, cores, the
memory map's usable memory), files on the FAT volume (root and models\\, sizes, a backslash
path), the memory map's budget refusing a model bigger than the machine, keys through the
UEFI console (Esc stops an answer, the terminal driver's arrow keys edit a line), the kernels
under TCG (avx2: GGUF Q8_0, Q4_0P and Q4_Kx16 completions equal `llmbm run`), /reboot, and
that the firmware and `llmbm repl` give the same answers for the same script on stories260K.

Everything else about the REPL runs natively in the repl suite (tests/repl)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from boot_helpers import PARTITION_OFFSET, Boot, boot, image_add, image_read, make_image, size_text
from gen_helpers import host_run, host_steps, parse_answer
from gguf import GGMLQuantizationType as QT

from llmbm_build.gguf_models import write_gguf_model
from llmbm_build.models import Llama2cConfig

GREEDY = "Once upon a time"
SAMPLED = "One day, Lily went to the park"
CHAT = "Hello, who are you?"
GGUF = "stories260K-q8_0-mix.gguf"
GGUF_PROMPT = "Tom and his dog"
# Q4_0 matrices are converted to the two-plane Q4_0P at load time; this checks that path (and
# its avx2 kernel) in the firmware against the host.
GGUF_Q4_0 = "stories260K-q4_0-mix.gguf"
GGUF_Q4_0_PROMPT = "The little bird"
# Q4_K matrices become Q4_Kx16 (16 rows interleaved) when the level has a SIMD kernel for it:
# a random-weight Q4_K model with K-quant-sized rows and stories260K's vocabulary runs the avx2
# one in the firmware, against the host's (each bit-identical to scalar Q4_K).
Q4_K_CONFIG = Llama2cConfig(
    dim=256, hidden_dim=512, n_layers=2, n_heads=4, n_kv_heads=2, vocab_size=512, seq_len=128,
    shared_classifier=False,
)  # fmt: skip
Q4_K_PROMPT = "A big red ball"
MAX_TOKENS = 24
BIG_MB = 300  # more than the 256 MiB the VM gets
MEMORY_MB = 256

# The part of the script that the hosted REPL runs too: the answers must be the same.
SHARED = [
    "/set template raw",
    "/set temp 0",
    f"/set max_tokens {MAX_TOKENS}",
    GREEDY,
    "/set temp 1.0",
    "/set seed 42",
    SAMPLED,
    "/set template chatml",
    "/set system You tell short stories.",
    CHAT,
]
COMMANDS = [
    "/models",
    "/load big.bin",
    *SHARED,
    "/set template raw",
    "/set temp 0",
    "/set max_tokens 400",
    # the scalar kernels for this answer: stories260K writes its 300-odd tokens in well under
    # a second under TCG with the fastest level, sooner than a lone Esc reaches the REPL
    "/set isa scalar",
    GREEDY,
    "@key esc after 0.05",
    "/set isa auto",
    # "/mxdelsq" becomes "/models" through Backspace, Left x4, ^H, o and Right x4 (the serial
    # terminal's escape sequences, decoded by OVMF's terminal driver into UEFI scan codes).
    "/mxdelsq\x7f\x1b[D\x1b[D\x1b[D\x1b[D\x08o\x1b[C\x1b[C\x1b[C\x1b[C",
    f"/set max_tokens {MAX_TOKENS}",
    # isa=auto picks what TCG runs fastest (test_boot_autotune.py); the GGUF loads below check
    # the avx2 kernels and layouts against the host instead (QEMU's -cpu max emulates AVX2).
    "/set isa avx2",
    "/load models\\q40mix.gguf",
    GGUF_Q4_0_PROMPT,
    "/load q4k.gguf",
    Q4_K_PROMPT,
    f"/load {GGUF}",
    GGUF_PROMPT,
    "/reboot",
]


@pytest.fixture(scope="module")
def q4k_model(tmp_path_factory: pytest.TempPathFactory, testdata: Path) -> Path:
    path = tmp_path_factory.mktemp("q4k") / "q4k.gguf"
    write_gguf_model(path, Q4_K_CONFIG, qtype=QT.Q4_K, seed=5, tokenizer_from=testdata / GGUF)
    return path


@pytest.fixture(scope="module")
def image(
    tmp_path_factory: pytest.TempPathFactory, efi_binary: Path, testdata: Path, q4k_model: Path
) -> Path:
    tmp = tmp_path_factory.mktemp("boot-firmware")
    big = tmp / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(BIG_MB << 20)  # sparse: content never matters, the size is refused first
    img = make_image(efi_binary, tmp / "firmware.img", [testdata / "stories260K.bin", testdata / GGUF, big])
    big.unlink()
    image_add(img, testdata / "tok512.bin", "tokenizer.bin")
    subprocess.run(["mmd", "-i", f"{img}@@{PARTITION_OFFSET}", "::models"], check=True)
    image_add(img, testdata / GGUF_Q4_0, "models/q40mix.gguf")
    image_add(img, q4k_model, "q4k.gguf")
    return img


@pytest.fixture(scope="module")
def session(image: Path, boot_tools: None) -> Boot:
    return boot(image, COMMANDS, image.parent, timeout=200, memory=MEMORY_MB)


def test_banner(session: Boot) -> None:
    banner = session.banner
    assert re.search(r"llm-baremetal \d+\.\d+\.\d+ \(UEFI x86_64\)", banner), banner
    # The best kernel level CPUID allows, by the kernels' own names (the same detector as dispatch).
    assert re.search(r"SIMD: (scalar|sse2|avx2|avx512|avx512vnni) \|", banner), banner
    assert re.search(r"cores: \d+", banner), banner
    usable = re.search(r"usable memory: (\d+)(\.\d)? MB", banner)
    assert usable and 100 < int(usable.group(1)) < MEMORY_MB, banner
    assert (
        "Loaded stories260K.bin: llama2.c legacy (fp32)" in banner and "tokenizer tokenizer.bin" in banner
    ), banner
    assert "!!!! X64 Exception" not in session.console


def test_models_lists_the_fat_volume_with_sizes(session: Boot, testdata: Path, q4k_model: Path) -> None:
    reply = session.reply("/models")
    for name, source in (
        ("stories260K.bin", testdata / "stories260K.bin"),
        ("q4k.gguf", q4k_model),
        ("models\\q40mix.gguf", testdata / GGUF_Q4_0),
    ):
        row = next((line for line in reply.splitlines() if name in line), None)
        assert row and size_text(source.stat().st_size) in row, (name, reply)


def test_memory_map_refuses_a_model_bigger_than_the_machine(session: Boot) -> None:
    reply = session.reply("/load big.bin")
    assert re.search(r"big\.bin: does not fit in memory: the weights alone are 300\.0 MB", reply), reply
    assert re.search(r"largest free memory block is [\d.]+ MB \([\d.]+ MB free in total\)", reply), reply
    assert "stories260K.bin stays loaded" in reply, reply


def test_esc_through_the_uefi_console_interrupts(session: Boot) -> None:
    # The second GREEDY line: the first ran with max_tokens 24.
    reply = session.console.split("llmbm> " + GREEDY + "\n")[2]
    answer = parse_answer(reply.split("llmbm> ")[0])
    assert answer.reason == "interrupted" and answer.answer_tokens < 400, answer


def test_arrow_keys_through_the_uefi_console_edit(session: Boot) -> None:
    assert session.console.count("Model files (.gguf, .bin) at the root") == 2, session.console[-3000:]
    assert "Unknown command" not in session.console


def test_stories260k_answers_equal_the_hosted_repl(
    session: Boot, image: Path, llmbm: Path, testdata: Path
) -> None:
    volume = image.parent / "hosted"
    volume.mkdir()
    (volume / "repl.cfg").write_text(image_read(image, "repl.cfg"))
    (volume / "stories260K.bin").symlink_to(testdata / "stories260K.bin")
    (volume / "tokenizer.bin").symlink_to(testdata / "tok512.bin")
    script = "".join(line + "\n" for line in [*SHARED, "/shutdown"]).encode()
    hosted = subprocess.run([str(llmbm), "repl", str(volume)], input=script, capture_output=True, check=True)
    hosted_boot = Boot(0, hosted.stdout.decode(), hosted.stderr.decode())
    for line in (GREEDY, SAMPLED, CHAT):
        firmware = parse_answer(session.reply(line)).text
        assert len(firmware) > len("x"), (line, firmware)
        assert parse_answer(hosted_boot.reply(line)).text == firmware, line


def assert_gguf_greedy_matches_host(session: Boot, llmbm: Path, name: str, model: Path, prompt: str) -> None:
    """/load NAME in the firmware, then PROMPT's greedy completion equals `llmbm run`'s."""
    loaded = session.reply(f"/load {name}")
    assert f"Loaded {name}: GGUF" in loaded and "tokenizer from the GGUF file" in loaded, loaded
    answer = parse_answer(session.reply(prompt))
    assert answer.reason == "max_tokens" and answer.answer_tokens == MAX_TOKENS, answer
    steps = host_steps(answer.prompt_tokens, MAX_TOKENS)
    assert answer.text == host_run(llmbm, model, None, prompt, steps, "-t", "0")


def test_q4_0_gguf_from_models_dir_equals_llmbm_run(session: Boot, llmbm: Path, testdata: Path) -> None:
    assert "Kernels: avx2 (forced, not measured)" in session.reply("/set isa avx2")
    assert_gguf_greedy_matches_host(
        session, llmbm, "models\\q40mix.gguf", testdata / GGUF_Q4_0, GGUF_Q4_0_PROMPT
    )


def test_q4_k_gguf_greedy_completion_equals_llmbm_run(session: Boot, llmbm: Path, q4k_model: Path) -> None:
    info = subprocess.run([str(llmbm), "info", str(q4k_model)], capture_output=True, text=True, check=True)
    assert "q4_Kx16" in info.stdout, info.stdout  # the host converts too (its level has the kernel)
    assert_gguf_greedy_matches_host(session, llmbm, "q4k.gguf", q4k_model, Q4_K_PROMPT)


def test_q8_0_gguf_greedy_completion_equals_llmbm_run(session: Boot, llmbm: Path, testdata: Path) -> None:
    assert_gguf_greedy_matches_host(session, llmbm, GGUF, testdata / GGUF, GGUF_PROMPT)


def test_reboot_ends_the_run(session: Boot) -> None:
    # The runner passes -no-reboot, so QEMU exits (status 0) when the firmware resets.
    assert "Rebooting." in session.reply("/reboot")
    assert session.status == 0, f"status {session.status}\n{session.stderr}\n{session.console[-2000:]}"
