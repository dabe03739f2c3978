"""A whole scenario on a real road network: a synthetic two-authority region inside the
Jerusalem OSM extract, run from a scenario file with `[costs] model = "network"`.

Checks that every travel time then comes from the truck-profile graph (independently
recomputed with NetworkX), that the map draws road routes and isochrones instead of
straight lines and circles, and that no output calls the travel times approximate.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from siting import network as net
from siting.cli import main
from siting.layers import Facility
from tests.conftest import require_shared

pytestmark = pytest.mark.slow

PBF = ("osm", "jerusalem_2016.osm.pbf")


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    pbf = require_shared(*PBF)
    folder = tmp_path_factory.mktemp("jerusalem")
    west, east = box(35.15, 31.74, 35.215, 31.85), box(35.215, 31.74, 35.27, 31.85)
    auth = gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "name_he": ["מערב", "מזרח"],
            "name_en": ["West", "East"],
            "population": [60_000.0, 40_000.0],
            "msw_kg_per_capita_day": [1.7, 1.5],
            "member": [True, True],
        },
        geometry=[west, east],
        crs=4326,
    )
    rng = np.random.default_rng(3)
    pts = np.column_stack([rng.uniform(35.16, 35.26, 10), rng.uniform(31.75, 31.84, 10)])
    loc = gpd.GeoDataFrame(
        {
            "id": np.arange(101, 111),
            "name": [f"locality {i}" for i in range(10)],
            "authority_id": np.where(pts[:, 0] < 35.215, 1, 2),
            "population": rng.uniform(3_000, 15_000, 10).round(),
        },
        geometry=[Point(x, y) for x, y in pts],
        crs=4326,
    )
    auth.to_file(folder / "authorities.geojson", driver="GeoJSON")
    loc.to_file(folder / "localities.geojson", driver="GeoJSON")
    (folder / "s.toml").write_text(
        f"""
name = "jerusalem-network-test"
[region]
authorities = "authorities.geojson"
localities = "localities.geojson"
[costs]
model = "network"
network = "{pbf}"
[candidates]
cell_m = 1500
[waste_station]
status_quo_destination = "a test landfill at the city's western edge"
status_quo_x_itm = 214500
status_quo_y_itm = 631500
coverage_threshold_min = 15
[truck_lots]
n_lots = 2
[sensitivity]
n_draws = 100
""",
        encoding="utf-8",
    )
    out = folder / "out"
    code = 0
    try:
        main(["run", str(folder / "s.toml"), "--out", str(out), "-q"])
    except SystemExit as exc:
        code = exc.code
    assert code in (0, None)
    graph = net.load_osm(pbf, progress=False)
    return folder, out, graph, loc


def test_assignment_times_are_truck_routes_on_the_graph(case):
    """Every waste-station assignment's minutes: NetworkX on the graph with the snapped
    edges split at the localities and sites, plus the access legs (tests/test_network_snap)."""
    from tests.test_network_snap import split_reference

    _, out, graph, loc = case
    layers = gpd.read_file(out / "result.gpkg", layer="assignments")
    assert (layers["route"] == "road").all()
    sites = gpd.read_file(out / "result.gpkg", layer="chosen_sites")
    cand = gpd.read_file(out / "result.gpkg", layer="candidates_waste_station")
    chosen = cand[cand["site_id"].isin(sites["site_id"])].assign(id=lambda d: d["site_id"])
    model = net.NetworkCostModel(graph)
    want_s, _ = split_reference(graph, model.snap(loc, "localities"), model.snap(chosen, "sites"))
    row_of = {str(i): k for k, i in enumerate(loc["id"])}
    col_of = {s: k for k, s in enumerate(chosen["site_id"])}
    ws = layers[layers["facility"] == "waste_station"]
    for row in ws.itertuples():
        secs = want_s[row_of[str(row.locality_id)], col_of[row.site_id]]
        assert row.minutes == pytest.approx(secs / 60, rel=1e-9, abs=1e-9)
    assert len(ws) == len(loc)


def test_costs_vehicle_sets_the_collection_profile_and_is_checked(case, tmp_path):
    from siting.decide.config import parse_scenario
    from siting.errors import ScenarioError

    folder, _, _, _ = case
    text = (folder / "s.toml").read_text(encoding="utf-8")
    with pytest.raises(ScenarioError, match="vehicle must be one of 'truck', 'compactor'"):
        parse_scenario(
            text.replace('model = "network"', 'model = "network"\nvehicle = "lorry"'),
            base_dir=folder,
        )
    crow = 'name = "x"\n[costs]\nmodel = "crow-fly"\nvehicle = "articulated"\n'
    with pytest.raises(ScenarioError, match="only applies to model = 'network'"):
        parse_scenario(crow)
    spec = parse_scenario(
        text.replace('model = "network"', 'model = "network"\nvehicle = "articulated"'),
        base_dir=folder,
    )
    assert spec.costs.vehicle == "articulated"
    # the collection leg is loaded with it (the small test extract: only the graph is built)
    from pathlib import Path

    from siting.decide.config import build_scenario

    mini = Path(__file__).parent / "data" / "network" / "mini.osm"
    m = re.search(r'network = "([^"]+)"', text)
    assert m is not None
    small = text.replace(m.group(0), f'network = "{mini}"')
    small = small.replace('model = "network"', 'model = "network"\nvehicle = "articulated"')
    built = build_scenario(parse_scenario(small, base_dir=folder), base_dir=folder)
    assert "articulated" in built.cost_model.graph.graph["profile"]
    assert "articulated" in built.cost_model.leg_profiles()["collection"]


def test_outputs_say_network_not_approximate(case):
    _, out, _, _ = case
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["cost_model"]["name"] == "osm-network"
    assert manifest["cost_model"]["approximate"] is False
    assert not any("Travel costs are APPROXIMATE" in n for n in manifest["notes"])
    assert any(i["path"].endswith("jerusalem_2016.osm.pbf") for i in manifest["inputs"])
    rk = pd.read_csv(out / "ranking.csv")
    chosen = rk[rk["chosen"]]
    assert set(chosen["facility"]) == {Facility.WASTE_STATION.value, Facility.TRUCK_LOT.value}
    assert np.isfinite(chosen["haul_tkm_per_year"].dropna()).all()


def test_map_draws_routes_and_isochrones(case):
    _, out, _, _ = case
    html = (out / "map.html").read_text(encoding="utf-8")
    meta = re.search(r'<meta name="siting-meta" content="([^"]+)">', html)
    assert meta is not None
    coverage = gpd.read_file(out / "result.gpkg", layer="coverage")
    assert (coverage["kind"] == "isochrone").all()
    ws = coverage[coverage["facility"] == "waste_station"]
    assert len(ws) == 1
    assert float(ws["minutes"].iloc[0]) == 15.0
    # the isochrone contains the road node of every locality the run counts as within
    # 15 minutes (localities themselves may lie off the roads, up to the snap distance)
    _, _, graph, loc = case
    assign = gpd.read_file(out / "result.gpkg", layer="assignments")
    near = assign[(assign["facility"] == "waste_station") & (assign["minutes"] <= 14.0)]
    far = assign[(assign["facility"] == "waste_station") & (assign["minutes"] > 16.0)]
    nodes = net.NetworkCostModel(graph).snap(loc, "localities")["node"].to_numpy()
    node_of = dict(zip(loc["id"].astype(str), nodes, strict=True))

    def points(ids):
        xy = [(graph.nodes[node_of[str(i)]]["x"], graph.nodes[node_of[str(i)]]["y"]) for i in ids]
        return gpd.GeoSeries([Point(x, y) for x, y in xy], crs=4326).to_crs(ws.crs)

    assert len(near) > 0
    assert ws.geometry.iloc[0].buffer(1.0).contains(points(near["locality_id"])).all()
    if len(far):  # and leaves out the nodes well beyond it (their roads lie outside)
        assert not ws.geometry.iloc[0].buffer(-150.0).contains(points(far["locality_id"])).any()


def test_route_lines_run_from_the_locality_to_the_site(case):
    """A drawn route starts at the locality's point and ends at the site's (the points the
    matrix measures from), not at the road nodes they snap to."""
    from siting.costs import metric_points

    _, out, _, loc = case
    assign = gpd.read_file(out / "result.gpkg", layer="assignments").to_crs(2039)
    cand = gpd.read_file(out / "result.gpkg", layer="candidates_waste_station")
    ws = assign[assign["facility"] == "waste_station"]
    loc_xy = dict(zip(loc["id"].astype(str), metric_points(loc, "localities"), strict=True))
    site_xy = dict(zip(cand["site_id"], metric_points(cand, "sites"), strict=True))
    assert len(ws) == len(loc)
    for row in ws.itertuples():
        first, last = row.geometry.coords[0], row.geometry.coords[-1]
        assert np.hypot(*(np.array(first) - loc_xy[str(row.locality_id)])) < 1.0
        assert np.hypot(*(np.array(last) - site_xy[row.site_id])) < 1.0
