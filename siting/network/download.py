"""Download a road network with OSMnx: the haul area, a fast reachability check, one-line errors.

Only users with internet call these; tests replace the HTTP layer with a recorded
Overpass response (``tests/data/network/overpass_mini.json``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from siting.costs import METRIC_CRS
from siting.errors import LayerError, SitingError
from siting.layers import Region
from siting.network._osm import WAY_TAGS, build_raw_graph
from siting.network._profile import Report, TruckProfile
from siting.network.load import _finish, _resolve_profile, _Stages
from siting.params import WasteParams

__all__ = [
    "HAUL_AREA_BUFFER_M",
    "OVERPASS_CHECK_TIMEOUT_S",
    "DownloadError",
    "areas_from_polygon",
    "default_cache_dir",
    "graph_from_place",
    "graph_from_polygon",
    "haul_area",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Buffer (m) around the convex hull of every place a run routes to, for
#: ``siting network fetch``.  Assumption (no source in DOMAIN.md): 5 km keeps the
#: roads that leave the hull and come back (a ring road, the way round a ridge)
#: and the junctions just outside it.
HAUL_AREA_BUFFER_M = 5000.0

#: Seconds to wait for the Overpass server to accept a TCP connection before a
#: download is given up (OSMnx alone retries for ≈ 64 s when offline).
OVERPASS_CHECK_TIMEOUT_S = 5.0


class DownloadError(SitingError, ConnectionError):
    """The road network could not be downloaded; the message is one line saying
    what was tried and how to give a local extract instead."""


def default_cache_dir() -> Path:
    """Where downloads are cached: ``$SITING_CACHE_DIR``, else ``$XDG_CACHE_HOME/siting/osm``,
    else ``~/.cache/siting/osm``."""
    if os.environ.get("SITING_CACHE_DIR"):
        return Path(os.environ["SITING_CACHE_DIR"]).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser()
    return base / "siting" / "osm"


def haul_area(
    region: Region,
    *,
    waste: WasteParams | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    buffer_m: float = HAUL_AREA_BUFFER_M,
) -> gpd.GeoSeries:
    """The area a run's road network must cover, as one EPSG:2039 polygon.

    The convex hull of every place a run routes to: all the region's
    localities (members and neighbours), the authorities' geometries (the
    candidate search lies inside the members), a user's candidate plots, and,
    with ``waste``, the status-quo destinations (the default one, e.g. the
    Veridis plant near Afula, and any per-authority one), which are also the
    transfer trailers' destinations.  The hull contains the straight corridor
    to each destination; ``buffer_m`` (default :data:`HAUL_AREA_BUFFER_M`)
    widens it.

    Examples
    --------
    >>> from siting.sources.embedded import default_region
    >>> from siting.params import WasteParams
    >>> region = default_region("mishor-hahof")
    >>> area = haul_area(region, waste=WasteParams(), buffer_m=0)
    >>> afula = Point(WasteParams().status_quo_x_itm, WasteParams().status_quo_y_itm)
    >>> bool(area.iloc[0].buffer(1).contains(afula))
    True
    """
    if buffer_m < 0:
        raise LayerError("haul area", f"buffer_m must be >= 0 (got {buffer_m!r})")
    parts: list[Any] = []
    for layer in (region.localities, region.authorities, candidates):
        if layer is None or len(layer) == 0:
            continue
        if layer.crs is None:
            raise LayerError("haul area", "a layer has no CRS: set one with `.set_crs(...)`")
        parts.extend(layer.geometry.to_crs(METRIC_CRS).to_numpy())
    if waste is not None:
        parts.append(Point(waste.status_quo_x_itm, waste.status_quo_y_itm))
        parts.extend(Point(x, y) for _, x, y in waste.status_quo_by_authority)
    if not parts:
        raise LayerError("haul area", "the region has no geometry to cover")
    hull = shapely.union_all(np.asarray(parts, dtype=object)).convex_hull
    if buffer_m > 0:
        hull = hull.buffer(buffer_m)
    return gpd.GeoSeries([hull], crs=METRIC_CRS)


@contextlib.contextmanager
def _osmnx_settings(cache_dir: Path) -> Iterator[None]:
    """Temporarily point OSMnx at our cache and keep the truck tags (restored after)."""
    import osmnx as ox

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


def _bbox_text(area: BaseGeometry) -> str:
    """``west,south,east,north`` (WGS84, 3 decimals, outward): ``osmium extract -b`` input."""
    w, s, e, n = area.bounds
    return (
        f"{np.floor(w * 1000) / 1000:.3f},{np.floor(s * 1000) / 1000:.3f},"
        f"{np.ceil(e * 1000) / 1000:.3f},{np.ceil(n * 1000) / 1000:.3f}"
    )


#: The scenario lines that use a local extract instead of a download, per download.
_LOCAL_EXTRACT = {
    "road network": '[costs] model = "network", network = "<file>.osm.pbf"',
    "land use": '[candidates] landuse = "<file>.osm.pbf"',
}


def _advice(bbox: str, what: str = "road network") -> str:
    return (
        f"without internet, give a local extract instead: {_LOCAL_EXTRACT[what]} "
        "(e.g. Geofabrik's israel-and-palestine-latest.osm.pbf, "
        f"clipped with `osmium extract -b {bbox}`)"
    )


def _check_reachable(url: str, timeout_s: float) -> None:
    """Raise ``OSError`` unless ``url``'s host accepts a TCP connection within ``timeout_s``.

    Name resolution has no timeout of its own, so the check runs in a daemon
    thread that is abandoned when it takes too long.
    """
    parsed = urlparse(url)
    host = parsed.hostname or ""
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            socket.create_connection((host, port), timeout=timeout_s).close()
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    worker = threading.Thread(target=connect, daemon=True)
    worker.start()
    worker.join(timeout_s)
    if not outcome:
        raise TimeoutError(f"no answer within {timeout_s:g} s")
    if outcome[0] is not None:
        raise outcome[0]


def _reason(exc: BaseException) -> str:
    """A short reason for a failed request (no nested reprs)."""
    if isinstance(exc, socket.gaierror):
        return "name resolution failed"
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if "NameResolutionError" in text or "Name or service not known" in text:
        return "name resolution failed"
    return text[:160]


def _overpass_graph(area: BaseGeometry, way_filter: str) -> nx.MultiDiGraph:
    """The raw graph of the ways OSMnx's Overpass queries return (cached by OSMnx).

    Built by the same :func:`~siting.network._osm.build_raw_graph` as local
    files, not by ``osmnx.graph_from_polygon``, which overwrites ``oneway``
    (losing ``oneway=-1``, so ``:backward`` tags could not be read) and cannot
    apply ``oneway:hgv``.  Ways are kept whole (no truncation at the area).
    """
    from osmnx import _overpass
    from osmnx._errors import InsufficientResponseError

    keep = set(WAY_TAGS)
    ways: dict[int, tuple[int, dict[str, str], list[int]]] = {}
    coords: dict[int, tuple[float, float]] = {}
    for response in _overpass._download_overpass_network(area, "drive", way_filter):
        for el in response.get("elements", []):
            if el.get("type") == "node":
                coords[int(el["id"])] = (float(el["lon"]), float(el["lat"]))
            elif el.get("type") == "way":
                tags = {k: str(v) for k, v in el.get("tags", {}).items() if k in keep}
                ways[int(el["id"])] = (int(el["id"]), tags, [int(n) for n in el["nodes"]])
    if not ways:
        msg = "Found no ways in the Overpass response"
        raise InsufficientResponseError(msg)
    complete = [
        (wid, tags, [n if n in coords else -1 for n in refs]) for wid, tags, refs in ways.values()
    ]
    graph, _ = build_raw_graph(complete, coords)
    return graph


def _download(area: BaseGeometry, highways: str, cache: Path) -> nx.MultiDiGraph:
    """The road network's Overpass download (see :func:`_overpass_call`)."""
    return _overpass_call(
        area,
        cache,
        lambda: _overpass_graph(area, f'["highway"~"^({highways})$"]'),
        what="road network",
        empty="the server sent no usable roads",
    )


def _overpass_call(
    area: BaseGeometry, cache: Path, fetch: Callable[[], T], *, what: str, empty: str
) -> T:
    """An Overpass download behind a fast reachability check, with one-line errors.

    When the server cannot be reached within :data:`OVERPASS_CHECK_TIMEOUT_S`,
    OSMnx still runs but without its rate-limit pause (which waits 60 s when
    the status page is unreachable): a cached response is used, anything else
    fails at once.
    """
    import osmnx as ox
    import requests

    bbox = _bbox_text(area)
    url = ox.settings.overpass_url.rstrip("/") + "/interpreter"
    tried = f"tried the Overpass API at {url} for the area {bbox} (lon/lat)"
    unreachable = None
    try:
        _check_reachable(url, OVERPASS_CHECK_TIMEOUT_S)
    except OSError as exc:
        unreachable = f"{urlparse(url).hostname} is unreachable ({_reason(exc)})"
        log.info("%s; trying the download cache only", unreachable)
    rate_limit = ox.settings.overpass_rate_limit
    with _osmnx_settings(cache):
        try:
            if unreachable:
                ox.settings.overpass_rate_limit = False
            return fetch()
        except (OSError, requests.RequestException, ValueError) as exc:
            if unreachable and isinstance(exc, OSError | requests.RequestException):
                first = unreachable
            elif isinstance(exc, ox._errors.InsufficientResponseError):
                first = f"{empty} ({_reason(exc)})"
            else:
                first = _reason(exc)
            raise DownloadError(
                f"{what} download failed: {first}; {tried}; {_advice(bbox, what)}"
            ) from exc
        finally:
            ox.settings.overpass_rate_limit = rate_limit


def _area_wgs84(
    polygon: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries, buffer_m: float, crs: Any
) -> BaseGeometry:
    """``polygon`` (all features merged), buffered by ``buffer_m`` metres, in WGS84."""
    if isinstance(polygon, gpd.GeoDataFrame | gpd.GeoSeries):
        if polygon.crs is None:
            raise LayerError("polygon", "no CRS: set one with `.set_crs(...)`")
        geom = gpd.GeoSeries([polygon.union_all()], crs=polygon.crs)
    else:
        geom = gpd.GeoSeries([polygon], crs=crs or "EPSG:4326")
    return geom.to_crs(METRIC_CRS).buffer(buffer_m).to_crs("EPSG:4326").iloc[0]


def areas_from_polygon(
    polygon: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries,
    keys: Sequence[str],
    *,
    buffer_m: float = 0.0,
    crs: Any = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> gpd.GeoDataFrame:
    """Download the OSM areas carrying any of the tag ``keys`` inside a polygon (OSMnx).

    What ``siting network fetch --landuse`` saves for
    :func:`siting.landuse.read_landuse`: ``osmnx.features_from_polygon`` with
    ``{key: True}`` for each key, polygonal features only (land, not points or
    lines), one column per key that occurs plus ``name``, ``osm_type`` and
    ``osm_id``.  Cached like :func:`graph_from_polygon`; one-line
    :class:`DownloadError` offline.

    Parameters
    ----------
    polygon : shapely geometry, GeoDataFrame or GeoSeries
        The area (all features are merged).
    keys : sequence of str
        OSM tag keys, e.g. :func:`siting.landuse.landuse_tag_keys`.
    buffer_m, crs, cache_dir
        As :func:`graph_from_polygon`.

    Returns
    -------
    GeoDataFrame (WGS84)
    """
    if not keys:
        raise LayerError("land use download", "no OSM tag keys to ask for")
    area = _area_wgs84(polygon, buffer_m, crs)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)

    def fetch() -> gpd.GeoDataFrame:
        import osmnx as ox

        return ox.features_from_polygon(area, dict.fromkeys(keys, True))

    found = _overpass_call(area, cache, fetch, what="land use", empty="the server sent no areas")
    return _polygonal_areas(found, keys)


def _polygonal_areas(found: gpd.GeoDataFrame, keys: Sequence[str]) -> gpd.GeoDataFrame:
    """OSMnx features → polygon rows with the asked-for tag columns, ``osm_type``, ``osm_id``."""
    keep = found[found.geometry.geom_type.isin(["Polygon", "MultiPolygon"])]
    if isinstance(keep.index, pd.MultiIndex):
        kind = keep.index.get_level_values(0).astype(str)
        ident = keep.index.get_level_values(-1).astype("int64")
    else:
        kind = pd.Index(["" for _ in range(len(keep))])
        ident = pd.Index(range(len(keep)), dtype="int64")
    columns = [c for c in (*keys, "name") if c in keep.columns]
    out = pd.DataFrame(
        {c: keep[c].astype(object).where(keep[c].notna(), None).to_numpy() for c in columns}
    )
    out.insert(0, "osm_id", ident.to_numpy())
    out.insert(0, "osm_type", kind.to_numpy())
    return gpd.GeoDataFrame(out, geometry=keep.geometry.to_numpy(), crs=found.crs or "EPSG:4326")


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
    offline.  Needs internet the first time: unless the response is cached,
    the Overpass server must accept a connection within
    :data:`OVERPASS_CHECK_TIMEOUT_S` (checked before OSMnx's own retries,
    which take ≈ 64 s offline).

    Parameters
    ----------
    polygon : shapely geometry, GeoDataFrame or GeoSeries
        The area, e.g. :func:`haul_area` (all features are merged).
    profile : str or TruckProfile
        See :func:`~siting.network.load_osm`.
    buffer_m : float
        Buffer around the area (default 2 km: assumption, enough for roads that
        leave and re-enter the region).
    crs : optional
        CRS of a bare shapely ``polygon`` (default WGS84).
    cache_dir : path-like, optional
        Download cache directory.
    progress : bool or None
        Progress bar (see :func:`~siting.network.load_osm`).

    Returns
    -------
    networkx.MultiDiGraph
        As :func:`~siting.network.load_osm`.

    Raises
    ------
    DownloadError
        Offline, the server unreachable or refusing, or an unusable response:
        one line naming the server, the area (a lon/lat box) and how to use a
        local extract instead.
    """
    prof = _resolve_profile(profile)
    area = _area_wgs84(polygon, buffer_m, crs)
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    highways = "|".join(sorted(prof.routable_highways))
    stages = _Stages(4, "road network download", progress)
    try:
        stages.step(f"downloading (cached in {cache})")
        raw = _download(area, highways, cache)
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
    import requests

    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    with _osmnx_settings(cache):
        try:
            place = ox.geocode_to_gdf(query)
        except (OSError, requests.RequestException, ValueError) as exc:
            raise DownloadError(
                f"geocoding {query!r} failed: {_reason(exc)}; tried Nominatim at "
                f"{ox.settings.nominatim_url}; give the area as a polygon "
                "(graph_from_polygon) or use a local extract (load_osm)"
            ) from exc
    return graph_from_polygon(
        place, profile=profile, buffer_m=buffer_m, cache_dir=cache, progress=progress
    )
