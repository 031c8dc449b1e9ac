"""Seed inputs for the libFuzzer harnesses, written at run time (run_fuzz.py): synthetic models
and tokenizers from llmbm_build, hand-made GGUF files, llama.cpp's tokenizer inputs, REPL lines.
The repository's corpus (tests/fuzz/corpus/HARNESS/) holds only what fuzzing found beyond these.

Each seeder takes the corpus directory and a directory for files the harness reads at start
($LLMBM_FUZZ_FILES: the REPL harness's boot volume)."""

from __future__ import annotations

import os
import struct
import sys
from collections.abc import Callable
from pathlib import Path

from llmbm_build.chat_template import Renderer, derive, tpl_text
from llmbm_build.gguf_models import QT, write_gguf_model
from llmbm_build.models import (
    Llama2cConfig,
    checkpoint_bytes,
    random_weights,
    synthetic_tokenizer,
    tokenizer_bytes,
)

# Shapes for stories260K's 512-token vocabulary: f32 as small as a model gets, and the
# smallest rows the 32-element quant blocks allow.
ONE_LAYER = {"n_layers": 1, "n_heads": 2, "n_kv_heads": 1, "seq_len": 16}
TINY_F32 = Llama2cConfig(dim=8, hidden_dim=16, vocab_size=512, **ONE_LAYER)
TINY_Q = Llama2cConfig(dim=32, hidden_dim=64, vocab_size=512, **ONE_LAYER)
QWEN_JINJA = "Qwen-Qwen2.5-7B-Instruct.jinja"


def _testdata() -> Path:
    return Path(os.environ.get("LLMBM_TESTDATA") or os.environ["LLMBM_TESTDATA_DEFAULT"])


def checkpoint_seeds(corpus: Path, files: Path) -> None:
    configs = [
        Llama2cConfig(dim=8, hidden_dim=16, n_layers=1, n_heads=2, n_kv_heads=1, vocab_size=8, seq_len=4),
        Llama2cConfig(
            dim=8,
            hidden_dim=8,
            n_layers=2,
            n_heads=2,
            n_kv_heads=2,
            vocab_size=5,
            seq_len=3,
            shared_classifier=False,
        ),
    ]
    for i, config in enumerate(configs):
        weights = random_weights(config, seed=i)
        for fmt in ("legacy", "v1", "v2"):
            data = checkpoint_bytes(config, weights, fmt, group_size=4)
            (corpus / f"{fmt}-{i}.bin").write_bytes(data)
            (corpus / f"{fmt}-{i}-cut.bin").write_bytes(data[: len(data) // 2])


def tokenizer_seeds(corpus: Path, files: Path) -> None:
    for vocab in (3, 40, 300):
        tok = tokenizer_bytes(synthetic_tokenizer(vocab, seed=vocab))
        for text in (b"", b"hello world", "h\xe9llo \U0001f999".encode(), b"\xff\x80 a"):
            (corpus / f"v{vocab}-{len(text)}.bin").write_bytes(bytes([len(text)]) + text + tok)
    (corpus / "neg-len.bin").write_bytes(b"\x00" + struct.pack("<ifi", 4, 0.0, -1))


def gguf_seeds(corpus: Path, files: Path) -> None:
    # gguf_bytes (tests/python) writes hand-made GGUF files of every value type.
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))
    import gguf_bytes

    data = gguf_bytes.valid_file()
    (corpus / "valid.gguf").write_bytes(data)
    for cut in (8, 24, len(data) // 2, len(data) - 1):
        (corpus / f"valid-cut{cut}.gguf").write_bytes(data[:cut])


def gguf_tokenizer_seeds(corpus: Path, files: Path) -> None:
    # llama.cpp's tokenizer test inputs, each behind a mode byte (vocab,
    # pre-tokenizer and flags; see fuzz_gguf_tokenizer.c).
    text = (_testdata() / "ggml-vocab-gpt-2.gguf.inp").read_text(encoding="utf-8")
    for i, sample in enumerate(text.split("\n__ggml_vocab_test__\n")):
        for mode in (0, 1, 3, 5, 7, 24, 25, 33, 35, 65, 97, 225):
            (corpus / f"inp{i}-m{mode}.txt").write_bytes(bytes([mode]) + sample.encode())


def _tiny_ggufs(out: Path) -> list[Path]:
    """A few one-layer GGUF models with stories260K's 512-token vocabulary and a chat template."""
    vocab = _testdata() / "stories260K-f32.gguf"
    jinja = (_testdata() / "chat-templates" / QWEN_JINJA).read_text()
    made = []
    shapes = (
        ("tiny-f32", "llama", QT.F32, TINY_F32),
        ("tiny-q8", "qwen2", QT.Q8_0, TINY_Q),
        ("tiny-q4", "llama", QT.Q4_0, TINY_Q),
    )
    for name, arch, qtype, config in shapes:
        path = out / f"{name}.gguf"
        write_gguf_model(path, config, arch=arch, qtype=qtype, tokenizer_from=vocab, chat_template=jinja)
        made.append(path)
    return made


def gguf_model_seeds(corpus: Path, files: Path) -> None:
    for path in _tiny_ggufs(corpus):
        data = path.read_bytes()
        (corpus / f"{path.stem}-cut.gguf").write_bytes(data[: len(data) * 2 // 3])


def llama2c_seeds(corpus: Path, files: Path) -> None:
    config = Llama2cConfig(dim=8, hidden_dim=16, vocab_size=40, **{**ONE_LAYER, "n_layers": 2, "seq_len": 8})
    tok = tokenizer_bytes(synthetic_tokenizer(40, seed=1))
    for fmt in ("legacy", "v1", "v2"):
        model = checkpoint_bytes(config, random_weights(config, seed=2), fmt, group_size=4)
        (corpus / f"{fmt}.bin").write_bytes(struct.pack("<I", len(model)) + model + tok)
    small = tokenizer_bytes(synthetic_tokenizer(20, seed=1))
    (corpus / "vocab-mismatch.bin").write_bytes(struct.pack("<I", len(model)) + model + small)


def cfg_seeds(corpus: Path, files: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "firmware" / "repl" / "repl.cfg.example"
    (corpus / "example.cfg").write_bytes(example.read_bytes())
    (corpus / "odd.cfg").write_bytes(
        b'\xef\xbb\xbfmodel = models\\x.gguf\r\ntemp=0.5\n;c\nsystem="  hi  "\ntop_p=2\nnokey\n=v\n'
        b"ctx=99999999999999999999\n"
        b"isa=avx2\ncores=3\nfont_scale=auto\nseed=-1\nmin_p=1e-3\nautorun=a.txt\nmax_tokens=0x10\n"
    )


def template_seeds(corpus: Path, files: Path) -> None:
    for jinja in sorted((_testdata() / "chat-templates").glob("*.jinja")):
        try:
            text = tpl_text(derive(Renderer(jinja.read_text(), "<s>", "</s>")), jinja.name)
        except Exception:  # a template that needs more than a plain conversation: no seed
            continue
        (corpus / f"{jinja.stem}.tpl").write_text(text)
    escapes = b"version=1\nsystem=yes\nuser_prefix=\\x3c|u|\\x3e\\n\nstop=\\t\\\\\nbos=1\n"
    (corpus / "escapes.tpl").write_bytes(escapes)


def line_edit_seeds(corpus: Path, files: Path) -> None:
    up, down, left, right, home, end, delete, esc = (bytes([0xF8 + i]) for i in range(8))
    seqs = [
        b"hello world\r/help\r" + up + up + b"\r",
        b"abc" + left + left + b"X" + home + delete + end + b"\x08\x7f" + right + b"\r",
        "h\u00e9llo \u4e2d\u6587 e\u0301\u0301".encode() + left * 3 + b"\x08" + b"\r" + up + down + b"\r",
        b"a" * 300 + b"\r" + b"\x03" + b"typed" + esc + b"\x15\r",
    ]
    for i, seq in enumerate(seqs):
        for width in (20, 81, 200):
            (corpus / f"keys{i}-w{width}.bin").write_bytes(bytes([width - 1, 40 + i]) + seq)


REPL_LINES = [
    "/help\n/models\n/cfg\n/ctx\nHello there\n/ctx\n/reset\n",
    "/set temp 0\n/set top_k 3\n/set max_tokens 4\nOnce upon a time\n/preset creative\nagain\n",
    "/load tiny-q8.gguf\n/model_info tiny-f32.gguf\nhi\n/set template raw\nhi\n/set template chatml\nhi\n",
    "/load tiny.bin\nOnce\n/set ctx 8\nlong long long long line of words\n/unload\nhi\n",
    "/set isa scalar\n/set isa auto\n/set cores 1\n/set system Be brief.\nhello\n/selftest\n",
    "/autorun run.txt\n/set seed 7\n/set repeat_penalty 1.3\n/set min_p 0.1\nhello\n",
    "/model_info fuzz.bin\n/load fuzz.bin\nhi\n\x00version=1\nuser_prefix=<u>\n",
    "/autorun fuzz.bin\n\x00/help\n/cfg\nhello\n",
]


def repl_seeds(corpus: Path, files: Path) -> None:
    derived = derive(Renderer((_testdata() / "chat-templates" / QWEN_JINJA).read_text()))
    for path in _tiny_ggufs(files):
        path.with_suffix(".tpl").write_text(tpl_text(derived, path.name))
    config = Llama2cConfig(dim=8, hidden_dim=16, vocab_size=40, **ONE_LAYER)
    (files / "tiny.bin").write_bytes(checkpoint_bytes(config, random_weights(config, seed=3), "v1"))
    (files / "tokenizer.bin").write_bytes(tokenizer_bytes(synthetic_tokenizer(40, seed=1)))
    (files / "run.txt").write_text("/ctx\nhello\n# comment\n/cfg\n")
    # isa= fixed: under auto every /load would measure each kernel level, most of an input's time.
    (files / "repl.cfg").write_text("model=tiny-f32.gguf\nmax_tokens=4\nctx=16\ntemp=0\nisa=sse2\n")
    for i, text in enumerate(REPL_LINES):
        (corpus / f"lines{i}.txt").write_bytes(text.encode())


def format_seeds(corpus: Path, files: Path) -> None:
    # fuzz_format.c's reading order: literal length and bytes, conversion kind; then (but for
    # %%) flags ('-', '0', '+', a width, a '*' precision), the width, a length modifier (the
    # integer kinds), the conversion letter; the '*' values (+400), buffer size (255: a
    # whole buffer) and the argument's 8 bytes (for %s: length 5, then the string).
    for kind in range(7):
        item = bytes([2]) + b"ab" + bytes([kind])
        if kind != 6:
            item += bytes([0xD7]) + struct.pack("<H", 12) + (bytes([4]) if kind < 2 else b"") + bytes([1])
        item += struct.pack("<HHB", 410, 403, 255)
        item += struct.pack("<d", -1234.5625) if kind == 5 else struct.pack("<Q", 5 | 1 << 8 | 1 << 63)
        (corpus / f"kind{kind}").write_bytes(item + (b"text\0" if kind == 3 else b""))


Seeder = Callable[[Path, Path], None]
# harness: (seeder, -max_len)
SEEDERS: dict[str, tuple[Seeder, int]] = {
    "checkpoint": (checkpoint_seeds, 4096),
    "tokenizer": (tokenizer_seeds, 4096),
    "gguf": (gguf_seeds, 65536),
    "gguf_tokenizer": (gguf_tokenizer_seeds, 4096),
    "gguf_model": (gguf_model_seeds, 65536),
    "llama2c": (llama2c_seeds, 8192),
    "cfg": (cfg_seeds, 8192),
    "template": (template_seeds, 4096),
    "line_edit": (line_edit_seeds, 2048),
    "repl": (repl_seeds, 4096),
    "format": (format_seeds, 1024),
}
