"""Road network: loading, truck profile, snapping, matrices, routes, isochrones.

Matrices are checked against an independent NetworkX recomputation (a
``DiGraph`` keeping the minimum weight of parallel edges); the truck profile
against hand-counted removals on tagged toy graphs; loading against the
committed ``tests/data/network/mini.osm`` and the real Jerusalem extract in
``../shared/data`` (skipped when absent, failing in CI).  No test downloads.
"""

from __future__ import annotations

import bz2
import itertools
import re
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point, Polygon

from siting import network
from siting.costs import CostModel, CrowFlyModel
from siting.errors import LayerError, ScenarioError, SitingError
from siting.network._osm import parse_length_m, parse_speed_kmh, parse_weight_t
from tests.conftest import require_shared

MINI = Path(__file__).parent / "data" / "network" / "mini.osm"
LON0, LAT0 = 35.20, 31.78  # Jerusalem


# --------------------------------------------------------------------------------------
# helpers


def reference(graph: nx.MultiDiGraph, origins, destinations, weight="travel_time") -> np.ndarray:
    """Independent NetworkX matrix: min-weight DiGraph, one Dijkstra per origin."""
    simple = nx.DiGraph()
    simple.add_nodes_from(graph.nodes)
    for u, v, w in graph.edges(data=weight):
        if not simple.has_edge(u, v) or simple[u][v]["w"] > w:
            simple.add_edge(u, v, w=w)
    out = np.full((len(origins), len(destinations)), np.inf)
    for i, o in enumerate(origins):
        dist = nx.single_source_dijkstra_path_length(simple, o, weight="w")
        out[i] = [dist.get(d, np.inf) for d in destinations]
    return out


def assert_same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    np.testing.assert_array_equal(np.isinf(a), np.isinf(b))
    np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=0, atol=1e-9)


def street_graph() -> nx.MultiDiGraph:
    """A 3 × 2 grid (≈ 950 m blocks) with one-ways, parallel edges and an island.

    ::

        4 ── 5 ──> 6          9 ── 10   (island, two-way)
        │    │     │
        1 ── 2 <── 3
    """
    g = nx.MultiDiGraph(crs="epsg:4326")
    pos = {1: (0, 0), 2: (1, 0), 3: (2, 0), 4: (0, 1), 5: (1, 1), 6: (2, 1), 9: (5, 0), 10: (6, 0)}
    for n, (i, j) in pos.items():
        g.add_node(n, x=LON0 + 0.01 * i, y=LAT0 + 0.01 * j)

    def road(u, v, seconds, metres=950.0, oneway=False, **tags):
        data = {"highway": "residential", "travel_time": seconds, "length": metres, **tags}
        g.add_edge(u, v, **data)
        if not oneway:
            g.add_edge(v, u, **data)

    road(1, 2, 60.0)
    road(1, 2, 45.0, metres=1200.0)  # parallel edge: faster, longer; the minimum counts
    road(2, 5, 80.0)
    road(1, 4, 70.0)
    road(4, 5, 60.0)
    road(5, 6, 50.0, oneway=True)
    road(3, 2, 40.0, oneway=True)
    road(6, 3, 90.0)
    road(9, 10, 30.0)
    return g


def lonlat_points(coords, ids=None) -> gpd.GeoDataFrame:
    ids = ids if ids is not None else [f"p{i}" for i in range(len(coords))]
    return gpd.GeoDataFrame({"id": ids}, geometry=[Point(c) for c in coords], crs=4326)


def tagged_raw_graph(length: float = 1000.0) -> nx.MultiDiGraph:
    """An unsimplified OSMnx-style graph whose spur ways carry truck restriction tags.

    Core: the residential square 1-2-3-4 (two-way), each spur a two-way way to a
    leaf except 9 → 14 (one-way, so 14 cannot get back).
    """
    g = nx.MultiDiGraph(crs="epsg:4326")
    for n in range(1, 16):
        g.add_node(n, x=LON0 + 0.001 * n, y=LAT0 + 0.0005 * (n % 3))

    def way(u, v, oneway=False, **tags):
        base = {"highway": "residential", "length": length, "oneway": oneway, **tags}
        g.add_edge(u, v, **base, reversed=False)
        if not oneway:
            g.add_edge(v, u, **base, reversed=True)

    for u, v in [(1, 2), (2, 3), (3, 4), (4, 1)]:
        way(u, v)
    way(2, 3, highway="primary", maxspeed="40")  # parallel, faster than residential
    way(1, 5, hgv="no")
    way(2, 6, access="private")
    way(3, 7, maxweight="10")
    way(4, 8, maxheight="3.5")
    way(1, 9, access="no", hgv="yes")  # hgv=yes overrides access=no
    way(2, 10, maxweight="30")  # fine for 26 t, not for 40 t
    way(3, 11, hgv="discouraged")
    way(4, 12, highway="track")
    way(1, 13, highway="service", service="parking_aisle")
    way(9, 14, oneway=True)
    way(4, 15, maxheight="4.5 m", maxspeed="20")
    return g


def report_dict(graph: nx.MultiDiGraph) -> dict[tuple[str, str], int]:
    df = network.profile_report(graph)
    return {(r, a): int(e) for r, a, e in zip(df["reason"], df["action"], df["edges"], strict=True)}


# --------------------------------------------------------------------------------------
# matrices


def test_travel_costs_one_way_parallel_unreachable():
    g = street_graph()
    nodes = list(g.nodes)
    got = network.travel_costs(g, nodes, nodes)
    assert got.shape == (len(nodes), len(nodes))
    assert_same(got, reference(g, nodes, nodes))
    i = {n: k for k, n in enumerate(nodes)}
    assert got[i[1], i[2]] == 45.0  # parallel edges: the minimum, not the sum (105)
    assert got[i[5], i[6]] == 50.0
    assert got[i[6], i[5]] == 90.0 + 40.0 + 80.0  # 6 → 3 → 2 → 5 (5 → 6 is one-way)
    assert got[i[2], i[3]] == 80.0 + 50.0 + 90.0  # 3 → 2 is one-way: round by 5, 6
    assert np.isinf(got[i[1], i[9]])
    assert np.isinf(got[i[10], i[4]])
    assert got[i[9], i[10]] == 30.0
    assert np.all(np.diag(got) == 0.0)


def test_travel_costs_other_weight_and_shapes():
    g = street_graph()
    by_length = network.travel_costs(g, [1, 1, 6], [5, 2], weight="length")
    assert_same(by_length, reference(g, [1, 1, 6], [5, 2], weight="length"))
    assert by_length[0, 1] == 950.0  # shortest parallel edge by length
    assert network.travel_costs(g, [], [1, 2]).shape == (0, 2)
    assert network.travel_costs(g, [1], []).shape == (1, 0)


@pytest.mark.parametrize("seed", range(4))
def test_travel_costs_random_graphs_against_networkx(seed):
    """Dead-end trees, degree-2 chains, one-ways, zero weights, self-loops, parallels."""
    rng = np.random.default_rng(seed)
    for _ in range(60):
        n = int(rng.integers(1, 30))
        g = nx.MultiDiGraph()
        g.add_nodes_from(range(n))
        for i in range(1, n):  # a random tree …
            p = int(rng.integers(0, i))
            w = float(rng.integers(0, 5))
            r = rng.random()
            if r < 0.6:
                g.add_edge(i, p, travel_time=w, length=10 * w)
                g.add_edge(p, i, travel_time=w, length=10 * w)
            elif r < 0.8:
                g.add_edge(i, p, travel_time=w, length=10 * w)
            else:
                g.add_edge(p, i, travel_time=w, length=10 * w)
        for _ in range(int(rng.integers(0, n + 1))):  # … plus extra edges
            a, b = (int(x) for x in rng.integers(0, n, 2))
            w = float(rng.integers(0, 10)) + rng.random()
            g.add_edge(a, b, travel_time=w, length=7 * w)
        o = [int(x) for x in rng.integers(0, n, int(rng.integers(1, 9)))]
        d = [int(x) for x in rng.integers(0, n, int(rng.integers(1, 9)))]
        ref = reference(g, o, d)
        assert_same(network.travel_costs(g, o, d, n_jobs=1), ref)
        minutes, _ = network.cost_matrices(g, o, d, n_jobs=1)
        assert_same(minutes * 60.0, ref)


def test_cost_matrices_km_is_length_of_the_fastest_route():
    rng = np.random.default_rng(7)
    for _ in range(40):
        n = int(rng.integers(2, 30))
        g = nx.MultiDiGraph()
        g.add_nodes_from(range(n))
        for i in range(1, n):
            p = int(rng.integers(0, i))
            g.add_edge(i, p, travel_time=rng.random() * 10, length=rng.random() * 1000)
            if rng.random() < 0.7:
                g.add_edge(p, i, travel_time=rng.random() * 10, length=rng.random() * 1000)
        for _ in range(n):
            a, b = (int(x) for x in rng.integers(0, n, 2))
            g.add_edge(a, b, travel_time=rng.random() * 10, length=rng.random() * 1000)
        o = [int(x) for x in rng.integers(0, n, 5)]
        d = [int(x) for x in rng.integers(0, n, 4)]
        minutes, km = network.cost_matrices(g, o, d, n_jobs=1)
        simple = nx.DiGraph()
        for u, v, data in g.edges(data=True):
            if not simple.has_edge(u, v) or simple[u][v]["w"] > data["travel_time"]:
                simple.add_edge(u, v, w=data["travel_time"], m=data["length"])
        for i, s in enumerate(o):
            for j, t in enumerate(d):
                try:
                    path = nx.dijkstra_path(simple, s, t, weight="w")
                except nx.NetworkXNoPath:
                    assert np.isinf(km[i, j])
                    assert np.isinf(minutes[i, j])
                    continue
                metres = sum(simple[a][b]["m"] for a, b in itertools.pairwise(path))
                assert km[i, j] == pytest.approx(metres / 1000.0, abs=1e-9)


def test_chunked_and_parallel_runs_give_the_same_matrix(monkeypatch):
    from siting.network import _engine as _network_engine

    monkeypatch.setattr(_network_engine, "PARALLEL_MIN_WORK", 0)  # use workers on a small job
    g = nx.grid_2d_graph(30, 30).to_directed()
    rng = np.random.default_rng(3)
    mg = nx.MultiDiGraph()
    for u, v in g.edges:
        if rng.random() < 0.9:  # some one-way streets
            mg.add_edge(u, v, travel_time=float(rng.integers(1, 100)), length=100.0)
    nodes = list(mg.nodes)
    o = [nodes[i] for i in rng.integers(0, len(nodes), 40)]
    d = [nodes[i] for i in rng.integers(0, len(nodes), 25)]
    ref = reference(mg, o, d)
    assert_same(network.travel_costs(mg, o, d, n_jobs=1), ref)
    assert_same(network.travel_costs(mg, o, d, n_jobs=1, max_memory_mb=0.01), ref)
    try:
        assert_same(network.travel_costs(mg, o, d, n_jobs=2), ref)
        assert _network_engine._POOL is not None  # the worker processes did run
        minutes, km = network.cost_matrices(mg, o, d, n_jobs=2, max_memory_mb=0.01)
    finally:
        network.shutdown_workers()
    assert_same(minutes * 60.0, ref)
    assert np.isfinite(km[np.isfinite(minutes)]).all()


def test_prepared_graph_is_refreshed_when_the_graph_changes():
    g = street_graph()
    assert network.travel_costs(g, [1], [3])[0, 0] == 45.0 + 80.0 + 50.0 + 90.0
    g.add_edge(2, 3, travel_time=10.0, length=100.0)  # new edge: noticed automatically
    assert network.travel_costs(g, [1], [3])[0, 0] == 55.0
    for data in g[2][3].values():
        data["travel_time"] = 20.0  # in-place weight change: noticed by the content key
    assert network.travel_costs(g, [1], [3])[0, 0] == 65.0
    g[2][3][0]["length"] = 50.0  # a length alone changes the km
    _, km = network.cost_matrices(g, [1], [3])
    assert km[0, 0] == pytest.approx((1200.0 + 50.0) / 1000.0)  # 1 → 2 (parallel) → 3
    network.clear_cache(g)
    assert network.travel_costs(g, [1], [3])[0, 0] == 65.0


def test_matrix_input_errors():
    g = street_graph()
    with pytest.raises(LayerError, match="origin node 99"):
        network.travel_costs(g, [1, 99], [2])
    bad = street_graph()
    bad.add_edge(1, 3, travel_time=-5.0, length=1.0)
    with pytest.raises(LayerError, match="must be finite and >= 0"):
        network.travel_costs(bad, [1], [2])
    missing = street_graph()
    missing.add_edge(1, 3, length=1.0)
    with pytest.raises(LayerError, match="'travel_time' is missing"):
        network.travel_costs(missing, [1], [2])
    with pytest.raises(LayerError, match="directed"):
        network.travel_costs(nx.Graph([(1, 2)]), [1], [2])


# --------------------------------------------------------------------------------------
# truck profile


def test_truck_profile_drops_restricted_edges_and_reports_counts():
    g = tagged_raw_graph()
    out = network.apply_profile(g, "truck", simplify=False)
    assert g.number_of_edges() == 31  # the input is not modified
    assert "travel_time" not in next(iter(g.edges(data=True)))[2]
    assert report_dict(out) == {
        ("hgv=no", "dropped"): 2,
        ("access=private", "dropped"): 2,
        ("maxweight < 26 t", "dropped"): 2,
        ("maxheight < 4 m", "dropped"): 2,
        ("highway=track (not routable)", "dropped"): 2,
        ("service=parking_aisle", "dropped"): 2,
        ("hgv=discouraged", "penalised"): 2,
        ("outside the largest strongly connected component", "dropped"): 1,
    }
    assert network.profile_report(out)["km"].sum() == pytest.approx(15.0)
    assert sorted(out.nodes) == [1, 2, 3, 4, 9, 10, 11, 15]
    assert nx.is_strongly_connected(out)
    tt = {(u, v, d["highway"]): d["travel_time"] for u, v, d in out.edges(data=True)}
    assert tt[1, 2, "residential"] == pytest.approx(1000 / (30 / 3.6))  # 120 s at 30 km/h
    assert tt[2, 3, "primary"] == pytest.approx(1000 / (40 / 3.6))  # 60 km/h capped by maxspeed
    assert tt[1, 9, "residential"] == pytest.approx(120.0)  # hgv=yes beats access=no
    assert tt[2, 10, "residential"] == pytest.approx(120.0)  # maxweight 30 t ≥ 26 t
    assert tt[4, 15, "residential"] == pytest.approx(1000 / (20 / 3.6))  # maxspeed=20
    assert tt[3, 11, "residential"] == pytest.approx(120.0 * 5)  # discouraged: × penalty
    assert network.travel_costs(out, [1], [3])[0, 0] == pytest.approx(120.0 + 90.0)


def test_articulated_truck_is_heavier_and_penalise_mode_keeps_edges():
    g = tagged_raw_graph()
    heavy = network.apply_profile(g, "articulated", simplify=False)
    assert report_dict(heavy)[("maxweight < 40 t", "dropped")] == 4  # 10 t and 30 t ways
    assert 10 not in heavy.nodes

    soft = network.apply_profile(
        g, network.TruckProfile(restrictions="penalise", penalty_factor=3.0), simplify=False
    )
    rep = report_dict(soft)
    for reason in ("hgv=no", "access=private", "maxweight < 26 t", "maxheight < 4 m"):
        assert rep[(reason, "penalised")] == 2
    assert sorted(soft.nodes) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15]
    assert soft[1][5][0]["travel_time"] == pytest.approx(120.0 * 3)
    assert soft[1][5][0]["truck_penalty"] == 3.0

    with pytest.raises(ScenarioError, match="'truck'"):
        network.apply_profile(g, "lorry")
    with pytest.raises(ValueError, match="restrictions must be one of"):
        network.TruckProfile(restrictions="ignore")


def test_profile_speed_table_is_overridable_and_simplifies():
    g = tagged_raw_graph()
    fast = network.TruckProfile(speeds_kmh={**network.TRUCK_SPEEDS_KMH, "residential": 45.0})
    out = network.apply_profile(g, fast)  # simplified (OSMnx) by default
    assert out.graph["simplified"]
    assert out.number_of_nodes() <= 8
    times = network.travel_costs(out, [1], [2])
    assert times[0, 0] == pytest.approx(1000 / (45 / 3.6))


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (parse_weight_t, "7.5", 7.5),
        (parse_weight_t, "3500 kg", 3.5),
        (parse_weight_t, "12;7", 7.0),
        (parse_weight_t, "none", None),
        (parse_length_m, "3,8 m", 3.8),
        (parse_length_m, "13'6\"", 4.1148),
        (parse_length_m, "below_default", 0.0),
        (parse_speed_kmh, "30 mph", 48.28032),
        (parse_speed_kmh, "IL:urban", 50.0),
        (parse_speed_kmh, "signals", None),
    ],
)
def test_tag_parsers(parse, text, expected):
    got = parse(text)
    assert got == (pytest.approx(expected) if expected is not None else None)


def test_unreadable_limits_are_reported_not_applied():
    g = tagged_raw_graph()
    nx.set_edge_attributes(g, {(2, 10, 0): "heavy", (10, 2, 0): "heavy"}, "maxweight")
    out = network.apply_profile(g, simplify=False)
    assert report_dict(out)[("unreadable maxweight (ignored)", "kept")] == 2
    assert 10 in out.nodes


# --------------------------------------------------------------------------------------
# loading files


def test_load_mini_osm():
    g = network.load_osm(MINI, progress=False)
    assert isinstance(g, nx.MultiDiGraph)
    # footway 6-10, parking aisle 4-9, maxheight 5-9, maxweight 6-7, hgv=no 3-11 (and so
    # 11-12), access=private 2-13-3 and the way to the missing node 999 are gone; the
    # two-way chain 2-8-1-4-5 is simplified to one edge each way.
    assert sorted(g.nodes) == [2, 3, 5, 6]
    assert g.number_of_edges() == 8
    assert report_dict(g) == {
        ("node missing from the file (extract boundary)", "dropped"): 2,
        ("hgv=no", "dropped"): 2,
        ("access=private", "dropped"): 4,
        ("service=parking_aisle", "dropped"): 2,
        ("maxheight < 4 m", "dropped"): 2,
        ("maxweight < 26 t", "dropped"): 2,
        ("outside the largest strongly connected component", "dropped"): 2,
    }
    for _, data in g.nodes(data=True):
        assert 35.1 < data["x"] < 35.3
        assert 31.7 < data["y"] < 31.8
    for _, _, data in g.edges(data=True):
        assert data["travel_time"] > 0
        assert data["length"] > 0
    assert g.has_edge(2, 5)  # one-way 2 → 5
    assert g.has_edge(6, 3)  # oneway=-1 drawn 3 → 6
    assert not g.has_edge(3, 6)
    # 5 → 2 only by the chain 5-4-1-8-2: residential at 30 km/h, 1-4 tertiary at maxspeed 20
    from osmnx.distance import great_circle

    lon_m = float(great_circle(31.785, 35.200, 31.785, 35.205))
    lat_m = float(great_circle(31.780, 35.200, 31.785, 35.200))
    lon_m2 = float(great_circle(31.780, 35.200, 31.780, 35.205))
    chain = lon_m / (30 / 3.6) + lat_m / (20 / 3.6) + lon_m2 / (30 / 3.6)
    assert min(d["travel_time"] for d in g[5][2].values()) == pytest.approx(chain, rel=1e-9)
    # … but 5 → 6 → 3 → 2 (all residential at 30 km/h) is faster
    around = (lon_m + lon_m2 + float(great_circle(31.78, 35.21, 31.785, 35.21))) / (30 / 3.6)
    times = network.travel_costs(g, [5, 3], [2, 6])
    assert around < chain
    assert times[0, 0] == pytest.approx(around, rel=1e-9)
    assert np.isfinite(times).all()
    assert g.graph["profile_name"] == "truck"
    assert "26 t" in g.graph["profile"]


def test_osm_bz2_and_graphml_load_the_same_graph(tmp_path):
    ref = network.load_osm(MINI, progress=False)
    edges = sorted((u, v, round(d["travel_time"], 6)) for u, v, d in ref.edges(data=True))

    packed = tmp_path / "mini.osm.bz2"
    packed.write_bytes(bz2.compress(MINI.read_bytes()))
    g = network.load_osm(packed, progress=False)
    assert sorted((u, v, round(d["travel_time"], 6)) for u, v, d in g.edges(data=True)) == edges

    import osmnx as ox

    saved = tmp_path / "mini.graphml"
    ox.save_graphml(ref, saved)
    for profile in (None, "truck"):  # as saved, or the same profile: kept as it is
        g = network.load_osm(saved, profile=profile, progress=False)
        got = sorted((u, v, round(d["travel_time"], 6)) for u, v, d in g.edges(data=True))
        assert got == edges
        assert report_dict(g) == report_dict(ref)
    heavy = network.load_osm(saved, profile="articulated", progress=False)
    assert all(d["travel_time"] > 0 for _, _, d in heavy.edges(data=True))


def test_load_errors_are_siting_errors(tmp_path):
    with pytest.raises(LayerError, match="file not found"):
        network.load_osm(tmp_path / "nowhere.osm.pbf")
    other = tmp_path / "roads.shp"
    other.write_text("x")
    with pytest.raises(LayerError, match=r"unsupported file type \.shp"):
        network.load_osm(other)
    broken = tmp_path / "broken.osm"
    broken.write_text("<osm><way id='1'>")
    with pytest.raises(SitingError, match=r"broken\.osm"):
        network.load_osm(broken, progress=False)
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(LayerError, match="no way with a routable highway"):
        network.load_osm(empty, progress=False)
    with pytest.raises(ScenarioError, match="profile=None"):
        network.load_osm(MINI, profile=None)
    with pytest.raises(ScenarioError, match="profile must be"):
        network.load_osm(MINI, profile="bicycle")
    no_xy = tmp_path / "no_xy.graphml"
    g = street_graph()
    for _, data in g.nodes(data=True):
        del data["x"]
    import osmnx as ox

    ox.save_graphml(g, no_xy)
    with pytest.raises(LayerError, match="no numeric x/y"):
        network.load_osm(no_xy, profile=None)


def test_graph_without_coordinates_is_rejected():
    g = street_graph()
    del g.nodes[3]["y"]
    with pytest.raises(LayerError, match="node 3: no numeric x/y"):
        network.NetworkCostModel(g)
    with pytest.raises(LayerError, match="node 3"):
        network.snap_points(g, lonlat_points([(LON0, LAT0)]))
    with pytest.raises(LayerError, match="node 3"):
        network.apply_profile(g)
    projected = street_graph()
    projected.nodes[1]["x"] = 219_000.0
    with pytest.raises(LayerError, match="not WGS84"):
        network.NetworkCostModel(projected)


# --------------------------------------------------------------------------------------
# snapping and the cost model


def test_snap_points_flags_far_snaps():
    g = street_graph()
    pts = lonlat_points([(LON0 + 0.0002, LAT0 + 0.0001), (LON0 + 0.01, LAT0 + 0.03)])
    snapped = network.snap_points(g, pts, threshold_m=1000.0)
    assert list(snapped.index) == list(pts.index)
    assert list(snapped["node"]) == [1, 5]
    assert snapped["snap_m"].iloc[0] == pytest.approx(21.5, abs=1.0)
    assert snapped["snap_m"].iloc[1] == pytest.approx(2220, rel=0.01)  # 0.02° of latitude
    assert list(snapped["far"]) == [False, True]
    with pytest.raises(LayerError, match="no CRS"):
        network.snap_points(g, gpd.GeoDataFrame(geometry=[Point(0, 0)]))


def test_snap_skips_motorway_only_nodes_and_polygon_modes():
    g = street_graph()
    g.add_node(7, x=LON0 + 0.0001, y=LAT0 - 0.001)
    g.add_edge(7, 1, highway="motorway", travel_time=10.0, length=100.0)
    g.add_edge(1, 7, highway="motorway", travel_time=10.0, length=100.0)
    near7 = lonlat_points([(LON0 + 0.0001, LAT0 - 0.0011)])
    assert network.snap_points(g, near7)["node"].iloc[0] == 1
    assert network.snap_points(g, near7, exclude_highways=())["node"].iloc[0] == 7
    # a large site south of the row 1-2-3: its centroid is nearest 3, its corner nearest 1
    corners = [(-0.001, -0.0002), (0.04, -0.003), (0.04, -0.03), (-0.001, -0.03)]
    site = gpd.GeoDataFrame(
        geometry=[Polygon([(LON0 + dx, LAT0 + dy) for dx, dy in corners])], crs=4326
    )
    centroid = network.snap_points(g, site, polygons="centroid")
    nearest = network.snap_points(g, site, polygons="nearest")
    assert centroid["node"].iloc[0] == 3
    assert nearest["node"].iloc[0] == 1
    assert nearest["snap_m"].iloc[0] == pytest.approx(30, abs=2)  # 0.00027° of latitude
    assert nearest["snap_m"].iloc[0] < centroid["snap_m"].iloc[0]
    with pytest.raises(ScenarioError, match="'centroid', 'nearest'"):
        network.snap_points(g, site, polygons="middle")


def test_network_cost_model_implements_the_cost_model_protocol():
    g = street_graph()
    model = network.NetworkCostModel(g)
    assert isinstance(model, CostModel)
    assert isinstance(CrowFlyModel(), CostModel)
    assert model.name == "osm-network"
    assert not model.approximate
    assert "road network" in model.describe()
    origins = lonlat_points([(LON0, LAT0), (LON0 + 0.02, LAT0 + 0.01)], ids=["o1", "o6"])
    dests = lonlat_points([(LON0 + 0.01, LAT0 + 0.01), (LON0 + 0.05, LAT0)], ids=["d5", "d9"])
    m = model.matrix(origins, dests.to_crs(2039))  # any CRS: snapped in EPSG:2039
    assert m.minutes.shape == m.km.shape == (2, 2)
    assert list(m.origin_ids) == ["o1", "o6"]
    assert list(m.destination_ids) == ["d5", "d9"]
    assert m.model == "osm-network"
    assert not m.approximate
    # o1 → d5: 1 → 2 (45 s on the 1.2 km parallel edge) → 5 (80 s, 950 m)
    assert m.minutes[0, 0] == pytest.approx(125.0 / 60.0)
    assert m.km[0, 0] == pytest.approx(2.15)
    assert m.minutes[1, 0] == pytest.approx((90.0 + 40.0 + 80.0) / 60.0)
    assert np.isinf(m.minutes[:, 1]).all()  # the island
    assert np.isinf(m.km[:, 1]).all()
    assert m.n_unreachable == 2
    assert m.details["n_unreachable"] == 2
    assert m.details["unreachable_pairs"] == [("o1", "d9"), ("o6", "d9")]
    assert list(m.details["destination_nodes"]) == [5, 9]
    from siting.decide.scenario import SNAP_DETAIL

    assert m.details[SNAP_DETAIL] == pytest.approx([0.0, 0.0], abs=0.01)
    assert m.details["far_origins"] == []


def test_network_cost_model_far_snaps():
    g = street_graph()
    origins = lonlat_points([(LON0, LAT0), (LON0, LAT0 + 0.05)], ids=[1, 2])  # 2: 4.4 km off
    dests = lonlat_points([(LON0 + 0.01, LAT0)], ids=["s"])
    flagged = network.NetworkCostModel(g).matrix(origins, dests)
    assert flagged.details["far_origins"] == [2]
    assert np.isfinite(flagged.minutes).all()
    strict = network.NetworkCostModel(g, far_snap="unreachable").matrix(origins, dests)
    assert np.isinf(strict.minutes[1]).all()
    assert np.isfinite(strict.minutes[0]).all()
    assert strict.n_unreachable == 1
    with pytest.raises(ScenarioError, match="far_snap must be one of"):
        network.NetworkCostModel(g, far_snap="ignore")


# --------------------------------------------------------------------------------------
# routes and isochrones


def test_route_geometries():
    g = street_graph()
    routes = network.route_geometries(g, [6, 1, 4, 1], [5, 3, 4, 9])
    assert routes.crs.to_epsg() == 4326
    assert list(routes["origin_node"]) == [6, 1, 4, 1]
    # 6 → 3 → 2 → 5
    line = routes.geometry.iloc[0]
    assert list(line.coords) == [(g.nodes[n]["x"], g.nodes[n]["y"]) for n in (6, 3, 2, 5)]
    assert routes["minutes"].iloc[0] == pytest.approx(210.0 / 60.0)
    assert routes["km"].iloc[0] == pytest.approx(3 * 0.95)
    costs = network.travel_costs(g, [6, 1, 4], [5, 3, 4])
    assert routes["cost"].iloc[:3].to_numpy() == pytest.approx(np.diag(costs))
    assert routes.geometry.iloc[2].length == 0.0  # same node: a zero-length line
    assert routes.geometry.iloc[3] is None  # unreachable
    assert np.isinf(routes["cost"].iloc[3])
    with pytest.raises(ValueError, match="pair up"):
        network.route_geometries(g, [1, 2], [3])

    model = network.NetworkCostModel(g)
    origins = lonlat_points([(LON0 + 0.02, LAT0 + 0.01)], ids=["o6"])
    dests = lonlat_points([(LON0 + 0.01, LAT0 + 0.01)], ids=["d5"])
    out = model.routes(origins, dests, {"o6": "d5"})
    assert list(out.columns[:2]) == ["origin_id", "destination_id"]
    assert out["minutes"].iloc[0] == pytest.approx(3.5)
    with pytest.raises(LayerError, match="origin id 'x'"):
        model.routes(origins, dests, {"x": "d5"})


def test_isochrones_are_nested_and_directional():
    g = street_graph()
    iso = network.isochrones(g, [5], minutes=[1.0, 2.5], direction="to", buffer_m=50.0)
    assert list(iso["minutes"]) == [1.0, 2.5]
    assert iso.crs.to_epsg() == 4326
    small, large = iso.geometry.iloc[0], iso.geometry.iloc[1]
    assert large.buffer(1e-9).contains(small)
    assert iso["area_km2"].iloc[0] < iso["area_km2"].iloc[1]

    def inside(poly, n):
        return poly.contains(Point(g.nodes[n]["x"], g.nodes[n]["y"]))

    assert inside(small, 5)
    assert inside(small, 4)  # 4 → 5 in 60 s
    assert not inside(small, 6)  # 6 → 5 takes 210 s
    assert inside(large, 1)  # 1 → 2 → 5 in 125 s
    assert not inside(large, 6)
    assert not inside(large, 9)
    # from the site instead: 5 → 6 takes 50 s
    away = network.isochrones(g, [5], minutes=[1.0], direction="from", buffer_m=50.0)
    assert inside(away.geometry.iloc[0], 6)
    with pytest.raises(ValueError, match="direction"):
        network.isochrones(g, [5], direction="both")

    sites = lonlat_points([(LON0 + 0.01, LAT0 + 0.01)], ids=["S"])
    by_model = network.NetworkCostModel(g).isochrones(sites, minutes=[1.0, 2.5])
    assert list(by_model["site_id"]) == ["S", "S"]


# --------------------------------------------------------------------------------------
# the real Jerusalem extract (../shared/data)


@pytest.fixture(scope="module")
def jerusalem() -> nx.MultiDiGraph:
    path = require_shared("osm", "jerusalem_2016.osm.pbf")
    return network.load_osm(path, progress=False)


@pytest.mark.shared
def test_jerusalem_pbf_loads_a_plausible_truck_graph(jerusalem):
    g = jerusalem
    assert 9_000 <= g.number_of_nodes() <= 16_000
    assert 18_000 <= g.number_of_edges() <= 40_000
    xy = np.array([(d.get("x", np.nan), d.get("y", np.nan)) for _, d in g.nodes(data=True)])
    assert np.isfinite(xy).all()
    assert (xy[:, 0] > 35.1).all()
    assert (xy[:, 0] < 35.33).all()
    assert (xy[:, 1] > 31.69).all()
    assert (xy[:, 1] < 31.91).all()
    tt = np.array([d["travel_time"] for _, _, d in g.edges(data=True)])
    length = np.array([d["length"] for _, _, d in g.edges(data=True)])
    assert (tt > 0).all()
    assert (length >= 0).all()  # 0 m where two OSM nodes share a position
    speed_kmh = length / tt * 3.6
    assert speed_kmh.max() <= 80.0 + 1e-6  # trucks: 80 km/h at most (R1)
    assert 15.0 < np.median(speed_kmh) < 60.0
    assert nx.is_strongly_connected(g)
    rep = report_dict(g)
    assert rep[("outside the largest strongly connected component", "dropped")] > 0
    assert rep[("access=no", "dropped")] > 0  # e.g. the military patrol road
    assert rep[("service=parking_aisle", "dropped")] > 0


@pytest.mark.shared
def test_jerusalem_matrix_against_networkx_and_cost_model(jerusalem):
    g = jerusalem
    rng = np.random.default_rng(0)
    nodes = np.array(list(g.nodes))
    o = rng.choice(nodes, 40).tolist()
    d = rng.choice(nodes, 6).tolist()
    got = network.travel_costs(g, o, d)
    assert np.isfinite(got).all()  # one strongly connected component
    reverse = nx.DiGraph()
    for u, v, w in g.edges(data="travel_time"):
        if not reverse.has_edge(v, u) or reverse[v][u]["w"] > w:
            reverse.add_edge(v, u, w=w)
    for j, t in enumerate(d):
        dist = nx.single_source_dijkstra_path_length(reverse, t, weight="w")
        np.testing.assert_allclose(got[:, j], [dist[s] for s in o], rtol=0, atol=1e-6)

    # localities-like points: Jaffa Gate, Givat Shaul industrial zone, Talpiot
    pts = lonlat_points([(35.2276, 31.7767), (35.1920, 31.7890), (35.2150, 31.7530)])
    m = network.NetworkCostModel(g).matrix(pts, pts)
    assert np.isfinite(m.minutes).all()
    assert np.all(np.diag(m.minutes) == 0)
    off = m.minutes[~np.eye(3, dtype=bool)]
    assert (off > 2).all()
    assert (off < 40).all()
    assert (m.details["destination_snap_m"] < 500).all()
    crow = CrowFlyModel().matrix(pts, pts).km / 1.3  # straight-line km
    assert (m.km[~np.eye(3, dtype=bool)] >= crow[~np.eye(3, dtype=bool)]).all()


def test_default_cache_dir(monkeypatch, tmp_path):
    """Downloads are never run in tests; only where they would be cached is checked."""
    monkeypatch.setenv("SITING_CACHE_DIR", str(tmp_path / "c"))
    assert network.default_cache_dir() == tmp_path / "c"
    monkeypatch.delenv("SITING_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert network.default_cache_dir() == tmp_path / "siting" / "osm"


def test_progress_bar_can_be_switched_on_and_off(capsys):
    network.load_osm(MINI, progress=False)
    assert capsys.readouterr().err == ""
    network.load_osm(MINI, progress=True)
    assert "road network mini.osm" in capsys.readouterr().err


def test_network_cost_model_refuses_a_network_that_misses_the_region():
    g = street_graph()
    g.graph["source"] = "street.osm"
    near = lonlat_points([(LON0, LAT0)], ids=["a"])
    far = lonlat_points([(LON0 + 0.3, LAT0 + 0.3), (LON0 - 0.3, LAT0 + 0.2)], ids=["b", "c"])
    with pytest.raises(
        LayerError, match=r"street.osm does not cover the region: 2 of 3 points"
    ) as e:
        network.NetworkCostModel(g).matrix(near, far)
    assert "0 of 1 origins, 2 of 2 destinations" in str(e.value)
    assert "more than 1000 m" in str(e.value)
    # the same points are accepted when the share is allowed, and flagged
    m = network.NetworkCostModel(g, max_far_share=1.0).matrix(near, far)
    assert m.details["far_destinations"] == ["b", "c"]
    with pytest.raises(ScenarioError, match="max_far_share"):
        network.NetworkCostModel(g, max_far_share=1.5)


@pytest.mark.shared
def test_jerusalem_extract_is_refused_for_the_mishor_hahof_region(jerusalem):
    """Today's trap: a city extract under a rural cluster 80 km away snapped every point to a
    few edge nodes and reported exact figures.  Now the model refuses it, with the counts."""
    from siting.sources.embedded import default_region

    loc = default_region("mishor-hahof").member_localities()
    with pytest.raises(LayerError, match=r"does not cover the region: \d+ of \d+ points") as e:
        network.NetworkCostModel(jerusalem).matrix(loc, loc.iloc[:5])
    assert "jerusalem_2016.osm.pbf" in str(e.value)
    assert re.search(r"median (\d+\.\d) km", str(e.value))
    assert float(re.search(r"median (\d+\.\d) km", str(e.value)).group(1)) > 30
