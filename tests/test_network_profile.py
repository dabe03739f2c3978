"""Truck profile rules on hand-built OSM data: legal speed caps per class and vehicle,
directional tags read in the edge's direction, length-weighted speeds on simplified edges.

Each rule is checked on a tiny ``.osm`` file written by the test (or a raw graph built
from one) with hand-computed travel times.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from siting import network
from siting.errors import ScenarioError
from siting.network._osm import build_raw_graph, read_osm_ways

LAT = 31.78


def osm_file(tmp_path: Path, ways: list[tuple[list[int], dict[str, str]]], name="t.osm") -> Path:
    """Write nodes 1..9 on a west-east line (≈ 947 m apart) and the given ways."""
    nodes = "".join(
        f'<node id="{i}" lat="{LAT}" lon="{35.20 + 0.01 * (i - 1):.4f}"/>' for i in range(1, 10)
    )
    body = ""
    for wid, (refs, tags) in enumerate(ways, start=100):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        tg = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        body += f'<way id="{wid}">{nds}{tg}</way>'
    path = tmp_path / name
    path.write_text(f'<?xml version="1.0"?><osm version="0.6">{nodes}{body}</osm>')
    return path


def raw(tmp_path: Path, ways) -> nx.MultiDiGraph:
    prof = network.PROFILES["truck"]
    w, coords, _ = read_osm_ways(osm_file(tmp_path, ways), prof.routable_highways)
    return build_raw_graph(w, coords)[0]


def speeds(graph: nx.MultiDiGraph) -> dict[tuple[int, int], float]:
    return {(u, v): d["length"] / d["travel_time"] * 3.6 for u, v, d in graph.edges(data=True)}


LOOSE = network.TruckProfile(keep_largest_component=False)


def test_heavy_vehicles_are_capped_at_the_israeli_legal_limits(tmp_path):
    g = raw(
        tmp_path,
        [
            ([1, 2], {"highway": "motorway", "oneway": "yes"}),
            ([2, 3], {"highway": "trunk", "maxspeed": "100"}),
            ([3, 4], {"highway": "residential"}),
            ([4, 5], {"highway": "primary", "maxspeed:hgv": "90"}),
        ],
    )
    fast = {**network.TRUCK_SPEEDS_KMH, "motorway": 110.0, "trunk": 100.0, "residential": 70.0}
    fast = {**fast, "primary": 95.0}
    heavy = network.apply_profile(
        g, network.TruckProfile(speeds_kmh=fast, keep_largest_component=False), simplify=False
    )
    s = speeds(heavy)
    assert s[1, 2] == pytest.approx(80.0)  # a freeway: 80 even where 110 is configured (R1)
    assert s[2, 3] == pytest.approx(80.0)  # maxspeed=100 does not lift the truck limit
    assert s[3, 4] == pytest.approx(50.0)  # urban street: 50 (R1)
    assert s[4, 5] == pytest.approx(80.0)  # maxspeed:hgv=90 is still capped at 80
    van = network.Vehicle("7.5 t van", weight_t=7.5, height_m=3.0, width_m=2.2, length_m=7.0)
    light = network.apply_profile(
        g,
        network.TruckProfile(vehicle=van, speeds_kmh=fast, keep_largest_component=False),
        simplify=False,
    )
    s = speeds(light)
    assert s[1, 2] == pytest.approx(110.0)  # not a > 12 t vehicle: only the 120 km/h cap
    assert s[2, 3] == pytest.approx(100.0)
    assert s[3, 4] == pytest.approx(70.0)
    assert s[4, 5] == pytest.approx(90.0)
    assert "legal limits (R1)" in network.PROFILES["truck"].describe()


def test_directional_tags_are_read_in_the_edge_direction(tmp_path):
    g = raw(
        tmp_path,
        [
            # oneway=-1: trucks drive 2 → 1, where the :backward speed applies
            ([1, 2], {"highway": "residential", "oneway": "-1", "maxspeed:backward": "20"}),
            # two-way with different limits each way
            ([2, 3], {"highway": "tertiary", "maxspeed:forward": "40", "maxspeed:backward": "25"}),
            # trucks may not drive 4 → 3 (against the drawing)
            ([3, 4], {"highway": "residential", "hgv:backward": "no"}),
            # one-way for trucks only
            ([4, 5], {"highway": "residential", "oneway:hgv": "yes"}),
            # one-way for cars, two-way for trucks
            ([5, 6], {"highway": "residential", "oneway": "yes", "oneway:hgv": "no"}),
            # one-way for trucks against the drawing
            ([6, 7], {"highway": "residential", "oneway:hgv": "-1"}),
            # hgv:forward=no beats hgv=yes on the forward edge only
            ([7, 8], {"highway": "residential", "hgv": "yes", "hgv:forward": "no"}),
        ],
    )
    out = network.apply_profile(g, LOOSE, simplify=False)
    s = speeds(out)
    assert set(s) == {(2, 1), (2, 3), (3, 2), (3, 4), (4, 5), (5, 6), (6, 5), (7, 6), (8, 7)}
    assert s[2, 1] == pytest.approx(20.0)
    assert s[2, 3] == pytest.approx(40.0)
    assert s[3, 2] == pytest.approx(25.0)
    report = network.profile_report(out)
    rep = dict(zip(report["reason"], report["edges"], strict=True))
    assert rep["hgv:backward=no"] == 1
    assert rep["hgv:forward=no"] == 1


def test_oneway_hgv_drops_edges_on_graphs_built_elsewhere():
    """An OSMnx-style graph (both directions present) still loses the edge against
    ``oneway:hgv``."""
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=35.20, y=LAT)
    g.add_node(2, x=35.21, y=LAT)
    tags = {"highway": "residential", "oneway:hgv": "yes", "length": 950.0}
    g.add_edge(1, 2, reversed=False, **tags)
    g.add_edge(2, 1, reversed=True, **tags)
    out = network.apply_profile(g, LOOSE, simplify=False)
    assert list(out.edges()) == [(1, 2)]
    assert network.profile_report(out)["reason"].tolist() == ["against oneway:hgv"]


def test_simplified_edges_get_length_weighted_speeds(tmp_path):
    """≈ 950 m of primary (60 km/h) then ≈ 95 m of residential (30 km/h) merged into one
    simplified edge: its time is the sum of the parts', not the time at the mean speed."""
    path = tmp_path / "chain.osm"
    spurs = [(4, 35.200, LAT + 0.005), (5, 35.200, LAT - 0.005)]
    spurs += [(6, 35.211, LAT + 0.005), (7, 35.211, LAT - 0.005)]
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        f'<node id="1" lat="{LAT}" lon="35.2000"/>'
        f'<node id="2" lat="{LAT}" lon="35.2100"/>'
        f'<node id="3" lat="{LAT}" lon="35.2110"/>'
        + "".join(f'<node id="{i}" lat="{y}" lon="{x}"/>' for i, x, y in spurs)
        + '<way id="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/></way>'
        '<way id="2"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>'
        + "".join(
            f'<way id="{10 + i}"><nd ref="{a}"/><nd ref="{b}"/><tag k="highway" v="service"/></way>'
            for i, (a, b) in enumerate([(1, 4), (1, 5), (3, 6), (3, 7)])
        )
        + "</osm>"
    )
    g = network.load_osm(path, progress=False)
    edge = next(d for u, v, d in g.edges(data=True) if isinstance(d["highway"], list))
    assert sorted(edge["highway"]) == ["primary", "residential"]
    primary_m, res_m = edge["length:primary"], edge["length:residential"]
    assert primary_m + res_m == pytest.approx(edge["length"])
    exact = primary_m / (60 / 3.6) + res_m / (30 / 3.6)
    assert edge["travel_time"] == pytest.approx(exact)
    # re-profiling the saved, simplified graph keeps the exact time (the mean of the two
    # class speeds, 45 km/h, would give a different one)
    import osmnx as ox

    ox.save_graphml(g, tmp_path / "chain.graphml")
    again = network.load_osm(tmp_path / "chain.graphml", profile="articulated", progress=False)
    merged = next(d for u, v, d in again.edges(data=True) if isinstance(d["highway"], list))
    assert merged["travel_time"] == pytest.approx(exact)
    assert merged["travel_time"] != pytest.approx(edge["length"] / (45 / 3.6))
    single = [d for _, _, d in again.edges(data=True) if not isinstance(d["highway"], list)]
    assert single
    assert not any(k.startswith("length:") for d in single for k in d)


@pytest.mark.shared
def test_jerusalem_travel_times_respect_the_80_kmh_truck_cap():
    from tests.conftest import require_shared

    path = require_shared("osm", "jerusalem_2016.osm.pbf")
    fast = dict.fromkeys(network.TRUCK_SPEEDS_KMH, 120.0)
    g = network.load_osm(path, network.TruckProfile(speeds_kmh=fast, name="fast"), progress=False)
    s = np.array([d["length"] / d["travel_time"] * 3.6 for _, _, d in g.edges(data=True)])
    hw = [d["highway"] for _, _, d in g.edges(data=True)]
    big = np.array([h in ("motorway", "trunk", "primary") for h in hw])
    assert s.max() <= 80.0 + 1e-6
    assert np.median(s[big]) == pytest.approx(80.0, abs=15.0)  # many roads reach the cap
    urban = np.array([h == "residential" for h in hw])
    assert s[urban].max() <= 50.0 + 1e-6


def test_each_leg_is_priced_with_its_own_vehicle(tmp_path):
    """A 30 t bridge: the compactor (26 t) crosses it, the articulated truck (40 t) detours."""
    nodes = {1: (35.20, LAT), 2: (35.21, LAT), 3: (35.21, LAT + 0.01), 4: (35.20, LAT + 0.01)}
    nodes |= {6: (35.22, LAT), 7: (35.19, LAT)}
    ways = [
        ([1, 2], "primary", '<tag k="maxweight" v="30"/>'),  # the bridge, ≈ 947 m
        ([1, 4, 3, 2], "residential", ""),  # the way round
        ([2, 6], "residential", ""),
        ([1, 7], "residential", ""),
    ]
    path = tmp_path / "bridge.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        + "".join(f'<node id="{i}" lat="{y}" lon="{x}"/>' for i, (x, y) in nodes.items())
        + "".join(
            f'<way id="{100 + k}">'
            + "".join(f'<nd ref="{r}"/>' for r in refs)
            + f'<tag k="highway" v="{hw}"/>{extra}</way>'
            for k, (refs, hw, extra) in enumerate(ways)
        )
        + "</osm>"
    )
    model = network.NetworkCostModel.from_file(path)
    transfer = model.for_leg("transfer")
    assert model.leg == "collection"
    assert transfer.leg == "transfer"
    assert model.for_leg("collection") is model
    assert "compactor" in model.graph.graph["profile"]
    assert "articulated" in transfer.graph.graph["profile"]
    assert model.for_leg("truck_lot").graph is transfer.graph  # one load per profile
    assert "maxweight < 40 t" in set(network.profile_report(transfer.graph)["reason"])
    assert "maxweight < 26 t" not in set(network.profile_report(model.graph)["reason"])
    import geopandas as gpd
    from shapely.geometry import Point

    a = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(35.20, LAT)], crs=4326)
    b = gpd.GeoDataFrame({"id": ["b"]}, geometry=[Point(35.21, LAT)], crs=4326)
    short, long = model.matrix(a, b), transfer.matrix(a, b)
    assert short.minutes[0, 0] == pytest.approx(947 / (60 / 3.6) / 60, rel=0.01)
    assert long.minutes[0, 0] > 3 * short.minutes[0, 0]
    assert short.details["leg"] == "collection"
    assert long.details["leg"] == "transfer"
    assert "articulated" in long.details["profile"]
    profiles = model.leg_profiles()
    assert set(profiles) == {"collection", "transfer", "truck_lot"}
    assert "compactor" in profiles["collection"]
    assert "articulated" in profiles["transfer"]
    custom = network.NetworkCostModel.from_file(path, profiles={"collection": "articulated"})
    assert custom.matrix(a, b).minutes[0, 0] == pytest.approx(long.minutes[0, 0])
    with pytest.raises(ScenarioError, match="leg must be one of"):
        model.for_leg("ferry")
    plain = network.NetworkCostModel(model.graph)
    assert plain.for_leg("transfer").graph is model.graph  # no file: the graph it has
    assert plain.for_leg("transfer").leg == "transfer"
