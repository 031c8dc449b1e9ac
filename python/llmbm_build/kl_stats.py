"""Perplexity and KL-divergence statistics from log-probabilities, defined as ``llmbm
perplexity`` defines them (firmware/host/ppl_stats.c) and as llama.cpp's ``--kl-divergence``
reports them, plus a parser for the C command's report so the two can be compared.

KL is KL(base || model) per position; Δp is p_model(target) - p_base(target); "same top p" the
fraction of positions where both argmaxes agree; errors are standard errors of the mean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


def mean_err(x: F64) -> tuple[float, float]:
    n = len(x)
    mean = float(x.mean())
    var = float((x * x).mean() - mean * mean)
    return mean, (var / (n - 1)) ** 0.5 if n > 1 and var > 0 else 0.0


def log_softmax(logits: npt.NDArray[np.floating]) -> F64:
    x = np.asarray(logits, dtype=np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


@dataclass
class KlStats:
    n: int
    ppl: float
    ppl_err: float
    ppl_base: float
    mean_kld: float
    mean_kld_err: float
    median_kld: float
    max_kld: float
    kld_99: float
    rms_dp: float  # percent
    same_top: float  # percent
    log_ppl_ratio: float
    correlation: float  # percent


class KlAccumulator:
    """Collects per-position figures block by block (the rows need not fit in memory at once)."""

    def __init__(self) -> None:
        self.nll: list[F64] = []
        self.nll_base: list[F64] = []
        self.kl: list[F64] = []
        self.dp: list[F64] = []
        self.same: list[npt.NDArray[np.bool_]] = []

    def add(self, lp: F64, lp_base: F64, targets: npt.NDArray[np.int64]) -> None:
        idx = np.arange(len(targets))
        self.nll.append(-lp[idx, targets])
        self.nll_base.append(-lp_base[idx, targets])
        self.kl.append((np.exp(lp_base) * (lp_base - lp)).sum(axis=1))
        self.dp.append(np.exp(lp[idx, targets]) - np.exp(lp_base[idx, targets]))
        self.same.append(lp.argmax(axis=1) == lp_base.argmax(axis=1))

    def result(self) -> KlStats:
        nll, nll_b, kl, dp = (np.concatenate(a) for a in (self.nll, self.nll_base, self.kl, self.dp))
        same = np.concatenate(self.same)
        m, m_err = mean_err(nll)
        ppl = float(np.exp(m))
        kl_mean, kl_err = mean_err(kl)
        return KlStats(
            n=len(nll),
            ppl=ppl,
            ppl_err=ppl * m_err,
            ppl_base=float(np.exp(nll_b.mean())),
            mean_kld=kl_mean,
            mean_kld_err=kl_err,
            median_kld=float(np.quantile(kl, 0.5)),
            max_kld=float(kl.max()),
            kld_99=float(np.quantile(kl, 0.99)),
            rms_dp=100 * float(np.sqrt((dp * dp).mean())),
            same_top=100 * float(same.mean()),
            log_ppl_ratio=float((nll - nll_b).mean()),
            correlation=100 * float(np.corrcoef(nll, nll_b)[0, 1]),
        )


_REPORT_FIELDS = {
    "ppl": r"Mean PPL\(Q\)\s*:\s*(\S+) \+/- ",
    "ppl_err": r"Mean PPL\(Q\)\s*:\s*\S+ \+/-\s+(\S+)",
    "ppl_base": r"Mean PPL\(base\)\s*:\s*(\S+)",
    "mean_kld": r"Mean    KLD\s*:\s*(\S+)",
    "mean_kld_err": r"Mean    KLD\s*:\s*\S+ \+/-\s+(\S+)",
    "median_kld": r"Median  KLD\s*:\s*(\S+)",
    "max_kld": r"Maximum KLD\s*:\s*(\S+)",
    "kld_99": r"99\.0%   KLD\s*:\s*(\S+)",
    "rms_dp": r"RMS Δp\s*:\s*(\S+)",
    "same_top": r"Same top p\s*:\s*(\S+)",
    "log_ppl_ratio": r"Mean ln\(PPL\(Q\)/PPL\(base\)\)\s*:\s*(\S+)",
    "correlation": r"Cor\(ln\(PPL\(Q\)\), ln\(PPL\(base\)\)\)\s*:\s*(\S+)%",
}


def parse_report(text: str) -> KlStats:
    """The statistics from `llmbm perplexity --kl-base`'s stdout; ValueError names a missing line."""
    n = re.search(r"Perplexity statistics \((\d+) tokens\)", text)
    if not n:
        raise ValueError(f"no 'Perplexity statistics' line in:\n{text}")
    values: dict[str, float] = {}
    for name, pattern in _REPORT_FIELDS.items():
        m = re.search(pattern, text)
        if not m:
            raise ValueError(f"no {name} ({pattern}) in:\n{text}")
        values[name] = float(m.group(1))
    return KlStats(n=int(n.group(1)), **values)


def parse_perplexity(text: str) -> tuple[float, float]:
    """PPL and its error from `llmbm perplexity`'s stdout (with or without --kl-base)."""
    m = re.search(r"PPL = (\S+) \+/- (\S+)", text) or re.search(
        r"Mean PPL\(Q\)\s*:\s*(\S+) \+/-\s+(\S+)", text
    )
    if not m:
        raise ValueError(f"no perplexity in:\n{text}")
    return float(m.group(1)), float(m.group(2))
