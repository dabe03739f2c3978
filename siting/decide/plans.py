"""Plans: a set of sites for one facility, the allocation of every locality to one of them,
and the plan's figures; the committee's weighted criteria as one linear model over plans.

A **plan** opens ``p`` sites and sends every demand point (locality) to one of them.  Its
score is the committee's weighted sum of criteria normalised on **fixed reference points**
(anchors), never on the candidate set's minimum and maximum, so removing candidates never
changes the winner unless the winner is removed::

    score(plan) = 100 · Σ_k w_k · n_k(plan)          n_k = (x_k − a_k) / (b_k − a_k)

with ``a_k`` the value scoring 0 and ``b_k`` the value scoring 1 (values beyond ``b``
score above 1, below ``a`` under 0: the scale is linear so that the trade-offs it implies
are constant and can be printed).  The anchors (each traceable in the manifest):

=================  =====================================================================
criterion          anchors
=================  =====================================================================
cost (station)     today's cost (0) → a single station at the tonnes' centre of gravity (1)
driver_distance    one lot at the trucks' centre of gravity (0) → every driver parks at
                   home, 0 km (1)
coverage           share of demand within the threshold: 0 → 1
equity             mean over member authorities (each counted once) of the authority's
                   mean minutes: the facility's coverage threshold (0) → 0 min (1)
nuisance (site)    distance from homes: the facility's buffer (0) → ``far_enough_m`` (1),
                   clipped to [0, 1]
area (site)        plot / required area: 1 (0) → ``area_ratio_cap`` (1), clipped
access (site)      distance to the road network: ``access_limit_m`` (0) → 0 m (1), clipped
=================  =====================================================================

Site criteria enter a plan weighted by the share of the demand each site serves.  Every
criterion is a sum over (locality, site) pairs, so the score of a plan is
``const + Σ_i T[i, a(i)]`` for a matrix ``T`` and the best plan is a p-median on ``−T``
(:mod:`siting.decide.optimise`).  ``equity`` is the *mean* over authorities, not the worst
authority, for that reason; the worst authority's minutes are reported with every plan and
the ``p-center`` objective minimises them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siting.criteria import FacilityProblem, authority_means
from siting.layers import Facility

__all__ = [
    "SITE_CRITERIA",
    "Anchor",
    "Plan",
    "PlanModel",
    "allocate",
    "build_model",
    "evaluate_plan",
    "reference_values",
    "site_values",
]

#: Criteria that are a property of a site (entering a plan weighted by the demand served).
SITE_CRITERIA = ("nuisance", "area", "access")


@dataclass(frozen=True)
class Anchor:
    """Where a criterion scores 0 (``zero``) and 1 (``one``), in ``unit``, and why."""

    zero: float
    one: float
    unit: str
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return {"zero": self.zero, "one": self.one, "unit": self.unit, "basis": self.basis}


@dataclass(frozen=True)
class PlanModel:
    """One facility's weighted model: ``score(plan) = 100 · Σ_k w_k (const_k + Σ_i T_k[i, a(i)])``.

    Attributes
    ----------
    facility : Facility
    criteria : tuple of str
        Weighted criteria that have data and separate the sites.
    weights : (k,) array
        Their weights, summing to 1.
    terms : (k, n, m) array
        Per-criterion contribution of locality ``i`` served at site ``j`` (``-inf`` where
        the pair is unreachable).
    const : (k,) array
    anchors : dict criterion → Anchor
    eligible : (m,) bool array
    notes : tuple of str
    """

    facility: Facility
    criteria: tuple[str, ...]
    weights: np.ndarray
    terms: np.ndarray
    const: np.ndarray
    anchors: Mapping[str, Anchor]
    eligible: np.ndarray
    notes: tuple[str, ...] = ()

    def pair_cost(self, weights: np.ndarray | None = None) -> np.ndarray:
        """``(n, m)`` cost to minimise: ``−100 · Σ_k w_k T_k`` (``inf`` = not allowed)."""
        w = self.weights if weights is None else np.asarray(weights, dtype=float)
        if not len(w):
            return np.zeros(self.terms.shape[1:])
        with np.errstate(invalid="ignore"):
            c = -100.0 * np.tensordot(w, self.terms, axes=1)
        c[~np.isfinite(c)] = np.inf
        return c

    def offset(self, weights: np.ndarray | None = None) -> float:
        """``100 · Σ_k w_k const_k``: score = offset − Σ_i pair_cost[i, a(i)]."""
        w = self.weights if weights is None else np.asarray(weights, dtype=float)
        return float(100.0 * w @ self.const) if len(w) else 0.0

    def score(self, assignment: np.ndarray, weights: np.ndarray | None = None) -> float:
        """Score of the allocation ``assignment`` (site column per locality)."""
        c = self.pair_cost(weights)
        rows = np.arange(c.shape[0])
        return self.offset(weights) - float(c[rows, assignment].sum())


@dataclass(frozen=True)
class Plan:
    """A plan for one facility: its sites, each locality's site, and its figures.

    Attributes
    ----------
    facility : Facility
    sites : tuple of int
        Candidate columns opened (sorted).
    assignment : (n,) int array
        Column serving each locality.
    score : float
        The weighted score (see the module docstring); NaN for models without one.
    figures : dict
        The plan's figures (costs, coverage, equity, loads…), see :func:`evaluate_plan`.
    site_figures : list of dict
        Per opened site: load, capacity, nuisance distance, area.
    criteria : dict criterion → normalised value n_k
    """

    facility: Facility
    sites: tuple[int, ...]
    assignment: np.ndarray
    score: float
    figures: dict[str, float] = field(default_factory=dict)
    site_figures: list[dict[str, Any]] = field(default_factory=list)
    criteria: dict[str, float] = field(default_factory=dict)


def _pair_cost_ils(p: FacilityProblem) -> np.ndarray:
    """Station: annual ILS of locality ``i``'s tonnes through site ``j`` (collection haul
    plus its share of the transfer leg to ``i``'s destination); handling is added apart."""
    t = p.demand[:, None]
    with np.errstate(invalid="ignore"):
        collection = t * p.km * p.cost_ils_per_tkm
        if p.transfer_km is not None and p.destination is not None:
            transfer_km = p.transfer_km[:, p.destination].T  # (n, m)
            transfer = p.transfer_share * t * transfer_km * p.transfer_cost_ils_per_tkm
        else:
            transfer = np.zeros_like(collection)
        out = collection + transfer
    out[~np.isfinite(out)] = np.inf
    return out


def _status_quo_ils(p: FacilityProblem) -> float:
    if p.status_quo_km is None:
        return float("nan")
    return float(np.sum(p.demand * p.status_quo_km) * p.cost_ils_per_tkm)


def _per_authority(p: FacilityProblem) -> np.ndarray:
    """Weight of each row in "the mean over authorities of the authority's mean":
    ``d_i / D_A(i) / (number of authorities with demand)``."""
    w = np.zeros(len(p.demand))
    ids = [a for a in np.unique(p.authority) if p.demand[p.authority == a].sum() > 0]
    for a in ids:
        sel = p.authority == a
        w[sel] = p.demand[sel] / p.demand[sel].sum() / len(ids)
    return w


def reference_values(p: FacilityProblem) -> dict[str, float]:
    """The reference plan's figures: one facility at the demand's centre of gravity.

    ``cost_ils`` (station: collection + transfer, ILS/yr) or ``mean_km`` (truck lots: km
    per truck).  They depend on the region and the parameters, never on the candidates.
    """
    if p.reference_km is None:
        return {}
    d = p.demand
    ref = np.asarray(p.reference_km, dtype=float)
    if p.facility is Facility.WASTE_STATION:
        cost = float(d @ ref) * p.cost_ils_per_tkm
        if p.reference_transfer_km is not None and p.destination is not None:
            tr = np.asarray(p.reference_transfer_km, dtype=float)[p.destination]
            cost += p.transfer_share * float(d @ tr) * p.transfer_cost_ils_per_tkm
        return {"cost_ils": cost}
    total = float(d.sum())
    return {"mean_km": float(d @ ref) / total if total > 0 else float("nan")}


def site_values(
    p: FacilityProblem, *, far_enough_m: float, area_ratio_cap: float, access_limit_m: float
) -> dict[str, np.ndarray]:
    """Per-site normalised nuisance, area and access (NaN where the data is missing)."""
    span = max(far_enough_m - p.buffer_m, 1e-9)
    near = np.asarray(p.nearest_built_up_m, dtype=float)
    nuisance = np.clip((near - p.buffer_m) / span, 0.0, 1.0)
    need = float(p.required_area_m2)
    ratio = np.asarray(p.area_m2, dtype=float) / need if need > 0 else np.full(len(near), np.inf)
    area = np.clip((ratio - 1.0) / max(area_ratio_cap - 1.0, 1e-9), 0.0, 1.0)
    access = np.clip(1.0 - np.asarray(p.access_m, dtype=float) / access_limit_m, 0.0, 1.0)
    return {"nuisance": nuisance, "area": area, "access": access}


def build_model(
    p: FacilityProblem,
    weights: Mapping[str, float],
    *,
    far_enough_m: float,
    area_ratio_cap: float,
    access_limit_m: float,
    eligible: np.ndarray,
) -> PlanModel:
    """The weighted plan model of ``p`` under ``weights`` (any non-negative scale).

    The cost anchors come from :func:`reference_values` (a facility at the demand's centre
    of gravity).  A weighted
    criterion with no data on any eligible site is dropped with a note and its weight spread
    over the others; one with the same value on every eligible site is kept (it adds the same
    points to every plan) and noted.
    """
    n, m = p.km.shape
    reference = reference_values(p)
    total = float(p.demand.sum())
    share = p.demand / total if total > 0 else np.zeros(n)
    notes: list[str] = []
    anchors: dict[str, Anchor] = {}
    terms: dict[str, np.ndarray] = {}
    const: dict[str, float] = {}
    unreachable = ~np.isfinite(p.km) | ~np.isfinite(p.minutes)
    fac = p.facility.value
    for name in weights:
        if weights[name] <= 0:
            continue
        if name == "cost":
            today = _status_quo_ils(p)
            ref = float(reference.get("cost_ils", np.nan))
            handling = total * p.station_cost_ils_per_t
            if not (np.isfinite(today) and np.isfinite(ref) and today - (ref + handling) > 0):
                notes.append(
                    f"{fac}: criterion 'cost' has no valid anchors (today's cost "
                    f"{today:,.0f} ILS/yr is not above the centre-of-gravity station's "
                    f"{ref + handling:,.0f}); its weight is spread over the other criteria"
                )
                continue
            span = today - (ref + handling)
            anchors[name] = Anchor(
                today,
                ref + handling,
                "ILS/yr",
                "today's cost → one station at the tonnes' centre of gravity",
            )
            terms[name] = -_pair_cost_ils(p) / span
            const[name] = (today - handling) / span
        elif name == "driver_distance":
            ref = float(reference.get("mean_km", np.nan))
            if not (np.isfinite(ref) and ref > 0 and total > 0):
                notes.append(f"{fac}: criterion 'driver_distance' has no valid anchor; dropped")
                continue
            anchors[name] = Anchor(
                ref,
                0.0,
                "km per truck (mean, one way)",
                "one lot at the trucks' centre of gravity → 0 km",
            )
            terms[name] = -share[:, None] * p.km / ref
            const[name] = 1.0
        elif name == "coverage":
            anchors[name] = Anchor(0.0, 1.0, "share of demand", f"within {p.threshold_min:g} min")
            with np.errstate(invalid="ignore"):
                terms[name] = share[:, None] * (p.minutes <= p.threshold_min)
            const[name] = 0.0
        elif name == "equity":
            limit = float(p.threshold_min)
            anchors[name] = Anchor(
                limit, 0.0, "min (mean over authorities)", "the coverage threshold → 0 min"
            )
            terms[name] = -_per_authority(p)[:, None] * p.minutes / limit
            const[name] = 1.0
        elif name in SITE_CRITERIA:
            vals = site_values(
                p,
                far_enough_m=far_enough_m,
                area_ratio_cap=area_ratio_cap,
                access_limit_m=access_limit_m,
            )[name]
            pool = vals[eligible]
            if not np.isfinite(pool).any():
                notes.append(
                    f"{fac}: criterion '{name}' has no data for any eligible site; its weight "
                    f"{weights[name]:.3g} is spread over the other criteria"
                )
                continue
            finite = pool[np.isfinite(pool)]
            if np.isfinite(pool).all() and np.ptp(finite) <= 1e-12:
                # kept (scores stay comparable across candidate sets and scenarios), but it
                # adds the same points to every plan: say so
                notes.append(
                    f"{fac}: criterion '{name}' is the same ({finite[0]:.2f}) on every eligible "
                    "site: it adds the same points to every plan and cannot change the choice"
                )
            if (~np.isfinite(pool)).any():
                notes.append(
                    f"{fac}: criterion '{name}' is missing for {int((~np.isfinite(pool)).sum())} "
                    "eligible site(s), which score 0 on it"
                )
            vals = np.where(np.isfinite(vals), vals, 0.0)
            anchors[name] = {
                "nuisance": Anchor(
                    p.buffer_m, far_enough_m, "m from homes", "the buffer → far enough"
                ),
                "area": Anchor(1.0, area_ratio_cap, "× required area", "required → cap (T6)"),
                "access": Anchor(access_limit_m, 0.0, "m to the road network", "limit → 0 m"),
            }[name]
            terms[name] = share[:, None] * vals[None, :]
            const[name] = 0.0
        else:
            raise ValueError(f"{fac}: unknown criterion {name!r}")
    names = tuple(k for k in weights if k in terms)
    w = np.array([float(weights[k]) for k in names])
    if w.sum() > 0:
        w = w / w.sum()
    t = np.stack([terms[k] for k in names]) if names else np.zeros((0, n, m))
    if names:
        t = np.where(unreachable[None, :, :], -np.inf, t)
    return PlanModel(
        facility=p.facility,
        criteria=names,
        weights=w,
        terms=t,
        const=np.array([const[k] for k in names]),
        anchors=anchors,
        eligible=np.asarray(eligible, dtype=bool),
        notes=tuple(notes),
    )


def allocate(cost: np.ndarray, sites: Sequence[int]) -> np.ndarray:
    """Each row's cheapest site among ``sites`` (first on ties)."""
    cols = np.asarray(sorted(sites), dtype=int)
    return cols[np.argmin(cost[:, cols], axis=1)]


def evaluate_plan(
    p: FacilityProblem,
    sites: Sequence[int],
    assignment: np.ndarray,
    *,
    model: PlanModel | None = None,
    capacity: np.ndarray | None = None,
    load: np.ndarray | None = None,
) -> Plan:
    """Every figure of the plan that opens ``sites`` with ``assignment``.

    Station: ``collection_tkm_per_year``, ``collection_cost_ils_per_year``,
    ``transfer_tkm_per_year``, ``transfer_cost_ils_per_year``,
    ``handling_cost_ils_per_year``, ``total_cost_ils_per_year``,
    ``status_quo_cost_ils_per_year``, ``saving_ils_per_year`` and
    ``break_even_handling_ils_per_t`` (the handling cost per tonne at which the plan costs
    as much as today).  Truck lots: ``truck_km_per_day``, ``mean_driver_km``.  Both:
    ``coverage_share``, ``mean_minutes``, ``worst_authority_minutes``,
    ``mean_authority_minutes`` and, per site, its load (and capacity when given).
    """
    n = len(p.demand)
    rows = np.arange(n)
    a = np.asarray(assignment, dtype=int)
    km = p.km[rows, a]
    minutes = p.minutes[rows, a]
    d = p.demand
    total = float(d.sum())
    fig: dict[str, float] = {}
    if p.facility is Facility.WASTE_STATION:
        tkm = float(d @ km)
        fig["collection_tkm_per_year"] = tkm
        fig["collection_cost_ils_per_year"] = tkm * p.cost_ils_per_tkm
        if p.transfer_km is not None and p.destination is not None:
            tr_km = p.transfer_km[a, p.destination]
            tr_tkm = float(p.transfer_share * d @ tr_km)
        else:
            tr_tkm = 0.0
        fig["transfer_tkm_per_year"] = tr_tkm
        fig["transfer_cost_ils_per_year"] = tr_tkm * p.transfer_cost_ils_per_tkm
        fig["handling_cost_ils_per_year"] = total * p.station_cost_ils_per_t
        fig["total_cost_ils_per_year"] = (
            fig["collection_cost_ils_per_year"]
            + fig["transfer_cost_ils_per_year"]
            + fig["handling_cost_ils_per_year"]
        )
        today = _status_quo_ils(p)
        fig["status_quo_cost_ils_per_year"] = today
        fig["saving_ils_per_year"] = today - fig["total_cost_ils_per_year"]
        haul = fig["collection_cost_ils_per_year"] + fig["transfer_cost_ils_per_year"]
        fig["break_even_handling_ils_per_t"] = (today - haul) / total if total > 0 else np.nan
        fig["tonnes_per_year"] = total
    else:
        fig["truck_km_per_day"] = float(d @ km)
        fig["mean_driver_km"] = float(d @ km / total) if total > 0 else np.nan
        fig["trucks"] = total
    with np.errstate(invalid="ignore"):
        fig["coverage_share"] = float(d[minutes <= p.threshold_min].sum() / total) if total else 0.0
        fig["mean_minutes"] = float(d @ minutes / total) if total else np.nan
    by_auth = authority_means(minutes[:, None], d, p.authority).ravel()
    fig["worst_authority_minutes"] = float(by_auth.max()) if len(by_auth) else np.nan
    fig["mean_authority_minutes"] = float(by_auth.mean()) if len(by_auth) else np.nan
    if p.facility is Facility.TRUCK_LOT:
        by_auth_km = authority_means(km[:, None], d, p.authority).ravel()
        fig["worst_authority_driver_km"] = float(by_auth_km.max()) if len(by_auth_km) else np.nan
    site_rows = []
    for j in sorted(int(s) for s in sites):
        sel = a == j
        row: dict[str, Any] = {
            "column": j,
            "site_id": str(p.site_ids[j]),
            "load": float(d[sel].sum()),
            "localities": int(sel.sum()),
            "nearest_built_up_m": float(p.nearest_built_up_m[j]),
            "area_m2": float(p.area_m2[j]),
        }
        if load is not None:
            row["load_capacity_units"] = float(np.asarray(load)[sel].sum())
        if capacity is not None:
            row["capacity"] = float(capacity[j])
        site_rows.append(row)
    crit: dict[str, float] = {}
    score = float("nan")
    if model is not None and len(model.criteria):
        for k, name in enumerate(model.criteria):
            crit[name] = float(model.const[k] + model.terms[k, rows, a].sum())
        score = 100.0 * float(model.weights @ np.array([crit[c] for c in model.criteria]))
    return Plan(
        facility=p.facility,
        sites=tuple(sorted(int(s) for s in sites)),
        assignment=a,
        score=score,
        figures=fig,
        site_figures=site_rows,
        criteria=crit,
    )
