"""The co-location rule between the station and the truck lots, solved jointly.

``[truck_lots] colocation``: ``"allowed"`` (default: each facility's plan on its own),
or ``"forbidden"`` (no lot on the station's site).  With a rule, the two plans are chosen
together to maximise the **sum of the two weighted scores**, exactly:

* forbidden — if the two best plans share no site they are the joint optimum.  Otherwise the
  joint optimum either keeps the best truck plan ``T*`` with the best station off ``T*``, or
  puts the station on a site ``s`` of ``T*`` with the best truck plan avoiding ``s`` (any
  station off ``T*`` can keep ``T*``).  Every option is solved exactly; the winner is a
  mutual best response, so each facility's outputs (ranking, Monte Carlo, sweeps) are those of
  its own model with the other facility's sites excluded, named as such.
``"required"`` (a lot on the station's site) is refused for now: its exact joint plan leaves
each facility's ranking with one admissible plan, which would describe nothing.

Only single-site stations and weighted objectives for both facilities (the sum of two scores
is the joint objective); anything else is refused with the key named.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from siting.criteria import FacilityProblem
from siting.decide.choose import objective_of, solve_facility
from siting.decide.scenario import Scenario
from siting.errors import ScenarioError, SitingError
from siting.layers import Facility

__all__ = ["COLOCATION_RULES", "check_colocation", "colocation_bans"]

COLOCATION_RULES = ("allowed", "forbidden", "required")  # "required": refused for now
WS, TL = Facility.WASTE_STATION, Facility.TRUCK_LOT


def check_colocation(s: Scenario) -> None:
    """Refuse a rule the joint model cannot solve exactly, naming the keys."""
    rule = s.truck.colocation
    if rule == "allowed":
        return
    if set(s.facilities) != {WS, TL}:
        raise ScenarioError(f"truck_lots.colocation = {rule!r} needs both facilities")
    if s.waste.n_sites != 1:
        raise ScenarioError(
            f"truck_lots.colocation = {rule!r} needs waste_station.n_sites = 1 "
            f"(got {s.waste.n_sites})"
        )
    for fac in (WS, TL):
        if objective_of(s, fac) != "weighted":
            key = "waste_station.objective" if fac is WS else "truck_lots.objective"
            raise ScenarioError(
                f"truck_lots.colocation = {rule!r} needs {key} = 'weighted' (the joint plan "
                f"maximises the sum of the two weighted scores; got {objective_of(s, fac)!r})"
            )
    if rule == "required":
        raise ScenarioError(
            "truck_lots.colocation = 'required' is not available yet; use 'allowed' or 'forbidden'"
        )


def _score(
    s: Scenario,
    fac: Facility,
    p: FacilityProblem,
    eligible: np.ndarray,
    weights: Mapping[str, float],
) -> tuple[float, tuple[int, ...]] | None:
    try:
        ch = solve_facility(s, fac, p, eligible, dict(weights))
    except SitingError:
        return None
    assert ch.plan is not None
    return float(ch.extra["objective_value"]), tuple(ch.plan.sites)


def colocation_bans(
    s: Scenario,
    problems: Mapping[Facility, FacilityProblem],
    eligible: Mapping[Facility, np.ndarray],
) -> tuple[dict[Facility, dict[int, str]], list[str]]:
    """Per facility, the candidate columns the joint plan excludes (with the reason)."""
    rule = s.truck.colocation
    if rule == "allowed":
        return {}, []
    w = {fac: s.weight_set(fac).as_dict() for fac in (WS, TL)}
    ids = problems[WS].site_ids.astype(str)
    best_ws = _score(s, WS, problems[WS], eligible[WS], w[WS])
    best_tl = _score(s, TL, problems[TL], eligible[TL], w[TL])
    if best_ws is None or best_tl is None:
        return {}, [f"truck_lots.colocation = {rule!r}: one facility has no plan; not applied"]
    if rule == "forbidden":
        (v_ws, s_ws), (v_tl, t_tl) = best_ws, best_tl
        if not set(s_ws) & set(t_tl):
            options = [(v_ws + v_tl, s_ws, t_tl)]
        else:
            options = []
            off = eligible[WS].copy()
            off[list(t_tl)] = False
            a = _score(s, WS, problems[WS], off, w[WS])
            if a is not None:
                options.append((a[0] + v_tl, a[1], t_tl))
            for site in t_tl:
                if not eligible[WS][site]:
                    continue
                only = np.zeros_like(eligible[WS])
                only[site] = True
                st = _score(s, WS, problems[WS], only, w[WS])
                avoid = eligible[TL].copy()
                avoid[site] = False
                tl = _score(s, TL, problems[TL], avoid, w[TL])
                if st is not None and tl is not None:
                    options.append((st[0] + tl[0], st[1], tl[1]))
        if not options:
            return {}, [
                "truck_lots.colocation = 'forbidden': no pair of plans avoids a shared site"
            ]
        _, s_fin, t_fin = max(options, key=lambda o: (o[0], tuple(-x for x in o[1])))
        bans = {
            WS: dict.fromkeys(t_fin, "hosts a truck lot of the plan (co-location forbidden)"),
            TL: dict.fromkeys(s_fin, "hosts the waste station of the plan (co-location forbidden)"),
        }
        note = (
            f"Co-location forbidden: the station ({', '.join(ids[list(s_fin)])}) and the truck "
            f"lots ({', '.join(ids[list(t_fin)])}) are chosen together for the highest sum of "
            "the two weighted scores, on different sites."
        )
        return bans, [note]
    raise ScenarioError(f"truck_lots.colocation: unknown rule {rule!r}")
