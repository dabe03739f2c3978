"""Benchmark: siting.network.travel_costs against plain NetworkX on the Jerusalem graph.

Not a test.  Run from the project root::

    python bench/bench_network.py [--pbf PATH] [--origins 3000] [--destinations 200] [--seed 0]

It loads ``../shared/data/osm/jerusalem_2016.osm.pbf`` with the truck profile
(drivable, simplified), draws seeded random origin and destination nodes and
prints, from one run:

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
    network.shutdown_workers()
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB

    print(f"graph: {args.pbf.name}, truck profile, simplified")
    print(f"  nodes {graph.number_of_nodes():,}  edges {graph.number_of_edges():,}")
    print(f"  load_osm: {load_s:.1f} s")
    print("  removed by the profile (directed edge segments, km):")
    for row in network.profile_report(graph).itertuples(index=False):
        print(f"    {row.reason:<52} {row.action:<9} {row.edges:>6}  {row.km:>8.1f}")
    print(
        f"matrix: {args.origins:,} origins x {args.destinations:,} destinations (seed {args.seed})"
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
    print(f"                        {peak_rss_mb:.0f} MB peak RSS of the whole run")
    ok = max_diff < 1e-6 and same_inf
    if not ok:
        print("MISMATCH against NetworkX", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
