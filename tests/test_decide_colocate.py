"""The co-location rule: with 'forbidden' the two plans are chosen together, on different
sites, for the highest sum of the two weighted scores (checked by brute force)."""

from __future__ import annotations

import dataclasses
import itertools

import geopandas as gpd
import pytest

from siting.decide import default_scenario, run
from siting.errors import ScenarioError
from siting.layers import Facility
from siting.params import SensitivityParams, TruckParams, WasteParams

WS, TL = Facility.WASTE_STATION, Facility.TRUCK_LOT


@pytest.fixture(scope="module")
def three_plots():
    """Three real cells (the station's ranks 1, 41 and 121), offered to both facilities:
    both facilities' best single site is the same cell."""
    base = default_scenario(
        sensitivity=SensitivityParams(enabled=False), truck=TruckParams(n_lots=1)
    )
    r0 = run(base)
    rk = r0.results[WS].ranking.sort_values("rank")
    ids = list(rk["site_id"].iloc[[0, 40, 120]])
    cand = r0.candidates[r0.candidates["id"].isin(ids)]
    plots = gpd.GeoDataFrame(
        {
            "id": cand["id"].astype(str).to_numpy(),
            "name": cand["id"].astype(str).to_numpy(),
            "area_m2": cand["area_m2"].to_numpy(),
            "facilities": "waste_station;truck_lot",
        },
        geometry=cand.geometry.centroid.to_numpy(),
        crs=cand.crs,
    )
    return dataclasses.replace(base, candidates=plots)


def test_forbidden_chooses_the_best_pair_on_different_sites(three_plots):
    free = run(three_plots)
    assert free.results[WS].chosen == free.results[TL].chosen  # the conflict
    ws = free.results[WS].ranking.set_index("site_id")["score"].dropna()
    tl = free.results[TL].ranking.set_index("site_id")["score"].dropna()
    best = max((ws[a] + tl[b], a, b) for a, b in itertools.product(ws.index, tl.index) if a != b)
    rule = dataclasses.replace(three_plots.truck, colocation="forbidden")
    joint = run(dataclasses.replace(three_plots, truck=rule))
    (a,), (b,) = joint.results[WS].chosen, joint.results[TL].chosen
    assert a != b
    assert (a, b) == (best[1], best[2])
    total = joint.results[WS].objective + joint.results[TL].objective
    assert total == pytest.approx(best[0])
    assert any(n.startswith("Co-location forbidden") for n in joint.notes)
    # each facility's outputs describe its plan: the other's site excluded, named
    tlr = joint.results[TL].ranking.set_index("site_id")
    assert tlr.loc[a, "excluded"]
    assert "co-location forbidden" in tlr.loc[a, "exclusion_reason"]
    assert int(tlr.loc[b, "rank"]) == 1
    assert int(joint.results[WS].ranking.set_index("site_id").loc[a, "rank"]) == 1


def test_rules_the_joint_model_cannot_solve_are_refused():
    s = default_scenario(truck=TruckParams(colocation="required"))
    with pytest.raises(ScenarioError, match="'required' is not available"):
        run(s)
    s = default_scenario(truck=TruckParams(colocation="forbidden"), waste=WasteParams(n_sites=2))
    with pytest.raises(ScenarioError, match="n_sites = 1"):
        run(s)
    s = default_scenario(
        truck=TruckParams(colocation="forbidden"), waste=WasteParams(objective="cost")
    )
    with pytest.raises(ScenarioError, match=r"waste_station\.objective = 'weighted'"):
        run(s)
    with pytest.raises(ValueError, match="colocation"):
        TruckParams(colocation="sometimes")
