"""Runs end to end: savings by hand on a tiny region, membership, weights, determinism."""

from __future__ import annotations

import dataclasses
import io

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from siting.costs import CrowFlyModel
from siting.decide import Scenario, default_scenario, run
from siting.layers import Facility, Region, validate_candidates
from siting.params import CrowFlyParams, SensitivityParams, TruckParams, WasteParams
from siting.weights import WeightSet

# Two authorities, one locality each (ITM metres); Afula-like destination 30 km north of A.
A_XY, B_XY, DEST_XY = (200_000, 700_000), (210_000, 700_000), (200_000, 730_000)
SITES = {
    "S1": ((205_000, 700_000), 30_000),  # between the towns: dominates S2
    "S2": ((200_000, 710_000), 30_000),
    "S3": ((200_300, 700_000), 30_000),  # inside A's built-up area
    "S4": ((205_000, 705_000), 5_000),  # too small for a station (2 ha)
}


def _region() -> Region:
    auth = gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "name_he": ["א", "ב"],
            "name_en": ["A", "B"],
            "population": [10_000.0, 5_000.0],
            "msw_kg_per_capita_day": [2.0, 1.0],
            "member": [True, True],
        },
        geometry=[Point(A_XY), Point(B_XY)],
        crs=2039,
    )
    loc = gpd.GeoDataFrame(
        {"id": [10, 20], "name": ["A-town", "B-town"], "authority_id": [1, 2],
         "population": [10_000.0, 5_000.0]},
        geometry=[Point(A_XY), Point(B_XY)],
        crs=2039,
    )  # fmt: skip
    return Region(name="tiny", authorities=auth, localities=loc).validated()


def _plots() -> gpd.GeoDataFrame:
    return validate_candidates(
        gpd.GeoDataFrame(
            {
                "id": list(SITES),
                "name": list(SITES),
                "area_m2": [a for _, a in SITES.values()],
                "facilities": "waste_station",
            },
            geometry=[Point(xy) for xy, _ in SITES.values()],
            crs=2039,
        )
    )


def _tiny(**waste) -> Scenario:
    params = {
        "cost_ils_per_tkm": 2.0,
        "status_quo_x_itm": DEST_XY[0],
        "status_quo_y_itm": DEST_XY[1],
        "coverage_threshold_min": 12.0,
        "station_cost_ils_per_t": 5.0,
        **waste,
    }
    return Scenario(
        name="tiny",
        region=_region(),
        cost_model=CrowFlyModel(CrowFlyParams(circuity=1.0, speed_kmh=60.0)),  # 1 km = 1 min
        waste=WasteParams(**params),
        candidates=_plots(),
        facilities=(Facility.WASTE_STATION,),
    )


def _km(a, b) -> float:
    return float(np.hypot(a[0] - b[0], a[1] - b[1]) / 1000)


def test_savings_by_hand_on_two_authorities():
    res = run(_tiny())
    rk = res.ranking.set_index("site_id")
    t_a, t_b = 10_000 * 2.0 / 1000 * 365, 5_000 * 1.0 / 1000 * 365  # 7,300 and 1,825 t/yr
    c, c_trailer = 2.0, 2.0 * 10 / 20  # ILS/t·km: compactor; trailer at equal cost per vehicle-km
    status_quo = c * (t_a * _km(A_XY, DEST_XY) + t_b * _km(B_XY, DEST_XY))
    assert status_quo == pytest.approx(2 * (7300 * 30 + 1825 * 31.6228), rel=1e-6)
    for sid in ("S1", "S2"):
        xy = SITES[sid][0]
        haul_tkm = t_a * _km(A_XY, xy) + t_b * _km(B_XY, xy)
        transfer = c_trailer * (t_a + t_b) * _km(xy, DEST_XY)
        total = c * haul_tkm + transfer + 5.0 * (t_a + t_b)
        row = rk.loc[sid]
        assert row["haul_tkm_per_year"] == pytest.approx(haul_tkm)
        assert row["haul_cost_ils_per_year"] == pytest.approx(c * haul_tkm)
        assert row["transfer_cost_ils_per_year"] == pytest.approx(transfer)
        assert row["status_quo_cost_ils_per_year"] == pytest.approx(status_quo)
        assert row["saving_ils_per_year"] == pytest.approx(status_quo - total)
    # S1: 5 km to both; S2: 10 and 14.1 km → 7,300 of 9,125 t within 12 min
    assert rk.loc["S1", "coverage_share"] == pytest.approx(1.0)
    assert rk.loc["S2", "coverage_share"] == pytest.approx(0.8)
    assert rk.loc["S2", "worst_authority_minutes"] == pytest.approx(_km(B_XY, SITES["S2"][0]))
    ws = res.results[Facility.WASTE_STATION]
    assert ws.chosen == ("S1",)
    assert ws.extra["saving_ils_per_year"] == pytest.approx(rk.loc["S1", "saving_ils_per_year"])
    # S1 is at least as good on every criterion and cheaper: it is the plan in every draw
    assert rk.loc["S1", "p_in_plan"] == 1.0
    assert rk.loc["S2", "p_in_plan"] == 0.0


def test_exclusions_carry_reasons():
    rk = run(_tiny()).ranking.set_index("site_id")
    assert rk.loc["S3", "excluded"]
    assert rk.loc["S3", "exclusion_reason"] == "within 250 m buffer of homes (A-town)"
    assert rk.loc["S4", "exclusion_reason"] == "plot smaller than 20000 m²"
    assert rk.loc[["S3", "S4"], "rank"].isna().all()
    assert (rk.loc[["S3", "S4"], "p_in_plan"] == 0).all()
    assert not rk.loc[["S1", "S2"], "excluded"].any()


def test_status_quo_destination_per_authority():
    south = (210_000, 690_000)
    res = run(_tiny(status_quo_by_authority=((2, *south),)))
    row = res.ranking.set_index("site_id").loc["S1"]
    t_a, t_b = 7300.0, 1825.0
    sq = 2.0 * (t_a * 30 + t_b * 10)
    xy = SITES["S1"][0]
    transfer = 1.0 * (t_a * _km(xy, DEST_XY) + t_b * _km(xy, south))
    assert row["status_quo_cost_ils_per_year"] == pytest.approx(sq)
    assert row["transfer_cost_ils_per_year"] == pytest.approx(transfer)


def test_ahp_weights_and_inconsistency_warning():
    # cost ≫ equity ≫ nuisance but nuisance ≫ cost: inconsistent
    matrix = [[1, 5, 1 / 5], [1 / 5, 1, 5], [5, 1 / 5, 1]]
    ws = WeightSet.from_ahp(["cost", "equity", "nuisance"], matrix)
    assert ws.ahp.cr > 0.1
    s = _tiny()
    res = run(dataclasses.replace(s, weights={"waste_station": ws}))
    assert any("AHP consistency ratio CR" in n for n in res.notes)
    fr = res.results[Facility.WASTE_STATION]
    # both plots lie beyond 1 km of homes: nuisance cannot separate them; it is kept (same
    # points for every plan) and a note says so
    assert fr.weights == pytest.approx(ws.as_dict())
    assert any("'nuisance' is the same" in n for n in res.notes)
    assert fr.extra["ahp_cr"] == pytest.approx(ws.ahp.cr)
    cols = [c for c in res.ranking.columns if c.startswith("contrib_")]
    assert cols == ["contrib_cost", "contrib_equity", "contrib_nuisance"]


def test_extra_members_join_the_cluster():
    base = run(default_scenario(sensitivity=SensitivityParams(enabled=False)))
    grown = run(
        default_scenario(extra_members=(1020,), sensitivity=SensitivityParams(enabled=False))
    )
    assert len(grown.region.members) == 11
    assert set(grown.localities["authority_id"]) - set(base.localities["authority_id"]) == {1020}
    added = grown.demand.set_index("authority_id").loc[1020]
    assert added["tonnes_per_day"] == pytest.approx(19_902 * 2.291 / 1000)
    assert any("Or Akiva (1020)" in n for n in grown.notes)
    assert base.ranking["p_in_plan"][~base.ranking["excluded"]].isna().all()  # MC disabled


def test_truck_lot_infeasible_is_reported_not_fatal():
    s = _tiny()
    plots = _plots().assign(facilities="truck_lot;waste_station")
    res = run(
        dataclasses.replace(
            s,
            candidates=plots,
            facilities=(Facility.WASTE_STATION, Facility.TRUCK_LOT),
            truck=TruckParams(n_lots=1, trucks_per_1000_residents=10),
        )
    )
    # 15,000 residents × 10 / 1,000 = 150 trucks × 100 m² = 15,000 m² for one lot: the
    # 30,000 m² plots hold them; S4 (5,000 m², 50 spaces) is a plot, but too small for the
    # whole fleet, so the one-lot plan is elsewhere and within its plot's capacity
    tl = res.ranking[res.ranking["facility"] == "truck_lot"].set_index("site_id")
    assert not tl.loc["S4", "excluded"]
    lot = res.results[Facility.TRUCK_LOT]
    assert lot.chosen
    assert lot.chosen != ("S4",)
    assert pd.isna(tl.loc["S4", "rank"])  # no one-lot plan on S4 holds the fleet
    site = lot.extra["sites"][0]
    assert site["load_capacity_units"] <= site["capacity"]
    tiny_plots = plots.assign(area_m2=1000.0)  # 10 spaces each
    res2 = run(dataclasses.replace(res.scenario, candidates=tiny_plots))
    assert res2.results[Facility.TRUCK_LOT].chosen == ()
    assert res2.results[Facility.WASTE_STATION].chosen == ()  # 1,000 m² < 2 ha too
    assert any(
        n.startswith("NO SITE CHOSEN for truck_lot") and "capacity short" in n for n in res2.notes
    )


def _csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, float_format="%.17g", lineterminator="\n")
    return buf.getvalue().encode()


def test_default_run_is_deterministic():
    a, b = run(default_scenario()), run(default_scenario())
    assert _csv(a.ranking) == _csv(b.ranking)
    assert _csv(a.sensitivity) == _csv(b.sensitivity)
    assert len(a.sensitivity) > 20
    rk = a.ranking
    needed = {
        "site_id", "facility", "rank", "score", "excluded", "exclusion_reason",
        "haul_tkm_per_year", "haul_cost_ils_per_year", "saving_ils_per_year",
        "coverage_share", "p_in_plan",
    }  # fmt: skip
    assert needed <= set(rk.columns)
    assert any(c.startswith("contrib_") for c in rk.columns)
    # a different seed moves the Monte Carlo, not the ranking
    c = run(default_scenario(seed=1))
    assert c.ranking["rank"].equals(a.ranking["rank"])
    assert not c.ranking["p_in_plan"].equals(a.ranking["p_in_plan"])


def test_weight_ranges_replace_the_dirichlet_draws():
    s = dataclasses.replace(
        _tiny(),
        weights={Facility.WASTE_STATION: {"cost": 0.5, "coverage": 0.5}},
        weight_ranges={"waste_station": {"cost": (0.0, 1.0), "coverage": (0.0, 1.0)}},
    )
    res = run(s)
    rk = res.ranking.set_index("site_id")
    # S1 is cheaper and covers more: whatever the weights in the ranges, it is the plan
    assert rk.loc["S1", "p_in_plan"] == 1.0
    assert res.results[Facility.WASTE_STATION].weights == {"cost": 0.5, "coverage": 0.5}


@dataclasses.dataclass(frozen=True)
class _SnapModel:
    """Crow-fly costs plus network-style snap distances (as a road-network model reports)."""

    name: str = "fake-network"
    approximate: bool = False

    def describe(self) -> str:
        return "crow-fly with fake snap distances"

    def matrix(self, origins, destinations, *, origin_id="id", destination_id="id"):
        m = CrowFlyModel(CrowFlyParams(circuity=1.0, speed_kmh=60.0)).matrix(
            origins, destinations, origin_id=origin_id, destination_id=destination_id
        )
        snap = np.where(destinations["id"].astype(str).str.startswith("D"), 5000.0, 0.0)
        snap = snap + 100.0 * np.arange(len(destinations))
        return dataclasses.replace(m, model=self.name, details={"destination_snap_m": snap})


def test_access_from_snap_distances_and_far_destination_warning():
    res = run(dataclasses.replace(_tiny(), cost_model=_SnapModel()))
    rk = res.ranking.set_index("site_id")
    assert rk.loc["S1", "access_road_m"] == 0.0
    assert rk.loc["S2", "access_road_m"] == 100.0
    # access on its anchors: 0 m scores 1, the 1,000 m limit 0 → S2 at 100 m scores 0.9
    w_access = res.results[Facility.WASTE_STATION].weights["access"]
    assert rk.loc["S1", "contrib_access"] == pytest.approx(100 * w_access)
    assert rk.loc["S2", "contrib_access"] == pytest.approx(100 * w_access * 0.9)
    assert any("off the loaded road network" in n and "5.0 km" in n for n in res.notes)
    assert any("speed sweep is skipped" in n for n in res.notes)
    assert "speed_kmh" not in set(res.sensitivity["parameter"])
