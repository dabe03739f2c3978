"""Geometry on a road graph: snapping points to nodes, route lines, isochrone polygons.

All metric work is in EPSG:2039 (Israeli TM Grid); graphs keep WGS84 ``x``/``y``.
Per-graph metric data (node coordinates, the KD-tree of usable nodes, projected
edge geometries) is cached like the CSR matrices in ``_network_paths``.
"""

from __future__ import annotations

import itertools
import weakref
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer
from scipy.spatial import cKDTree
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.ops import substring

from siting.errors import LayerError
from siting.network._paths import Prepared, predecessors

__all__: list[str] = []  # private module

METRIC = "EPSG:2039"
WGS84 = "EPSG:4326"
_TO_METRIC = Transformer.from_crs(WGS84, METRIC, always_xy=True)
_TO_WGS84 = Transformer.from_crs(METRIC, WGS84, always_xy=True)


def to_metric(geoms: np.ndarray) -> np.ndarray:
    """Project an array of WGS84 shapely geometries to EPSG:2039."""
    return shapely.transform(geoms, lambda xy: np.column_stack(_TO_METRIC.transform(*xy.T)))


def to_wgs84(geoms: np.ndarray) -> np.ndarray:
    """Project an array of EPSG:2039 shapely geometries to WGS84."""
    return shapely.transform(geoms, lambda xy: np.column_stack(_TO_WGS84.transform(*xy.T)))


@dataclass
class GraphGeo:
    """Metric data of one graph, built lazily."""

    graph: nx.MultiDiGraph
    nodes: list[Any]
    xy: np.ndarray  # (n, 2) EPSG:2039
    signature: tuple[int, ...]
    _trees: dict[tuple[str, ...], tuple[cKDTree, np.ndarray]] = field(default_factory=dict)
    _edges: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None

    def tree(self, exclude: tuple[str, ...]) -> tuple[cKDTree, np.ndarray]:
        """KD-tree over usable nodes and their positions in ``nodes``.

        A node is unusable when every edge touching it has a ``highway`` class in
        ``exclude`` (a truck cannot join a motorway between its junctions).
        """
        key = tuple(sorted(exclude))
        if key not in self._trees:
            usable = np.ones(len(self.nodes), dtype=bool)
            if exclude:
                ex = set(exclude)
                index = {n: i for i, n in enumerate(self.nodes)}
                only_excluded = np.ones(len(self.nodes), dtype=bool)
                for u, v, h in self.graph.edges(data="highway"):
                    hs = h if isinstance(h, list) else [h]
                    if not all(x in ex for x in hs):
                        only_excluded[index[u]] = False
                        only_excluded[index[v]] = False
                usable = ~only_excluded
                if not usable.any():
                    usable[:] = True
            pos = np.flatnonzero(usable)
            self._trees[key] = (cKDTree(self.xy[pos]), pos)
        return self._trees[key]

    def edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(u position, v position, edge data dicts, metric LineStrings)`` of every edge."""
        if self._edges is None:
            index = {n: i for i, n in enumerate(self.nodes)}
            us, vs, datas, geoms = [], [], [], []
            for u, v, data in self.graph.edges(data=True):
                us.append(index[u])
                vs.append(index[v])
                datas.append(data)
                geoms.append(data.get("geometry"))
            u_arr = np.asarray(us, dtype=np.int64)
            v_arr = np.asarray(vs, dtype=np.int64)
            geom = np.empty(len(geoms), dtype=object)
            geom[:] = geoms
            has = np.array([g is not None for g in geoms], dtype=bool)
            out = np.empty(len(geoms), dtype=object)
            if has.any():
                out[has] = to_metric(geom[has])
            if (~has).any():
                coords = np.stack([self.xy[u_arr[~has]], self.xy[v_arr[~has]]], axis=1)
                out[~has] = shapely.linestrings(coords)
            d_arr = np.empty(len(datas), dtype=object)
            d_arr[:] = datas
            self._edges = (u_arr, v_arr, d_arr, out)
        return self._edges


_GEO: weakref.WeakKeyDictionary[nx.MultiDiGraph, GraphGeo] = weakref.WeakKeyDictionary()


def check_coordinates(graph: nx.Graph, source: str) -> None:
    """Raise :class:`LayerError` unless every node has WGS84 lon/lat ``x``/``y``.

    Every problem is listed in one error (at most 20 shown).
    """
    problems = []
    for n, data in graph.nodes(data=True):
        try:
            x, y = float(data["x"]), float(data["y"])
        except (KeyError, TypeError, ValueError):
            problems.append(
                f"node {n}: no numeric x/y coordinates (got x={data.get('x')!r}, "
                f"y={data.get('y')!r}); road graphs need WGS84 lon/lat on every node"
            )
            continue
        if not (np.isfinite(x) and np.isfinite(y) and abs(x) <= 180 and abs(y) <= 90):
            problems.append(
                f"node {n}: x={x!r}, y={y!r} is not WGS84 lon/lat (a projected graph? "
                "reproject it with osmnx.project_graph(G, to_latlong=True))"
            )
    if problems:
        raise LayerError(f"road network {source}", problems)


def geo_key(graph: nx.MultiDiGraph) -> tuple[int, ...]:
    """Content key of the graph's geometry: node ids and coordinates, successors, edge count."""
    from siting.network._paths import content_keys

    return content_keys(graph, "length")[1]


def graph_geo(graph: nx.MultiDiGraph, *, key: tuple[int, ...] | None = None) -> GraphGeo:
    """Cached :class:`GraphGeo` of ``graph`` (rebuilt when nodes, coordinates or edges change).

    ``key`` is the graph's :func:`geo_key` when the caller has just computed it.
    """
    signature = key if key is not None else geo_key(graph)
    geo = _GEO.get(graph)
    if geo is None or geo.signature != signature:
        check_coordinates(graph, "graph")
        nodes = list(graph.nodes)
        lon = np.array([graph.nodes[n]["x"] for n in nodes], dtype=float)
        lat = np.array([graph.nodes[n]["y"] for n in nodes], dtype=float)
        x, y = _TO_METRIC.transform(lon, lat)
        geo = GraphGeo(graph, nodes, np.column_stack([x, y]), signature)
        _GEO[graph] = geo
    return geo


def snap(
    geo: GraphGeo,
    geoms: np.ndarray,
    points: np.ndarray,
    *,
    exclude: tuple[str, ...],
    nearest_to_polygon: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Snap metric features to usable nodes: ``(node positions, distances in m)``.

    ``points`` are the features' representative points.  With
    ``nearest_to_polygon`` a polygon snaps to the usable node nearest to the
    polygon itself (0 m when one lies inside); the search radius is exact:
    the node nearest to the point is at most ``d0`` from the polygon, so any
    better node lies within ``d0 + R`` of the point, ``R`` being the polygon's
    farthest vertex from it.
    """
    tree, pos = geo.tree(exclude)
    dist, j = tree.query(points)
    node_pos = pos[j]
    dist = np.asarray(dist, dtype=float)
    if nearest_to_polygon:
        areal = np.flatnonzero(shapely.get_type_id(geoms) >= 3)  # polygons, multi*
        for i in areal:
            g = geoms[i]
            if g.geom_type not in ("Polygon", "MultiPolygon"):
                continue
            verts = shapely.get_coordinates(g)
            radius = float(np.hypot(*(verts - points[i]).T).max()) + dist[i]
            cand = np.asarray(tree.query_ball_point(points[i], radius), dtype=np.int64)
            if cand.size == 0:
                continue
            d = shapely.distance(g, shapely.points(geo.xy[pos[cand]]))
            best = int(np.argmin(d))
            node_pos[i] = pos[cand[best]]
            dist[i] = float(d[best])
    return node_pos, dist


def _best_edge(graph: nx.MultiDiGraph, a: Any, b: Any, weight: str) -> dict[str, Any]:
    """The parallel edge ``a → b`` a shortest path uses (min weight, then min length)."""
    return min(
        graph[a][b].values(),
        key=lambda d: (d.get(weight, np.inf), d.get("length", np.inf)),
    )


def routes(
    graph: nx.MultiDiGraph,
    prep: Prepared,
    origins: np.ndarray,
    destinations: np.ndarray,
    weight: str,
) -> gpd.GeoDataFrame:
    """Shortest route line per (origin, destination) pair of CSR positions."""
    n = len(origins)
    cost = np.full(n, np.inf)
    minutes = np.full(n, np.nan)
    km = np.full(n, np.nan)
    lines: list[LineString | None] = [None] * n
    for d in np.unique(destinations):
        dist, pred = predecessors(prep.reverse, int(d))
        for i in np.flatnonzero(destinations == d):
            o = int(origins[i])
            if not np.isfinite(dist[o]):
                continue
            path = [o]
            while path[-1] != d:
                path.append(int(pred[path[-1]]))
            coords: list[tuple[float, float]] = []
            seconds = length = 0.0
            for a, b in itertools.pairwise(path):
                na, nb = prep.nodes[a], prep.nodes[b]
                data = _best_edge(graph, na, nb, weight)
                seconds += float(data.get("travel_time", np.nan))
                length += float(data.get("length", 0.0))
                g = data.get("geometry")
                seg = (
                    list(g.coords)
                    if g is not None
                    else [
                        (graph.nodes[na]["x"], graph.nodes[na]["y"]),
                        (graph.nodes[nb]["x"], graph.nodes[nb]["y"]),
                    ]
                )
                coords.extend(seg[1:] if coords and coords[-1] == seg[0] else seg)
            if len(coords) < 2:  # origin node == destination node
                p = (graph.nodes[prep.nodes[o]]["x"], graph.nodes[prep.nodes[o]]["y"])
                coords = [p, p]
            lines[i] = LineString(coords)
            cost[i] = dist[o]
            minutes[i] = seconds / 60.0
            km[i] = length / 1000.0
    return gpd.GeoDataFrame(
        {
            "origin_node": prep.nodes[origins],
            "destination_node": prep.nodes[destinations],
            "cost": cost,
            "minutes": minutes,
            "km": km,
        },
        geometry=gpd.GeoSeries(lines, crs=WGS84),
    )


def isochrone_polygons(
    graph: nx.MultiDiGraph,
    prep: Prepared,
    site: int,
    seconds: list[float],
    *,
    weight: str,
    towards_site: bool,
    buffer_m: float,
    fill_holes: bool,
) -> list[Polygon | MultiPolygon]:
    """Metric isochrone polygons around CSR position ``site``, one per threshold.

    Each edge contributes the part of its geometry reachable within the time
    (partial edges are cut by linear interpolation of time along the edge);
    the parts and reached nodes are buffered by ``buffer_m`` and merged.
    """
    geo = graph_geo(graph)
    direction = prep.reverse if towards_site else prep.forward
    dist, _ = predecessors(direction, site, limit=max(seconds))
    u, v, data, lines = geo.edges()
    # edge positions in ``prep`` order equal those in ``geo`` (both list graph.nodes)
    w = np.array([d.get(weight, np.inf) for d in data], dtype=float)
    out: list[Polygon | MultiPolygon] = []
    for t in seconds:
        start = dist[v] if towards_site else dist[u]  # time at the end nearer the site
        frac = np.where(w > 0, (t - start) / np.where(w > 0, w, 1.0), np.inf)
        frac = np.where(np.isfinite(start) & (start <= t), np.clip(frac, 0.0, 1.0), 0.0)
        full = frac >= 1.0
        part = (frac > 0.0) & ~full
        pieces = list(lines[full])
        for i in np.flatnonzero(part):
            f = float(frac[i])
            pieces.append(
                substring(lines[i], 1.0 - f, 1.0, normalized=True)
                if towards_site
                else substring(lines[i], 0.0, f, normalized=True)
            )
        reached = np.flatnonzero(dist <= t)
        pts = shapely.points(geo.xy[reached])
        parts = np.empty(len(pieces) + len(pts), dtype=object)
        parts[: len(pieces)] = pieces
        parts[len(pieces) :] = pts
        # buffer each part, then one cascaded union: ≈ 40x faster than buffering a
        # collection of the 5,000 edges a 5-minute isochrone reaches in Jerusalem
        shape = shapely.union_all(shapely.buffer(parts, buffer_m, quad_segs=4))
        shape = shapely.make_valid(shape) if not shape.is_valid else shape
        if fill_holes:
            shape = _fill_holes(shape)
        out.append(shape)
    return out


def _fill_holes(shape: Any) -> Polygon | MultiPolygon:
    polys = [shape] if isinstance(shape, Polygon) else list(getattr(shape, "geoms", []))
    filled = [Polygon(p.exterior) for p in polys if isinstance(p, Polygon) and not p.is_empty]
    if not filled:
        return Polygon()
    return shapely.union_all(filled)
