"""Exact small-p siting by enumeration (the foundation's solver).

``weights @ cost`` gives every single site's objective; for p = 2 every pair is
scored in chunks.  Used until :mod:`siting.locate` replaces it for p > 1.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["best_sites", "single_site_objectives"]


def single_site_objectives(cost: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_i weight_i × cost_ij for every candidate column j (``inf`` if any row can't reach j)."""
    with np.errstate(invalid="ignore"):
        obj = np.where(np.isfinite(cost), cost, 0.0).T @ weights
    reach = np.isfinite(cost) | (weights[:, None] == 0)
    obj[~reach.all(axis=0)] = np.inf
    return obj


def best_sites(
    cost: np.ndarray, weights: np.ndarray, p: int, allowed: np.ndarray
) -> tuple[list[int], float]:
    """Exact p-median for p ∈ {1, 2} over the ``allowed`` columns by enumeration."""
    cols = np.flatnonzero(allowed)
    if p < 1 or p > len(cols):
        raise ValueError(f"p={p} but {len(cols)} allowed candidate(s)")
    if p == 1:
        obj = single_site_objectives(cost[:, cols], weights)
        k = int(np.argmin(obj))
        return [int(cols[k])], float(obj[k])
    if p != 2:
        raise ValueError("enumeration handles p <= 2; use siting.locate.p_median")
    sub = cost[:, cols]
    best = (np.inf, (0, 0))
    for a in range(len(cols) - 1):
        pair_min = np.minimum(sub[:, a : a + 1], sub[:, a + 1 :])
        obj = weights @ np.where(np.isfinite(pair_min), pair_min, np.inf)
        k = int(np.argmin(obj))
        if obj[k] < best[0]:
            best = (float(obj[k]), (a, a + 1 + k))
    return sorted(int(cols[i]) for i in best[1]), best[0]


def _brute(cost: np.ndarray, weights: np.ndarray, p: int) -> float:  # for tests
    return min(
        float(weights @ cost[:, list(c)].min(axis=1))
        for c in itertools.combinations(range(cost.shape[1]), p)
    )
