"""The default run's plans: the chosen sites are ranks 1..k, every output describes the
chosen plan, the headline is the plan's whole cost, the answer does not depend on the other
candidates, and a facility without a plan is an answer, not a crash."""

from __future__ import annotations

import dataclasses
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from siting.decide import default_scenario, run
from siting.layers import Facility
from siting.outputs import write_outputs
from siting.params import SensitivityParams, TruckParams
from siting.present.i18n import fmt_number

WS, TL = Facility.WASTE_STATION, Facility.TRUCK_LOT


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("plans") / "run"
    write_outputs(result, out)
    return out


def test_chosen_sites_are_ranks_one_to_k(result):
    for fac, res in result.results.items():
        rk = res.ranking.set_index("site_id")
        assert res.chosen
        ranks = sorted(int(rk.loc[s, "rank"]) for s in res.chosen)
        assert ranks == list(range(1, len(res.chosen) + 1)), fac
        # every ranked site's best plan is no better than the chosen plan
        assert (rk["plan_gap"].dropna() >= -1e-9).all()
        assert rk.loc[list(res.chosen), "plan_gap"].max() == pytest.approx(0.0, abs=1e-9)
        assert set(rk.loc[list(res.chosen), "plan_sites"]) == {"+".join(res.chosen)}


def test_the_plan_score_is_the_weighted_sum_recomputed_from_the_plan_figures(result):
    res = result.results[WS]
    a = res.extra["anchors"]
    w = res.weights
    x = res.extra
    n = {
        "cost": (a["cost"]["zero"] - x["total_cost_ils_per_year"])
        / (a["cost"]["zero"] - a["cost"]["one"]),
        "coverage": x["coverage_share"],
        "equity": 1 - x["mean_authority_minutes"] / a["equity"]["zero"],
        "nuisance": min(
            1.0,
            (x["sites"][0]["nearest_built_up_m"] - a["nuisance"]["zero"])
            / (a["nuisance"]["one"] - a["nuisance"]["zero"]),
        ),
    }
    if "area" in w:  # eligible area on member land, from required (0) to twice it (1)
        row = res.ranking.set_index("site_id").loc[res.chosen[0]]
        ratio = row["area_m2"] / row["required_area_m2"]
        n["area"] = min(1.0, max(0.0, (ratio - 1.0) / (a["area"]["one"] - 1.0)))
    score = 100 * sum(w[k] * n[k] for k in w)
    assert res.objective == pytest.approx(score, rel=1e-9)
    assert sum(w.values()) == pytest.approx(1.0)


def test_truck_lots_figures_are_those_of_the_pair(result):
    res = result.results[TL]
    assert len(res.chosen) == 2
    asg = res.assignment
    trucks = result.localities.set_index("id")["trucks"]
    w = asg["locality_id"].map(trucks).to_numpy()
    # the pair's coverage: trucks whose assigned lot is within the threshold
    thr = default_scenario().truck.coverage_threshold_min
    assert res.extra["coverage_share"] == pytest.approx(w[asg["minutes"] <= thr].sum() / w.sum())
    assert res.extra["mean_driver_km"] == pytest.approx((w * asg["km"]).sum() / w.sum())
    loads = {r["site_id"]: r["load"] for r in res.extra["sites"]}
    assert sum(loads.values()) == pytest.approx(w.sum())
    for sid, load in loads.items():
        assert load == pytest.approx(w[asg["site_id"] == sid].sum())


def test_outputs_describe_the_chosen_plan(result, written):
    sol = gpd.read_file(written / "solution.geojson")
    man = json.loads((written / "manifest.json").read_text(encoding="utf-8"))
    report = (written / "report.html").read_text(encoding="utf-8")
    ranking = pd.read_csv(written / "ranking.csv")
    sens = pd.read_csv(written / "sensitivity.csv")
    ws = result.results[WS]
    site = ws.chosen[0]
    row = ranking[(ranking["facility"] == "waste_station") & (ranking["site_id"] == site)].iloc[0]
    # ranking.csv keeps full precision: the report prints the same total and today's cost
    assert row["total_cost_ils_per_year"] == ws.extra["total_cost_ils_per_year"]
    assert fmt_number(row["total_cost_ils_per_year"]) in report
    assert fmt_number(row["status_quo_cost_ils_per_year"]) in report
    assert fmt_number(ws.extra["transfer_cost_ils_per_year"]) in report
    assert fmt_number(ws.extra["break_even_handling_ils_per_t"], 1) in report
    # solution.geojson: the plan's figures, the same as the manifest's
    s = sol[sol["facility"] == "waste_station"].iloc[0]
    assert s["plan_total_cost_ils_per_year"] == pytest.approx(ws.extra["total_cost_ils_per_year"])
    mres = man["results"]["waste_station"]
    assert mres["total_cost_ils_per_year"] == pytest.approx(ws.extra["total_cost_ils_per_year"])
    assert mres["status_quo_cost_ils_per_year"] == pytest.approx(
        row["status_quo_cost_ils_per_year"]
    )
    tl = sol[sol["facility"] == "truck_lot"]
    assert set(tl["plan_sites"]) == {"+".join(result.results[TL].chosen)}
    assert tl["plan_coverage_share"].iloc[0] == pytest.approx(
        result.results[TL].extra["coverage_share"]
    )
    # the weights in the manifest are the ones used, after rescaling
    used = man["weights"]["waste_station"]["weights"]
    assert used == pytest.approx(ws.weights)
    assert sum(used.values()) == pytest.approx(1.0)
    # sensitivity.csv: every baseline step's plan is the chosen plan
    for fac, res in result.results.items():
        base = sens[(sens["facility"] == fac.value) & sens["baseline"]]
        assert set(base["plan_sites"]) == {"+".join(res.chosen)}
    # p_in_plan of the chosen sites is the Monte Carlo's, and the chosen plan is the mode
    for res in result.results.values():
        rk = res.ranking
        top = rk.sort_values("p_in_plan", ascending=False).head(len(res.chosen))
        assert set(top["site_id"]) == set(res.chosen)


def test_sweeps_that_cannot_change_the_plan_are_marked(result):
    sens = result.sensitivity
    ws = sens[sens["facility"] == "waste_station"]
    flags = ws.groupby("parameter")["plan_changes"].first()
    assert not flags["kg_per_capita_day"]
    assert not flags["cost_ils_per_tkm"]
    assert flags["transfer_vkm_cost_ratio"]


def test_the_station_stays_when_only_the_better_half_of_the_candidates_is_given(result):
    """Scores are anchored on the region, not on the candidate set."""
    res = result.results[WS]
    rk = res.ranking[res.ranking["rank"].notna()].sort_values("rank")
    keep = rk.head(len(rk) // 2)["site_id"].astype(str)
    cand = result.candidates
    cells = cand[cand["id"].astype(str).isin(keep)]
    plots = gpd.GeoDataFrame(
        {
            "id": cells["id"].astype(str).to_numpy(),
            "name": cells["id"].astype(str).to_numpy(),
            "area_m2": cells["area_m2"].to_numpy(),
            "facilities": "waste_station",
        },
        geometry=cells.geometry.centroid.to_numpy(),  # the cell's centre, as the search measures
        crs=cand.crs,
    )
    s = default_scenario(
        candidates=plots,
        facilities=(WS,),
        sensitivity=dataclasses.replace(SensitivityParams(), enabled=False),
    )
    again = run(s)
    assert again.results[WS].chosen == res.chosen
    assert again.results[WS].objective == pytest.approx(res.objective)


def test_a_facility_without_a_plan_is_an_answer(tmp_path):
    s = default_scenario(
        truck=TruckParams(n_lots=2, m2_per_space=9_000.0),  # 2 cells hold 192 of 794 trucks
        sensitivity=dataclasses.replace(SensitivityParams(), enabled=False),
    )
    r = run(s)
    assert r.results[WS].chosen
    assert r.results[TL].chosen == ()
    assert any(n.startswith("NO SITE CHOSEN for truck_lot") for n in r.notes)
    files = write_outputs(r, tmp_path / "out")
    assert {"map.html", "report.html", "ranking.csv", "solution.geojson", "manifest.json"} <= set(
        files
    )
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "No plan" in report
    sol = gpd.read_file(tmp_path / "out" / "solution.geojson")
    assert set(sol["facility"]) == {"waste_station"}


def test_objectives_other_than_weighted(result):
    base = default_scenario(sensitivity=dataclasses.replace(SensitivityParams(), enabled=False))
    ws = dataclasses.replace(base.waste, objective="cost")
    r = run(dataclasses.replace(base, waste=ws, facilities=(WS,)))
    res = r.results[WS]
    rk = res.ranking
    ok = rk[~rk["excluded"]]
    # least total cost: the chosen site's single-site total is the minimum, and the
    # objective is that cost
    assert res.objective == pytest.approx(ok["total_cost_ils_per_year"].min())
    assert rk.loc[rk["chosen"], "total_cost_ils_per_year"].iloc[0] == pytest.approx(res.objective)
    pc = dataclasses.replace(base.waste, objective="p-center")
    r2 = run(dataclasses.replace(base, waste=pc, facilities=(WS,)))
    res2 = r2.results[WS]
    worst = r2.costs.minutes.max(axis=0)
    elig = ~res2.ranking["excluded"].to_numpy()
    assert res2.objective == pytest.approx(worst[elig].min())
    assert np.isnan(res2.ranking["score"]).all()
