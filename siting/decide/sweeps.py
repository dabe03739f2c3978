"""One-at-a-time sweeps that re-solve the plan at every step (``sensitivity.csv``).

Each step changes one parameter (the others at their scenario values), re-solves the
facility's plan with the same model and reports the plan it chooses, whether that differs
from the recommended plan, its figures, and the recommended plan's figures under the
step's parameters (what keeping the recommendation would cost).  A parameter whose steps
never change the plan is flagged ``plan_changes = False``; the tornado chart draws it as
such, never as if it could move the answer.

Swept (each with its source in :class:`~siting.params.SensitivityParams`): kg/person/day,
ILS per tonne-km, trailer/compactor cost per vehicle-km, compactor and trailer payloads,
the transfer share (station); trucks to park and m² per space (lots); speed (crow-fly
models), coverage threshold and each criterion weight (both).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from siting.criteria import FacilityProblem
from siting.decide.choose import Choice, solve_facility
from siting.decide.plans import allocate, evaluate_plan
from siting.decide.scenario import Scenario
from siting.decide.sensitivity import SENSITIVITY_COLUMNS, reweight
from siting.errors import InfeasibleError
from siting.layers import Facility
from siting.params import SensitivityParams

__all__ = ["SENSITIVITY_COLUMNS", "plan_sweeps"]

_FIGS = (
    "total_cost_ils_per_year",
    "saving_ils_per_year",
    "mean_driver_km",
    "coverage_share",
    "worst_authority_minutes",
)


def _transfer_rate(
    p: FacilityProblem,
    w: Any,
    *,
    payload_c: float | None = None,
    payload_t: float | None = None,
    ratio: float | None = None,
) -> float:
    pc = w.collection_payload_t if payload_c is None else payload_c
    pt = w.transfer_payload_t if payload_t is None else payload_t
    r = w.transfer_vkm_cost_ratio if ratio is None else ratio
    return p.cost_ils_per_tkm * pc / pt * r


def plan_sweeps(
    s: Scenario,
    fac: Facility,
    problem: FacilityProblem,
    *,
    eligible: np.ndarray,
    base: Choice,
    weights: Mapping[str, float],
    base_speed_kmh: float | None = None,
) -> pd.DataFrame:
    """Sweep each parameter of :class:`SensitivityParams` that applies to ``fac``."""
    sp = s.sensitivity
    src = {f.name: f.metadata.get("source", "") for f in dataclasses.fields(SensitivityParams)}
    w = s.waste
    rows: list[dict[str, Any]] = []
    assert base.plan is not None
    base_sites = tuple(base.plan.sites)
    ids = problem.site_ids.astype(str)

    def add(  # noqa: PLR0917 (one row's fields)
        parameter: str,
        k: int,
        value: float,
        unit: str,
        source: str,
        is_base: bool,
        prob: FacilityProblem,
        wts: Mapping[str, float] | None = None,
    ) -> None:
        wts = dict(weights if wts is None else wts)
        row: dict[str, Any] = {
            "facility": fac.value,
            "parameter": parameter,
            "step": k,
            "value": float(value),
            "unit": unit,
            "source": source,
            "baseline": bool(is_base),
        }
        try:
            ch = solve_facility(s, fac, prob, eligible, wts)
        except InfeasibleError as exc:
            row.update(plan_sites=f"no plan: {exc}", plan_changed=True)
            rows.append(row)
            return
        assert ch.plan is not None
        row["plan_sites"] = "+".join(ids[c] for c in ch.plan.sites)
        row["plan_changed"] = tuple(ch.plan.sites) != base_sites
        row["objective_value"] = float(ch.extra["objective_value"])
        for f in _FIGS:
            row[f] = ch.plan.figures.get(f, np.nan)
        # the recommended plan under this step's parameters
        if ch.cost is not None:
            rec = evaluate_plan(prob, base_sites, allocate(ch.cost, base_sites), model=ch.model)
            if ch.objective == "weighted":
                row["recommended_objective_value"] = rec.score
            row["recommended_total_cost_ils_per_year"] = rec.figures.get(
                "total_cost_ils_per_year", np.nan
            )
            row["recommended_mean_driver_km"] = rec.figures.get("mean_driver_km", np.nan)
        rows.append(row)

    def sweep(  # noqa: PLR0917 (one parameter's sweep)
        parameter: str,
        values: tuple[float, ...],
        base_value: float,
        unit: str,
        source: str,
        make: Callable[[float], FacilityProblem],
    ) -> None:
        for k, v in enumerate(values):
            add(parameter, k, v, unit, source, bool(np.isclose(v, base_value)), make(v))

    rep = dataclasses.replace
    if fac is Facility.WASTE_STATION:
        sweep(
            "kg_per_capita_day",
            sp.kg_factors,
            1.0,
            "× CBS kg/person/day",
            src["kg_factors"],
            lambda f: rep(problem, demand=problem.demand * f),
        )
        sweep(
            "cost_ils_per_tkm",
            tuple(f * w.cost_ils_per_tkm for f in sp.cost_factors),
            w.cost_ils_per_tkm,
            "ILS per t·km",
            src["cost_factors"],
            lambda v: rep(
                problem,
                cost_ils_per_tkm=v,
                transfer_cost_ils_per_tkm=problem.transfer_cost_ils_per_tkm * v / w.cost_ils_per_tkm
                if w.cost_ils_per_tkm
                else 0.0,
            ),
        )
        sweep(
            "transfer_vkm_cost_ratio",
            sp.vkm_cost_ratios,
            w.transfer_vkm_cost_ratio,
            "trailer / compactor cost per vehicle-km",
            src["vkm_cost_ratios"],
            lambda r: rep(problem, transfer_cost_ils_per_tkm=_transfer_rate(problem, w, ratio=r)),
        )
        sweep(
            "collection_payload_t",
            sp.collection_payloads_t,
            w.collection_payload_t,
            "t",
            src["collection_payloads_t"],
            lambda v: rep(
                problem, transfer_cost_ils_per_tkm=_transfer_rate(problem, w, payload_c=v)
            ),
        )
        sweep(
            "transfer_payload_t",
            sp.transfer_payloads_t,
            w.transfer_payload_t,
            "t",
            src["transfer_payloads_t"],
            lambda v: rep(
                problem, transfer_cost_ils_per_tkm=_transfer_rate(problem, w, payload_t=v)
            ),
        )
        sweep(
            "transfer_share",
            sp.transfer_shares,
            w.transfer_share,
            "share",
            src["transfer_shares"],
            lambda v: rep(problem, transfer_share=v),
        )
    else:
        t = s.truck

        def trucks(f: float) -> FacilityProblem:
            load = None if problem.load is None else problem.load * f
            return rep(problem, demand=problem.demand * f, load=load)

        def m2(v: float) -> FacilityProblem:
            area = np.asarray(problem.area_m2, dtype=float)
            cap = np.where(np.isfinite(area), area / v, np.inf)
            if t.lot_capacity_spaces is not None:
                cap = np.minimum(cap, t.lot_capacity_spaces)
            return rep(problem, capacity=cap)

        sweep("trucks", sp.truck_factors, 1.0, "× trucks to park", src["truck_factors"], trucks)
        sweep(
            "m2_per_space",
            sp.m2_per_space_values,
            t.m2_per_space,
            "m² per space",
            src["m2_per_space_values"],
            m2,
        )
    if base_speed_kmh:
        sweep(
            "speed_kmh",
            sp.speeds_kmh,
            base_speed_kmh,
            "km/h",
            src["speeds_kmh"],
            lambda v: rep(problem, minutes=problem.minutes * (base_speed_kmh / v)),
        )
    sweep(
        "coverage_threshold_min",
        sp.thresholds_min,
        problem.threshold_min,
        "min",
        src["thresholds_min"],
        lambda v: rep(problem, threshold_min=v),
    )
    if base.objective == "weighted" and base.model is not None:
        used = dict(zip(base.model.criteria, base.model.weights, strict=True))
        for name in used:
            for k, f in enumerate((*sp.weight_factors[:1], 1.0, *sp.weight_factors[1:])):
                wts = reweight(used, name, f)
                add(
                    f"weight:{name}",
                    k,
                    wts[name],
                    "weight (others rescaled)",
                    src["weight_factors"],
                    bool(np.isclose(f, 1.0)),
                    problem,
                    wts,
                )
    out = pd.DataFrame(rows)
    for col in SENSITIVITY_COLUMNS:
        if col not in out.columns:
            out[col] = np.nan
    if len(out):
        changes = out.groupby("parameter", sort=False)["plan_changed"].transform(
            lambda x: bool(x.fillna(False).astype(bool).any())
        )
        out["plan_changes"] = changes.astype(bool)
    return out[list(SENSITIVITY_COLUMNS)]
