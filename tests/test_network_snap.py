"""Edge snapping: points join the nearest usable edge, split there, with an access leg.

The reference is independent: NetworkX's Dijkstra on a copy of the graph in which every
snapped edge (and its reverse twin) is really split at its points, plus the access legs
at the documented speed.  Checked on hand-built graphs with hand-computed figures, on
random graphs, and on the real Jerusalem extract.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

from siting import network
from siting.network._access import ACCESS_SPEED_KMH
from tests.conftest import require_shared

LON0, LAT0 = 35.20, 31.78
V_ACCESS = ACCESS_SPEED_KMH / 3.6  # m/s


def pts(coords, ids=None) -> gpd.GeoDataFrame:
    ids = ids if ids is not None else [f"p{i}" for i in range(len(coords))]
    return gpd.GeoDataFrame({"id": ids}, geometry=[Point(c) for c in coords], crs=4326)


def split_reference(graph, snap_o, snap_d) -> tuple[np.ndarray, np.ndarray]:
    """Seconds and metres between snapped points on the graph with the edges split.

    Each snapped edge ``u → v`` (the key a point snapped to) is replaced by the chain
    ``u → p1 → … → v`` through its points in order of their fraction; the reverse twin
    (``v → u`` with the same length) by the reverse chain.  Parallel edges stay.
    """
    g = nx.MultiDiGraph()
    g.add_nodes_from(graph.nodes)
    snapped_keys = set()
    on_edge: dict[tuple, list[tuple[float, object]]] = {}
    rows = [("o", i, r) for i, r in enumerate(snap_o.itertuples())]
    rows += [("d", j, r) for j, r in enumerate(snap_d.itertuples())]

    def twin_key(u, v, k):
        length = graph[u][v][k]["length"]
        keys = [
            kk
            for kk, dd in (graph[v][u].items() if graph.has_edge(v, u) else ())
            if (u != v or kk != k) and abs(dd["length"] - length) <= 0.5 + 1e-3 * length
        ]
        return min(keys, key=lambda kk: graph[v][u][kk]["length"]) if keys else None

    for kind, i, r in rows:
        edge, frac = (r.u, r.v, r.key), r.fraction
        tk = twin_key(*edge)
        if tk is not None and repr((r.v, r.u, tk)) < repr(edge):  # one name per road
            edge, frac = (r.v, r.u, tk), 1.0 - frac
        on_edge.setdefault(edge, []).append((frac, (kind, i)))
    for (u, v, k), members in on_edge.items():
        data = graph[u][v][k]
        tk = twin_key(u, v, k)
        twin = [] if tk is None else [tk]
        snapped_keys.add((u, v, k))
        chain = [(0.0, u), *sorted(members, key=lambda m: m[0]), (1.0, v)]
        for (fa, a), (fb, b) in itertools.pairwise(chain):
            g.add_edge(a, b, w=(fb - fa) * data["travel_time"], m=(fb - fa) * data["length"])
        if twin:
            snapped_keys.add((v, u, tk))
            tdata = graph[v][u][tk]
            for (fa, a), (fb, b) in itertools.pairwise(chain[::-1]):  # fa >= fb
                share = fa - fb
                g.add_edge(a, b, w=share * tdata["travel_time"], m=share * tdata["length"])
    for u, v, k, d in graph.edges(keys=True, data=True):
        if (u, v, k) not in snapped_keys:
            g.add_edge(u, v, w=d["travel_time"], m=d["length"])
    simple = nx.DiGraph()
    for a, b, d in g.edges(data=True):
        if not simple.has_edge(a, b) or (d["w"], d["m"]) < (simple[a][b]["w"], simple[a][b]["m"]):
            simple.add_edge(a, b, w=d["w"], m=d["m"])
    # points on the same snapped edge at the same fraction are one place
    for members in on_edge.values():
        for (fa, a), (fb, b) in itertools.combinations(members, 2):
            if fa == fb:
                for x, y in ((a, b), (b, a)):
                    simple.add_edge(x, y, w=0.0, m=0.0)
    sec = np.full((len(snap_o), len(snap_d)), np.inf)
    met = np.full_like(sec, np.inf)
    for i in range(len(snap_o)):
        if ("o", i) not in simple:
            continue
        dist, paths = nx.single_source_dijkstra(simple, ("o", i), weight="w")
        for j in range(len(snap_d)):
            t = ("d", j)
            if t in dist:
                sec[i, j] = dist[t]
                met[i, j] = sum(simple[a][b]["m"] for a, b in itertools.pairwise(paths[t]))
    sec += snap_o["snap_m"].to_numpy()[:, None] / V_ACCESS
    sec += snap_d["snap_m"].to_numpy()[None, :] / V_ACCESS
    met += snap_o["snap_m"].to_numpy()[:, None] + snap_d["snap_m"].to_numpy()[None, :]
    return sec, met


def line_graph() -> nx.MultiDiGraph:
    """::

    4
    |  (two-way, 60 s)
    1 ==== 2 ---> 3      1 = 2 two-way 100 s / 1000 m; 2 → 3 one-way 100 s / 1000 m
                         3 - 4 two-way 300 s (back road)
    """
    g = nx.MultiDiGraph(crs="epsg:4326")
    for n, (dx, dy) in {1: (0, 0), 2: (0.01, 0), 3: (0.02, 0), 4: (0, 0.005)}.items():
        g.add_node(n, x=LON0 + dx, y=LAT0 + dy)
    for u, v, s, m in [(1, 2, 100.0, 1000.0), (2, 1, 100.0, 1000.0), (2, 3, 100.0, 1000.0)]:
        g.add_edge(u, v, highway="residential", travel_time=s, length=m)
    for u, v in [(1, 4), (4, 1)]:
        g.add_edge(u, v, highway="residential", travel_time=60.0, length=555.0)
    for u, v in [(3, 4), (4, 3)]:
        g.add_edge(u, v, highway="residential", travel_time=300.0, length=2000.0)
    return g


def test_points_snap_to_the_nearest_edge_and_drive_from_there():
    g = line_graph()
    # a: 30 % along 1 → 2, 111 m north of it; b: 50 % along 2 → 3 (one-way), on it
    a, b = (LON0 + 0.003, LAT0 + 0.001), (LON0 + 0.015, LAT0)
    snap = network.snap_points(g, pts([a, b]), to="edge")
    assert list(snap["u"]) == [1, 2] or list(snap["u"]) == [2, 2]
    row_a = snap.iloc[0]
    frac_12 = row_a["fraction"] if row_a["u"] == 1 else 1 - row_a["fraction"]
    assert frac_12 == pytest.approx(0.3, abs=0.005)
    assert row_a["snap_m"] == pytest.approx(111.2, abs=1.0)  # 0.001° of latitude
    node_snap = network.snap_points(g, pts([a]))
    assert node_snap["snap_m"].iloc[0] > 280  # the nearest NODE is 1, ≈ 300 m away
    assert snap.iloc[1]["fraction"] == pytest.approx(0.5, abs=0.005)
    assert snap.iloc[1]["snap_m"] == pytest.approx(0.0, abs=0.5)

    m = network.NetworkCostModel(g).matrix(pts([a, b]), pts([a, b]))
    access_a = row_a["snap_m"] / V_ACCESS
    # a → b: 70 % of 1 → 2 (70 s), half of 2 → 3 (50 s), access at a
    assert m.minutes[0, 1] * 60 == pytest.approx(70.0 + 50.0 + access_a, abs=0.5)
    assert m.km[0, 1] * 1000 == pytest.approx(700 + 500 + row_a["snap_m"], abs=5)
    # b → a: 2 → 3 is one-way: on to 3, the back road to 4, then 4 → 1 and 30 % of 1 → 2
    assert m.minutes[1, 0] * 60 == pytest.approx(50.0 + 300.0 + 60.0 + 30.0 + access_a, abs=0.5)
    assert np.diag(m.minutes).tolist() == [0.0, 0.0]
    assert m.details["destination_snap_m"][0] == pytest.approx(row_a["snap_m"])
    assert m.details["snap_to"] == "edge"
    assert "access leg at 20 km/h" in m.description
    # the former node snapping is still available, with no access leg
    old = network.NetworkCostModel(g, snap_to="node").matrix(pts([a, b]), pts([a, b]))
    assert old.details["snap_to"] == "node"
    assert old.minutes[0, 1] * 60 == pytest.approx(100.0, abs=0.01)  # 1 → 2, from node to node


def test_points_on_one_edge_take_the_direct_drive():
    g = line_graph()
    first, later = (LON0 + 0.012, LAT0), (LON0 + 0.018, LAT0)  # 20 % and 80 % of 2 → 3
    m = network.NetworkCostModel(g).matrix(pts([first, later]), pts([first, later]))
    assert m.minutes[0, 1] * 60 == pytest.approx(60.0, abs=0.5)  # along the one-way
    # against the one-way: on to 3, back road, 4 → 1, 1 → 2, then 20 % of 2 → 3
    assert m.minutes[1, 0] * 60 == pytest.approx(20 + 300 + 60 + 100 + 20, abs=0.5)


def test_motorway_edges_are_not_snap_targets():
    g = line_graph()
    g.add_node(9, x=LON0 + 0.01, y=LAT0 + 0.002)
    g.add_node(8, x=LON0 + 0.02, y=LAT0 + 0.002)
    for u, v in [(9, 8), (8, 9)]:
        g.add_edge(u, v, highway="motorway", travel_time=10.0, length=950.0)
    for u, v in [(9, 2), (2, 9), (8, 3), (3, 8)]:
        g.add_edge(u, v, highway="motorway_link", travel_time=10.0, length=222.0)
    near_motorway = pts([(LON0 + 0.015, LAT0 + 0.0019)])
    s = network.snap_points(g, near_motorway, to="edge")
    assert {s["u"].iloc[0], s["v"].iloc[0]} == {3, 4}  # the back road, ≈ 70 m away
    anywhere = network.snap_points(g, near_motorway, to="edge", exclude_highways=())
    assert {anywhere["u"].iloc[0], anywhere["v"].iloc[0]} == {8, 9}


def random_graph(seed: int) -> nx.MultiDiGraph:
    rng = np.random.default_rng(seed)
    g = nx.MultiDiGraph(crs="epsg:4326")
    n = 6
    for i, j in itertools.product(range(n), range(n)):
        jitter = rng.uniform(-0.002, 0.002, 2)
        g.add_node(i * n + j, x=LON0 + 0.01 * i + jitter[0], y=LAT0 + 0.01 * j + jitter[1])
    for i, j in itertools.product(range(n), range(n)):
        for di, dj in ((1, 0), (0, 1)):
            if i + di >= n or j + dj >= n or rng.random() < 0.15:
                continue
            a, b = i * n + j, (i + di) * n + (j + dj)
            length = float(rng.uniform(900, 1400))
            kind = rng.random()
            ab, ba = (a, b) if rng.random() < 0.5 else (b, a)
            g.add_edge(ab, ba, travel_time=float(rng.uniform(40, 200)), length=length)
            if kind > 0.3:  # two-way, with its own (directional) time
                g.add_edge(ba, ab, travel_time=float(rng.uniform(40, 200)), length=length)
    return g


@pytest.mark.parametrize("seed", range(6))
def test_edge_snapped_matrix_matches_networkx_on_the_split_graph(seed):
    g = random_graph(seed)
    rng = np.random.default_rng(100 + seed)
    o = pts(
        np.column_stack([rng.uniform(LON0, LON0 + 0.05, 12), rng.uniform(LAT0, LAT0 + 0.05, 12)])
    )
    k = 3 if seed % 2 else 15  # fewer destinations (reverse search) or more (forward)
    d = pts(np.column_stack([rng.uniform(LON0, LON0 + 0.05, k), rng.uniform(LAT0, LAT0 + 0.05, k)]))
    d = gpd.GeoDataFrame(pd_concat(d, o.iloc[:2]), crs=4326)  # shared places too
    model = network.NetworkCostModel(g, max_far_share=1.0)
    m = model.matrix(o, d)
    want_s, want_m = split_reference(g, model.snap(o, "o"), model.snap(d, "d"))
    for i, j in network_same_places(o, d):
        want_s[i, j] = want_m[i, j] = 0.0
    np.testing.assert_array_equal(np.isinf(m.minutes), np.isinf(want_s))
    fin = np.isfinite(want_s)
    np.testing.assert_allclose(m.minutes[fin] * 60, want_s[fin], rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.km[fin] * 1000, want_m[fin], rtol=0, atol=1e-6)


def pd_concat(a, b):
    import pandas as pd

    return pd.concat([a, b], ignore_index=True)


def network_same_places(o, d):
    oc = [(p.x, p.y) for p in o.geometry]
    dc = [(p.x, p.y) for p in d.geometry]
    return [(i, j) for i, p in enumerate(oc) for j, q in enumerate(dc) if p == q]


# --------------------------------------------------------------------------------------
# the real Jerusalem extract


@pytest.fixture(scope="module")
def jerusalem() -> nx.MultiDiGraph:
    return network.load_osm(require_shared("osm", "jerusalem_2016.osm.pbf"), progress=False)


@pytest.mark.shared
def test_jerusalem_edge_snapping_against_networkx_with_the_split_edges(jerusalem):
    g = jerusalem
    rng = np.random.default_rng(7)
    nodes = np.array([(d["x"], d["y"]) for _, d in g.nodes(data=True)])
    centre = nodes[rng.choice(len(nodes), 20)] + rng.uniform(-0.002, 0.002, (20, 2))
    o, d = pts(centre[:16]), pts(centre[16:])
    model = network.NetworkCostModel(g)
    m = model.matrix(o, d)
    so, sd = model.snap(o, "o"), model.snap(d, "d")
    want_s, want_m = split_reference(g, so, sd)
    np.testing.assert_allclose(m.minutes * 60, want_s, rtol=0, atol=1e-6)
    np.testing.assert_allclose(m.km * 1000, want_m, rtol=0, atol=1e-6)
    # the nearest edge is never farther than the nearest node
    by_node = network.snap_points(g, o)["snap_m"].to_numpy()
    assert (so["snap_m"].to_numpy() <= by_node + 1e-6).all()
    assert (so["snap_m"].to_numpy() < by_node - 1).mean() > 0.5
    np.testing.assert_allclose(m.details["origin_snap_m"], so["snap_m"])


@pytest.mark.shared
def test_jerusalem_profiles_remove_different_edges(jerusalem):
    """The 2016 extract tags no maxweight/maxlength, only two maxheight values (2.9 m and
    4.4 m), so the 26 t compactor and the 40 t articulated truck (both 4 m high) lose the
    same edges there (their weight difference is tested on hand-built graphs); a lower
    vehicle keeps the 2.9 m underpass the trucks lose."""
    path = require_shared("osm", "jerusalem_2016.osm.pbf")
    articulated = network.load_osm(path, profile="articulated", progress=False)
    van = network.Vehicle("3.5 t van", weight_t=3.5, height_m=2.6, width_m=2.0, length_m=6.0)
    low = network.load_osm(path, network.TruckProfile(vehicle=van, name="van"), progress=False)
    reasons = {
        name: set(network.profile_report(g)["reason"])
        for name, g in (("compactor", jerusalem), ("articulated", articulated), ("van", low))
    }
    assert "maxheight < 4 m" in reasons["compactor"]
    assert "maxheight < 4 m" in reasons["articulated"]
    assert not any(r.startswith("maxheight") for r in reasons["van"])
    assert low.number_of_edges() >= jerusalem.number_of_edges()
    assert "articulated" in articulated.graph["profile"]
