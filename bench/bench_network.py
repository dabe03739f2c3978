"""Benchmark: siting.network matrices against plain NetworkX on the Jerusalem graph.

Not a test.  Run from the project root::

    python bench/bench_network.py [--pbf PATH] [--origins 3000] [--destinations 200] [--seed 0]

It loads ``../shared/data/osm/jerusalem_2016.osm.pbf`` with the truck profile
(drivable, simplified) and prints, from one run, two comparisons.

**Edge snapping** (what :class:`~siting.network.NetworkCostModel` does): seeded
random points within ≈ 200 m of the roads join their nearest usable edge, split
there, with a straight access leg at 20 km/h.

* ``siting.network.snapped_travel_costs`` (best of two calls; snapping included),
* the NetworkX reference: a ``DiGraph`` in which every snapped edge (and its
  reverse twin) is really split at its points, ``nx.single_source_dijkstra_path_length``
  from each destination point on the reversed graph, plus the access legs
  (building the split graph is not timed),
* their ratio and maximum difference, and the time of the full
  ``NetworkCostModel.matrix`` call (minutes and km) for information.

**Node to node** (the engine alone): seeded random origin and destination nodes,

* the time of ``siting.network.travel_costs`` (best of two calls; the graph's
  CSR form is prepared by the first call and reused by the second, as in a
  scenario sweep; the first call's time is printed too),
* the time of the plain NetworkX approach: a ``DiGraph`` holding the minimum
  ``travel_time`` of parallel edges, ``nx.single_source_dijkstra_path_length``
  from each destination on the reversed graph (building the DiGraph is not
  timed),
* their ratio and the maximum absolute difference of the two matrices,
* peak memory: the extra memory the matrix call allocates (``tracemalloc``,
  measured in a separate, untimed call) and the process's peak RSS,
* node and edge counts and what the truck profile removed.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time
import tracemalloc
from pathlib import Path

import networkx as nx
import numpy as np

from siting import network

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PBF = ROOT.parent / "shared" / "data" / "osm" / "jerusalem_2016.osm.pbf"


def networkx_matrix(
    graph: nx.MultiDiGraph, origins: list, destinations: list
) -> tuple[np.ndarray, float]:
    """The reference: Dijkstra from each destination on the reversed min-weight DiGraph.

    Returns the matrix and the time of the Dijkstra loop (building the DiGraph is not timed).
    """
    simple = _min_digraph(graph)
    reverse = simple.reverse(copy=False)
    out = np.full((len(origins), len(destinations)), np.inf)
    t0 = time.perf_counter()
    for j, d in enumerate(destinations):
        dist = nx.single_source_dijkstra_path_length(reverse, d, weight="travel_time")
        out[:, j] = [dist.get(o, np.inf) for o in origins]
    return out, time.perf_counter() - t0


def split_digraph(graph: nx.MultiDiGraph, snap_o, snap_d) -> nx.DiGraph:
    """Min-weight DiGraph with every snapped edge split at its points.

    Origins are nodes ``("o", i)``, destinations ``("d", j)``.  A point snapped to
    the twin of an edge is placed on the edge itself at ``1 - fraction``.
    """

    def twin_key(u, v, k):
        length = graph[u][v][k]["length"]
        keys = [
            kk
            for kk, dd in (graph[v][u].items() if graph.has_edge(v, u) else ())
            if (u != v or kk != k) and abs(dd["length"] - length) <= 0.5 + 1e-3 * length
        ]
        return min(keys, key=lambda kk: graph[v][u][kk]["length"]) if keys else None

    on_edge: dict[tuple, list] = {}
    for kind, frame in (("o", snap_o), ("d", snap_d)):
        for i, r in enumerate(frame.itertuples()):
            edge, frac = (r.u, r.v, r.key), r.fraction
            tk = twin_key(*edge)
            if tk is not None and repr((r.v, r.u, tk)) < repr(edge):
                edge, frac = (r.v, r.u, tk), 1.0 - frac
            on_edge.setdefault(edge, []).append((frac, (kind, i)))
    simple = nx.DiGraph()
    simple.add_nodes_from(graph.nodes)

    def add(a, b, w):
        if not simple.has_edge(a, b) or simple[a][b]["travel_time"] > w:
            simple.add_edge(a, b, travel_time=w)

    split = set()
    for (u, v, k), members in on_edge.items():
        chain = [(0.0, u), *sorted(members, key=lambda m: m[0]), (1.0, v)]
        w = graph[u][v][k]["travel_time"]
        split.add((u, v, k))
        for (fa, a), (fb, b) in itertools.pairwise(chain):
            add(a, b, (fb - fa) * w)
        tk = twin_key(u, v, k)
        if tk is not None:
            split.add((v, u, tk))
            tw = graph[v][u][tk]["travel_time"]
            back = chain[::-1]
            for (fa, a), (fb, b) in itertools.pairwise(back):
                add(a, b, (fa - fb) * tw)
    for u, v, k, w in graph.edges(keys=True, data="travel_time"):
        if (u, v, k) not in split:
            add(u, v, w)
    return simple


def networkx_points(simple: nx.DiGraph, n_o: int, n_d: int) -> tuple[np.ndarray, float]:
    """Dijkstra from each destination point on the reversed split graph (timed)."""
    reverse = simple.reverse(copy=False)
    out = np.full((n_o, n_d), np.inf)
    origins = [("o", i) for i in range(n_o)]
    t0 = time.perf_counter()
    for j in range(n_d):
        dist = nx.single_source_dijkstra_path_length(reverse, ("d", j), weight="travel_time")
        out[:, j] = [dist.get(o, np.inf) for o in origins]
    return out, time.perf_counter() - t0


def _min_digraph(graph: nx.MultiDiGraph) -> nx.DiGraph:
    simple = nx.DiGraph()
    simple.add_nodes_from(graph.nodes)
    for u, v, w in graph.edges(data="travel_time"):
        if not simple.has_edge(u, v) or simple[u][v]["travel_time"] > w:
            simple.add_edge(u, v, travel_time=w)
    return simple


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pbf", type=Path, default=DEFAULT_PBF)
    ap.add_argument("--origins", type=int, default=3000)
    ap.add_argument("--destinations", type=int, default=200)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--n-jobs", type=int, default=1, help="worker processes for travel_costs (default 1)"
    )
    args = ap.parse_args(argv)
    if not args.pbf.exists():
        print(f"missing {args.pbf} (the ../shared/data reference data)", file=sys.stderr)
        return 2

    t0 = time.perf_counter()
    graph = network.load_osm(args.pbf, profile="truck", progress=False)
    load_s = time.perf_counter() - t0
    print(f"graph: {args.pbf.name}, truck profile, simplified")
    print(f"  nodes {graph.number_of_nodes():,}  edges {graph.number_of_edges():,}")
    print(f"  load_osm: {load_s:.1f} s")
    print("  removed by the profile (directed edge segments, km):")
    for row in network.profile_report(graph).itertuples(index=False):
        print(f"    {row.reason:<52} {row.action:<9} {row.edges:>6}  {row.km:>8.1f}")
    ok = edge_snapping(graph, args) & node_to_node(graph, args)
    network.shutdown_workers()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"peak RSS of the whole run: {peak_rss_mb:.0f} MB")
    if not ok:
        print("MISMATCH against NetworkX", file=sys.stderr)
    return 0 if ok else 1


def _points(graph: nx.MultiDiGraph, n: int, rng: np.random.Generator):
    import geopandas as gpd
    from shapely.geometry import Point

    xy = np.array([(d["x"], d["y"]) for _, d in graph.nodes(data=True)])
    c = xy[rng.choice(len(xy), n)] + rng.uniform(-0.002, 0.002, (n, 2))  # ≈ ±200 m
    return gpd.GeoDataFrame({"id": range(n)}, geometry=[Point(p) for p in c], crs=4326)


def edge_snapping(graph: nx.MultiDiGraph, args: argparse.Namespace) -> bool:
    rng = np.random.default_rng(args.seed)
    o, d = _points(graph, args.origins, rng), _points(graph, args.destinations, rng)
    times = []
    ours = None
    for _ in range(2):
        t0 = time.perf_counter()
        ours = network.snapped_travel_costs(graph, o, d, n_jobs=args.n_jobs)
        times.append(time.perf_counter() - t0)
    ours_s = min(times)
    t0 = time.perf_counter()
    full = network.NetworkCostModel(graph, n_jobs=args.n_jobs).matrix(o, d)
    model_s = time.perf_counter() - t0
    so = network.snap_points(graph, o, to="edge")
    sd = network.snap_points(graph, d, to="edge")
    ref, nx_s = networkx_points(split_digraph(graph, so, sd), len(o), len(d))
    v = network.ACCESS_SPEED_KMH / 3.6
    ref += so["snap_m"].to_numpy()[:, None] / v + sd["snap_m"].to_numpy()[None, :] / v
    assert ours is not None
    same_inf = bool(np.array_equal(np.isinf(ours), np.isinf(ref)))
    fin = np.isfinite(ref)
    max_diff = float(np.max(np.abs(ours[fin] - ref[fin]))) if fin.any() else 0.0
    model_diff = float(np.max(np.abs(full.minutes[fin] * 60 - ref[fin]))) if fin.any() else 0.0
    print(
        f"edge snapping: {len(o):,} origin x {len(d):,} destination points within ≈ 200 m "
        f"of the roads (seed {args.seed})"
    )
    print(
        f"  snap distance       : median {np.median(so['snap_m']):.0f} m, "
        f"max {so['snap_m'].max():.0f} m (to the nearest node: median "
        f"{np.median(network.snap_points(graph, o)['snap_m']):.0f} m)"
    )
    print(
        f"  siting snapped_travel_costs: {ours_s:.3f} s (best of 2, n_jobs={args.n_jobs}; calls: "
        + ", ".join(f"{t:.3f}" for t in times)
        + " s)"
    )
    print(f"  networkx, split edges     : {nx_s:.3f} s")
    print(f"  ratio                     : {nx_s / ours_s:.1f}x")
    print(f"  max abs difference        : {max_diff:.3g} s (same unreachable pairs: {same_inf})")
    print(
        f"  NetworkCostModel.matrix   : {model_s:.3f} s (minutes and km; max abs difference "
        f"{model_diff:.3g} s)"
    )
    return max_diff < 1e-6 and model_diff < 1e-6 and same_inf


def node_to_node(graph: nx.MultiDiGraph, args: argparse.Namespace) -> bool:
    nodes = np.array(list(graph.nodes))
    rng = np.random.default_rng(args.seed)
    origins = rng.choice(nodes, args.origins).tolist()
    destinations = rng.choice(nodes, args.destinations).tolist()

    times = []
    ours = None
    for _ in range(2):
        t0 = time.perf_counter()
        ours = network.travel_costs(graph, origins, destinations, n_jobs=args.n_jobs)
        times.append(time.perf_counter() - t0)
    ours_s = min(times)

    ref, nx_s = networkx_matrix(graph, origins, destinations)

    assert ours is not None
    same_inf = bool(np.array_equal(np.isinf(ours), np.isinf(ref)))
    finite = np.isfinite(ref)
    max_diff = float(np.max(np.abs(ours[finite] - ref[finite]))) if finite.any() else 0.0

    tracemalloc.start()
    network.travel_costs(graph, origins, destinations, n_jobs=args.n_jobs)
    _, peak_call = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"node to node: {args.origins:,} origins x {args.destinations:,} destinations "
        f"(seed {args.seed})"
    )
    print(
        f"  siting travel_costs : {ours_s:.3f} s (best of 2, n_jobs={args.n_jobs}; calls: "
        + ", ".join(f"{t:.3f}" for t in times)
        + " s)"
    )
    print(f"  networkx            : {nx_s:.3f} s")
    print(f"  ratio               : {nx_s / ours_s:.1f}x")
    print(f"  max abs difference  : {max_diff:.3g} s (same unreachable pairs: {same_inf})")
    print(f"  unreachable pairs   : {int(np.count_nonzero(~finite))}")
    print(f"  peak memory         : {peak_call / 2**20:.1f} MB allocated by one travel_costs call")
    return max_diff < 1e-6 and same_inf


if __name__ == "__main__":
    raise SystemExit(main())
