"""Heavy-vehicle routing profile: truck speeds per road class and legal restrictions.

Defaults come from ``shared/DOMAIN.md``: speeds per OSM ``highway`` class are
openrouteservice's heavy-vehicle encoder defaults (R3, DOMAIN 1e) capped by the
Israeli limits for commercial vehicles > 12 t (R1); vehicle dimensions from the
Israeli legal envelope (P10) and gross weights from V1/V2; restriction tags from
the OSM wiki (R4, DOMAIN 4).  :mod:`siting.network` re-exports the public names.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np

from siting.errors import ScenarioError
from siting.network._osm import parse_length_m, parse_speed_kmh, parse_weight_t

__all__ = [
    "ARTICULATED_TRUCK",
    "COMPACTOR_26T",
    "HEAVY_VEHICLE_T",
    "LEGAL_SPEEDS_KMH_HEAVY",
    "MAX_TRUCK_SPEED_KMH",
    "MIN_EDGE_TRAVEL_TIME_S",
    "TRACK_GRADE_SPEEDS_KMH",
    "TRUCK_SPEEDS_KMH",
    "Restriction",
    "TruckProfile",
    "Vehicle",
]

#: Free-flow truck speed (km/h) per OSM ``highway`` class: openrouteservice
#: heavy-vehicle encoder defaults (R3), which do not exceed the Israeli limits
#: for commercial vehicles > 12 t: 80 interurban / 50 urban (R1).  DOMAIN 1e.
TRUCK_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 80.0,  # R3, R1 (trucks may not exceed 80 on a freeway)
        "motorway_link": 50.0,  # R3
        "trunk": 80.0,  # R3, R1
        "trunk_link": 50.0,  # R3
        "primary": 60.0,  # R3, R1
        "primary_link": 50.0,  # R3
        "secondary": 60.0,  # R3, R1
        "secondary_link": 50.0,  # R3
        "tertiary": 50.0,  # R3, R1
        "tertiary_link": 40.0,  # R3
        "unclassified": 30.0,  # R3
        "residential": 30.0,  # R3
        "service": 20.0,  # R3
        "road": 20.0,  # R3
        "living_street": 10.0,  # R3
        "track": 15.0,  # R3 (excluded by default, see TruckProfile.excluded_highways)
    }
)

#: ``highway=track`` speed by ``tracktype`` (R3).
TRACK_GRADE_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {"grade1": 40.0, "grade2": 30.0, "grade3": 20.0, "grade4": 15.0, "grade5": 10.0}
)

#: Upper cap on any edge speed, even where ``maxspeed`` allows more: Valhalla's
#: assumed truck top speed (P11).  For vehicles heavier than
#: :data:`HEAVY_VEHICLE_T` the legal caps :data:`LEGAL_SPEEDS_KMH_HEAVY` bind first.
MAX_TRUCK_SPEED_KMH = 120.0

#: Gross weight (t) above which the Israeli limits for heavy commercial vehicles
#: apply (R1, DOMAIN 1e: "commercial vehicles > 12 t").
HEAVY_VEHICLE_T = 12.0

#: Legal maximum (km/h) per OSM ``highway`` class for commercial vehicles > 12 t
#: in Israel (R1, DOMAIN 1e): 80 on freeways (even where signs allow more) and
#: on interurban roads; 50 on urban streets.  The urban classes (residential,
#: living_street, service, road) take the urban limit; the others the
#: interurban one, with ``maxspeed=IL:urban``/a signed limit lowering it where
#: tagged.  Caps any class speed, ``maxspeed`` or ``maxspeed:hgv``.
LEGAL_SPEEDS_KMH_HEAVY: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 80.0,  # R1 ("דרך מהירה": may not exceed 80)
        "motorway_link": 80.0,  # R1
        "trunk": 80.0,  # R1 (interurban, with or without a divider)
        "trunk_link": 80.0,  # R1
        "primary": 80.0,  # R1 (80 interurban / 50 urban)
        "primary_link": 80.0,  # R1
        "secondary": 80.0,  # R1 (80 interurban / 50 urban)
        "secondary_link": 80.0,  # R1
        "tertiary": 80.0,  # R1 interurban (50 urban, from maxspeed where tagged)
        "tertiary_link": 80.0,  # R1
        "unclassified": 80.0,  # R1 interurban
        "track": 80.0,  # R1 interurban
        "residential": 50.0,  # R1 urban
        "living_street": 50.0,  # R1 urban
        "service": 50.0,  # R1 urban
        "road": 50.0,  # R1 urban
    }
)

#: Floor on an edge's ``travel_time`` (s).  Two consecutive way nodes at the same
#: position (duplicate OSM nodes; 4 edges in the Jerusalem extract) make a 0 m
#: edge; the floor keeps every travel time positive, as the graph contract
#: promises, at a cost of at most 0.1 s per such edge.  Assumption.
MIN_EDGE_TRAVEL_TIME_S = 0.1


@dataclass(frozen=True)
class Vehicle:
    """Dimensions checked against ``maxweight``/``maxheight``/``maxwidth``/``maxlength``.

    Attributes
    ----------
    name : str
        Shown in reports.
    weight_t : float
        Gross (permitted maximum) weight in tonnes.
    height_m, width_m, length_m : float
        Vehicle envelope in metres.
    axle_load_t : float or None
        Heaviest axle load; ``maxaxleload`` is checked only when set.
    """

    name: str
    weight_t: float
    height_m: float
    width_m: float
    length_m: float
    axle_load_t: float | None = None

    def __post_init__(self) -> None:
        for f in ("weight_t", "height_m", "width_m", "length_m"):
            if not getattr(self, f) > 0:
                raise ScenarioError(f"Vehicle.{f} must be > 0 (got {getattr(self, f)!r})")


#: 3-axle rigid refuse compactor: 26 t gross (V1, V2); the Israeli legal envelope
#: for a rigid vehicle > 8 t: height 4.00 m, width 2.55 m, length 12.00 m (P10).
COMPACTOR_26T = Vehicle(
    name="26 t refuse compactor", weight_t=26.0, height_m=4.0, width_m=2.55, length_m=12.0
)

#: Tractor + transfer trailer.  Weight: assumption, ≈ 20 t tare + 20 t payload
#: (V4; no gross-weight source in DOMAIN.md, Valhalla's generic truck is 21.77 t, P11);
#: envelope: height 4.00 m, width 2.55 m, combination length 17.60 m (P10).
ARTICULATED_TRUCK = Vehicle(
    name="articulated transfer truck", weight_t=40.0, height_m=4.0, width_m=2.55, length_m=17.6
)


class Restriction(StrEnum):
    """What to do with an edge the vehicle may not legally use."""

    DROP = "drop"
    PENALISE = "penalise"

    @classmethod
    def parse(cls, value: str | Restriction) -> Restriction:
        """Return the member for ``value``; the error lists the valid values."""
        try:
            return cls(value)
        except ValueError:
            valid = ", ".join(repr(m.value) for m in cls)
            raise ScenarioError(f"restrictions must be one of {valid} (got {value!r})") from None


@dataclass(frozen=True)
class TruckProfile:
    """Heavy-vehicle routing profile applied by :func:`siting.network.load_osm`.

    Edge speed = the class speed (``speeds_kmh``), capped by the lowest
    ``maxspeed:hgv`` or else ``maxspeed`` (the edge's direction's
    ``:forward``/``:backward`` variant first), by the legal limit of its class
    for the vehicle (``legal_speeds_kmh`` when the vehicle weighs more than
    :data:`HEAVY_VEHICLE_T`: 80 km/h on most roads, R1) and by
    ``max_speed_kmh``.  A simplified edge that merges several classes gets the
    length-weighted harmonic mean of their capped speeds (its exact travel
    time), from the ``length:<class>`` sums :func:`~siting.network.load_osm`
    stores when it simplifies; equal lengths are assumed when they are absent.
    ``travel_time`` (s) = ``length`` / speed, times ``penalty_factor`` on
    penalised edges.

    Edges are dropped when their class is not routable (``excluded_highways`` or
    not in ``speeds_kmh``), for ``area=yes`` and for ``service`` values in
    ``excluded_services``.  Legal restrictions (access ``no``/``private``/… on the
    most specific of ``hgv``, ``motor_vehicle``, ``vehicle``, ``access``;
    ``maxweight``/``maxweightrating``/``maxheight``/``maxwidth``/``maxlength``/
    ``maxaxleload`` below the vehicle's; travelling against ``oneway:hgv``) are
    dropped or penalised according to ``restrictions``.  Access is read from
    the edge's direction first (``hgv:forward``/``hgv:backward``).
    ``hgv=discouraged`` is always penalised.  ``destination`` and ``delivery``
    access count as permitted: a refuse truck has business there.
    ``hgv:conditional`` (time-limited bans, R2) is reported, not applied.

    Attributes
    ----------
    vehicle : Vehicle
        Dimensions checked against the restriction tags.
    speeds_kmh : Mapping[str, float]
        Truck speed per ``highway`` class (default :data:`TRUCK_SPEEDS_KMH`, R3).
    track_grade_speeds_kmh : Mapping[str, float]
        ``highway=track`` speed per ``tracktype`` (R3), when tracks are routable.
    excluded_highways : tuple of str
        Classes never routed; default ``("track",)``: assumption, refuse and
        transfer trucks do not use agricultural tracks.
    excluded_services : tuple of str
        ``service=*`` values dropped (OSMnx ``drive_service`` exclusions plus
        ``alley`` and ``drive-through``, too narrow for trucks: assumption).
    max_speed_kmh : float
        Cap on any speed (P11).
    legal_speeds_kmh : Mapping[str, float]
        Legal cap per class for vehicles > :data:`HEAVY_VEHICLE_T` (default
        :data:`LEGAL_SPEEDS_KMH_HEAVY`, R1); lighter vehicles only get
        ``max_speed_kmh``.
    restrictions : Restriction
        ``"drop"`` (default) removes restricted edges; ``"penalise"`` keeps them
        with ``travel_time × penalty_factor``, so routes use them only as a last
        resort and the reported minutes include the penalty.
    penalty_factor : float
        Multiplier for penalised edges (assumption: 5).
    keep_largest_component : bool
        Keep only the largest strongly connected component, so that every
        origin can reach every destination (default True).
    name : str
        Short name written to the graph (``graph.graph["profile"]``).
    """

    vehicle: Vehicle = COMPACTOR_26T
    speeds_kmh: Mapping[str, float] = field(default_factory=lambda: TRUCK_SPEEDS_KMH)
    track_grade_speeds_kmh: Mapping[str, float] = field(
        default_factory=lambda: TRACK_GRADE_SPEEDS_KMH
    )
    excluded_highways: tuple[str, ...] = ("track",)
    excluded_services: tuple[str, ...] = (
        "alley",
        "drive-through",
        "emergency_access",
        "parking",
        "parking_aisle",
        "private",
    )
    max_speed_kmh: float = MAX_TRUCK_SPEED_KMH
    legal_speeds_kmh: Mapping[str, float] = field(default_factory=lambda: LEGAL_SPEEDS_KMH_HEAVY)
    restrictions: Restriction = Restriction.DROP
    penalty_factor: float = 5.0
    keep_largest_component: bool = True
    name: str = "truck"

    def __post_init__(self) -> None:
        object.__setattr__(self, "restrictions", Restriction.parse(self.restrictions))
        bad = {k: v for k, v in self.speeds_kmh.items() if not v > 0}
        if bad:
            raise ScenarioError(f"speeds_kmh must be > 0 km/h (got {bad})")
        if not self.penalty_factor >= 1.0:
            raise ScenarioError(f"penalty_factor must be >= 1 (got {self.penalty_factor})")
        if not self.routable_highways:
            raise ScenarioError("the profile leaves no routable highway class")

    @property
    def routable_highways(self) -> frozenset[str]:
        """The ``highway`` values this profile routes on."""
        return frozenset(self.speeds_kmh) - set(self.excluded_highways)

    def legal_cap_kmh(self, highway: str) -> float:
        """The speed cap of a ``highway`` class for this profile's vehicle."""
        if self.vehicle.weight_t > HEAVY_VEHICLE_T:
            return min(self.max_speed_kmh, self.legal_speeds_kmh.get(highway, self.max_speed_kmh))
        return self.max_speed_kmh

    def describe(self) -> str:
        """One line naming the profile and its vehicle."""
        v = self.vehicle
        legal = (
            f"the > {HEAVY_VEHICLE_T:g} t legal limits (R1)"
            if v.weight_t > HEAVY_VEHICLE_T
            else f"{self.max_speed_kmh:g} km/h"
        )
        return (
            f"{self.name} profile: {v.name} ({v.weight_t:g} t, {v.height_m:g} m high, "
            f"{v.width_m:g} m wide, {v.length_m:g} m long); ORS heavy-vehicle speeds (R3) "
            f"capped by maxspeed and {legal}; restricted edges {self.restrictions.value}"
            + (f" ×{self.penalty_factor:g}" if self.restrictions is Restriction.PENALISE else "")
        )


DENIED_ACCESS = frozenset(
    {"no", "private", "agricultural", "forestry", "emergency", "military", "psv", "bus"}
)
ACCESS_KEYS = ("hgv", "motor_vehicle", "vehicle", "access")  # most specific first (R4)


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [v for v in value if v is not None]
    if isinstance(value, float) and math.isnan(value):
        return []
    return [value]


def _limit(data: Mapping[str, Any], keys: tuple[str, ...], parse: Any) -> float | None:
    """Lowest parsed limit over ``keys`` (lists included); NaN if only unreadable ones."""
    found: list[float] = []
    unreadable = False
    for key in keys:
        for raw in _values(data.get(key)):
            x = parse(raw)
            if x is None:
                continue
            if math.isnan(x):
                unreadable = True
            else:
                found.append(x)
    if found:
        return min(found)
    return math.nan if unreadable else None


@dataclass
class _Decision:
    drop: str | None = None  # reason the edge is removed
    legal: list[str] = field(default_factory=list)  # legal restrictions
    penalties: list[str] = field(default_factory=list)  # always-penalised reasons
    notes: list[str] = field(default_factory=list)  # reported, not applied
    speed_kmh: float = math.nan


def decide(data: Mapping[str, Any], profile: TruckProfile) -> _Decision:
    """What the profile does with one edge (pure function of its tags)."""
    dec = _Decision()
    highways = [str(h) for h in _values(data.get("highway"))]
    routable = [h for h in highways if h in profile.routable_highways]
    if not routable:
        dec.drop = f"highway={'|'.join(highways) or 'missing'} (not routable)"
        return dec
    if "yes" in _values(data.get("area")):
        dec.drop = "area=yes"
        return dec
    services = [s for s in _values(data.get("service")) if s in profile.excluded_services]
    if services:
        dec.drop = f"service={services[0]}"
        return dec

    against = _all_true(data.get("against_way", data.get("reversed")))
    way_dir = "backward" if against else "forward"
    hgv_oneway = {str(x) for x in _values(data.get("oneway:hgv"))}
    if (against and hgv_oneway & {"yes", "true", "1"}) or (
        not against and hgv_oneway & {"-1", "reverse"}
    ):
        dec.legal.append("against oneway:hgv")
    for key in (f"hgv:{way_dir}", *ACCESS_KEYS):
        vals = [str(v) for v in _values(data.get(key))]
        if not vals:
            continue
        denied = sorted(set(vals) & DENIED_ACCESS)
        if denied:
            dec.legal.append(f"{key}={denied[0]}")
        break
    if "discouraged" in _values(data.get("hgv")):
        dec.penalties.append("hgv=discouraged")
    if _values(data.get("hgv:conditional")):
        dec.notes.append("hgv:conditional (time-limited, not applied)")

    v = profile.vehicle
    checks: list[tuple[str, tuple[str, ...], Any, float | None, str]] = [
        (
            "maxweight",
            ("maxweight", "maxweight:hgv", "maxweightrating", "maxweightrating:hgv"),
            parse_weight_t,
            v.weight_t,
            "t",
        ),
        ("maxheight", ("maxheight", "maxheight:physical"), parse_length_m, v.height_m, "m"),
        ("maxwidth", ("maxwidth", "maxwidth:physical"), parse_length_m, v.width_m, "m"),
        ("maxlength", ("maxlength",), parse_length_m, v.length_m, "m"),
        ("maxaxleload", ("maxaxleload",), parse_weight_t, v.axle_load_t, "t"),
    ]
    for label, keys, parse, own, unit in checks:
        if own is None:
            continue
        lim = _limit(data, keys, parse)
        if lim is None:
            continue
        if math.isnan(lim):
            dec.notes.append(f"unreadable {label} (ignored)")
        elif lim < own:
            dec.legal.append(f"{label} < {own:g} {unit}")

    cap = math.inf
    for keys in (
        (f"maxspeed:hgv:{way_dir}", "maxspeed:hgv"),
        (f"maxspeed:{way_dir}", "maxspeed"),
    ):
        caps = [c for k in keys for c in map(parse_speed_kmh, _values(data.get(k))) if c]
        if caps:
            cap = min(caps)
            break
    speeds, weights = [], []
    for h in routable:
        if h == "track":
            grades = [
                profile.track_grade_speeds_kmh.get(str(g)) for g in _values(data.get("tracktype"))
            ]
            grades_ok = [g for g in grades if g]
            base = min(grades_ok) if grades_ok else profile.speeds_kmh[h]
        else:
            base = profile.speeds_kmh[h]
        speeds.append(min(base, cap, profile.legal_cap_kmh(h)))
        weights.append(_number(data.get(f"length:{h}")))
    if len(speeds) == 1:
        dec.speed_kmh = speeds[0]
        return dec
    if any(w is None for w in weights) or not sum(w or 0.0 for w in weights) > 0:
        weights = [1.0] * len(speeds)  # no per-class lengths: equal shares (assumption)
    w_ = [float(w or 0.0) for w in weights]
    # the exact speed of the whole edge: total length / total time
    dec.speed_kmh = sum(w_) / sum(w / v for w, v in zip(w_, speeds, strict=True))
    return dec


def _number(value: Any) -> float | None:
    vals = _values(value)
    if len(vals) != 1:
        return None
    try:
        x = float(vals[0])
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x >= 0 else None


def _all_true(value: Any) -> bool:
    """True when every value is True (GraphML stores booleans as text)."""
    vals = _values(value)
    return bool(vals) and all(v is True or str(v) == "True" for v in vals)


_DECISION_KEYS = (
    "highway",
    "area",
    "service",
    "tracktype",
    "hgv:conditional",
    "hgv:forward",
    "hgv:backward",
    "oneway:hgv",
    *ACCESS_KEYS,
    "maxweight",
    "maxweight:hgv",
    "maxweightrating",
    "maxweightrating:hgv",
    "maxheight",
    "maxheight:physical",
    "maxwidth",
    "maxwidth:physical",
    "maxlength",
    "maxaxleload",
    "maxspeed",
    "maxspeed:forward",
    "maxspeed:backward",
    "maxspeed:hgv",
    "maxspeed:hgv:forward",
    "maxspeed:hgv:backward",
)


def _key(data: Mapping[str, Any]) -> tuple[Any, ...]:
    out: list[Any] = [_all_true(data.get("against_way", data.get("reversed")))]
    for k in _DECISION_KEYS:
        x = data.get(k)
        out.append(tuple(x) if isinstance(x, list) else x)
    if isinstance(data.get("highway"), list):  # merged classes: their lengths count
        out.extend((k, data[k]) for k in sorted(data) if k.startswith("length:"))
    return tuple(out)


class Report:
    """Counts of edges and km by reason, in insertion order."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[float]] = {}

    def add(self, reason: str, action: str, edges: int, km: float) -> None:
        """Accumulate ``edges`` and ``km`` under ``(reason, action)``."""
        row = self.rows.setdefault((reason, action), [0, 0.0])
        row[0] += edges
        row[1] += km

    def as_records(self) -> list[dict[str, Any]]:
        """JSON-friendly rows ``{"reason", "action", "edges", "km"}``."""
        return [
            {"reason": r, "action": a, "edges": int(e), "km": round(float(k), 3)}
            for (r, a), (e, k) in self.rows.items()
        ]


def apply_profile_inplace(graph: nx.MultiDiGraph, profile: TruckProfile, report: Report) -> None:
    """Drop, penalise and time every edge of ``graph`` (modified in place)."""
    cache: dict[tuple[Any, ...], _Decision] = {}
    penalise = profile.restrictions is Restriction.PENALISE
    to_drop: list[tuple[Any, Any, Any]] = []
    for u, v, k, data in graph.edges(keys=True, data=True):
        key = _key(data)
        dec = cache.get(key)
        if dec is None:
            dec = cache[key] = decide(data, profile)
        km = float(data.get("length", 0.0)) / 1000.0
        for note in dec.notes:
            report.add(note, "kept", 1, km)
        if dec.drop is not None:
            report.add(dec.drop, "dropped", 1, km)
            to_drop.append((u, v, k))
            continue
        if dec.legal and not penalise:
            report.add(dec.legal[0], "dropped", 1, km)
            to_drop.append((u, v, k))
            continue
        reasons = (dec.legal if penalise else []) + dec.penalties
        for reason in reasons[:1]:
            report.add(reason, "penalised", 1, km)
        factor = profile.penalty_factor if reasons else 1.0
        data["speed_kph"] = dec.speed_kmh
        seconds = float(data["length"]) / (dec.speed_kmh / 3.6) * factor
        data["travel_time"] = max(seconds, MIN_EDGE_TRAVEL_TIME_S)
        if reasons:
            data["truck_penalty"] = factor
        else:
            data.pop("truck_penalty", None)
    graph.remove_edges_from(to_drop)


def keep_largest_scc_inplace(graph: nx.MultiDiGraph, report: Report, *, largest: bool) -> None:
    """Remove nodes outside the largest strongly connected component (or only isolated ones)."""
    if largest and graph.number_of_nodes():
        from scipy.sparse import coo_array
        from scipy.sparse.csgraph import connected_components

        nodes = list(graph.nodes)
        index = {n: i for i, n in enumerate(nodes)}
        uv = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64)
        uv = uv.reshape(-1, 2)
        n = len(nodes)
        adj = coo_array((np.ones(len(uv)), (uv[:, 0], uv[:, 1])), shape=(n, n)).tocsr()
        _, labels = connected_components(adj, directed=True, connection="strong")
        biggest = np.bincount(labels).argmax()
        drop = [nodes[i] for i in np.flatnonzero(labels != biggest)]
        edges = list(_edges_touching(graph, drop))
        if edges:
            report.add(
                "outside the largest strongly connected component",
                "dropped",
                len(edges),
                sum(float(d.get("length", 0.0)) for d in edges) / 1000.0,
            )
        graph.remove_nodes_from(drop)
    else:
        graph.remove_nodes_from([n for n in graph.nodes if graph.degree(n) == 0])


def _edges_touching(graph: nx.MultiDiGraph, nodes: list[Any]) -> Iterator[Mapping[str, Any]]:
    seen = set(nodes)
    for n in nodes:
        for _, _v, d in graph.out_edges(n, data=True):
            yield d
        for u, _, d in graph.in_edges(n, data=True):
            if u not in seen:  # an edge between two dropped nodes is counted once
                yield d
