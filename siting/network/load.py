"""Load road graphs from local OSM/GraphML files and apply a truck profile."""

from __future__ import annotations

import ast
import contextlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from siting.errors import LayerError, ScenarioError
from siting.network import _geo
from siting.network._osm import OSM_SUFFIXES, build_raw_graph, read_osm_ways
from siting.network._profile import (
    ARTICULATED_TRUCK,
    Report,
    TruckProfile,
    apply_profile_inplace,
    keep_largest_scc_inplace,
)

__all__ = [
    "PROFILES",
    "apply_profile",
    "load_osm",
    "profile_report",
]

log = logging.getLogger(__name__)


#: Named profiles accepted wherever a ``profile`` is: ``"truck"`` is the 26 t
#: compactor (the collection fleet); ``"articulated"`` the transfer truck.
PROFILES: Mapping[str, TruckProfile] = {
    "truck": TruckProfile(),
    "compactor": TruckProfile(name="compactor"),
    "articulated": TruckProfile(vehicle=ARTICULATED_TRUCK, name="articulated"),
}


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
        graph = _simplify(graph)
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


def _simplify(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``osmnx.simplify_graph`` keeping, on edges that merge classes, each class's length.

    ``length`` and ``travel_time`` are summed; a merged edge whose ``highway``
    becomes a list also keeps ``length:<class>`` sums, so a later profile can
    weight the class speeds by length (see :class:`TruckProfile`).
    """
    import osmnx as ox

    classes: set[str] = set()
    for _, _, data in graph.edges(data=True):
        h = data.get("highway")
        if isinstance(h, str):
            data[f"length:{h}"] = data.get("length", 0.0)
            classes.add(h)
    aggs: dict[str, Any] = {"length": sum, "travel_time": sum}
    aggs.update({f"length:{h}": sum for h in classes})
    out = ox.simplify_graph(graph, edge_attr_aggs=aggs)
    for _, _, data in out.edges(data=True):
        if not isinstance(data.get("highway"), list):
            for h in classes:
                data.pop(f"length:{h}", None)
    return out


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
