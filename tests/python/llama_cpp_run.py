"""llama.cpp (through llama-cpp-python) as the reference for the architecture tests.

Run as a script in its own process, so that a crash inside llama.cpp fails one test with its
output rather than killing pytest:

    python llama_cpp_run.py MODEL OUT.npz N_CTX N_GREEDY TOKEN...

feeds the prompt tokens, then N_GREEDY tokens chosen greedily one at a time, and saves the
logits at every position ("logits") and the whole token sequence ("tokens"). The KV cache is
f32 (llama.cpp's default f16 cache alone moves logits by ~3e-4 of their range).
"""

from __future__ import annotations

import sys

import numpy as np


def main(argv: list[str]) -> int:
    import llama_cpp

    model, out, n_ctx, n_greedy = argv[0], argv[1], int(argv[2]), int(argv[3])
    tokens = [int(t) for t in argv[4:]]
    f32 = 0  # GGML_TYPE_F32
    llm = llama_cpp.Llama(
        model_path=model,
        logits_all=True,
        n_ctx=n_ctx,
        n_threads=1,
        n_batch=n_ctx,
        type_k=f32,
        type_v=f32,
        verbose=False,
    )
    llm.eval(tokens)
    for _ in range(n_greedy):
        nxt = int(np.argmax(llm.scores[llm.n_tokens - 1]))
        tokens.append(nxt)
        llm.eval([nxt])
    n = llm.n_tokens
    np.savez(out, logits=np.array(llm.scores[:n], dtype=np.float64), tokens=np.array(tokens))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
