"""The BPE pre-tokenizers, as llama.cpp defines them: one row per family.

A GGUF file names its pre-tokenizer in ``tokenizer.ggml.pre``. llama.cpp
(``llama-vocab.cpp``) maps each name to a pre-type and each pre-type to a list
of regexes that are applied one after the other: every regex splits each piece
the previous ones made into its matches *and* the text between matches. The
engine runs the same regexes (compiled by ``pretok_tables``), so adding a
model family is adding a row here and regenerating
``firmware/engine/gguf/pretok_tables.c``.

The regex strings are llama.cpp's, after C++ unescaping, in the forms
llama.cpp actually runs (its "adapted" forms: ``(?:'[sS]|...)`` for the
case-insensitive contractions, ``(?=[\\p{L}])[^a-z]`` for "letter that is
not lower case"). ``\\d`` is ASCII 0-9 and ``$`` is the end of the piece, as
in ``std::regex``.

Families whose split needs code rather than a regex in llama.cpp (kimi-k2,
afmoe), whose encoder needs more than a split (the ``add_sep`` BERT-style
ones: jina-v1-en, jina-v2-code, roberta-bpe), or whose regex could not be
checked here (deepseek-llm with its long literal letter class) have no row:
the engine refuses them by name rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass

GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"
_CONTRACTIONS = r"(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])"
LLAMA3 = (
    _CONTRACTIONS + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2 = _CONTRACTIONS + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN35 = (
    _CONTRACTIONS
    + r"|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
SEED_CODER = (
    _CONTRACTIONS + r"|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+"
)
BAILINGMOE = (
    r"'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
# "upper-case-ish then lower-case-ish letters", as llama.cpp approximates
# \p{Lu}\p{Lt}\p{Lm}\p{Lo} / \p{Ll}\p{Lm}\p{Lo} with ASCII case only
_NOT_LOWER = r"((?=[\p{L}])([^a-z]))"
_NOT_UPPER = r"((?=[\p{L}])([^A-Z]))"
TEKKEN = (
    rf"[^\r\n\p{{L}}\p{{N}}]?{_NOT_LOWER}*{_NOT_UPPER}+|[^\r\n\p{{L}}\p{{N}}]?{_NOT_LOWER}+{_NOT_UPPER}*"
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
GPT4O = (
    rf"[^\r\n\p{{L}}\p{{N}}]?{_NOT_LOWER}*{_NOT_UPPER}+{_CONTRACTIONS}?"
    rf"|[^\r\n\p{{L}}\p{{N}}]?{_NOT_LOWER}+{_NOT_UPPER}*{_CONTRACTIONS}?"
    r"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
BLOOM = r" ?[^(\s|.,!?…。，、।۔،)]+"
CJK_RUNS = "[一-龥ࠀ-一가-퟿]+"


@dataclass(frozen=True)
class Pretokenizer:
    """One llama.cpp pre-type: the tokenizer.ggml.pre names that select it,
    its regexes in order, and the vocab settings llama.cpp ties to it."""

    names: tuple[str, ...]
    regexes: tuple[str, ...]
    ignore_merges: bool = False  # a word that is a whole token skips the merges
    add_bos: bool = False  # bos by default (tokenizer.ggml.add_bos_token still wins)
    no_bos: bool = False  # no bos id unless tokenizer.ggml.bos_token_id gives one
    checked: str = ""  # the ggml-vocab-*.gguf test vectors that cover this row


PRETOKENIZERS: tuple[Pretokenizer, ...] = (
    # "default" and a missing key: llama.cpp's fallback set, not plain gpt2
    Pretokenizer(
        ("default",),
        (r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", "[0-9][0-9][0-9]"),
    ),
    Pretokenizer(
        (
            "gpt-2",
            "phi-2",
            "jina-es",
            "jina-de",
            "gigachat",
            "jina-v2-es",
            "jina-v2-de",
            "a.x-4.0",
            "mellum",
            "mpt",
            "olmo",
            "jais",
            "trillion",
            "exaone4",
        ),
        (GPT2,),
        checked="gpt-2 mpt",
    ),
    Pretokenizer(
        ("llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"),
        (LLAMA3,),
        ignore_merges=True,
        add_bos=True,
        checked="llama-bpe",
    ),
    Pretokenizer(("dbrx", "smaug-bpe", "grok-2"), (LLAMA3,)),
    Pretokenizer(("chatglm-bpe", "glm4"), (LLAMA3,), no_bos=True),
    Pretokenizer(
        ("deepseek-coder",),
        ("[\r\n]", r"\s?\p{L}+", r"\s?\p{P}+", CJK_RUNS, r"\p{N}"),
        checked="deepseek-coder",
    ),
    Pretokenizer(
        ("deepseek-v3", "hunyuan-dense"),
        (
            r"\p{N}{1,3}",
            "[一-龥぀-ゟ゠-ヿ]+",
            r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+"
            r"| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
        ),
    ),
    Pretokenizer(
        ("falcon",),
        (r"[\p{P}\$\+<=>\^~\|`]+", GPT2, "[0-9][0-9][0-9]"),
        checked="falcon",
    ),
    Pretokenizer(
        ("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"),
        (r"\p{N}", GPT2),
        checked="starcoder refact",
    ),
    Pretokenizer(
        ("qwen2", "deepseek-r1-qwen", "megrez", "stablelm2", "hunyuan"),
        (QWEN2,),
        checked="qwen2",
    ),
    Pretokenizer(("qwen35",), (QWEN35,), checked="qwen35"),
    Pretokenizer(("seed-coder",), (SEED_CODER,)),
    Pretokenizer(("bailingmoe", "bailingmoe2", "llada-moe"), (BAILINGMOE,)),
    Pretokenizer(("poro-chat", "bloom", "gpt3-finnish"), (BLOOM,)),
    Pretokenizer(("viking",), (BLOOM, r"\p{N}")),
    Pretokenizer(("tekken",), (TEKKEN,), ignore_merges=True, add_bos=True),
    Pretokenizer(("gpt-4o", "llama4", "minimax-m2"), (GPT4O,)),
    Pretokenizer(("superbpe",), (r"\p{N}+", r"(?=(\d{3})+(?!\d))")),
)


def find(name: str) -> Pretokenizer | None:
    """The row a tokenizer.ggml.pre value selects, or None."""
    for row in PRETOKENIZERS:
        if name in row.names:
            return row
    return None
