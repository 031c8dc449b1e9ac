"""llama.cpp's log-probabilities (through llama-cpp-python) on the tokens of a log-probability
file, written in the same format, so that llama.cpp and `llmbm perplexity` are measured against
one base on identical tokens.

    python -m llmbm_build.llama_cpp_logprobs MODEL.gguf BASE.lp OUT.lp [--batch N] [--threads N]

Each chunk is fed from position 0 with ``logits_all`` (every position's logits kept), N tokens
per decode call (default: the whole chunk at once, as llama-perplexity does; 1: one token at a
time). The KV cache is f32, as the engine's is (llama.cpp's default f16 cache would add its own
rounding). Run it as its own process: a crash inside llama.cpp then ends this command only.
llama-cpp-python is not a dependency of the build (tests/python/llama_cpp_reference.py installs
it for the tests).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from llmbm_build.kl_stats import log_softmax
from llmbm_build.logprob_file import read_logprobs, write_logprobs

GGML_TYPE_F32 = 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m llmbm_build.llama_cpp_logprobs", description=__doc__.split("\n")[0]
    )
    ap.add_argument("model", type=Path)
    ap.add_argument("base", type=Path, help="log-probability file whose tokens are scored")
    ap.add_argument("out", type=Path)
    ap.add_argument("--batch", type=int, default=0, help="tokens per decode call (0: the whole chunk)")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args(argv)
    import llama_cpp

    base = read_logprobs(args.base)
    n_batch = args.batch or base.n_ctx
    llm = llama_cpp.Llama(
        model_path=str(args.model),
        logits_all=True,
        n_ctx=base.n_ctx,
        n_batch=n_batch,
        n_ubatch=n_batch,
        n_threads=args.threads,
        type_k=GGML_TYPE_F32,
        type_v=GGML_TYPE_F32,
        verbose=False,
    )

    def rows() -> Iterator[npt.NDArray[np.float64]]:
        for chunk in base.tokens:
            llm.reset()
            llm.eval([int(t) for t in chunk[:-1]])
            yield log_softmax(np.array(llm.scores[base.first : base.n_ctx - 1], dtype=np.float64))

    write_logprobs(args.out, base.n_vocab, base.tokens, base.first, rows())
    return 0


if __name__ == "__main__":
    sys.exit(main())
