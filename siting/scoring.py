"""Criteria and ranking of candidate sites per facility.

For each facility type every eligible candidate is scored as if it were the
only site (its single-site objective), which gives the ranking; the chosen set
of sites comes from an exact location model over the same costs.

Waste-sorting station
    ``haul_tkm_per_year`` = Σ localities tonnes/yr × loaded haul km (one way,
    locality centre → site); cost = tonne-km × ``cost_ils_per_tkm``.
Truck lots
    ``truck_km_per_day`` = Σ localities trucks × km from home locality to the lot
    (one way), the drivers' daily access distance.

``score`` = 100 × best objective / this site's objective (100 = best site);
excluded sites have no score or rank and carry their exclusion reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting._enumerate import single_site_objectives
from siting.layers import Facility

__all__ = ["FacilityResult", "rank_sites"]


@dataclass(frozen=True)
class FacilityResult:
    """Ranking and chosen sites for one facility type."""

    facility: Facility
    ranking: pd.DataFrame
    chosen: tuple[str, ...]
    assignment: pd.DataFrame
    objective: float
    objective_unit: str
    solver: str
    proven_optimal: bool
    extra: dict[str, float] = field(default_factory=dict)


def _per_site_stats(
    minutes: np.ndarray,
    weights: np.ndarray,
    authority: np.ndarray,
    threshold_min: float,
) -> dict[str, np.ndarray]:
    total = weights.sum()
    within = (minutes <= threshold_min).T @ weights
    # worst authority: the largest weighted-mean travel time of any authority
    worst = np.zeros(minutes.shape[1])
    for aid in np.unique(authority):
        rows = authority == aid
        w = weights[rows]
        if w.sum() <= 0:
            continue
        mean_t = (w @ minutes[rows]) / w.sum()
        worst = np.maximum(worst, mean_t)
    mean_all = (weights @ minutes) / total if total > 0 else np.full(minutes.shape[1], np.nan)
    return {
        "coverage_share": within / total if total > 0 else np.zeros(minutes.shape[1]),
        "worst_authority_minutes": worst,
        "mean_minutes": mean_all,
    }


def rank_sites(
    *,
    facility: Facility,
    candidates: pd.DataFrame,
    minutes: np.ndarray,
    km: np.ndarray,
    weights: np.ndarray,
    authority: np.ndarray,
    threshold_min: float,
    cost_ils_per_tkm: float | None = None,
) -> pd.DataFrame:
    """One row per candidate: criteria, score, rank, exclusion.

    Parameters
    ----------
    facility : Facility
    candidates : DataFrame
        With ``id``, ``facilities`` and ``reason_<facility>`` columns.
    minutes, km : ndarray
        ``(n_localities, n_candidates)`` travel costs.
    weights : ndarray
        Tonnes/yr (waste station) or trucks (truck lots) per locality.
    authority : ndarray
        Authority id per locality (for the equity criterion).
    threshold_min : float
        Coverage threshold in minutes.
    cost_ils_per_tkm : float, optional
        Waste station only: ILS per tonne-km.
    """
    fac = facility.value
    reason = candidates.get(f"reason_{fac}", pd.Series("", index=candidates.index))
    reason = reason.fillna("").astype(str).to_numpy().copy()
    obj = single_site_objectives(km, weights)
    unreachable = ~np.isfinite(obj) & (reason == "")
    reason[unreachable] = "unreachable from some locality"
    eligible = reason == ""
    stats = _per_site_stats(minutes, weights, authority, threshold_min)
    out = pd.DataFrame(
        {
            "site_id": candidates["id"].to_numpy(),
            "facility": fac,
            "excluded": ~eligible,
            "exclusion_reason": reason,
        }
    )
    if facility is Facility.WASTE_STATION:
        out["haul_tkm_per_year"] = obj
        out["haul_cost_ils_per_year"] = obj * float(cost_ils_per_tkm or 0.0)
    else:
        out["truck_km_per_day"] = obj
    out["coverage_share"] = stats["coverage_share"]
    out["mean_minutes"] = stats["mean_minutes"]
    out["worst_authority_minutes"] = stats["worst_authority_minutes"]
    for col in ("area_m2", "authority_id", "nearest_built_up_m"):
        if col in candidates.columns:
            out[col] = candidates[col].to_numpy()
    best = obj[eligible].min() if eligible.any() else np.nan
    score = np.where(eligible, 100.0 * best / np.where(obj > 0, obj, np.nan), np.nan)
    out["score"] = score
    order = pd.Series(np.where(eligible, obj, np.nan)).rank(method="first")
    out["rank"] = order.astype("Int64")
    out = out.sort_values(["rank", "site_id"], na_position="last", kind="stable")
    return out.reset_index(drop=True)
