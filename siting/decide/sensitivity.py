"""How sure are we?  Weight Monte Carlo, one-at-a-time sweeps, scenario comparison.

*Weight uncertainty* (simultaneous perturbation, DOMAIN 6.1, M4, M5):
weight vectors are drawn from ``Dirichlet(concentration × w)`` around the
chosen weights ``w`` (mean ``w``; larger concentration = closer to ``w``), or
uniformly within user ranges and rescaled to sum to 1.  Every draw re-scores
the eligible sites from their fixed normalised criteria; per site we report
``p_first`` (share of draws in which it ranks first) and the 5th–95th
percentile of its rank.  Draws come from a ``numpy.random.Generator`` seeded
with the scenario seed and the facility, so results are reproducible.

*One-at-a-time (OAT) sweeps*: kg/person/day (× factor), ILS per tonne-km
(× factor), truck speed (minutes × default speed / speed), coverage threshold
and each criterion weight (× factor, the others rescaled).  Each step re-scores
all sites and reports the top site, whether it changed, the baseline top
site's rank, and the top site's cost, saving and coverage: the data of a
tornado chart.

*Scenario comparison*: :func:`compare_runs` puts two runs side by side.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.criteria import FacilityProblem, criteria_table
from siting.decide.scoring import score_sites
from siting.layers import Facility
from siting.params import ScoringParams, SensitivityParams

__all__ = [
    "SENSITIVITY_COLUMNS",
    "draw_weights",
    "oat_sweeps",
    "rank_stability",
    "reweight",
]

#: Columns of the sensitivity table (sensitivity.csv).
SENSITIVITY_COLUMNS = (
    "facility",
    "parameter",
    "step",
    "value",
    "unit",
    "source",
    "baseline",
    "best_site_id",
    "best_site_changed",
    "baseline_site_rank",
    "best_score",
    "haul_tkm_per_year",
    "total_cost_ils_per_year",
    "saving_ils_per_year",
    "mean_driver_km",
    "coverage_share",
    "worst_authority_minutes",
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


def _step_row(
    problem: FacilityProblem,
    weights: Mapping[str, float],
    scoring: ScoringParams,
    baseline_site: str | None,
) -> dict[str, Any]:
    table = criteria_table(problem)
    sc = score_sites(table, problem.facility, weights, scoring).table
    elig = sc[~sc["excluded"]]
    if elig.empty:
        return {"best_site_id": None}
    best = elig.loc[elig["rank"] == 1].iloc[0]
    base_rank = None
    if baseline_site is not None:
        base_rank = sc.loc[sc["site_id"] == baseline_site, "rank"].iloc[0]
    row: dict[str, Any] = {
        "best_site_id": best["site_id"],
        "best_site_changed": baseline_site is not None and best["site_id"] != baseline_site,
        "baseline_site_rank": None if base_rank is None or pd.isna(base_rank) else int(base_rank),
        "best_score": float(best["score"]),
        "coverage_share": float(best["coverage_share"]),
        "worst_authority_minutes": float(best["worst_authority_minutes"]),
    }
    for col in ("haul_tkm_per_year", "total_cost_ils_per_year", "saving_ils_per_year"):
        if col in best:
            row[col] = float(best[col])
    if "mean_driver_km" in best:
        row["mean_driver_km"] = float(best["mean_driver_km"])
    return row


def oat_sweeps(
    problem: FacilityProblem,
    weights: Mapping[str, float],
    *,
    scoring: ScoringParams | None = None,
    params: SensitivityParams | None = None,
    base_speed_kmh: float | None = None,
    base_cost_ils_per_tkm: float | None = None,
) -> pd.DataFrame:
    """One-at-a-time sweeps of one facility's parameters and weights.

    Parameters
    ----------
    problem : FacilityProblem
        The baseline problem.
    weights : mapping
        The baseline weights (those actually used, summing to 1).
    scoring, params : parameter objects
    base_speed_kmh : float, optional
        The cost model's average speed; without it (e.g. a road-network model) the speed
        sweep is skipped.
    base_cost_ils_per_tkm : float, optional
        Shown as the ILS/t·km values of the cost sweep (waste station).

    Returns
    -------
    DataFrame
        Columns :data:`SENSITIVITY_COLUMNS`; one row per parameter step (the baseline step of
        each parameter is flagged ``baseline``).
    """
    sp = params or SensitivityParams()
    sc = scoring or ScoringParams()
    fac = problem.facility
    base = _step_row(problem, weights, sc, None)
    base_site = base["best_site_id"]
    rows: list[dict[str, Any]] = []

    def add(
        parameter: str,
        step: int,
        value: float,
        *,
        unit: str,
        source: str,
        is_base: bool,
        prob: FacilityProblem,
        w: Mapping[str, float],
    ) -> None:
        row = _step_row(prob, w, sc, base_site)
        rows.append(
            {
                "facility": fac.value,
                "parameter": parameter,
                "step": step,
                "value": float(value),
                "unit": unit,
                "source": source,
                "baseline": bool(is_base),
                **row,
            }
        )

    src = {f.name: f.metadata.get("source", "") for f in dataclasses.fields(SensitivityParams)}
    if fac is Facility.WASTE_STATION:
        for k, f in enumerate(sp.kg_factors):
            prob = dataclasses.replace(problem, demand=problem.demand * f)
            add(
                "kg_per_capita_day",
                k,
                f,
                unit="× CBS kg/person/day",
                source=src["kg_factors"],
                is_base=bool(np.isclose(f, 1.0)),
                prob=prob,
                w=weights,
            )
        for k, f in enumerate(sp.cost_factors):
            prob = dataclasses.replace(
                problem,
                cost_ils_per_tkm=problem.cost_ils_per_tkm * f,
                transfer_cost_ils_per_tkm=problem.transfer_cost_ils_per_tkm * f,
            )
            value = f * base_cost_ils_per_tkm if base_cost_ils_per_tkm is not None else f
            unit = "ILS per t·km" if base_cost_ils_per_tkm is not None else "× ILS per t·km"
            add(
                "cost_ils_per_tkm",
                k,
                value,
                unit=unit,
                source=src["cost_factors"],
                is_base=bool(np.isclose(f, 1.0)),
                prob=prob,
                w=weights,
            )
    if base_speed_kmh:
        for k, v in enumerate(sp.speeds_kmh):
            prob = dataclasses.replace(problem, minutes=problem.minutes * (base_speed_kmh / v))
            add(
                "speed_kmh",
                k,
                v,
                unit="km/h",
                source=src["speeds_kmh"],
                is_base=bool(np.isclose(v, base_speed_kmh)),
                prob=prob,
                w=weights,
            )
    for k, t in enumerate(sp.thresholds_min):
        prob = dataclasses.replace(problem, threshold_min=t)
        add(
            "coverage_threshold_min",
            k,
            t,
            unit="min",
            source=src["thresholds_min"],
            is_base=bool(np.isclose(t, problem.threshold_min)),
            prob=prob,
            w=weights,
        )
    for name in weights:
        for k, f in enumerate((*sp.weight_factors[:1], 1.0, *sp.weight_factors[1:])):
            w = reweight(weights, name, f)
            add(
                f"weight:{name}",
                k,
                w[name],
                unit="weight (others rescaled)",
                source=src["weight_factors"],
                is_base=bool(np.isclose(f, 1.0)),
                prob=problem,
                w=w,
            )
    out = pd.DataFrame(rows)
    for col in SENSITIVITY_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    return out[list(SENSITIVITY_COLUMNS)]
