"""The GGUF tokenizers (firmware/engine/gguf) against llama.cpp's tokenizer
test vectors, the pre-tokenizer regexes they run, and special tokens."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from gpt2_bytes import gpt2_byte_chars

import pretok_reference
from llmbm_build import pretokenizers

SEP = "\n__ggml_vocab_test__\n"
SPM_VOCABS = ["llama-spm", "phi-3"]
# every ggml-vocab-*.gguf with .inp/.out vectors in the shared test data
# (test_every_vector_set_listed keeps this list complete)
BPE_VOCABS = ["gpt-2", "llama-bpe", "qwen2", "qwen35", "deepseek-coder"]
BPE_VOCABS += ["falcon", "mpt", "refact", "starcoder"]
VOCABS = SPM_VOCABS + BPE_VOCABS


@pytest.fixture(scope="module")
def tool(build_dir: Path) -> Path:
    path = build_dir / "tests" / "unit" / "gguf" / "gguf-vocab-test"
    if not path.is_file():
        pytest.fail(f"{path} not built: run ninja -C {build_dir}")
    return path


def run(args: list[str]) -> str:
    res = subprocess.run(args, check=False, capture_output=True, timeout=120)
    assert res.returncode == 0, res.stdout.decode(errors="replace") + res.stderr.decode(errors="replace")
    return res.stdout.decode()


def read_inputs(path: Path) -> list[str]:
    """Inputs as llama.cpp's test-tokenizer-0 reads them: split on the
    separator line; text after the last separator (none here) is one more."""
    raw = path.read_bytes().decode()
    parts = raw.split(SEP)
    if parts and parts[-1] == "":
        parts.pop()
    return parts


def ids_of(line: str) -> list[int]:
    return [int(x) for x in line.split()]


def test_every_vector_set_listed(testdata: Path) -> None:
    files = testdata.glob("ggml-vocab-*.gguf")
    found = {p.name.removeprefix("ggml-vocab-").removesuffix(".gguf") for p in files}
    assert found == set(VOCABS)


@pytest.mark.parametrize("name", VOCABS)
def test_vectors(tool: Path, testdata: Path, name: str) -> None:
    vocab = testdata / f"ggml-vocab-{name}.gguf"
    inp, out = Path(f"{vocab}.inp"), Path(f"{vocab}.out")
    for p in (vocab, inp, out):
        assert p.is_file(), f"missing test data {p}"
    inputs = read_inputs(inp)
    want = out.read_text().splitlines()
    assert len(inputs) == len(want)
    got = run([str(tool), str(vocab), "--vectors", str(inp)]).splitlines()
    assert len(got) == len(want)
    failures = [
        f"{text!r}: got {ids_of(g)} want {ids_of(w)}"
        for text, g, w in zip(inputs, got, want, strict=True)
        if ids_of(g) != ids_of(w)
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", VOCABS)
def test_decode_roundtrip(tool: Path, testdata: Path, name: str) -> None:
    vocab = testdata / f"ggml-vocab-{name}.gguf"
    inputs = read_inputs(Path(f"{vocab}.inp"))
    lines = run([str(tool), str(vocab), "--roundtrip", f"{vocab}.inp"]).splitlines()
    decoded = [bytes.fromhex(line.removeprefix("decoded: ")) for line in lines[1::2]]
    for text, got in zip(inputs, decoded, strict=True):
        # SentencePiece adds one space in front of the first fragment
        want = (" " + text if text and name in SPM_VOCABS else text).encode()
        assert got == want, f"{text!r}"


def test_info(tool: Path, testdata: Path) -> None:
    phi3 = run([str(tool), str(testdata / "ggml-vocab-phi-3.gguf"), "--info"])
    assert "bos 1 eos 32000 eot 32007 " in phi3
    assert "add_bos 1 add_eos 0 space_prefix 1" in phi3
    gpt2 = run([str(tool), str(testdata / "ggml-vocab-gpt-2.gguf"), "--info"])
    assert "kind 2 pre gpt-2 " in gpt2
    assert "bos 50256 eos 50256 eot 50256 " in gpt2
    assert "add_bos 0 " in gpt2


def encode(tool: Path, vocab: Path, text: str, *flags: str) -> list[int]:
    return ids_of(run([str(tool), str(vocab), *flags, text]).splitlines()[0])


def test_special_tokens(tool: Path, testdata: Path) -> None:
    phi3 = testdata / "ggml-vocab-phi-3.gguf"
    # Phi-3's special tokens eat the whitespace after them (llama.cpp RSTRIP),
    # and the text after a special token gets SentencePiece's space prefix
    ids = encode(tool, phi3, "<|user|>\nHi<|end|>\n<|assistant|>", "--special", "--bos")
    assert ids == [1, 32010, 6324, 32007, 32001]
    # control tokens are plain text unless special parsing is asked for
    plain = encode(tool, phi3, "<|end|>")
    assert 32007 not in plain and len(plain) > 1
    # </s> is user-defined in this vocab: always matched
    assert 2 in encode(tool, phi3, "a</s>b")
    gpt2 = testdata / "ggml-vocab-gpt-2.gguf"
    assert encode(tool, gpt2, "Hi<|endoftext|>", "--special") == [17250, 50256]
    assert 50256 not in encode(tool, gpt2, "Hi<|endoftext|>")


def test_bos(tool: Path, testdata: Path) -> None:
    spm = testdata / "ggml-vocab-llama-spm.gguf"
    assert encode(tool, spm, "Hello", "--bos")[0] == 1
    assert encode(tool, spm, "Hello")[0] != 1


# --- pre-tokenizers against the regexes they run --------------------------

# Characters whose Unicode classes have been stable for many versions, so
# the C tables and the regex module agree: letters of both cases, numbers of
# each kind (Nd, Nl, No), marks, symbols, punctuation, CJK and Hangul (the
# deepseek ranges), the bloom separators and several kinds of space.
POOL = list(
    "aZ's'T'Re've'LL'd'M 0123456789 \t\r\n\n  .,;!?-_()[]{}\"'`~@#$%^&*+=<>/\\|"
    "éÑßçøœ ЖжЯ 中文字 한국 ひらカナ العربية ٣٤ ½²³ Ⅻ ⅷ \u00a0\u3000\u2028\u0301\u20ac€😀🦙"
    "…。，、।۔، កាន់ ǅ ʰ"
)


def random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(POOL) for _ in range(rng.randint(1, 24))) for _ in range(count)]


SPLIT_TEXTS = random_texts(1234, 300) + [
    "Hello world's 12345 你好\n\n  x",
    "I'M HERE 'S 'Ll",
    "a  \n  b   ",
    "   ",
    "x\r\n\r\ny",
    "1234567 ab12cd",
    "HelloWorld ABCdef abcDEF",
    "<sentinel:12>IMGIMGABZ",
    "tab\there   ~~ 1,234,567",
]


@pytest.mark.parametrize("row", pretokenizers.PRETOKENIZERS, ids=lambda r: r.names[0])
def test_pretokenizer_matches_regex(tool: Path, tmp_path: Path, row: pretokenizers.Pretokenizer) -> None:
    inp = tmp_path / "split.inp"
    inp.write_bytes("".join(t + SEP for t in SPLIT_TEXTS).encode())
    for name in (row.names[0], row.names[-1]):
        lines = run([str(tool), "--split", name, str(inp)]).splitlines()
        assert len(lines) == len(SPLIT_TEXTS)
        for text, line in zip(SPLIT_TEXTS, lines, strict=True):
            got = [bytes.fromhex(w).decode() for w in line.split()]
            assert got == pretok_reference.split(row.regexes, text), f"{name}: {text!r}"


def test_pretokenizer_names_unique() -> None:
    names = [n for row in pretokenizers.PRETOKENIZERS for n in row.names]
    assert len(names) == len(set(names))
    assert pretokenizers.find("default") is not None


@pytest.mark.parametrize("name", BPE_VOCABS)
def test_checked_column(tool: Path, testdata: Path, name: str) -> None:
    """pretokenizers.py says which rows the vectors cover; keep that true."""
    info = run([str(tool), str(testdata / f"ggml-vocab-{name}.gguf"), "--info"])
    pre = info.split(" pre ")[1].split()[0]
    row = pretokenizers.find(pre)
    assert row is not None and name in row.checked.split(), f"{name} uses {pre}"


def test_pretok_tables_current(source_dir: Path, tmp_path: Path) -> None:
    """The committed pretok_tables.c is what the generator writes from the table."""
    from llmbm_build import pretok_tables

    out = tmp_path / "pretok_tables.c"
    assert pretok_tables.main([str(out)]) == 0
    committed = source_dir / "firmware" / "engine" / "gguf" / "pretok_tables.c"
    assert out.read_text() == committed.read_text(), f"run: python3 -m llmbm_build.pretok_tables {committed}"


def test_unicode_tables_current(source_dir: Path, tmp_path: Path) -> None:
    """The committed table is what the generator writes (checked when this
    Python has the same Unicode version the table was made from)."""
    import unicodedata

    from llmbm_build import unicode_tables

    committed = (source_dir / "firmware" / "engine" / "gguf" / "unicode_tables.c").read_text()
    if f"(Unicode {unicodedata.unidata_version})" not in committed:
        pytest.skip(f"table is from another Unicode version than {unicodedata.unidata_version}")
    out = tmp_path / "unicode_tables.c"
    assert unicode_tables.main([str(out)]) == 0
    assert out.read_text() == committed


def write_bpe_vocab(path: Path, pre: str | int | None, bos: int | None = None) -> dict[str, int]:
    from gguf import GGUFWriter

    tokens = gpt2_byte_chars() + ["Ġw", "or", "Ġwor", "ld", "Ġworld", "hello", "<|im_end|>", "<|endoftext|>"]
    types = [1] * (len(tokens) - 2) + [3, 3]
    merges = ["Ġ w", "o r", "Ġw or", "l d", "Ġwor ld"]
    w = GGUFWriter(str(path), "qwen2")
    w.add_tokenizer_model("gpt2")
    if isinstance(pre, str):
        w.add_tokenizer_pre(pre)
    elif pre is not None:  # a malformed file: the key with another type
        w.add_uint32("tokenizer.ggml.pre", pre)
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_eos_token_id(len(tokens) - 1)
    if bos is not None:
        w.add_bos_token_id(bos)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return {t: i for i, t in enumerate(tokens)}


@pytest.mark.parametrize("pre", ["qwen2", "llama-bpe", "smollm", "tekken"])
def test_synthetic_bpe(tool: Path, tmp_path: Path, pre: str) -> None:
    path = tmp_path / f"{pre}.gguf"
    ids = write_bpe_vocab(path, pre)
    byte = gpt2_byte_chars()
    got = encode(tool, path, "hello world<|im_end|>x", "--special", "--bos")
    # llama3 keeps whole words that are tokens (ignore_merges) and adds bos
    # (bos defaults to id 11 for gpt2-type vocabs, as in llama.cpp)
    whole_words = pre in ("llama-bpe", "tekken")
    hello = [ids["hello"]] if whole_words else [ids[c] for c in "hello"]
    bos = [11] if whole_words else []
    assert got == [*bos, *hello, ids["Ġworld"], ids["<|im_end|>"], ids["x"]]
    # without special parsing the control token is plain text
    plain = encode(tool, path, "<|im_end|>")
    assert ids["<|im_end|>"] not in plain
    info = run([str(tool), str(path), "--info"])
    assert f"eot {ids['<|im_end|>']} " in info
    assert byte[ord(" ")] == "Ġ"


def test_unknown_pretokenizer_refused(tool: Path, tmp_path: Path) -> None:
    """A tokenizer.ggml.pre the engine does not implement is an error naming
    the file and the value, never a guess."""
    path = tmp_path / "odd.gguf"
    write_bpe_vocab(path, "kimi-k2")
    res = subprocess.run([str(tool), str(path), "--info"], check=False, capture_output=True, timeout=60)
    out = res.stdout.decode() + res.stderr.decode()
    assert res.returncode != 0
    assert str(path) in out and "'kimi-k2'" in out, out
    write_bpe_vocab(path, 7)
    res = subprocess.run([str(tool), str(path), "--info"], check=False, capture_output=True, timeout=60)
    assert res.returncode != 0 and b"tokenizer.ggml.pre is not a string" in res.stdout, res.stdout


def test_missing_pretokenizer_is_default(tool: Path, tmp_path: Path) -> None:
    """Like llama.cpp: no tokenizer.ggml.pre means its "default" regexes
    (which split digits in threes), not gpt-2's."""
    path = tmp_path / "nopre.gguf"
    write_bpe_vocab(path, None)
    assert "pre default " in run([str(tool), str(path), "--info"])


def test_chatglm_has_no_default_bos(tool: Path, tmp_path: Path) -> None:
    """chatglm-bpe drops gpt2's default bos (id 11); a bos id in the file
    still counts, as in llama.cpp."""
    chatglm = tmp_path / "chatglm.gguf"
    write_bpe_vocab(chatglm, "chatglm-bpe")
    assert " bos -1 " in run([str(tool), str(chatglm), "--info"])
    gpt2 = tmp_path / "gpt2.gguf"
    write_bpe_vocab(gpt2, "gpt-2")
    assert " bos 11 " in run([str(tool), str(gpt2), "--info"])
    write_bpe_vocab(chatglm, "chatglm-bpe", bos=5)
    assert " bos 5 " in run([str(tool), str(chatglm), "--info"])
