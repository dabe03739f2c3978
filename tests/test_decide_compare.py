"""Two runs side by side: site ids are places, so the default and the expansion example
name the same place alike, and ``match_sites`` pairs sites by place (same id, or the
nearest within a tolerance for other grids)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import siting
from siting.candidates import cell_centre, search_origin
from siting.decide.compare import compare_runs, match_sites
from siting.layers import Facility
from siting.present.compare import comparison_table, sites_table
from siting.sources.embedded import default_region
from tests.test_candidates import lattice_places

ROOT = Path(__file__).resolve().parents[1]
WS, TL = Facility.WASTE_STATION, Facility.TRUCK_LOT


def _quick(s: siting.Scenario, **search: float) -> siting.Scenario:
    s = dataclasses.replace(s, sensitivity=dataclasses.replace(s.sensitivity, enabled=False))
    if search:
        s = dataclasses.replace(s, search=dataclasses.replace(s.search, **search))
    return s


@pytest.fixture(scope="module")
def default_run():
    return siting.run(_quick(siting.default_scenario()))


@pytest.fixture(scope="module")
def expansion_run():
    path = ROOT / "examples" / "mishor-hahof-expansion.toml"
    return siting.run(_quick(siting.scenario_from_file(path)))


def _places(result) -> dict[tuple[int, int], str]:
    """Brute-force place (cell centre, to 1 m) → id of every candidate of a run."""
    origin = search_origin(result.region)
    xy = lattice_places(result.candidates.geometry, origin, result.scenario.search.cell_m)
    keys = [tuple(p) for p in np.round(xy).astype(int).tolist()]
    assert len(set(keys)) == len(keys)
    return dict(zip(keys, result.candidates["id"], strict=True))


def _centroid(result, site: str) -> tuple[float, float]:
    c = result.candidates.set_index("id").geometry.loc[site].centroid
    return round(c.x, 1), round(c.y, 1)


def test_the_plans_stay_where_they_were_under_their_new_ids(default_run, expansion_run):
    """Golden: the chosen cells' centroids before the ids became places (old ids in the
    comments) are the chosen cells' centroids now."""
    d, e = default_run.results, expansion_run.results
    assert d[WS].chosen == ("H1k-237-717",)  # was H0636
    assert _centroid(default_run, "H1k-237-717") == (205499.3, 717185.6)
    assert d[TL].chosen == ("H1k-226-717", "H1k-243-713")  # H0185, H0797
    assert _centroid(default_run, "H1k-226-717") == (196150.0, 716724.0)
    assert _centroid(default_run, "H1k-243-713") == (211040.1, 713328.0)
    assert e[WS].chosen == ("H1k-236-716",)  # H0599
    assert _centroid(expansion_run, "H1k-236-716") == (204714.2, 715756.3)
    assert e[TL].chosen == ("H1k-226-717", "H1k-240-711")  # H0185, H0721
    assert _centroid(expansion_run, "H1k-240-711") == (208024.3, 710535.3)


def test_a_place_in_both_scenarios_has_one_id(default_run, expansion_run):
    pd_, pe = _places(default_run), _places(expansion_run)
    shared = set(pd_) & set(pe)
    assert len(shared) > 800
    assert all(pd_[p] == pe[p] for p in shared)
    # and no id names two places
    assert not (set(pd_.values()) & set(pe.values())) - {pd_[p] for p in shared}
    # the chosen sites of either run, where the other has that place, carry its id
    for run, other in ((default_run, pe), (expansion_run, pd_)):
        mine = {v: k for k, v in _places(run).items()}
        for fac in (WS, TL):
            for site in run.results[fac].chosen:
                assert other.get(mine[site], site) == site
    # the truck lot both runs choose is one place, one id
    assert set(default_run.results[TL].chosen) & set(expansion_run.results[TL].chosen) == {
        "H1k-226-717"
    }


def test_match_sites_pairs_the_default_and_the_expansion_by_place(default_run, expansion_run):
    m = match_sites(default_run, expansion_run)
    assert m.attrs["tolerance_m"] == 577  # a 1 km hexagon's circumradius
    assert (m["match"] == "same place").all()
    assert (m["site_a"] == m["site_b"]).all()
    assert (m["distance_m"] == 0).all()
    ws = m[m["facility"] == "waste_station"].set_index("site_a")
    assert list(ws.index) == ["H1k-237-717", "H1k-236-716"]
    assert ws.loc["H1k-237-717", ["chosen_a", "chosen_b"]].tolist() == [True, False]
    assert ws.loc["H1k-236-716", ["chosen_a", "chosen_b"]].tolist() == [False, True]
    rank_e = expansion_run.results[WS].ranking.set_index("site_id")["rank"]
    assert ws.loc["H1k-237-717", "rank_b"] == rank_e["H1k-237-717"]
    lots = m[m["facility"] == "truck_lot"]
    assert sorted(lots["site_a"]) == ["H1k-226-717", "H1k-240-711", "H1k-243-713"]
    both = lots[lots["site_a"] == "H1k-226-717"].iloc[0]
    assert bool(both["chosen_a"])
    assert bool(both["chosen_b"])
    # the place given is the cell's centre (brute force)
    places = {v: k for k, v in _places(default_run).items()}
    for row in m.itertuples():
        assert (round(row.x_itm), round(row.y_itm)) == places[row.site_a]


def test_match_sites_pairs_another_grid_by_the_nearest_site_within_its_cell(default_run):
    coarse = siting.run(_quick(siting.default_scenario(name="coarse"), cell_m=2000.0))
    m = match_sites(default_run, coarse)
    assert m.attrs["tolerance_m"] == 1155  # the larger cell's circumradius, 2000 / √3
    # a 1 km centre is a 2 km centre, an edge midpoint or a vertex of a 2 km hexagon
    same = m["match"] == "same place"
    assert (m.loc[same, "distance_m"] == 0).all()
    assert (m.loc[~same, "match"] == "nearest within 1155 m").all()
    assert set(np.round(m.loc[~same, "distance_m"])) <= {1000.0, 1155.0}
    assert not set(m["site_a"]) & set(m["site_b"])  # ids of two cell sizes never meet
    # the partner is the other run's nearest site, by brute force over every candidate
    origin = search_origin(coarse.region)
    xb = lattice_places(coarse.candidates.geometry, origin, 2000.0)
    for row in m.itertuples():
        here = np.array([row.x_itm, row.y_itm])
        d = np.hypot(*(xb - here).T)
        assert row.site_b == coarse.candidates["id"].iloc[int(d.argmin())]
        assert row.distance_m == pytest.approx(d.min(), abs=0.1)
        assert row.distance_m <= 2000 / np.sqrt(3)  # inside the coarse hexagon
    # a tolerance below every distance pairs nothing, and says so
    none = match_sites(default_run, coarse, tolerance_m=1.0)
    alone = none["match"] != "same place"
    assert (none.loc[~alone, "distance_m"] == 0).all()
    assert (none.loc[alone, "match"] == "none within 1 m").all()
    assert (none.loc[alone, "site_a"].isna() | none.loc[alone, "site_b"].isna()).all()
    assert alone.sum() >= (~same).sum()


def test_the_comparison_names_measures_with_units_in_both_languages(default_run, expansion_run):
    raw = compare_runs(default_run, expansion_run)
    en = comparison_table(raw, "en")
    he = comparison_table(raw, "he")
    assert list(en.columns[:2]) == ["Facility", "Measure"]
    measures = set(en["Measure"])
    assert {"Total haul cost, ILS/yr", "Saving vs today, ILS/yr", "Waste, tonnes/day"} <= measures
    assert "total_cost_ils_per_year" not in measures
    assert not any("_" in m for m in measures)
    # Hebrew: every measure and facility name is Hebrew (letters in U+05D0..U+05EA)
    for col in he.columns[:2]:
        assert all(any("\u05d0" <= ch <= "\u05ea" for ch in str(v)) for v in he[col]), col
    # the values are the raw table's, the key says which identifier each row is
    row = en[en["key"] == "waste_station.total_cost_ils_per_year"].iloc[0]
    assert row["mishor-hahof-default"] == default_run.results[WS].extra["total_cost_ils_per_year"]
    sites = sites_table(
        match_sites(default_run, expansion_run),
        ["mishor-hahof-default", "mishor-hahof-expansion"],
        "he",
    )
    assert set(sites.iloc[:, 1]) == {"אותו מקום"}


def test_match_sites_pairs_a_users_plots_with_the_nearest_cell(default_run):
    """Surveyed plots keep their own ids; each chosen plot is paired with the grid cell
    nearest to it (brute force over the grid run's cell centres), within 577 m."""
    import geopandas as gpd
    from shapely.geometry import Point

    from siting.layers import METRIC_CRS, validate_candidates

    cells = default_run.candidates.set_index("id")
    chosen = [*default_run.results[WS].chosen, *default_run.results[TL].chosen]
    shift = np.array([150.0, -120.0])
    centres = [np.array(cells.geometry.loc[s].centroid.coords[0]) + shift for s in chosen]
    plots = gpd.GeoDataFrame(
        {
            "id": [f"P{i + 1}" for i in range(len(chosen))],
            "name": [f"plot {i + 1}" for i in range(len(chosen))],
            "area_m2": [40_000.0] * len(chosen),
            "facilities": ["waste_station;truck_lot"] * len(chosen),
        },
        geometry=[Point(*c).buffer(100, cap_style="square") for c in centres],
        crs=METRIC_CRS,
    )
    scen = dataclasses.replace(
        _quick(siting.default_scenario(name="plots")), candidates=validate_candidates(plots)
    )
    users = siting.run(scen)
    m = match_sites(users, default_run)
    assert set(m["site_a"].dropna()) <= set(plots["id"])
    grid = lattice_places(cells.geometry, search_origin(default_run.region), 1000.0)
    ids = cells.index.to_numpy()
    for row in m[m["chosen_a"].astype(bool)].itertuples():
        here = np.array([row.x_itm, row.y_itm])
        c = plots.set_index("id").geometry.loc[row.site_a].centroid
        assert (row.x_itm, row.y_itm) == (round(c.x, 1), round(c.y, 1))  # a plot's centroid
        d = np.hypot(*(grid - here).T)
        assert row.site_b == ids[int(d.argmin())]
        assert row.match == "nearest within 577 m"
        assert row.distance_m == pytest.approx(d.min(), abs=0.1)


def test_a_sweep_names_each_place_with_one_id(tmp_path):
    """Across a sweep whose memberships widen the search area (Hadera, Ma'ale Iron), every
    chosen site in sweep.csv, robust.csv and sites.csv has one id per place and one place
    per id, and a named alternative given by id is priced at that place everywhere."""
    from siting.sweep import load_sweep, run_sweep

    base = ROOT / "examples" / "mishor-hahof.toml"
    path = tmp_path / "sweep.toml"
    path.write_text(
        f"""
name = "ids"
base = "{base}"
[set]
"sensitivity.enabled" = false
"candidates.cell_m" = 2000
[axes."region.members_add"]
"10" = []
"12" = [1020, 628]
"15" = [1020, 628, 6000, 1327, 6500]
[alternatives.waste_station]
"north" = ["H2k-116-365"]
""",
        encoding="utf-8",
    )
    res = run_sweep(load_sweep(path), scheduler="synchronous")
    pairs: set[tuple[str, str]] = set()
    for frame in (res.table, res.robust):
        for sites, places in zip(frame["plan_sites"], frame["plan_places"], strict=True):
            if isinstance(sites, str) and sites:
                pairs |= set(zip(sites.split(";"), places.split(";"), strict=True))
    ids = {i for i, _ in pairs}
    assert len(ids) == len(pairs) == len({p for _, p in pairs}) >= 5
    # the alternative, at its cell's centre (the sweep's own place finder and cell_centre)
    x, y = cell_centre("H2k-116-365", origin=search_origin(default_region()), cell_m=2000)
    assert ("H2k-116-365", f"{round(x)} {round(y)}") in pairs
    assert not res.shares["sites"].str.contains(";").any()  # one id per place
    north = res.robust[res.robust["name"] == "north"].iloc[0]
    assert north["n_infeasible"] == 0
