"""`llmbm perplexity`: the perplexity of stories260K on a short text against a NumPy computation
of the same (llmbm_build.reference_forward, float64, on the file's weights), the saved
log-probabilities and their file format, and the --kl-base report against the same statistics
computed in Python (llmbm_build.kl_stats) from the saved rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine_cli import run_llmbm
from llmbm_build.accuracy import file_stats
from llmbm_build.kl_stats import parse_perplexity, parse_report
from llmbm_build.logprob_file import HEADER, LogprobFileError, read_logprobs, write_logprobs
from llmbm_build.reference_forward import ReferenceForward

CTX = 64
BOS = 1
TEXT = (
    "Once upon a time, there was a little dog named Max. Max liked to run in the big green park. "
    "One day, Max found a shiny red ball under a tree. He wanted to show the ball to his friend Sue. "
    "Sue was a kind girl who lived next door. Max ran to her house and barked at the door. Sue came "
    "out and saw the ball. She laughed and threw the ball far away. Max ran after it and brought it "
    "back. They played all day until the sun went down. Then Sue gave Max a hug and said good night."
)


@pytest.fixture
def f32_run(build_dir: Path, testdata: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    """stories260K F32 over TEXT in chunks of CTX, its log-probabilities saved."""
    model = testdata / "stories260K-f32.gguf"
    text = tmp_path / "story.txt"
    text.write_text(TEXT)
    saved = tmp_path / "f32.lp"
    proc = run_llmbm(
        build_dir, "--kv-type", "f32", "perplexity", model, "-f", text, "-c", str(CTX), "--save-logits", saved
    )
    assert b"PPL" in proc.stderr  # the progress line, one per chunk
    return model, saved, proc.stdout.decode()


def test_perplexity_matches_numpy(build_dir: Path, f32_run: tuple[Path, Path, str]) -> None:
    model, saved, out = f32_run
    ppl, err = parse_perplexity(out)
    lp = read_logprobs(saved)
    # The tokens: the text's ids after BOS, cut into whole chunks, each starting with BOS.
    ids = [BOS] + [int(t) for t in run_llmbm(build_dir, "tokenize", model, TEXT).stdout.split()]
    n_chunks = len(ids) // CTX
    assert n_chunks >= 2
    want_tokens = np.array(ids[: n_chunks * CTX]).reshape(n_chunks, CTX)
    want_tokens[:, 0] = BOS
    assert (lp.tokens == want_tokens).all()
    assert (lp.n_ctx, lp.first, lp.n_vocab) == (CTX, CTX // 2, 512)

    ref = ReferenceForward(model)
    want = np.concatenate([ref.chunk_logprobs(chunk, CTX // 2) for chunk in want_tokens])
    assert np.abs(lp.rows - want).max() < 1e-4
    nll = -want[np.arange(len(want)), lp.targets()]
    assert len(nll) == n_chunks * (CTX // 2 - 1)
    want_ppl = float(np.exp(nll.mean()))
    want_err = want_ppl * float(nll.std() / np.sqrt(len(nll) - 1))
    print(f"stories260K: PPL {ppl} ± {err}, NumPy {want_ppl:.4f} ± {want_err:.5f} over {len(nll)} tokens")
    assert ppl == pytest.approx(want_ppl, rel=1e-4)
    assert err == pytest.approx(want_err, rel=1e-3)


def test_kl_report_matches_python_statistics(
    build_dir: Path, testdata: Path, tmp_path: Path, f32_run: tuple[Path, Path, str]
) -> None:
    _, base, _ = f32_run
    q8_saved = tmp_path / "q8.lp"
    q8 = testdata / "stories260K-q8_0-mix.gguf"
    out = run_llmbm(
        build_dir, "--kv-type", "f32", "perplexity", q8, "--kl-base", base, "--save-logits", q8_saved
    ).stdout.decode()
    got = parse_report(out)
    want = file_stats(q8_saved, base)
    print(got)
    assert got.n == want.n
    assert got.mean_kld > 1e-5  # a real difference to measure
    for name in ("mean_kld", "median_kld", "max_kld", "kld_99", "rms_dp", "ppl", "ppl_base", "log_ppl_ratio"):
        assert getattr(got, name) == pytest.approx(getattr(want, name), rel=2e-3, abs=2e-6), name
    assert got.same_top == pytest.approx(want.same_top, abs=1e-4)
    assert got.correlation == pytest.approx(want.correlation, abs=1e-3)


def test_kl_against_itself_is_zero(build_dir: Path, f32_run: tuple[Path, Path, str]) -> None:
    model, base, first_out = f32_run
    got = parse_report(
        run_llmbm(build_dir, "--kv-type", "f32", "perplexity", model, "--kl-base", base).stdout.decode()
    )
    assert abs(got.mean_kld) < 1e-6 and got.max_kld < 1e-5
    assert got.same_top == 100.0
    assert got.ppl == pytest.approx(parse_perplexity(first_out)[0], rel=1e-5)


def _fails_with(build_dir: Path, model: Path, base: Path, message: str) -> None:
    proc = run_llmbm(build_dir, "--kv-type", "f32", "perplexity", model, "--kl-base", base, check=False)
    err = proc.stderr.decode()
    assert proc.returncode == 1, err
    assert str(base) in err and message in err, err


def test_bad_log_probability_files_are_named(
    build_dir: Path, tmp_path: Path, f32_run: tuple[Path, Path, str]
) -> None:
    model, base, _ = f32_run
    data = base.read_bytes()
    bad = tmp_path / "bad.lp"
    bad.write_bytes(data[:-4])
    _fails_with(build_dir, model, bad, "but its header")
    bad.write_bytes(b"NOTLP" + data[5:])
    _fails_with(build_dir, model, bad, "no LLMBMLP1 magic")
    bad.write_bytes(data[:10])
    _fails_with(build_dir, model, bad, "shorter than its 32-byte header")
    token = HEADER.size + 4 * 3
    bad.write_bytes(data[:token] + (600).to_bytes(4, "little") + data[token + 4 :])
    _fails_with(build_dir, model, bad, "outside its vocabulary of 512")
    write_logprobs(bad, 100, np.zeros((1, 8), dtype=np.uint32), 4, [np.zeros((3, 100))])
    _fails_with(build_dir, model, bad, "vocabulary of 100")
    for broken in (data[:-4], b"NOTLP" + data[5:], data[:10]):
        bad.write_bytes(broken)
        with pytest.raises(LogprobFileError, match="bad.lp"):
            read_logprobs(bad)


def test_usage_errors(build_dir: Path, testdata: Path, tmp_path: Path) -> None:
    model = testdata / "stories260K-f32.gguf"
    text = tmp_path / "short.txt"
    text.write_text("A cat.")
    proc = run_llmbm(
        build_dir, "--kv-type", "f32", "perplexity", model, "-f", text, "-c", str(CTX), check=False
    )
    assert proc.returncode == 1 and b"fewer than one chunk of 64" in proc.stderr, proc.stderr
    proc = run_llmbm(
        build_dir, "--kv-type", "f32", "perplexity", model, "-f", text, "--kl-base", text, check=False
    )
    assert proc.returncode == 2 and b"leave out -f" in proc.stderr, proc.stderr
    proc = run_llmbm(
        build_dir, "--kv-type", "f32", "perplexity", model, "-f", text, "-c", "4096", check=False
    )
    assert proc.returncode != 0


def test_kl_compare_pairs_positions_and_chunks(tmp_path: Path) -> None:
    """llmbm_build.kl_compare on two-token distributions whose KL is known in closed form:
    base (1/2, 1/2), a run (s, 1 - s) has KL = -ln(4 s (1 - s)) / 2."""
    from llmbm_build.kl_compare import report

    tokens = np.zeros((2, 6), dtype=np.uint32)  # 2 chunks, first 2: 3 scored positions each

    def write(name: str, s: list[float]) -> Path:
        path = tmp_path / name
        rows = np.log(np.array([[v, 1 - v] for v in s]))
        write_logprobs(path, 2, tokens, 2, [rows])
        return path

    base = write("base.lp", [0.5] * 6)
    ref_s, other_s = [0.6, 0.6, 0.6, 0.7, 0.7, 0.7], [0.5, 0.6, 0.7, 0.6, 0.7, 0.8]

    def kl(s: list[float]) -> np.ndarray:
        return -np.log(4 * np.array(s) * (1 - np.array(s))) / 2

    out = report(base, [write("ref.lp", ref_s), write("other.lp", other_s)])
    d = kl(other_s) - kl(ref_s)
    assert f"ref.lp: mean KL {kl(ref_s).mean():.6f}" in out, out
    assert f"minus ref.lp: {d.mean():+.6f} ± {d.std(ddof=1) / np.sqrt(6):.6f}" in out, out
    chunks = kl(other_s).reshape(2, 3).mean(axis=1)
    assert f"other.lp: {chunks[0]:.6f} {chunks[1]:.6f}" in out, out
