"""Raw criteria per candidate site and facility, from travel costs and demand.

Every candidate is evaluated as if it were the only site of its type (its
single-site value), which is what a committee compares.  NumPy arrays in, one
DataFrame row per candidate out; no GeoDataFrames (those live in
:mod:`siting.decide.scenario`).

Waste-sorting station at site *j* (``t_i`` = tonnes/yr of locality *i*,
``d_ij`` = loaded haul km, ``D(i)`` = the status-quo destination of *i*'s
authority, ``c`` = ``cost_ils_per_tkm``)::

    haul_tkm_per_year          = Σ_i t_i · d_ij                       (collection leg, one way)
    haul_cost_ils_per_year     = haul_tkm_per_year · c
    transfer_tkm_per_year      = s · Σ_i t_i · d(j → D(i))           (s = transfer_share)
    transfer_cost_ils_per_year = transfer_tkm_per_year · c · P_c / P_t · r
    station_cost_ils_per_year  = Σ_i t_i · station_cost_ils_per_t
    total_cost_ils_per_year    = haul + transfer + station cost
    status_quo_cost_ils_per_year = Σ_i t_i · d(i → D(i)) · c          (compactors haul direct)
    saving_ils_per_year        = status quo − total

``c`` is a cost per *loaded* tonne-km of a compactor with payload ``P_c`` (the
empty return included in the rate).  A trailer (payload ``P_t``) whose cost
per vehicle-km is ``r`` times a compactor's (``r = 1`` in the EPA example, V3)
costs ``c · P_c / P_t · r`` per loaded tonne-km: with the defaults 10 t and
20 t, half as much.  That payload difference is what makes a transfer station
pay (V3, V6).

Both facilities also get ``coverage_share`` (share of demand whose travel time
to the site is ≤ the threshold), ``mean_minutes``, ``worst_authority_minutes``
(the largest demand-weighted mean time of any member authority: equity),
``nearest_built_up_m`` (nuisance), ``area_ratio`` (plot / required area) and
``access_road_m`` (distance to the road network; NaN unless the cost model
reports snap distances).  Truck lots get ``truck_km_per_day`` (Σ trucks × km
from home locality, one way), ``mean_driver_km`` and
``worst_authority_driver_km`` instead of the haul columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.layers import Facility

__all__ = [
    "CRITERIA",
    "Criterion",
    "FacilityProblem",
    "authority_means",
    "criteria_table",
]


@dataclass(frozen=True)
class Criterion:
    """A soft criterion: which raw column it reads and whether more is better.

    Attributes
    ----------
    name : str
        Short name (``contrib_<name>`` in ranking.csv).
    column : str
        Raw value column of :func:`criteria_table`.
    benefit : bool
        True if larger values are better.
    description : str
        One line for legends and reports.
    """

    name: str
    column: str
    benefit: bool
    description: str


_SHARED = (
    Criterion("coverage", "coverage_share", True, "share of demand within the coverage threshold"),
    Criterion("nuisance", "nearest_built_up_m", True, "distance to the nearest built-up area"),
    Criterion("area", "area_ratio", True, "plot area / required area"),
    Criterion("access", "access_road_m", False, "distance from the site to the road network"),
)

#: The soft criteria per facility, in ranking-column order.
CRITERIA: dict[Facility, tuple[Criterion, ...]] = {
    Facility.WASTE_STATION: (
        Criterion(
            "cost",
            "total_cost_ils_per_year",
            False,
            "haul + transfer (+ station) cost, ILS/yr",
        ),
        _SHARED[0],
        Criterion(
            "equity",
            "worst_authority_minutes",
            False,
            "worst member authority's mean haul minutes",
        ),
        *_SHARED[1:],
    ),
    Facility.TRUCK_LOT: (
        Criterion("driver_distance", "mean_driver_km", False, "mean km from home to the lot"),
        _SHARED[0],
        Criterion(
            "equity",
            "worst_authority_driver_km",
            False,
            "worst member authority's mean driver km",
        ),
        *_SHARED[1:],
    ),
}


@dataclass(frozen=True)
class FacilityProblem:
    """Everything needed to evaluate every candidate for one facility type.

    Arrays are indexed by locality (rows, ``n``) and candidate (columns, ``m``).

    Attributes
    ----------
    facility : Facility
    site_ids : (m,) array
    km, minutes : (n, m) arrays
        Travel costs from each demand point to each candidate (``inf`` = unreachable).
    demand : (n,) array
        Tonnes/yr (waste station) or trucks (truck lot) per locality.
    authority : (n,) array
        Authority id of each locality.
    locality_names : (n,) array
        For exclusion reasons.
    threshold_min : float
        Coverage threshold.
    reasons : (m,) array of str
        Hard-constraint exclusion reasons from the site search ("" = eligible).
    area_m2 : (m,) array
    required_area_m2 : float
    nearest_built_up_m : (m,) array
    access_m : (m,) array
        Distance to the road network, NaN when unknown.
    cost_ils_per_tkm, transfer_cost_ils_per_tkm, station_cost_ils_per_t, transfer_share
        Waste station only (see module docstring).
    destination : (n,) int array, optional
        Index of each locality's status-quo destination (columns of ``transfer_km``).
    transfer_km : (m, k) array, optional
        km from each candidate to each status-quo destination.
    status_quo_km : (n,) array, optional
        km from each locality to its status-quo destination.
    buffer_m : float
        The facility's buffer from homes (the nuisance criterion's zero anchor).
    reference_km : (n,) array, optional
        km from each locality to the demand's centre of gravity (the reference plan).
    reference_transfer_km : (k,) array, optional
        km from the centre of gravity to each status-quo destination.
    load, capacity : (n,) and (m,) arrays, optional
        Each row's load and each site's capacity in one unit (truck spaces); a plan never
        loads a site beyond its capacity.
    """

    facility: Facility
    site_ids: np.ndarray
    km: np.ndarray
    minutes: np.ndarray
    demand: np.ndarray
    authority: np.ndarray
    locality_names: np.ndarray
    threshold_min: float
    reasons: np.ndarray
    area_m2: np.ndarray
    required_area_m2: float
    nearest_built_up_m: np.ndarray
    access_m: np.ndarray
    cost_ils_per_tkm: float = float("nan")
    transfer_cost_ils_per_tkm: float = float("nan")
    station_cost_ils_per_t: float = 0.0
    transfer_share: float = 1.0
    destination: np.ndarray | None = None
    transfer_km: np.ndarray | None = None
    status_quo_km: np.ndarray | None = None
    extra: dict[str, float] = field(default_factory=dict)
    buffer_m: float = 0.0
    reference_km: np.ndarray | None = None
    reference_transfer_km: np.ndarray | None = None
    load: np.ndarray | None = None
    capacity: np.ndarray | None = None


def _weighted_sum(weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``weights @ values`` column-wise, ``inf`` where a positive weight meets ``inf``."""
    finite = np.isfinite(values)
    out = weights @ np.where(finite, values, 0.0)
    hit = ((~finite) & (weights[:, None] > 0)).any(axis=0)
    return np.where(hit, np.inf, out)


def authority_means(values: np.ndarray, weights: np.ndarray, authority: np.ndarray) -> np.ndarray:
    """Demand-weighted mean of ``values`` per authority: ``(n_authorities, m)``, sorted by id.

    Authorities with zero total weight are left out.

    Examples
    --------
    >>> v = np.array([[10.0], [20.0], [40.0]])
    >>> authority_means(v, np.array([1.0, 3.0, 2.0]), np.array([7, 7, 9])).ravel().tolist()
    [17.5, 40.0]
    """
    rows = []
    for aid in np.unique(authority):
        sel = authority == aid
        w = weights[sel]
        if w.sum() <= 0:
            continue
        rows.append(_weighted_sum(w, values[sel]) / w.sum())
    if not rows:
        return np.full((0, values.shape[1]), np.nan)
    return np.vstack(rows)


def _unreachable(p: FacilityProblem) -> np.ndarray:
    """Reason per candidate naming the first demand point that cannot reach it ("" if none)."""
    bad = ~np.isfinite(p.km) & (p.demand[:, None] > 0)
    out = np.full(p.km.shape[1], "", dtype=object)
    for j in np.flatnonzero(bad.any(axis=0)):
        i = int(np.flatnonzero(bad[:, j])[0])
        n = int(bad[:, j].sum())
        more = f" and {n - 1} more" if n > 1 else ""
        out[j] = f"unreachable from {p.locality_names[i]}{more}"
    return out


def criteria_table(p: FacilityProblem, *, unreachable_excludes: bool = True) -> pd.DataFrame:
    """Raw criteria and exclusion reasons for every candidate of ``p``.

    A candidate that some demand point cannot reach is excluded (the reason names it) when
    ``unreachable_excludes`` — right for single-site plans, which must serve everyone;
    with several sites per plan it stays eligible and the others serve that point
    (``unreachable_from`` names them either way).

    Returns
    -------
    DataFrame
        One row per candidate in input order: ``site_id``, ``facility``, ``excluded``,
        ``exclusion_reason`` (hard constraints, then unreachability, ``"; "``-joined) and the
        raw criteria listed in the module docstring.
    """
    m = p.km.shape[1]
    reasons = np.asarray(p.reasons, dtype=object).copy()
    unreach_text = _unreachable(p)
    unreach = unreach_text if unreachable_excludes else np.full(m, "", dtype=object)
    both = (reasons != "") & (unreach != "")
    reasons = np.where(both, reasons + "; " + unreach, np.where(reasons == "", unreach, reasons))
    total = float(p.demand.sum())
    covered = np.isfinite(p.minutes) & (p.minutes <= p.threshold_min)
    out = pd.DataFrame(
        {
            "site_id": p.site_ids,
            "facility": p.facility.value,
            "excluded": reasons != "",
            "exclusion_reason": reasons.astype(str),
            "unreachable_from": unreach_text.astype(str),
        }
    )
    obj = _weighted_sum(p.demand, p.km)
    if p.facility is Facility.WASTE_STATION:
        out["haul_tkm_per_year"] = obj
        out["haul_cost_ils_per_year"] = obj * p.cost_ils_per_tkm
        if p.transfer_km is not None and p.destination is not None:
            k = p.transfer_km.shape[1]
            per_dest = np.bincount(p.destination, weights=p.demand, minlength=k)
            transfer = p.transfer_share * _weighted_sum(per_dest, p.transfer_km.T)
        else:
            transfer = np.zeros(m)
        out["transfer_tkm_per_year"] = transfer
        out["transfer_cost_ils_per_year"] = transfer * p.transfer_cost_ils_per_tkm
        station = total * p.station_cost_ils_per_t
        out["total_cost_ils_per_year"] = (
            out["haul_cost_ils_per_year"] + out["transfer_cost_ils_per_year"] + station
        )
        if p.status_quo_km is not None:
            sq = float(_weighted_sum(p.demand, p.status_quo_km[:, None])[0]) * p.cost_ils_per_tkm
        else:
            sq = float("nan")
        out["status_quo_cost_ils_per_year"] = sq
        with np.errstate(invalid="ignore"):
            out["saving_ils_per_year"] = sq - out["total_cost_ils_per_year"]
    else:
        out["truck_km_per_day"] = obj
        out["mean_driver_km"] = obj / total if total > 0 else np.nan
        by_auth = authority_means(p.km, p.demand, p.authority)
        out["worst_authority_driver_km"] = by_auth.max(axis=0) if len(by_auth) else np.nan
    out["coverage_share"] = (covered.T @ p.demand) / total if total > 0 else 0.0
    out["mean_minutes"] = _weighted_sum(p.demand, p.minutes) / total if total > 0 else np.nan
    by_auth_min = authority_means(p.minutes, p.demand, p.authority)
    out["worst_authority_minutes"] = by_auth_min.max(axis=0) if len(by_auth_min) else np.nan
    out["nearest_built_up_m"] = np.asarray(p.nearest_built_up_m, dtype=float)
    out["access_road_m"] = np.asarray(p.access_m, dtype=float)
    out["area_m2"] = np.asarray(p.area_m2, dtype=float)
    out["required_area_m2"] = float(p.required_area_m2)
    need = float(p.required_area_m2)
    out["area_ratio"] = out["area_m2"] / need if need > 0 else np.inf
    return out
