"""How sure are we?  Weight Monte Carlo, one-at-a-time sweeps, scenario comparison.

*Weight uncertainty* (simultaneous perturbation, DOMAIN 6.1, M4, M5):
weight vectors are drawn from ``Dirichlet(concentration × w)`` around the
chosen weights ``w`` (mean ``w``; larger concentration = closer to ``w``), or
uniformly within user ranges and rescaled to sum to 1.  Every draw re-scores
the eligible sites from their fixed normalised criteria; per site we report
``p_first`` (share of draws in which it ranks first) and the 5th–95th
percentile of its rank.  Draws come from a ``numpy.random.Generator`` seeded
with the scenario seed and the facility, so results are reproducible.

The one-at-a-time sweeps that re-solve the plan live in :mod:`siting.decide.sweeps`; the
Monte Carlo that re-solves the plan per draw in :mod:`siting.decide.optimise` (this module
draws the weights).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "SENSITIVITY_COLUMNS",
    "draw_weights",
    "rank_stability",
    "reweight",
]

#: Columns of sensitivity.csv (written by :func:`siting.decide.sweeps.plan_sweeps`).
SENSITIVITY_COLUMNS = (
    "facility",
    "parameter",
    "step",
    "value",
    "unit",
    "source",
    "baseline",
    "plan_sites",
    "plan_changed",
    "plan_changes",
    "objective_value",
    "total_cost_ils_per_year",
    "saving_ils_per_year",
    "mean_driver_km",
    "coverage_share",
    "worst_authority_minutes",
    "recommended_objective_value",
    "recommended_total_cost_ils_per_year",
    "recommended_mean_driver_km",
)


def draw_weights(
    weights: np.ndarray,
    *,
    n_draws: int,
    rng: np.random.Generator,
    concentration: float | None = None,
    ranges: Sequence[tuple[float, float]] | None = None,
) -> np.ndarray:
    """Weight vectors around ``weights``: ``(n_draws, k)``, each row summing to 1.

    Parameters
    ----------
    weights : (k,) array
        The chosen weights (> 0, summing to 1).
    n_draws : int
    rng : numpy.random.Generator
    concentration : float, optional
        Dirichlet concentration (required unless ``ranges`` is given).
    ranges : sequence of (low, high), optional
        Per-criterion uniform ranges (rescaled to sum to 1 after drawing).

    Examples
    --------
    >>> w = draw_weights(np.array([0.5, 0.3, 0.2]), n_draws=20000, concentration=50,
    ...                  rng=np.random.default_rng(0))
    >>> w.mean(axis=0).round(2).tolist(), bool(np.allclose(w.sum(axis=1), 1))
    ([0.5, 0.3, 0.2], True)
    """
    w = np.asarray(weights, dtype=float)
    if ranges is not None:
        lo = np.array([r[0] for r in ranges], dtype=float)
        hi = np.array([r[1] for r in ranges], dtype=float)
        if lo.shape != w.shape or (lo < 0).any() or (hi < lo).any():
            raise ValueError("ranges: one (low, high) per criterion with 0 <= low <= high")
        draws = rng.uniform(lo, hi, size=(n_draws, len(w)))
        total = draws.sum(axis=1, keepdims=True)
        if (total <= 0).any():
            raise ValueError("ranges allow all-zero weights")
        return draws / total
    if concentration is None or not concentration > 0:
        raise ValueError(f"concentration must be > 0 (got {concentration})")
    if len(w) == 1:
        return np.ones((n_draws, 1))
    return rng.dirichlet(concentration * w, size=n_draws)


def rank_stability(
    norm: np.ndarray,
    draws: np.ndarray,
    *,
    percentiles: tuple[float, float] = (5.0, 95.0),
) -> pd.DataFrame:
    """Probability of ranking first and rank interval of each row under weight draws.

    Parameters
    ----------
    norm : (m, k) array
        Normalised criteria of the eligible sites (no NaN).
    draws : (d, k) array
        Weight vectors.
    percentiles : (low, high)
        Rank percentiles to report (``method="lower"`` / ``"higher"``: ranks stay integers).

    Returns
    -------
    DataFrame
        ``p_first``, ``rank_p05``, ``rank_p95`` (named after ``percentiles``), one row per site.

    Examples
    --------
    >>> norm = np.array([[1.0, 1.0], [0.0, 0.5], [0.5, 0.0]])  # site 0 dominates
    >>> draws = draw_weights(np.array([0.5, 0.5]), n_draws=500, concentration=2,
    ...                      rng=np.random.default_rng(1))
    >>> rank_stability(norm, draws)["p_first"].tolist()
    [1.0, 0.0, 0.0]
    """
    m, d = norm.shape[0], draws.shape[0]
    lo_name, hi_name = (f"rank_p{round(q):02d}" for q in percentiles)
    if m == 0:
        return pd.DataFrame({"p_first": [], lo_name: [], hi_name: []})
    scores = norm @ draws.T  # (m, d)
    order = np.argsort(-scores, axis=0, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, m + 1)[:, None].repeat(d, axis=1), axis=0)
    p_first = (ranks == 1).sum(axis=1) / d
    lo = np.percentile(ranks, percentiles[0], axis=1, method="lower")
    hi = np.percentile(ranks, percentiles[1], axis=1, method="higher")
    return pd.DataFrame({"p_first": p_first, lo_name: lo.astype(int), hi_name: hi.astype(int)})


def reweight(weights: Mapping[str, float], name: str, factor: float) -> dict[str, float]:
    """Multiply one weight by ``factor`` and rescale the others so the sum stays 1.

    Examples
    --------
    >>> {k: round(v, 3) for k, v in reweight({"a": 0.5, "b": 0.3, "c": 0.2}, "a", 1.5).items()}
    {'a': 0.75, 'b': 0.15, 'c': 0.1}
    """
    w = {k: float(v) for k, v in weights.items()}
    total = sum(w.values())
    w = {k: v / total for k, v in w.items()}
    new = min(1.0, w[name] * factor)
    rest = 1.0 - w[name]
    out = {}
    for k, v in w.items():
        if k == name:
            out[k] = new
        else:
            out[k] = v * (1.0 - new) / rest if rest > 0 else 0.0
    return out
