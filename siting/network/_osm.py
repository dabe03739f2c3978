"""Read OSM road ways from ``.osm``, ``.osm.bz2`` and ``.osm.pbf`` files with pyosmium.

One reader for every OSM format: libosmium (through pyosmium) reads PBF and
(compressed) XML natively, ~10x faster than OSMnx's pure-Python XML parser and
without a PBF → XML round trip.  The result follows OSMnx's conventions for an
unsimplified graph, so ``osmnx.simplify_graph`` and every OSMnx function work on
it: graph attribute ``crs``; node ``x``/``y`` (WGS84); one edge per consecutive
node pair of a way with ``osmid``, ``highway``, ``oneway``, ``reversed``,
``length`` (great-circle metres) and the way's routing tags, plus
``against_way`` (the edge runs against the way's drawing direction, so its
``:backward`` tags apply; OSMnx's ``reversed`` is False on ``oneway=-1`` ways).
One-way-ness is the truck's: ``oneway:hgv`` overrides ``oneway``.

Tag-value parsers for weights, lengths and speeds live here too.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

__all__: list[str] = []  # private module

log = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")

#: way tags kept as edge attributes (routing tags + the names a map shows)
WAY_TAGS = (
    "highway",
    "name",
    "ref",
    "junction",
    "oneway",
    "oneway:hgv",
    "service",
    "area",
    "tracktype",
    "bridge",
    "tunnel",
    "lanes",
    "maxspeed",
    "maxspeed:forward",
    "maxspeed:backward",
    "maxspeed:hgv",
    "maxspeed:hgv:forward",
    "maxspeed:hgv:backward",
    "access",
    "vehicle",
    "motor_vehicle",
    "hgv",
    "hgv:forward",
    "hgv:backward",
    "hgv:conditional",
    "maxweight",
    "maxweightrating",
    "maxweightrating:hgv",
    "maxweight:hgv",
    "maxaxleload",
    "maxheight",
    "maxheight:physical",
    "maxwidth",
    "maxwidth:physical",
    "maxlength",
)

# https://wiki.openstreetmap.org/wiki/Key:oneway (as OSMnx reads it)
ONEWAY_VALUES = frozenset({"yes", "true", "1", "-1", "reverse", "T", "F"})
REVERSED_VALUES = frozenset({"-1", "reverse", "T"})


def is_oneway(tags: dict[str, Any]) -> bool:
    """OSMnx's rule: an explicit ``oneway`` value or a roundabout."""
    return tags.get("oneway") in ONEWAY_VALUES or tags.get("junction") == "roundabout"


def truck_direction(tags: dict[str, Any]) -> tuple[bool, bool]:
    """``(one-way, against the way's drawing)`` for a heavy vehicle.

    ``oneway:hgv`` (R4, DOMAIN 4) overrides ``oneway``: ``yes`` makes a two-way
    road one-way for trucks, ``-1`` one-way against the drawing, ``no`` opens
    a one-way road in both directions.
    """
    hgv = tags.get("oneway:hgv")
    if hgv in ("yes", "true", "1"):
        return True, False
    if hgv in ("-1", "reverse"):
        return True, True
    if hgv == "no":
        return False, False
    oneway = is_oneway(tags)
    return oneway, oneway and tags.get("oneway") in REVERSED_VALUES


def read_osm_ways(
    path: Path, highways: Collection[str]
) -> tuple[list[tuple[int, dict[str, str], list[int]]], dict[int, tuple[float, float]], int]:
    """Read the ways whose ``highway`` value is in ``highways``.

    Returns
    -------
    ways : list of (way id, tags, node ids)
        Nodes missing from the file (ways cut by an extract's boundary) are
        ``-1``.
    coords : dict
        ``node id -> (lon, lat)`` for every node used.
    n_missing : int
        Number of way-node references without a location in the file (they
        stay in the node lists as ``-1``, so no segment bridges the gap).
    """
    import osmium

    keep = set(WAY_TAGS)
    fp = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.TagFilter(*[("highway", h) for h in sorted(highways)]))
    )
    ways: list[tuple[int, dict[str, str], list[int]]] = []
    coords: dict[int, tuple[float, float]] = {}
    n_missing = 0
    for way in fp:
        assert isinstance(way, osmium.osm.Way)  # the EntityFilter passes ways only
        tags = {t.k: t.v for t in way.tags if t.k in keep}
        refs: list[int] = []
        for n in way.nodes:
            loc = n.location
            if not loc.valid():
                n_missing += 1
                refs.append(-1)  # a gap: no segment across it
                continue
            refs.append(n.ref)
            coords[n.ref] = (loc.lon, loc.lat)
        ways.append((way.id, tags, refs))
    return ways, coords, n_missing


def build_raw_graph(
    ways: Iterable[tuple[int, dict[str, str], list[int]]],
    coords: dict[int, tuple[float, float]],
) -> tuple[nx.MultiDiGraph, int]:
    """Build an unsimplified OSMnx-style MultiDiGraph from ways and node coordinates.

    Returns the graph and the number of directed segments left out because
    one of their nodes is missing from the file.
    """
    from osmnx.distance import great_circle

    u_all: list[int] = []
    v_all: list[int] = []
    attr_all: list[dict[str, Any]] = []
    n_cut = 0
    for way_id, tags, refs in ways:
        oneway, against = truck_direction(tags)
        nodes = list(refs)
        if against:
            nodes.reverse()
        base = {"osmid": way_id, **tags, "oneway": oneway}
        # drop consecutive duplicates and segments that touch a missing node
        pairs = [(a, b) for a, b in itertools.pairwise(nodes) if a != b]
        complete = [(a, b) for a, b in pairs if a >= 0 and b >= 0]
        n_cut += (len(pairs) - len(complete)) * (1 if oneway else 2)
        pairs = complete
        fwd = {**base, "reversed": False, "against_way": against}
        for a, b in pairs:
            u_all.append(a)
            v_all.append(b)
            attr_all.append(fwd)
        if not oneway:
            rev = {**base, "reversed": True, "against_way": True}
            for a, b in pairs:
                u_all.append(b)
                v_all.append(a)
                attr_all.append(rev)

    graph = nx.MultiDiGraph(crs="epsg:4326")
    used = set(u_all) | set(v_all)
    graph.add_nodes_from((n, {"x": coords[n][0], "y": coords[n][1]}) for n in used)
    if u_all:
        xy_u = np.array([coords[n] for n in u_all])
        xy_v = np.array([coords[n] for n in v_all])
        lengths = great_circle(xy_u[:, 1], xy_u[:, 0], xy_v[:, 1], xy_v[:, 0])
        graph.add_edges_from(
            (u, v, {**a, "length": float(d)})
            for u, v, a, d in zip(u_all, v_all, attr_all, np.asarray(lengths), strict=True)
        )
    return graph, n_cut


# --------------------------------------------------------------------------------------
# tag-value parsers (https://wiki.openstreetmap.org/wiki/Map_features/Units)

_NUM = r"(\d+(?:[.,]\d+)?)"
_NO_LIMIT = frozenset({"none", "no", "default", "unsigned", "no_sign", "no_indications", "unknown"})


def parse_weight_t(value: Any) -> float | None:
    """Parse a ``maxweight``-style value to tonnes; ``None`` = no limit; NaN = unreadable.

    Examples
    --------
    >>> parse_weight_t("7.5"), parse_weight_t("3500 kg"), parse_weight_t("none")
    (7.5, 3.5, None)
    """
    values = [_parse_weight_one(v.strip()) for v in str(value).split(";")]
    return _most_restrictive(values)


def _parse_weight_one(text: str) -> float | None:
    t = text.lower().replace(",", ".")
    if t in _NO_LIMIT:
        return None
    m = re.fullmatch(_NUM + r"\s*(t|kg|st|lbs?)?", t)
    if not m:
        return math.nan
    factor = {"t": 1.0, "kg": 1e-3, "st": 0.90718474, "lb": 0.00045359237, "lbs": 0.00045359237}
    return float(m.group(1)) * factor[m.group(2) or "t"]


def parse_length_m(value: Any) -> float | None:
    """Parse a ``maxheight``/``maxwidth``/``maxlength`` value to metres.

    ``None`` = no limit, NaN = unreadable, 0.0 for ``below_default`` (lower than
    the legal vehicle height, so any legal truck is blocked).

    Examples
    --------
    >>> parse_length_m("4.2"), parse_length_m("3,8 m"), parse_length_m("13'6\\"")
    (4.2, 3.8, 4.1148)
    """
    values = [_parse_length_one(v.strip()) for v in str(value).split(";")]
    return _most_restrictive(values)


def _parse_length_one(text: str) -> float | None:
    t = text.lower().strip()
    if t in _NO_LIMIT:
        return None
    if t == "below_default":
        return 0.0
    t = t.replace(",", ".")
    m = re.fullmatch(_NUM + r"\s*(m|cm|ft)?", t)
    if m:
        x = float(m.group(1))
        return {"m": x, "cm": x / 100.0, "ft": x * 0.3048}[m.group(2) or "m"]
    m = re.fullmatch(r"(\d+)\s*(?:'|ft)\s*(?:(\d+(?:\.\d+)?)\s*(?:\"|''|in)?)?", t)
    if m:
        feet = float(m.group(1))
        inches = float(m.group(2) or 0.0)
        return round((feet * 12.0 + inches) * 0.0254, 4)
    return math.nan


#: zone values of ``maxspeed`` (https://wiki.openstreetmap.org/wiki/Default_speed_limits)
#: Israel: urban 50, interurban 80 for commercial vehicles > 12 t (R1)
SPEED_ZONES_KMH = {"il:urban": 50.0, "il:rural": 80.0, "il:motorway": 80.0, "walk": 5.0}


def parse_speed_kmh(value: Any) -> float | None:
    """Parse a ``maxspeed`` value to km/h; ``None`` = no limit or unreadable.

    Examples
    --------
    >>> parse_speed_kmh("50"), parse_speed_kmh("30 mph"), parse_speed_kmh("IL:urban")
    (50.0, 48.28032, 50.0)
    """
    values: list[float | None] = []
    for raw in str(value).split(";"):
        t = raw.strip().lower()
        if t in SPEED_ZONES_KMH:
            values.append(SPEED_ZONES_KMH[t])
            continue
        m = re.fullmatch(_NUM + r"\s*(km/h|kmh|kph|mph|knots)?", t.replace(",", "."))
        if not m:
            values.append(None)
            continue
        x = float(m.group(1))
        unit = m.group(2) or "km/h"
        values.append(x * 1.609344 if unit == "mph" else x * 1.852 if unit == "knots" else x)
    finite = [v for v in values if v is not None and v > 0]
    return min(finite) if finite else None


def _most_restrictive(values: list[float | None]) -> float | None:
    """The smallest limit; NaN when any part is unreadable and none is readable."""
    limits = [v for v in values if v is not None and not math.isnan(v)]
    if limits:
        return min(limits)
    if any(v is not None for v in values):
        return math.nan
    return None
