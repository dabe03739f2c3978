"""Scoring: normalise the soft criteria, weight them, rank the eligible sites.

Weighted linear combination (DCLG manual §4.7, M6; DOMAIN 6): for each
criterion *k* with weight ``w_k`` (weights sum to 1 over the criteria that have
data), the raw value of every *eligible* site is min–max normalised to [0, 1]::

    benefit criterion:  n = (x − min) / (max − min)
    cost criterion:     n = (max − x) / (max − min)
    (all eligible sites equal: n = 1 — the criterion does not separate them)

after two caps that stop a criterion rewarding more than it should:
``nuisance`` counts distance from homes only up to
``ScoringParams.nuisance_saturation_m`` and ``area`` counts plot / required
area only up to ``ScoringParams.area_ratio_cap`` (T6).  A site missing a value
that other sites have (NaN, ``inf``) gets n = 0.  A criterion no site has a
value for (e.g. ``access`` under the crow-fly model, which has no road layer) is
*absent*: its weight is redistributed over the others and a note says so.

``contrib_<k> = 100 · w_k · n_k`` and ``score = Σ_k contrib_k`` (0–100); rank 1
is the highest score, ties broken by the candidates' order.  Excluded sites
have no score, contributions or rank, and carry their exclusion reason.

ranking.csv (one row per candidate and facility, :data:`RANKING_COLUMNS` first)
    ``rank``, ``score``, ``contrib_<criterion>``: as above (criteria in
    :data:`siting.criteria.CRITERIA`: waste ``cost, coverage, equity, nuisance,
    area, access``; truck lots ``driver_distance, coverage, equity, nuisance,
    area, access``; only weighted criteria with data get a column).
    ``excluded``, ``exclusion_reason``: hard constraints (not offered, buffer
    from homes, too small, exclusion layer, unreachable).  ``chosen``: in the
    chosen set.  ``p_first``, ``rank_p05``, ``rank_p95``: weight Monte Carlo
    (:mod:`siting.decide.sensitivity`; ``p_first`` is 0 for excluded sites).
    Haul and saving columns (:mod:`siting.criteria`) are filled for the waste
    station and NaN for truck lots, whose equivalents are ``truck_km_per_day``,
    ``mean_driver_km`` and ``worst_authority_driver_km`` (NaN for the station).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from siting.criteria import CRITERIA, Criterion
from siting.layers import Facility
from siting.params import ScoringParams
from siting.weights import rescale

__all__ = [
    "RANKING_COLUMNS",
    "FacilityResult",
    "Scores",
    "normalise",
    "order_ranking",
    "rank_by_score",
    "score_sites",
]

#: Leading columns of ranking.csv, in order (``contrib_<criterion>`` columns follow).
RANKING_COLUMNS = (
    "site_id",
    "facility",
    "rank",
    "score",
    "excluded",
    "exclusion_reason",
    "chosen",
    "p_first",
    "rank_p05",
    "rank_p95",
    "haul_tkm_per_year",
    "haul_cost_ils_per_year",
    "transfer_tkm_per_year",
    "transfer_cost_ils_per_year",
    "total_cost_ils_per_year",
    "status_quo_cost_ils_per_year",
    "saving_ils_per_year",
    "truck_km_per_day",
    "mean_driver_km",
    "worst_authority_driver_km",
    "coverage_share",
    "mean_minutes",
    "worst_authority_minutes",
    "nearest_built_up_m",
    "nearest_locality_id",
    "access_road_m",
    "area_m2",
    "required_area_m2",
    "area_ratio",
    "authority_id",
)


@dataclass(frozen=True)
class FacilityResult:
    """Ranking and chosen sites for one facility type.

    Attributes
    ----------
    facility : Facility
    ranking : DataFrame
        One row per candidate (see :data:`RANKING_COLUMNS`).
    chosen : tuple of str
        Site ids chosen.
    assignment : DataFrame
        Each locality's site (``locality_id``, ``site_id``, ``km``, ``minutes``, ``weight``).
    objective : float
        The chosen set's objective in ``objective_unit``.
    solver : str
        How the chosen set was found.
    proven_optimal : bool
        True when the chosen set is provably optimal for the stated rule.
    weights : dict
        The criterion weights actually used (sum 1).
    extra : dict
        Totals for the manifest (costs, savings, weights, AHP consistency …).
    """

    facility: Facility
    ranking: pd.DataFrame
    chosen: tuple[str, ...]
    assignment: pd.DataFrame
    objective: float
    objective_unit: str
    solver: str
    proven_optimal: bool
    weights: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scores:
    """Scored candidates of one facility.

    Attributes
    ----------
    table : DataFrame
        The criteria table plus ``score``, ``rank`` and ``contrib_<criterion>`` columns.
    criteria : tuple of str
        Criteria used (weight > 0 and data present), in :data:`siting.criteria.CRITERIA` order.
    weights : ndarray
        Their weights, summing to 1.
    norm : ndarray
        ``(m, k)`` normalised values (NaN on excluded rows).
    notes : tuple of str
        Absent criteria and other caveats.
    """

    table: pd.DataFrame
    criteria: tuple[str, ...]
    weights: np.ndarray
    norm: np.ndarray
    notes: tuple[str, ...] = ()


def normalise(values: np.ndarray, eligible: np.ndarray, *, benefit: bool) -> np.ndarray:
    """Min–max normalise ``values`` over the ``eligible`` rows (NaN elsewhere).

    Non-finite values on eligible rows score 0; when every eligible value is equal,
    all score 1.

    Examples
    --------
    >>> normalise(np.array([10.0, 20.0, 30.0, 5.0]), np.array([1, 1, 1, 0], bool), benefit=False)
    array([1. , 0.5, 0. , nan])
    """
    x = np.asarray(values, dtype=float)
    out = np.full(x.shape, np.nan)
    ok = eligible & np.isfinite(x)
    if not ok.any():
        return out
    lo, hi = float(x[ok].min()), float(x[ok].max())
    span = hi - lo
    if span <= 1e-12 * max(1.0, abs(hi)):
        n = np.ones(x.shape)
    else:
        n = (x - lo) / span if benefit else (hi - x) / span
    out[eligible] = np.where(ok[eligible], n[eligible], 0.0)
    return out


def rank_by_score(score: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Ranks 1…k of the eligible rows by descending score (ties: input order); 0 elsewhere.

    Examples
    --------
    >>> rank_by_score(np.array([50.0, 80.0, np.nan, 80.0]), np.array([1, 1, 0, 1], bool))
    array([3, 1, 0, 2])
    """
    idx = np.flatnonzero(eligible)
    order = idx[np.argsort(-score[idx], kind="stable")]
    rank = np.zeros(len(score), dtype=int)
    rank[order] = np.arange(1, len(order) + 1)
    return rank


def _criterion_values(table: pd.DataFrame, c: Criterion, params: ScoringParams) -> np.ndarray:
    x = table[c.column].to_numpy(dtype=float)
    if c.name == "nuisance":
        return np.minimum(x, params.nuisance_saturation_m)
    if c.name == "area":
        return np.minimum(x, params.area_ratio_cap)
    return x


def score_sites(
    table: pd.DataFrame,
    facility: Facility,
    weights: Mapping[str, float],
    params: ScoringParams | None = None,
) -> Scores:
    """Normalise, weight and rank the candidates in a :func:`~siting.criteria.criteria_table`.

    Parameters
    ----------
    table : DataFrame
        Raw criteria with ``excluded``.
    facility : Facility
        Selects the criteria (:data:`siting.criteria.CRITERIA`).
    weights : mapping criterion → weight
        Any non-negative scale; criteria not named get weight 0.
    params : ScoringParams, optional
        Caps for ``nuisance`` and ``area``.

    Returns
    -------
    Scores
    """
    p = params or ScoringParams()
    crit = CRITERIA[facility]
    valid = {c.name for c in crit}
    unknown = sorted(set(weights) - valid)
    if unknown:
        raise ValueError(
            f"{facility.value}: unknown criteria {unknown}; valid: {', '.join(sorted(valid))}"
        )
    eligible = ~table["excluded"].to_numpy(dtype=bool)
    notes: list[str] = []
    present: list[str] = []
    norms: dict[str, np.ndarray] = {}
    for c in crit:
        if weights.get(c.name, 0.0) <= 0:
            continue
        x = _criterion_values(table, c, p)
        pool = eligible if eligible.any() else np.ones(len(x), dtype=bool)
        if not np.isfinite(x[pool]).any():
            notes.append(
                f"{facility.value}: criterion '{c.name}' ({c.description}) has no data for any "
                f"site; its weight {weights[c.name]:.3g} is spread over the other criteria"
            )
            continue
        missing = eligible & ~np.isfinite(x)
        if missing.any():
            notes.append(
                f"{facility.value}: criterion '{c.name}' is missing for {int(missing.sum())} "
                "eligible site(s), which score 0 on it"
            )
        present.append(c.name)
        norms[c.name] = normalise(x, eligible, benefit=c.benefit)
    used = rescale(weights, present)
    names = tuple(c.name for c in crit if c.name in used)
    w = np.array([used[n] for n in names])
    m = len(table)
    norm = np.column_stack([norms[n] for n in names]) if names else np.zeros((m, 0))
    out = table.copy()
    contrib = 100.0 * norm * w[None, :] if names else np.zeros((m, 0))
    score = contrib.sum(axis=1) if names else np.zeros(m)
    score = np.where(eligible, score, np.nan)
    rank = rank_by_score(score, eligible)
    out["score"] = score
    out["rank"] = pd.array(np.where(rank > 0, rank, 0), dtype="Int64")
    out.loc[~eligible, "rank"] = pd.NA
    for k, n in enumerate(names):
        out[f"contrib_{n}"] = contrib[:, k]
    return Scores(table=out, criteria=names, weights=w, norm=norm, notes=tuple(notes))


def order_ranking(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate facility rankings with a fixed column order and row order.

    Rows: per facility in the given order, eligible sites by rank, then excluded sites by
    ``site_id``.  Columns: :data:`RANKING_COLUMNS` (those present), then ``contrib_*`` in
    first-seen order, then anything else.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(RANKING_COLUMNS))
    rows = []
    for f in frames:
        key = f.assign(_x=f["rank"].isna(), _r=f["rank"].fillna(0).astype(int))
        key = key.sort_values(["_x", "_r", "site_id"], kind="stable")
        rows.append(key.drop(columns=["_x", "_r"]))
    seen: list[str] = []
    for f in rows:
        seen.extend(c for c in f.columns if c not in seen)
    lead = [c for c in RANKING_COLUMNS if c in seen]
    contrib = [c for c in seen if c.startswith("contrib_")]
    rest = [c for c in seen if c not in lead and c not in contrib]
    out = pd.concat(rows, ignore_index=True)
    return out[lead + contrib + rest]
