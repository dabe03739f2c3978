"""Truck-aware OSM road graphs and exact, fast travel-cost matrices.

Load a road network (:func:`load_osm` for local ``.osm``/``.osm.bz2``/
``.osm.pbf``/``.graphml`` files, :func:`graph_from_polygon` or
:func:`graph_from_place` with internet), apply a heavy-vehicle profile
(:class:`TruckProfile`: speeds per road class, ``hgv``/access/weight/height
restrictions, largest strongly connected component), then

* snap points to usable nodes (:func:`snap_points`, far snaps flagged),
* compute dense matrices (:func:`travel_costs`, :func:`cost_matrices`),
* draw routes (:func:`route_geometries`) and isochrones (:func:`isochrones`),
* or use :class:`NetworkCostModel`, the road-network :class:`~siting.costs.CostModel`.

Graphs follow OSMnx's conventions: a ``networkx.MultiDiGraph`` with WGS84 node
``x``/``y``, edge ``length`` (m) and ``travel_time`` (s).

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_edge("a", "b", travel_time=60.0)
0
>>> g.add_edge("a", "b", travel_time=30.0)  # parallel edge: the faster one counts
1
>>> g.add_edge("b", "c", travel_time=90.0)  # one-way
0
>>> travel_costs(g, ["a", "c"], ["c"])
array([[120.],
       [  0.]])
>>> travel_costs(g, ["c"], ["a"])
array([[inf]])
"""

from __future__ import annotations

import ast
import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry.base import BaseGeometry

from siting import _network_engine as _engine
from siting import _network_geo as _geo
from siting import _network_paths as _paths
from siting._network_osm import OSM_SUFFIXES, build_raw_graph, read_osm_ways
from siting._network_profile import (
    ARTICULATED_TRUCK,
    COMPACTOR_26T,
    MAX_TRUCK_SPEED_KMH,
    MIN_EDGE_TRAVEL_TIME_S,
    TRACK_GRADE_SPEEDS_KMH,
    TRUCK_SPEEDS_KMH,
    Report,
    Restriction,
    TruckProfile,
    Vehicle,
    apply_profile_inplace,
    keep_largest_scc_inplace,
)
from siting.costs import METRIC_CRS, CostMatrix, metric_points
from siting.errors import LayerError, ScenarioError

__all__ = [
    "ARTICULATED_TRUCK",
    "COMPACTOR_26T",
    "MAX_TRUCK_SPEED_KMH",
    "MIN_EDGE_TRAVEL_TIME_S",
    "PROFILES",
    "SNAP_EXCLUDE_HIGHWAYS",
    "SNAP_THRESHOLD_M",
    "TRACK_GRADE_SPEEDS_KMH",
    "TRUCK_SPEEDS_KMH",
    "FarSnap",
    "NetworkCostModel",
    "PolygonSnap",
    "Restriction",
    "TruckProfile",
    "Vehicle",
    "apply_profile",
    "clear_cache",
    "cost_matrices",
    "default_cache_dir",
    "graph_from_place",
    "graph_from_polygon",
    "isochrones",
    "load_osm",
    "profile_report",
    "route_geometries",
    "shutdown_workers",
    "snap_points",
    "travel_costs",
]

log = logging.getLogger(__name__)

#: Named profiles accepted wherever a ``profile`` is: ``"truck"`` is the 26 t
#: compactor (the collection fleet); ``"articulated"`` the transfer truck.
PROFILES: Mapping[str, TruckProfile] = {
    "truck": TruckProfile(),
    "compactor": TruckProfile(name="compactor"),
    "articulated": TruckProfile(vehicle=ARTICULATED_TRUCK, name="articulated"),
}

#: Snap distance (m) above which a point is flagged.  Assumption (no source in
#: DOMAIN.md): ≈ half the default 1 km hexagonal candidate cell plus a village
#: block; beyond it the access leg is a real share of a short trip and may cross
#: a valley or fence the network does not show.
SNAP_THRESHOLD_M = 1000.0

#: A node all of whose edges have these classes is not a snapping target: a truck
#: cannot join a motorway between its junctions.
SNAP_EXCLUDE_HIGHWAYS = ("motorway", "motorway_link")

clear_cache = _paths.clear_cache
shutdown_workers = _engine.shutdown_workers


class FarSnap(StrEnum):
    """What :class:`NetworkCostModel` does with points snapped beyond the threshold."""

    FLAG = "flag"  # keep the network figures, list the points in ``details``
    UNREACHABLE = "unreachable"  # set their rows/columns to ``inf``


class PolygonSnap(StrEnum):
    """Where a polygon (a candidate site) joins the network."""

    CENTROID = "centroid"  # node nearest its centroid (or a point inside it)
    NEAREST = "nearest"  # node nearest to the polygon itself: its likely access point


def _enum(kind: type[StrEnum], value: Any, what: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in kind)
        raise ScenarioError(f"{what} must be one of {valid} (got {value!r})") from None


def _resolve_profile(profile: str | TruckProfile) -> TruckProfile:
    if isinstance(profile, TruckProfile):
        return profile
    if isinstance(profile, str) and profile in PROFILES:
        return PROFILES[profile]
    valid = ", ".join(repr(k) for k in PROFILES)
    raise ScenarioError(f"profile must be a TruckProfile or one of {valid} (got {profile!r})")


# --------------------------------------------------------------------------------------
# loading


class _Stages:
    """A step-by-step progress bar (tqdm), silent when ``progress`` is False."""

    def __init__(self, steps: int, desc: str, progress: bool | None) -> None:
        from tqdm.auto import tqdm

        disable = None if progress is None else not progress
        self.bar = tqdm(total=steps, desc=desc, unit="step", disable=disable, leave=False)

    def step(self, label: str) -> None:
        self.bar.set_postfix_str(label)
        log.debug("%s", label)

    def done(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def load_osm(
    path: str | os.PathLike[str],
    profile: str | TruckProfile | None = "truck",
    *,
    progress: bool | None = None,
) -> nx.MultiDiGraph:
    """Load a routable heavy-vehicle road graph from a local file.

    OSM files (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``) are read with
    pyosmium (libosmium reads PBF and XML natively, ~10x faster than OSMnx's
    XML parser, no conversion step); only ways of the profile's routable
    ``highway`` classes are kept.  The profile is applied to the raw way
    segments (exact per-way speeds and restrictions), then the largest strongly
    connected component is kept and the graph is simplified with
    ``osmnx.simplify_graph`` (``length`` and ``travel_time`` summed).

    ``.graphml`` files are read with ``osmnx.load_graphml``; the profile is
    applied to their edges (lists of tags on simplified edges: the most
    restrictive limit counts), and they are simplified if they were not.

    Parameters
    ----------
    path : path-like
        The file.
    profile : str, TruckProfile or None
        ``"truck"`` (default, 26 t compactor), ``"compactor"``, ``"articulated"``
        or a :class:`TruckProfile`.  ``None`` (GraphML only) keeps a saved,
        already profiled graph as it is.
    progress : bool or None
        Show a progress bar; ``None`` shows it on a terminal only.

    Returns
    -------
    networkx.MultiDiGraph
        Every edge has ``travel_time`` (s) and ``length`` (m), every node WGS84
        ``x``/``y``.  ``graph.graph["profile_report"]`` lists what the profile
        removed (see :func:`profile_report`).

    Raises
    ------
    LayerError
        (a :class:`~siting.errors.SitingError`) The file is missing, is not a
        file, has an unsupported suffix, cannot be parsed, or yields an
        unusable graph (no routable edge, a node without ``x``/``y``, an edge
        without ``travel_time``/``length`` in a GraphML read with
        ``profile=None``).
    ScenarioError
        An unknown profile name, or ``profile=None`` for an OSM file.
    """
    path = Path(path)
    if not path.exists():
        raise LayerError("road network", f"{path}: file not found")
    if not path.is_file():
        raise LayerError("road network", f"{path}: not a file")
    name = path.name.lower()
    if name.endswith(".graphml"):
        return _load_graphml(path, profile, progress)
    if not name.endswith(OSM_SUFFIXES):
        raise LayerError(
            "road network",
            f"{path}: unsupported file type {''.join(path.suffixes) or '(no suffix)'}; "
            f"expected one of {', '.join(OSM_SUFFIXES)} or .graphml",
        )
    if profile is None:
        raise ScenarioError(
            "profile=None is only for saved GraphML graphs; OSM files need a profile"
        )
    prof = _resolve_profile(profile)
    stages = _Stages(4, f"road network {path.name}", progress)
    try:
        stages.step("reading OSM ways")
        try:
            ways, coords, n_missing = read_osm_ways(path, prof.routable_highways)
        except RuntimeError as exc:  # libosmium: bad XML/PBF, unsupported compression
            raise LayerError("road network", f"{path}: cannot read OSM data ({exc})") from exc
        if not ways:
            raise LayerError(
                "road network",
                f"{path}: no way with a routable highway class "
                f"({', '.join(sorted(prof.routable_highways))})",
            )
        raw, n_cut = build_raw_graph(ways, coords)
        stages.done()
        log.info(
            "%s: %d ways, %d nodes, %d edge segments of routable classes",
            path.name,
            len(ways),
            raw.number_of_nodes(),
            raw.number_of_edges(),
        )
        report = Report()
        if n_missing:
            log.info(
                "%s: %d way-node references have no location in the file", path.name, n_missing
            )
            report.add("node missing from the file (extract boundary)", "dropped", n_cut, 0.0)
        return _finish(raw, prof, report, stages, source=path.name)
    finally:
        stages.close()


def _load_graphml(
    path: Path, profile: str | TruckProfile | None, progress: bool | None
) -> nx.MultiDiGraph:
    import osmnx as ox

    try:
        graph = ox.load_graphml(path, edge_dtypes={"truck_penalty": float})
    except Exception as exc:  # ParseError, KeyError, ValueError … from networkx/OSMnx
        raise LayerError(
            "road network",
            f"{path}: cannot read it as an OSMnx GraphML ({exc!r}); save graphs with "
            "osmnx.save_graphml",
        ) from exc
    if graph.graph.get("crs") and not _is_wgs84(graph.graph["crs"]):
        try:
            graph = ox.project_graph(graph, to_latlong=True)
        except (KeyError, ValueError) as exc:
            raise LayerError(
                "road network", f"{path}: cannot reproject to WGS84 ({exc!r})"
            ) from exc
    _geo.check_coordinates(graph, path.name)
    if isinstance(graph.graph.get("profile_report"), str):
        with contextlib.suppress(ValueError, SyntaxError):
            graph.graph["profile_report"] = ast.literal_eval(graph.graph["profile_report"])
    if profile is None:
        _check_routable(graph, str(path))
        return graph
    prof = _resolve_profile(profile)
    if graph.graph.get("profile") == prof.describe():
        # saved by siting with this very profile: re-applying it to merged (simplified)
        # edges would only lose the per-segment speeds it was computed from
        log.info("%s: already has the %s profile; used as saved", path.name, prof.name)
        _check_routable(graph, str(path))
        return graph
    stages = _Stages(3 if graph.graph.get("simplified") else 4, path.name, progress)
    stages.done()
    try:
        return _finish(graph, prof, Report(), stages, source=path.name)
    finally:
        stages.close()


def _is_wgs84(crs: Any) -> bool:
    from pyproj import CRS

    return bool(CRS.from_user_input(crs).equals(CRS.from_epsg(4326)))


def _finish(
    graph: nx.MultiDiGraph,
    prof: TruckProfile,
    report: Report,
    stages: _Stages,
    *,
    source: str,
) -> nx.MultiDiGraph:
    """Profile → largest SCC → simplify → checks (``graph`` is modified)."""
    import osmnx as ox

    stages.step("truck profile")
    apply_profile_inplace(graph, prof, report)
    stages.done()
    stages.step("largest strongly connected component")
    keep_largest_scc_inplace(graph, report, largest=prof.keep_largest_component)
    stages.done()
    if graph.number_of_edges() == 0:
        raise LayerError(
            "road network",
            f"{source}: no edge is routable with the {prof.name} profile "
            f"(see profile_report: {report.as_records()[:5]})",
        )
    if not graph.graph.get("simplified"):
        stages.step("simplifying")
        graph = ox.simplify_graph(graph, edge_attr_aggs={"length": sum, "travel_time": sum})
        stages.done()
    graph.graph.update(
        crs="epsg:4326",
        profile=prof.describe(),
        profile_name=prof.name,
        profile_report=report.as_records(),
        source=source,
    )
    log.info(
        "%s: routable %s graph with %d nodes and %d edges",
        source,
        prof.name,
        graph.number_of_nodes(),
        graph.number_of_edges(),
    )
    _check_routable(graph, source)
    return graph


def _check_routable(graph: nx.MultiDiGraph, source: str) -> None:
    _geo.check_coordinates(graph, source)
    problems = []
    for u, v, data in graph.edges(data=True):
        for f in ("travel_time", "length"):
            x = data.get(f)
            try:
                ok = x is not None and bool(np.isfinite(float(x))) and float(x) >= 0
            except (TypeError, ValueError):
                ok = False
            if not ok:
                problems.append(f"edge ({u}, {v}), field {f}: {x!r} (need a number >= 0)")
    if problems:
        raise LayerError(f"road network {source}", problems)


def apply_profile(
    graph: nx.MultiDiGraph,
    profile: str | TruckProfile = "truck",
    *,
    simplify: bool = True,
) -> nx.MultiDiGraph:
    """Return a copy of ``graph`` with a heavy-vehicle profile applied.

    For graphs built elsewhere (e.g. ``osmnx.graph_from_*`` with the truck tags
    in ``settings.useful_tags_way``).  Same steps as :func:`load_osm`.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        An OSMnx-style graph with WGS84 ``x``/``y`` and edge ``length``/``highway``.
    profile : str or TruckProfile
        See :func:`load_osm`.
    simplify : bool
        Simplify an unsimplified graph afterwards (default True).

    Returns
    -------
    networkx.MultiDiGraph
        The profiled graph; ``graph`` itself is not modified.
    """
    prof = _resolve_profile(profile)
    if not graph.is_directed() or not graph.is_multigraph():
        raise LayerError(
            "road network", "apply_profile needs a networkx.MultiDiGraph (OSMnx-style)"
        )
    _geo.check_coordinates(graph, "graph")
    no_length = [
        f"edge ({u}, {v}): no 'length' (m)" for u, v, x in graph.edges(data="length") if x is None
    ]
    if no_length:
        raise LayerError("road network graph", no_length)
    work = graph.copy()
    if graph.graph.get("crs") and not _is_wgs84(graph.graph["crs"]):
        import osmnx as ox

        work = ox.project_graph(work, to_latlong=True)
    if not simplify:
        work.graph["simplified"] = True  # tells _finish to skip simplification
    stages = _Stages(3, "truck profile", False)
    try:
        out = _finish(work, prof, Report(), stages, source="graph")
    finally:
        stages.close()
    if not simplify:
        out.graph["simplified"] = graph.graph.get("simplified", False)
    return out


def profile_report(graph: nx.MultiDiGraph) -> pd.DataFrame:
    """What the profile removed or penalised, by reason.

    Returns
    -------
    pandas.DataFrame
        Columns ``reason``, ``action`` (``dropped``/``penalised``/``kept``),
        ``edges`` (directed edge segments of the graph the profile saw) and
        ``km`` (each direction counted), largest ``km`` first.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.MultiDiGraph(crs="epsg:4326")
    >>> g.add_node(1, x=35.0, y=31.0); g.add_node(2, x=35.01, y=31.0)
    >>> for u, v in [(1, 2), (2, 1)]:
    ...     _ = g.add_edge(u, v, highway="residential", length=950.0)
    >>> _ = g.add_edge(1, 2, highway="residential", length=950.0, maxweight="10")
    >>> profile_report(apply_profile(g, simplify=False))[["reason", "edges"]].to_numpy().tolist()
    [['maxweight < 26 t', 1]]
    """
    records = graph.graph.get("profile_report") or []
    if isinstance(records, str):
        records = ast.literal_eval(records)
    df = pd.DataFrame(records, columns=["reason", "action", "edges", "km"])
    return df.sort_values("km", ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------
# downloading (users with internet; never called by tests)


def default_cache_dir() -> Path:
    """Where downloads are cached: ``$SITING_CACHE_DIR``, else ``$XDG_CACHE_HOME/siting/osm``,
    else ``~/.cache/siting/osm``."""
    if os.environ.get("SITING_CACHE_DIR"):
        return Path(os.environ["SITING_CACHE_DIR"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser()
    return base / "siting" / "osm"


@contextlib.contextmanager
def _osmnx_settings(cache_dir: Path) -> Iterator[None]:
    """Temporarily point OSMnx at our cache and keep the truck tags (restored after)."""
    import osmnx as ox

    from siting._network_osm import WAY_TAGS

    names = ("useful_tags_way", "cache_folder", "use_cache")
    saved = {k: getattr(ox.settings, k) for k in names}
    try:
        ox.settings.useful_tags_way = sorted(set(saved["useful_tags_way"]) | set(WAY_TAGS))
        ox.settings.cache_folder = cache_dir
        ox.settings.use_cache = True
        yield
    finally:
        for k, val in saved.items():
            setattr(ox.settings, k, val)


def graph_from_polygon(
    polygon: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    profile: str | TruckProfile = "truck",
    buffer_m: float = 2000.0,
    crs: Any = None,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> nx.MultiDiGraph:
    """Download the road network inside a (buffered) polygon with OSMnx.

    Overpass responses are cached in ``cache_dir`` (default
    :func:`default_cache_dir`), so a second run with the same polygon is
    offline.  Needs internet the first time.

    Parameters
    ----------
    polygon : shapely geometry, GeoDataFrame or GeoSeries
        The area, e.g. the region's authorities (all features are merged).
    profile : str or TruckProfile
        See :func:`load_osm`.
    buffer_m : float
        Buffer around the area (default 2 km: assumption, enough for roads that
        leave and re-enter the region).
    crs : optional
        CRS of a bare shapely ``polygon`` (default WGS84).
    cache_dir : path-like, optional
        Download cache directory.
    progress : bool or None
        Progress bar (see :func:`load_osm`).

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`load_osm`.
    """
    import osmnx as ox

    prof = _resolve_profile(profile)
    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is None:
            raise LayerError("polygon", "no CRS: set one with `.set_crs(...)`")
        geom = gpd.GeoSeries([polygon.union_all()], crs=polygon.crs)
    else:
        geom = gpd.GeoSeries([polygon], crs=crs or "EPSG:4326")
    area = geom.to_crs(METRIC_CRS).buffer(buffer_m).to_crs("EPSG:4326").iloc[0]
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    highways = "|".join(sorted(prof.routable_highways))
    stages = _Stages(4, "road network download", progress)
    try:
        stages.step(f"downloading (cached in {cache})")
        with _osmnx_settings(cache):
            raw = ox.graph_from_polygon(
                area,
                custom_filter=f'["highway"~"^({highways})$"]',
                simplify=False,
                retain_all=True,
                truncate_by_edge=True,
            )
        stages.done()
        return _finish(raw, prof, Report(), stages, source="OpenStreetMap (Overpass)")
    finally:
        stages.close()


def graph_from_place(
    query: str,
    *,
    profile: str | TruckProfile = "truck",
    buffer_m: float = 2000.0,
    cache_dir: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
) -> nx.MultiDiGraph:
    """Download the road network of a named place (geocoded by Nominatim via OSMnx).

    Same caching and parameters as :func:`graph_from_polygon`.
    """
    import osmnx as ox

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with _osmnx_settings(cache):
        place = ox.geocode_to_gdf(query)
    return graph_from_polygon(
        place, profile=profile, buffer_m=buffer_m, cache_dir=cache, progress=progress
    )


# --------------------------------------------------------------------------------------
# snapping


def snap_points(
    graph: nx.MultiDiGraph,
    points: gpd.GeoDataFrame,
    *,
    threshold_m: float = SNAP_THRESHOLD_M,
    polygons: PolygonSnap | str = PolygonSnap.CENTROID,
    exclude_highways: Sequence[str] = SNAP_EXCLUDE_HIGHWAYS,
    layer: str = "points",
) -> pd.DataFrame:
    """Snap each feature to the nearest usable node of ``graph``.

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
        Nodes touched only by these classes are not snapping targets.
    layer : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        Index-aligned with ``points``: ``node`` (graph node id), ``snap_m``
        (metres, EPSG:2039) and ``far`` (``snap_m > threshold_m``).
    """
    mode = _enum(PolygonSnap, polygons, "polygons")
    xy = metric_points(points, layer)
    if graph.number_of_nodes() == 0:
        raise LayerError("road network", "the graph has no nodes to snap to")
    geo = _geo.graph_geo(graph)
    geoms = np.asarray(points.geometry.to_crs(METRIC_CRS).to_numpy(), dtype=object)
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
    weight (see :func:`clear_cache` after changing edge weights in place
    without adding or removing edges).

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


# --------------------------------------------------------------------------------------
# the cost model


@dataclass(frozen=True, eq=False)
class NetworkCostModel:
    """Truck travel times and distances on an OSM road graph.

    Implements :class:`siting.costs.CostModel`: exact shortest paths between the
    nodes the origins and destinations snap to.  The snap legs are not added;
    their lengths are in ``details``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A routable graph (:func:`load_osm`).
    snap_threshold_m : float
        Snaps farther than this are flagged (default :data:`SNAP_THRESHOLD_M`).
    far_snap : {"flag", "unreachable"}
        Keep far-snapped points' figures and list them (default), or make
        their rows/columns ``inf``.
    polygon_snap : {"centroid", "nearest"}
        How polygon destinations join the network (see :class:`PolygonSnap`).
    n_jobs, max_memory_mb
        See :func:`travel_costs`.

    Examples
    --------
    >>> import geopandas as gpd, networkx as nx
    >>> from shapely.geometry import Point
    >>> g = nx.MultiDiGraph(crs="epsg:4326", profile="demo")
    >>> g.add_node(1, x=35.00, y=31.80); g.add_node(2, x=35.01, y=31.80)
    >>> _ = g.add_edge(1, 2, length=950.0, travel_time=114.0)
    >>> _ = g.add_edge(2, 1, length=950.0, travel_time=114.0)
    >>> pts = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(35.0, 31.8),
    ...                         Point(35.01, 31.8)], crs=4326)
    >>> m = NetworkCostModel(g).matrix(pts, pts)
    >>> m.minutes.tolist(), m.km.tolist()
    ([[0.0, 1.9], [1.9, 0.0]], [[0.0, 0.95], [0.95, 0.0]])
    """

    graph: nx.MultiDiGraph
    snap_threshold_m: float = SNAP_THRESHOLD_M
    far_snap: FarSnap | str = FarSnap.FLAG
    polygon_snap: PolygonSnap | str = PolygonSnap.CENTROID
    n_jobs: int = 1
    max_memory_mb: float = 512.0
    name: str = "osm-network"
    approximate: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.graph, nx.Graph) or not self.graph.is_directed():
            raise LayerError(
                "road network",
                "NetworkCostModel needs a directed networkx graph "
                f"(got {type(self.graph).__name__}); load one with siting.network.load_osm",
            )
        if self.graph.number_of_nodes() == 0:
            raise LayerError("road network", "the graph has no nodes")
        _geo.check_coordinates(self.graph, "graph")
        object.__setattr__(self, "far_snap", _enum(FarSnap, self.far_snap, "far_snap"))
        object.__setattr__(
            self, "polygon_snap", _enum(PolygonSnap, self.polygon_snap, "polygon_snap")
        )

    def describe(self) -> str:
        """One sentence naming the model and its parameters."""
        g = self.graph
        profile = g.graph.get("profile", "edge travel_time as given")
        return (
            f"shortest truck travel time on the OSM road network ({profile}; "
            f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges); points snapped "
            f"to the nearest usable node, snaps beyond {self.snap_threshold_m:g} m flagged"
        )

    def snap(self, gdf: gpd.GeoDataFrame, layer: str) -> pd.DataFrame:
        """Snap a layer to the graph (see :func:`snap_points`)."""
        return snap_points(
            self.graph,
            gdf,
            threshold_m=self.snap_threshold_m,
            polygons=self.polygon_snap,
            layer=layer,
        )

    def matrix(
        self,
        origins: gpd.GeoDataFrame,
        destinations: gpd.GeoDataFrame,
        *,
        origin_id: str = "id",
        destination_id: str = "id",
    ) -> CostMatrix:
        """Travel minutes and km from every origin to every destination.

        ``details`` holds ``origin_nodes``/``destination_nodes``,
        ``origin_snap_m``/``destination_snap_m``, ``far_origins``/
        ``far_destinations`` (ids snapped beyond the threshold),
        ``snap_threshold_m``, ``unreachable_pairs`` (``(origin id, destination
        id)`` pairs, at most 1,000 listed) and ``n_unreachable``.
        """
        so = self.snap(origins, "origins")
        sd = self.snap(destinations, "destinations")
        minutes, km = cost_matrices(
            self.graph,
            so["node"].tolist(),
            sd["node"].tolist(),
            n_jobs=self.n_jobs,
            max_memory_mb=self.max_memory_mb,
        )
        oid, did = _ids(origins, origin_id), _ids(destinations, destination_id)
        far_o, far_d = so["far"].to_numpy(), sd["far"].to_numpy()
        if far_o.any() or far_d.any():
            log.warning(
                "%d origin(s) and %d destination(s) are more than %g m from a usable node: %s",
                int(far_o.sum()),
                int(far_d.sum()),
                self.snap_threshold_m,
                list(oid[far_o][:10]) + list(did[far_d][:10]),
            )
            if self.far_snap is FarSnap.UNREACHABLE:
                for arr in (minutes, km):
                    arr[far_o, :] = np.inf
                    arr[:, far_d] = np.inf
        bad = np.argwhere(~np.isfinite(minutes))
        if len(bad):
            log.warning("%d origin-destination pair(s) have no route", len(bad))
        return CostMatrix(
            minutes=minutes,
            km=km,
            origin_ids=oid,
            destination_ids=did,
            model=self.name,
            description=self.describe(),
            approximate=False,
            details={
                "origin_nodes": so["node"].to_numpy(),
                "destination_nodes": sd["node"].to_numpy(),
                "origin_snap_m": so["snap_m"].to_numpy(),
                "destination_snap_m": sd["snap_m"].to_numpy(),
                "far_origins": oid[far_o].tolist(),
                "far_destinations": did[far_d].tolist(),
                "snap_threshold_m": self.snap_threshold_m,
                "unreachable_pairs": [(oid[i], did[j]) for i, j in bad[:1000]],
                "n_unreachable": len(bad),
            },
        )

    def routes(
        self,
        origins: gpd.GeoDataFrame,
        destinations: gpd.GeoDataFrame,
        assignment: Mapping[Any, Any] | pd.Series,
        *,
        origin_id: str = "id",
        destination_id: str = "id",
    ) -> gpd.GeoDataFrame:
        """Route lines for an assignment ``{origin id: destination id}``.

        Returns
        -------
        geopandas.GeoDataFrame
            WGS84: ``origin_id``, ``destination_id``, ``minutes``, ``km``,
            LineString ``geometry`` (see :func:`route_geometries`).
        """
        so = self.snap(origins, "origins")
        sd = self.snap(destinations, "destinations")
        o_node = dict(zip(_ids(origins, origin_id), so["node"], strict=True))
        d_node = dict(zip(_ids(destinations, destination_id), sd["node"], strict=True))
        pairs = list(dict(assignment).items())
        unknown = [f"origin id {a!r}: not in origins" for a, _ in pairs if a not in o_node]
        unknown += [
            f"destination id {b!r}: not in destinations" for _, b in pairs if b not in d_node
        ]
        if unknown:
            raise LayerError("assignment", unknown)
        out = route_geometries(
            self.graph, [o_node[a] for a, _ in pairs], [d_node[b] for _, b in pairs]
        )
        out.insert(0, "origin_id", [a for a, _ in pairs])
        out.insert(1, "destination_id", [b for _, b in pairs])
        return out.drop(columns=["cost"])

    def isochrones(
        self,
        sites: gpd.GeoDataFrame,
        minutes: Sequence[float] = (10.0, 20.0, 30.0),
        *,
        site_id: str = "id",
        direction: str = "to",
        buffer_m: float = 100.0,
    ) -> gpd.GeoDataFrame:
        """Drive-time polygons around each site (see :func:`isochrones`)."""
        snapped = self.snap(sites, "sites")
        out = isochrones(
            self.graph,
            snapped["node"].tolist(),
            minutes=minutes,
            direction=direction,
            buffer_m=buffer_m,
        )
        ids = np.repeat(_ids(sites, site_id), len(minutes))
        out.insert(0, "site_id", ids)
        return out


def _ids(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column in gdf.columns:
        return gdf[column].to_numpy()
    return gdf.index.to_numpy()
