"""GPT-2's byte-to-character map (its bytes_to_unicode), for tests that write byte-level BPE
vocabularies. At the tests/ root so every suite can import it."""

from __future__ import annotations


def gpt2_byte_chars() -> list[str]:
    """The character standing for each byte, as a list indexed by byte."""
    keep = [*range(ord("!"), ord("~") + 1), *range(0xA1, 0xAD), *range(0xAE, 0x100)]
    out: dict[int, str] = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in out:
            out[b] = chr(256 + extra)
            extra += 1
    return [out[b] for b in range(256)]
