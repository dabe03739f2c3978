"""Points on edges: snapping to the nearest edge, access legs, point-to-point matrices.

A point joins the road graph where the nearest usable edge passes it: the
edge ``u → v`` is split at the projected point (fraction ``f`` of its
length), and a straight access leg of ``snap_m`` metres joins the point to the
road.  Nothing is added to the graph.  Leaving an origin, a truck drives the
rest of the edge to ``v`` (``(1 - f)`` of its time) or, on a two-way road, back
along the twin edge ``v → u`` to ``u`` (``f`` of the twin's time); reaching a
destination it drives from ``u`` the first ``f`` of the edge, or from ``v`` the
last ``1 - f`` of the twin.  These partial edges are *links* from a point to a
node with a cost and a length.

The matrix search keeps one Dijkstra per point of the smaller side: each such
point is a virtual node appended to the (pruned, chain-contracted) search
graph of :mod:`siting.network._paths`, with an edge to each of its links'
nodes, so split edges cost nothing extra per search.  Pairs on the same edge
also get the direct drive along it.  Exact: the same figures as Dijkstra on
the graph with every snapped edge split at its points (checked against
NetworkX in the tests and ``bench/bench_network.py``).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import cKDTree

from siting.network import _paths
from siting.network._engine import make_csr, run
from siting.network._geo import GraphGeo, graph_geo
from siting.network._paths import Direction, Prepared, tree_path

__all__: list[str] = []  # private module

#: Speed (km/h) on the straight access leg between a point and the road it snaps
#: to: openrouteservice's heavy-vehicle speed for ``service``/``road`` (R3,
#: DOMAIN 1e), applied to a straight line.  Assumption: a yard, a site road or a
#: village lane that the network does not show.
ACCESS_SPEED_KMH = 20.0

#: Vertex spacing (m) of the edge search: the nearest edge of a point has a vertex
#: within (distance to the nearest vertex) + half this, so a KD-tree of vertices
#: finds every candidate exactly (an STRtree nearest query is ≈ 5x slower).
SNAP_STEP_M = 20.0


@dataclass
class EdgeTable:
    """Every directed edge of a graph with its metric geometry and reverse twin."""

    u: np.ndarray  # node position (graph.nodes order) of each edge's start
    v: np.ndarray
    keys: list[Any]  # MultiDiGraph edge keys (0 for a DiGraph)
    data: np.ndarray  # the edge attribute dicts (live: weights are read at use)
    lines: np.ndarray  # metric LineStrings oriented u → v
    twin: np.ndarray  # the same road driven the other way (edge index), else -1
    tree: shapely.STRtree  # over the usable edges
    usable: np.ndarray  # edge indices in the tree
    vertices: cKDTree  # the usable edges' vertices, no two more than SNAP_STEP_M apart
    vertex_edge: np.ndarray  # edge index of each vertex
    values: dict[Any, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def weights(self, weight: str, key: Any) -> tuple[np.ndarray, np.ndarray]:
        """Every edge's ``weight`` and ``length``, cached under the graph's content ``key``."""
        hit = self.values.get((weight, key))
        if hit is None:
            w = np.array([float(d.get(weight, np.inf)) for d in self.data])
            ln = np.array([float(d.get("length", 0.0) or 0.0) for d in self.data])
            self.values.clear()
            hit = self.values[(weight, key)] = (w, ln)
        return hit


_TABLES: weakref.WeakKeyDictionary[nx.MultiDiGraph, tuple[Any, EdgeTable]] = (
    weakref.WeakKeyDictionary()
)


def snap_context(
    graph: nx.MultiDiGraph, exclude: tuple[str, ...], weight: str = "travel_time"
) -> tuple[GraphGeo, EdgeTable, tuple[int, int, int]]:
    """The graph's cached geometry, :class:`EdgeTable` and ``weight`` fingerprint.

    Both content keys come from one pass over the graph.
    """
    fp, gk = _paths.content_keys(graph, weight)
    geo = graph_geo(graph, key=gk)
    return geo, edge_table(graph, exclude, geo), fp


def edge_table(graph: nx.MultiDiGraph, exclude: tuple[str, ...], geo: GraphGeo) -> EdgeTable:
    """Cached :class:`EdgeTable`; edges all of whose classes are in ``exclude`` are not snap
    targets (a truck cannot join a motorway between its junctions)."""
    key = (geo.signature, tuple(sorted(exclude)))
    hit = _TABLES.get(graph)
    if hit is not None and hit[0] == key:
        return hit[1]
    u, v, data, lines = geo.edges()
    ex = set(exclude)
    usable = np.array([not all(h in ex for h in _classes(d)) for d in data], dtype=bool)
    if not usable.any():
        usable[:] = True
    by_pair: dict[tuple[int, int], list[int]] = {}
    for i, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
        by_pair.setdefault((a, b), []).append(i)
    twin = np.full(len(u), -1, dtype=np.int64)
    lengths = np.array([float(d.get("length", 0.0) or 0.0) for d in data])
    for i, (a, b) in enumerate(zip(u.tolist(), v.tolist(), strict=True)):
        best = -1
        for j in by_pair.get((b, a), ()):
            if (
                j != i
                and abs(lengths[j] - lengths[i]) <= 0.5 + 1e-3 * lengths[i]
                and (best < 0 or lengths[j] < lengths[best])
            ):
                best = j
        twin[i] = best
    idx = np.flatnonzero(usable)
    keys = [k for _, _, k in graph.edges(keys=True)] if graph.is_multigraph() else [0] * len(u)
    dense = lines[idx].copy()
    long = shapely.length(dense) > SNAP_STEP_M  # zero-length lines cannot be segmentized
    dense[long] = shapely.segmentize(dense[long], max_segment_length=SNAP_STEP_M)
    vxy, owner = shapely.get_coordinates(dense, return_index=True)
    table = EdgeTable(
        u,
        v,
        keys,
        data,
        lines,
        twin,
        shapely.STRtree(lines[idx]),
        idx,
        cKDTree(vxy),
        idx[owner],
    )
    _TABLES[graph] = (key, table)
    return table


def _classes(data: dict[str, Any]) -> list[Any]:
    h = data.get("highway")
    return h if isinstance(h, list) else [h]


@dataclass(frozen=True)
class Snapped:
    """Where each point joins the graph: its edge, the fraction along it, the access leg."""

    edge: np.ndarray  # edge index in the EdgeTable
    frac: np.ndarray  # 0 at u, 1 at v
    snap_m: np.ndarray  # straight access leg (m)
    xy: np.ndarray  # the point's own metric position (for identical-point pairs)

    def nearest_node(self, table: EdgeTable) -> np.ndarray:
        """Node position of the nearer end of each point's edge."""
        return np.where(self.frac <= 0.5, table.u[self.edge], table.v[self.edge])


def snap_to_edges(
    table: EdgeTable,
    geoms: np.ndarray | None,
    points: np.ndarray,
    *,
    nearest_to_polygon: bool,
) -> Snapped:
    """Snap metric features to the nearest usable edge of ``table``.

    ``points`` are the features' representative points; with
    ``nearest_to_polygon`` a polygon snaps from its nearest boundary (0 m when
    a road crosses it).
    """
    query = shapely.points(points)
    edge = np.empty(len(points), dtype=np.int64)
    snap_m = np.empty(len(points))
    areal = np.zeros(len(points), dtype=bool)
    if nearest_to_polygon and geoms is not None:
        areal = shapely.get_type_id(geoms) >= 3
    if (
        areal.any() and geoms is not None
    ):  # a polygon's nearest edge: the STRtree's exact nearest query
        (qi, ti), dist = table.tree.query_nearest(
            geoms[areal], return_distance=True, all_matches=False
        )
        edge[np.flatnonzero(areal)[qi]] = table.usable[ti]
        snap_m[np.flatnonzero(areal)[qi]] = dist
    pts = np.flatnonzero(~areal)
    if len(pts):
        edge[pts], snap_m[pts] = _nearest_edges(table, points[pts], query[pts])
    lines = table.lines[edge]
    frac = shapely.line_locate_point(lines, query, normalized=True)
    if areal.any() and geoms is not None:  # from the polygon's point nearest the road
        on_road = shapely.get_point(shapely.shortest_line(lines[areal], geoms[areal]), 0)
        frac[areal] = shapely.line_locate_point(lines[areal], on_road, normalized=True)
    frac = np.where(shapely.length(lines) > 0, np.clip(frac, 0.0, 1.0), 0.0)
    return Snapped(edge, frac, snap_m, np.asarray(points, dtype=float))


def _nearest_edges(
    table: EdgeTable, xy: np.ndarray, query: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Exact nearest usable edge of each point (ties: the lowest edge index)."""
    r0, _ = table.vertices.query(xy)
    near = table.vertices.query_ball_point(xy, r0 + SNAP_STEP_M / 2 + 1e-6)
    sizes = np.fromiter((len(c) for c in near), np.int64, len(near))
    who = np.repeat(np.arange(len(xy)), sizes)
    cand = table.vertex_edge[np.concatenate([np.asarray(c, dtype=np.int64) for c in near])]
    pair = np.unique(who * len(table.u) + cand)
    who, cand = pair // len(table.u), pair % len(table.u)
    dist = shapely.distance(table.lines[cand], query[who])
    order = np.lexsort((cand, dist, who))
    first = np.ones(len(order), dtype=bool)
    first[1:] = who[order][1:] != who[order][:-1]
    best = order[first]
    return cand[best], dist[best]


@dataclass(frozen=True)
class Links:
    """Partial edges from points to nodes: ``point``, CSR ``node``, ``cost``, ``length``."""

    point: np.ndarray
    node: np.ndarray
    cost: np.ndarray
    length: np.ndarray


def links(
    snapped: Snapped,
    table: EdgeTable,
    csr_of: np.ndarray,
    values: tuple[np.ndarray, np.ndarray],
    *,
    leaving: bool,
) -> Links:
    """Links of each point: out of it (``leaving``, an origin) or into it (a destination).

    ``csr_of`` maps graph-order node positions to CSR positions; ``values`` are
    every edge's weight and length (:meth:`EdgeTable.weights`).
    """
    e, f = snapped.edge, snapped.frac
    all_w, all_ln = values
    w, ln = all_w[e], all_ln[e]
    t = table.twin[e]
    has = t >= 0
    tw, tln = all_w[np.where(has, t, e)], all_ln[np.where(has, t, e)]
    pts = np.arange(len(e))
    if leaving:  # rest of the edge to v; the twin back to u
        first = (table.v[e], (1 - f) * w, (1 - f) * ln)
        second = (table.u[e], f * tw, f * tln)
    else:  # from u along the edge; from v along the twin
        first = (table.u[e], f * w, f * ln)
        second = (table.v[e], (1 - f) * tw, (1 - f) * tln)
    return Links(
        point=np.concatenate([pts, pts[has]]),
        node=csr_of[np.concatenate([first[0], second[0][has]])],
        cost=np.concatenate([first[1], second[1][has]]),
        length=np.concatenate([first[2], second[2][has]]),
    )


def _virtual_core(
    direction: Direction,
    other: Direction,
    src: Links,
    n_src: int,
    core_t: np.ndarray,
    *,
    want_length: bool,
    opts: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray | None]:
    """Costs from each source point (a virtual node) to unique core positions ``core_t``.

    A link to a node inside a contracted chain ``A … x … B`` becomes two links,
    to ``A`` and to ``B``, with the chain's cost from ``x`` (read from the
    ``other`` direction's chain sums: ``A → x`` there is ``x → A`` here), so the
    search runs on the fully contracted graph.  Only source points with a link
    in a chain that also holds a target are searched with their chains put back.
    """
    f, ch = direction.forest, direction.chains
    root = f.root[src.node]
    c0 = src.cost + f.up_cost[src.node]
    l0 = src.length + f.up_len[src.node]
    core_s = f.core_index[root]
    link_chain = ch.chain_of[core_s]
    t_chain = ch.chain_of[core_t]
    clash = (link_chain >= 0) & np.isin(link_chain, t_chain[t_chain >= 0])
    slow = np.isin(src.point, np.unique(src.point[clash]))
    out_c = np.full((n_src, len(core_t)), np.inf)
    out_l = np.full((n_src, len(core_t)), np.inf) if want_length else None
    for use in (~slow, slow):
        if not use.any():
            continue
        pts, p_inv = np.unique(src.point[use], return_inverse=True)
        node, cost, length = core_s[use], c0[use], l0[use]
        if use is slow:
            reinstated = np.unique(link_chain[use])
            reinstated = reinstated[reinstated >= 0]
            point = p_inv
        else:  # chain-interior links move to both anchors
            reinstated = np.empty(0, dtype=np.int64)
            inner = link_chain[use] >= 0
            cid = link_chain[use][inner]
            x = node[inner]
            oc = other.chains
            point = np.concatenate([p_inv[~inner], p_inv[inner], p_inv[inner]])
            cost = np.concatenate(
                [cost[~inner], cost[inner] + oc.from_a[x, 0], cost[inner] + oc.from_b[x, 0]]
            )
            length = np.concatenate(
                [length[~inner], length[inner] + oc.from_a[x, 1], length[inner] + oc.from_b[x, 1]]
            )
            node = np.concatenate([node[~inner], ch.anchor_a[cid], ch.anchor_b[cid]])
        c, ln = _search(
            ch,
            (point, node, cost, length),
            len(pts),
            core_t,
            reinstated=reinstated,
            want_length=want_length,
            opts=opts,
        )
        out_c[pts] = c
        if out_l is not None and ln is not None:
            out_l[pts] = ln
    return out_c, out_l


def _search(
    ch: Any,
    links: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    n_points: int,
    core_t: np.ndarray,
    *,
    reinstated: np.ndarray,
    want_length: bool,
    opts: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray | None]:
    """One search per virtual point on the contracted graph.

    ``links`` = ``(point, core position, cost, length)`` arrays.
    """
    point, node, cost, length = links
    graph, search_pos = ch.graph_for(reinstated)
    ends = _paths.chain_ends(ch, core_t, reinstated)
    ok = np.isfinite(cost)
    ns = graph.n
    ext = make_csr(
        np.concatenate([graph.rows(), ns + point[ok]]),
        np.concatenate([graph.indices.astype(np.int64), search_pos[node[ok]]]),
        np.concatenate([graph.weight, cost[ok]]),
        np.concatenate([graph.length, length[ok]]),
        ns + n_points,
    )
    sources = ns + np.arange(n_points, dtype=np.int64)
    found, along = run(ext, sources, search_pos[ends.cols], want_length=want_length, **opts)
    return ends.combine(found, along)


def point_costs(
    direction: Direction,
    other: Direction,
    *,
    src: Links,
    n_src: int,
    dst: Links,
    n_dst: int,
    want_length: bool,
    n_jobs: int,
    max_memory_mb: float,
) -> tuple[np.ndarray, np.ndarray | None]:
    """``(n_src, n_dst)`` cost (and length) from each source point to each target point.

    One search per source point (a virtual node); the target points' links
    are added at the end (the cheaper link counts).
    """
    f = direction.forest
    targets, t_inv = np.unique(dst.node, return_inverse=True)
    core_t, c_inv = np.unique(f.core_index[f.root[targets]], return_inverse=True)
    opts = {"n_jobs": n_jobs, "max_memory_mb": max_memory_mb}
    cost_c, len_c = _virtual_core(
        direction, other, src, n_src, core_t, want_length=want_length, opts=opts
    )
    cost = cost_c[:, c_inv] + f.down_cost[targets]
    along = None if len_c is None else len_c[:, c_inv] + f.down_len[targets]
    # source links inside a dead-end tree reach targets of the same tree along it
    t_pruned = np.flatnonzero(f.pruned[targets])
    if len(t_pruned):
        by_root: dict[int, list[int]] = {}
        for j in t_pruned.tolist():
            by_root.setdefault(int(f.root[targets[j]]), []).append(j)
        for k in np.flatnonzero(f.pruned[src.node]).tolist():
            s_node = int(src.node[k])
            for j in by_root.get(int(f.root[s_node]), []):
                c, ln = tree_path(f, s_node, int(targets[j]))
                c += src.cost[k]
                p = int(src.point[k])
                if c < cost[p, j]:
                    cost[p, j] = c
                    if along is not None:
                        along[p, j] = ln + src.length[k]
    # add the target points' links: slot 0 (every point, in order), then slot 1 (twins)
    first = dst.point[:n_dst]
    assert np.array_equal(first, np.arange(n_dst))
    best = cost[:, t_inv[:n_dst]] + dst.cost[:n_dst]
    best_len = None if along is None else along[:, t_inv[:n_dst]] + dst.length[:n_dst]
    q = dst.point[n_dst:]
    if len(q):
        cand = cost[:, t_inv[n_dst:]] + dst.cost[n_dst:]
        better = cand < best[:, q]
        best[:, q] = np.where(better, cand, best[:, q])
        if best_len is not None and along is not None:
            cand_len = along[:, t_inv[n_dst:]] + dst.length[n_dst:]
            best_len[:, q] = np.where(better, cand_len, best_len[:, q])
    return best, best_len


def same_edge(
    o: Snapped, d: Snapped, table: EdgeTable, weight: str
) -> list[tuple[int, int, float, float]]:
    """``(origin, destination, cost, length)`` of the direct drive between points on one road."""

    def canon(s: Snapped) -> tuple[np.ndarray, np.ndarray]:
        t = table.twin[s.edge]
        swap = (t >= 0) & (t < s.edge)
        return np.where(swap, t, s.edge), np.where(swap, 1.0 - s.frac, s.frac)

    oe, of = canon(o)
    de, df = canon(d)
    by_edge: dict[int, list[int]] = {}
    for j, e in enumerate(de.tolist()):
        by_edge.setdefault(e, []).append(j)
    out = []
    for i, e in enumerate(oe.tolist()):
        for j in by_edge.get(e, ()):
            gap = df[j] - of[i]
            use = e if gap >= 0 else int(table.twin[e])
            if use < 0:
                continue  # one-way, and the destination lies behind
            data = table.data[use]
            share = abs(gap)
            out.append(
                (
                    i,
                    j,
                    share * float(data.get(weight, np.inf)),
                    share * float(data.get("length", 0.0) or 0.0),
                )
            )
    return out


def matrix(
    prep: Prepared,
    table: EdgeTable,
    origins: Snapped,
    destinations: Snapped,
    csr_of: np.ndarray,
    *,
    weight: str,
    key: Any,
    want_length: bool,
    n_jobs: int,
    max_memory_mb: float,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Network cost (and length) between snapped points, access legs excluded.

    ``key`` is the graph's content key (for the cached edge weights).
    """
    values = table.weights(weight, key)
    lo = links(origins, table, csr_of, values, leaving=True)
    ld = links(destinations, table, csr_of, values, leaving=False)
    n_o, n_d = len(origins.edge), len(destinations.edge)
    opts: dict[str, Any] = {
        "want_length": want_length,
        "n_jobs": n_jobs,
        "max_memory_mb": max_memory_mb,
    }
    if n_d <= n_o:  # search from the destinations on the reversed graph
        cost, along = point_costs(
            prep.reverse, prep.forward, src=ld, n_src=n_d, dst=lo, n_dst=n_o, **opts
        )
        cost, along = cost.T.copy(), (along.T.copy() if along is not None else None)
    else:
        cost, along = point_costs(
            prep.forward, prep.reverse, src=lo, n_src=n_o, dst=ld, n_dst=n_d, **opts
        )
    for i, j, c, ln in same_edge(origins, destinations, table, weight):
        if c < cost[i, j]:
            cost[i, j] = c
            if along is not None:
                along[i, j] = ln
    return cost, along


def access_seconds(snap_m: np.ndarray, speed_kmh: float = ACCESS_SPEED_KMH) -> np.ndarray:
    """Time (s) of the straight access legs at ``speed_kmh``."""
    return np.asarray(snap_m, dtype=float) / (speed_kmh / 3.6)


def same_place(o_xy: np.ndarray, d_xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs of origins and destinations at the same position (within 1 mm)."""
    both = np.round(np.concatenate([o_xy, d_xy]), 3).reshape(-1, 2)
    _, inv = np.unique(both, axis=0, return_inverse=True)
    inv = inv.ravel()
    io, id_ = inv[: len(o_xy)], inv[len(o_xy) :]
    shared = np.intersect1d(io, id_)
    if len(shared) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    oi = np.flatnonzero(np.isin(io, shared))
    di = np.flatnonzero(np.isin(id_, shared))
    i, j = np.nonzero(io[oi][:, None] == id_[di][None, :])
    return oi[i], di[j]


def snapped_costs(
    graph: nx.MultiDiGraph,
    table: EdgeTable,
    geo: GraphGeo,
    origins: Snapped,
    destinations: Snapped,
    *,
    weight: str,
    key: tuple[int, int, int],
    want_length: bool,
    access_speed_kmh: float,
    n_jobs: int,
    max_memory_mb: float,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Cost (s for ``travel_time``) and metres between snapped points, access legs included.

    ``key`` is the graph's ``weight`` fingerprint (:func:`snap_context`).  Points
    at the same position cost 0.
    """
    prep = _paths.prepare(graph, weight, key=key)
    if len(prep.nodes) == len(geo.nodes) and all(
        a is b or a == b for a, b in zip(prep.nodes.tolist(), geo.nodes, strict=True)
    ):
        csr_of = np.arange(len(geo.nodes), dtype=np.int64)
    else:  # pragma: no cover - both list graph.nodes, so the orders agree
        csr_of = np.fromiter((prep.index[n] for n in geo.nodes), np.int64, len(geo.nodes))
    cost, metres = matrix(
        prep,
        table,
        origins,
        destinations,
        csr_of,
        weight=weight,
        key=key,
        want_length=want_length,
        n_jobs=n_jobs,
        max_memory_mb=max_memory_mb,
    )
    cost = cost + access_seconds(origins.snap_m, access_speed_kmh)[:, None]
    cost += access_seconds(destinations.snap_m, access_speed_kmh)[None, :]
    if metres is not None:
        metres = metres + origins.snap_m[:, None] + destinations.snap_m[None, :]
    i, j = same_place(origins.xy, destinations.xy)
    cost[i, j] = 0.0
    if metres is not None:
        metres[i, j] = 0.0
    return cost, metres
