"""Snap points to the road graph; travel-cost matrices, routes and isochrones."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting.costs import METRIC_CRS, metric_points
from siting.errors import LayerError, ScenarioError
from siting.network import _access, _geo, _paths

__all__ = [
    "MAX_FAR_SHARE",
    "SNAP_EXCLUDE_HIGHWAYS",
    "SNAP_THRESHOLD_M",
    "FarSnap",
    "PolygonSnap",
    "SnapTo",
    "cost_matrices",
    "isochrones",
    "route_geometries",
    "snap_points",
    "snapped_travel_costs",
    "travel_costs",
]

log = logging.getLogger(__name__)


#: Snap distance (m) above which a point is flagged.  Assumption (no source in
#: DOMAIN.md): ≈ half the default 1 km hexagonal candidate cell plus a village
#: block; beyond it the access leg is a real share of a short trip and may cross
#: a valley or fence the network does not show.
SNAP_THRESHOLD_M = 1000.0

#: Share of a matrix's points (origins and destinations together) snapped beyond
#: the threshold above which :class:`NetworkCostModel` refuses the network: it
#: does not cover the region (e.g. a city extract under a rural cluster), and
#: figures routed from the few edge nodes everything snaps to would be presented
#: as exact.  Assumption: a majority; a few far points (a remote candidate, one
#: destination off the map) are flagged instead.
MAX_FAR_SHARE = 0.5

#: A node all of whose edges have these classes is not a snapping target: a truck
#: cannot join a motorway between its junctions.
SNAP_EXCLUDE_HIGHWAYS = ("motorway", "motorway_link")


class FarSnap(StrEnum):
    """What :class:`NetworkCostModel` does with points snapped beyond the threshold."""

    FLAG = "flag"  # keep the network figures, list the points in ``details``
    UNREACHABLE = "unreachable"  # set their rows/columns to ``inf``


class PolygonSnap(StrEnum):
    """Where a polygon (a candidate site) joins the network."""

    CENTROID = "centroid"  # node nearest its centroid (or a point inside it)
    NEAREST = "nearest"  # node nearest to the polygon itself: its likely access point


class SnapTo(StrEnum):
    """What a point joins: the nearest usable edge (split there) or the nearest usable node."""

    EDGE = "edge"
    NODE = "node"


def _enum(kind: type[StrEnum], value: Any, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in kind)
        raise ScenarioError(f"{what} must be one of {valid} (got {value!r})") from None


# --------------------------------------------------------------------------------------
# snapping


def snap_points(
    graph: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    threshold_m: float = SNAP_THRESHOLD_M,
    polygons: PolygonSnap | str = PolygonSnap.CENTROID,
    exclude_highways: Sequence[str] = SNAP_EXCLUDE_HIGHWAYS,
    to: SnapTo | str = SnapTo.NODE,
    layer: str = "points",
) -> pd.DataFrame:
    """Snap each feature to the nearest usable node (default) or edge of ``graph``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A graph with WGS84 node ``x``/``y``.
    points : geopandas.GeoDataFrame
        Features with a CRS; polygons snap from their centroid (or a point
        inside) or, with ``polygons="nearest"``, from their nearest boundary point.
    threshold_m : float
        Snap distance above which ``far`` is set (default :data:`SNAP_THRESHOLD_M`).
    polygons : {"centroid", "nearest"}
        See :class:`PolygonSnap`.
    exclude_highways : sequence of str
        Nodes (edges) touched only by (of) these classes are not snapping targets.
    to : {"node", "edge"}
        See :class:`SnapTo`.  ``"edge"`` projects each point on the nearest
        usable edge (its geometry, or the straight line between its nodes).
    layer : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Index-aligned with ``points``: ``node`` (graph node id; for ``"edge"``
        the nearer end of the edge), ``snap_m`` (metres, EPSG:2039, to the node
        or to the edge) and ``far`` (``snap_m > threshold_m``); for ``"edge"``
        also ``u``, ``v``, ``key`` (the edge) and ``fraction`` (0 at ``u``, 1
        at ``v``, of its length).
    """
    mode = _enum(PolygonSnap, polygons, "polygons")
    target = _enum(SnapTo, to, "to")
    xy = metric_points(points, layer)
    if graph.number_of_nodes() == 0:
        raise LayerError("road network", "the graph has no nodes to snap to")
    geoms = np.asarray(points.geometry.to_crs(METRIC_CRS).to_numpy(), dtype=object)
    if target is SnapTo.EDGE:
        if graph.number_of_edges() == 0:
            raise LayerError("road network", "the graph has no edges to snap to")
        geo, table, _ = _access.snap_context(graph, tuple(exclude_highways))
        snapped = _access.snap_to_edges(
            table, geoms, xy, nearest_to_polygon=mode is PolygonSnap.NEAREST
        )
        return edge_frame(snapped, table, geo, threshold_m, points.index)
    geo = _geo.graph_geo(graph)
    pos, dist = _geo.snap(
        geo,
        geoms,
        xy,
        exclude=tuple(exclude_highways),
        nearest_to_polygon=mode is PolygonSnap.NEAREST,
    )
    nodes = np.empty(len(pos), dtype=object)
    nodes[:] = [geo.nodes[i] for i in pos]
    return pd.DataFrame(
        {"node": nodes, "snap_m": dist, "far": dist > threshold_m}, index=points.index
    )


def edge_frame(
    snapped: _access.Snapped,
    table: _access.EdgeTable,
    geo: _geo.GraphGeo,
    threshold_m: float,
    index: pd.Index,
) -> pd.DataFrame:
    """The :func:`snap_points` frame of edge-snapped points."""

    def ids(pos: np.ndarray) -> np.ndarray:
        out = np.empty(len(pos), dtype=object)
        out[:] = [geo.nodes[i] for i in pos.tolist()]
        return out

    keys = np.empty(len(snapped.edge), dtype=object)
    keys[:] = [table.keys[e] for e in snapped.edge.tolist()]
    return pd.DataFrame(
        {
            "node": ids(snapped.nearest_node(table)),
            "snap_m": snapped.snap_m,
            "far": snapped.snap_m > threshold_m,
            "u": ids(table.u[snapped.edge]),
            "v": ids(table.v[snapped.edge]),
            "key": keys,
            "fraction": snapped.frac,
        },
        index=index,
    )


# --------------------------------------------------------------------------------------
# matrices


def travel_costs(
    graph: nx.MultiDiGraph,
    origin_nodes: Sequence[Any],
    destination_nodes: Sequence[Any],
    weight: str = "travel_time",
    *,
    n_jobs: int = 1,
    max_memory_mb: float = 512.0,
) -> np.ndarray:
    """Shortest-path cost from every origin node to every destination node.

    Exact Dijkstra (``scipy.sparse.csgraph``) along directed edges; parallel
    edges count with their minimum ``weight``.  Searches start from the
    smaller side (from destinations on the reversed graph when they are
    fewer), on the graph's core: dead-end trees and chains of degree-2 nodes
    are contracted first and their costs added back exactly.  Sources are
    searched in chunks that fit ``max_memory_mb``, optionally in worker
    processes (``n_jobs``).  The graph's prepared form is cached per graph and
    weight under a content key (node ids, successors, every edge's weight and
    length), so editing the graph in place is noticed; :func:`clear_cache`
    frees the memory.

    Parameters
    ----------
    graph : networkx.MultiDiGraph or networkx.DiGraph
        The road graph.
    origin_nodes, destination_nodes : sequence
        Node ids (duplicates allowed).
    weight : str
        Edge attribute to sum (default ``"travel_time"``, seconds); must be
        finite and >= 0 on every edge.
    n_jobs : int
        At most this many worker processes (``-1``: one per CPU) for large jobs;
        default 1, this process only.  With ``n_jobs`` > 1, call it from a
        notebook or under ``if __name__ == "__main__":`` in a script (workers
        re-import the main module); :func:`shutdown_workers` stops them.
    max_memory_mb : float
        Budget for the search arrays (all workers together).

    Returns
    -------
    numpy.ndarray
        ``(len(origin_nodes), len(destination_nodes))`` float array, ``inf``
        where no route exists.
    """
    cost, _ = _many(
        graph,
        origin_nodes,
        destination_nodes,
        weight,
        want_length=False,
        n_jobs=n_jobs,
        max_memory_mb=max_memory_mb,
    )
    return cost


def cost_matrices(
    graph: nx.MultiDiGraph,
    origin_nodes: Sequence[Any],
    destination_nodes: Sequence[Any],
    *,
    weight: str = "travel_time",
    n_jobs: int = 1,
    max_memory_mb: float = 512.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Minutes and km of the fastest route for every origin × destination pair.

    ``km`` is the ``length`` along the route minimising ``weight`` (not the
    shortest distance).  Same options as :func:`travel_costs`.

    Returns
    -------
    minutes, km : numpy.ndarray
        ``(len(origin_nodes), len(destination_nodes))``; ``inf`` where unreachable.
        ``minutes`` is ``weight / 60`` (so: minutes for ``travel_time``).
    """
    cost, along = _many(
        graph,
        origin_nodes,
        destination_nodes,
        weight,
        want_length=True,
        n_jobs=n_jobs,
        max_memory_mb=max_memory_mb,
    )
    assert along is not None
    return cost / 60.0, along / 1000.0


def snapped_travel_costs(
    graph: nx.MultiDiGraph,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    weight: str = "travel_time",
    access_speed_kmh: float = _access.ACCESS_SPEED_KMH,
    polygons: PolygonSnap | str = PolygonSnap.CENTROID,
    exclude_highways: Sequence[str] = SNAP_EXCLUDE_HIGHWAYS,
    n_jobs: int = 1,
    max_memory_mb: float = 512.0,
) -> np.ndarray:
    """Shortest-path cost between points that join the nearest usable edge.

    Each point is projected on its nearest usable edge (see
    :func:`snap_points` with ``to="edge"``), the edge is split there, and a
    straight access leg at ``access_speed_kmh`` is added at both ends (in
    seconds, so for ``weight="travel_time"`` only).  One Dijkstra per point
    of the smaller side, as :func:`travel_costs`; points at the same position
    cost 0.  :class:`NetworkCostModel` uses the same computation and adds km.

    Returns
    -------
    numpy.ndarray
        ``(len(origins), len(destinations))``, ``inf`` where unreachable.
    """
    mode = _enum(PolygonSnap, polygons, "polygons")
    geo, table, key = _access.snap_context(graph, tuple(exclude_highways), weight)
    snapped = []
    for gdf, layer in ((origins, "origins"), (destinations, "destinations")):
        xy = metric_points(gdf, layer)
        near = mode is PolygonSnap.NEAREST
        geoms = (
            np.asarray(gdf.geometry.to_crs(METRIC_CRS).to_numpy(), dtype=object) if near else None
        )
        snapped.append(_access.snap_to_edges(table, geoms, xy, nearest_to_polygon=near))
    cost, _ = _access.snapped_costs(
        graph,
        table,
        geo,
        snapped[0],
        snapped[1],
        weight=weight,
        key=key,
        want_length=False,
        access_speed_kmh=access_speed_kmh,
        n_jobs=n_jobs,
        max_memory_mb=max_memory_mb,
    )
    return cost


def _many(
    graph: nx.MultiDiGraph,
    origin_nodes: Sequence[Any],
    destination_nodes: Sequence[Any],
    weight: str,
    *,
    want_length: bool,
    n_jobs: int,
    max_memory_mb: float,
) -> tuple[np.ndarray, np.ndarray | None]:
    prep = _paths.prepare(graph, weight)
    o = _paths.node_positions(prep, origin_nodes, "origin")
    d = _paths.node_positions(prep, destination_nodes, "destination")
    uo, io = np.unique(o, return_inverse=True)
    ud, id_ = np.unique(d, return_inverse=True)
    if len(ud) <= len(uo):  # fewer searches: from destinations on the reversed graph
        direction, sources, targets = prep.reverse, ud, uo
    else:
        direction, sources, targets = prep.forward, uo, ud
    cost, along = _paths.many_to_many(
        direction,
        sources,
        targets,
        want_length=want_length,
        n_jobs=n_jobs,
        max_memory_mb=max_memory_mb,
    )
    if direction is prep.reverse:
        cost, along = cost.T, (along.T if along is not None else None)
    pick = np.ix_(io, id_)
    return cost[pick], (along[pick] if along is not None else None)


# --------------------------------------------------------------------------------------
# routes and isochrones


def route_geometries(
    graph: nx.MultiDiGraph,
    origin_nodes: Sequence[Any],
    destination_nodes: Sequence[Any],
    *,
    weight: str = "travel_time",
) -> gpd.GeoDataFrame:
    """Route lines for pairs ``(origin_nodes[i], destination_nodes[i])``.

    For drawing chosen assignments on a map instead of straight lines.  One
    Dijkstra per distinct destination.

    Returns
    -------
    geopandas.GeoDataFrame
        WGS84, one row per pair: ``origin_node``, ``destination_node``, ``cost``
        (sum of ``weight``), ``minutes`` (sum of ``travel_time`` / 60), ``km``
        and a LineString ``geometry`` (None when unreachable; a zero-length line
        when origin and destination are the same node).
    """
    if len(origin_nodes) != len(destination_nodes):
        raise ScenarioError(
            f"origin_nodes and destination_nodes pair up: got {len(origin_nodes)} "
            f"and {len(destination_nodes)}"
        )
    prep = _paths.prepare(graph, weight)
    o = _paths.node_positions(prep, origin_nodes, "origin")
    d = _paths.node_positions(prep, destination_nodes, "destination")
    return _geo.routes(graph, prep, o, d, weight)


def isochrones(
    graph: nx.MultiDiGraph,
    nodes: Sequence[Any],
    *,
    minutes: Sequence[float] = (10.0, 20.0, 30.0),
    direction: str = "to",
    weight: str = "travel_time",
    buffer_m: float = 100.0,
    fill_holes: bool = True,
) -> gpd.GeoDataFrame:
    """Drive-time polygons around sites (for coverage layers on a map).

    The reachable part of every edge (cut inside an edge by linear interpolation
    of time) is buffered by ``buffer_m`` and merged; holes enclosed by reachable
    roads are filled.  A longer time gives a polygon containing the shorter one.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        The road graph.
    nodes : sequence
        Site node ids (e.g. ``snap_points(...)["node"]``).
    minutes : sequence of float
        Thresholds.
    direction : {"to", "from"}
        ``"to"``: the area from which the site is reached within the time (trucks
        driving to a station, default); ``"from"``: reached from the site.
    weight : str
        Edge attribute in seconds (default ``"travel_time"``).
    buffer_m : float
        Half-width of the band around reachable roads (assumption: 100 m).
    fill_holes : bool
        Fill holes enclosed by reachable roads (default True).

    Returns
    -------
    geopandas.GeoDataFrame
        WGS84: ``node``, ``minutes``, ``area_km2`` and a polygon ``geometry``
        per site and threshold.
    """
    if direction not in ("to", "from"):
        raise ScenarioError(f"direction must be 'to' or 'from' (got {direction!r})")
    thresholds = sorted(float(m) for m in minutes)
    if not thresholds or thresholds[0] <= 0:
        raise ScenarioError(f"minutes must be positive (got {list(minutes)})")
    prep = _paths.prepare(graph, weight)
    pos = _paths.node_positions(prep, nodes, "site")
    rows: list[dict[str, Any]] = []
    geoms = []
    for node, p in zip(nodes, pos, strict=True):
        polys = _geo.isochrone_polygons(
            graph,
            prep,
            int(p),
            [t * 60.0 for t in thresholds],
            weight=weight,
            towards_site=direction == "to",
            buffer_m=buffer_m,
            fill_holes=fill_holes,
        )
        for t, poly in zip(thresholds, polys, strict=True):
            rows.append({"node": node, "minutes": t, "area_km2": poly.area / 1e6})
            geoms.append(poly)
    metric = gpd.GeoSeries(geoms, crs=METRIC_CRS)
    return gpd.GeoDataFrame(rows, geometry=metric.to_crs("EPSG:4326").to_numpy(), crs="EPSG:4326")


def _ids(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column in gdf.columns:
        return gdf[column].to_numpy()
    return gdf.index.to_numpy()
