"""Land use from OpenStreetMap: land a facility may not be built on, by documented tag rules.

:func:`read_landuse` reads the areas (closed ways and multipolygon relations) of an
OSM extract (``.osm``, ``.osm.bz2``, ``.osm.pbf``; pyosmium assembles them) and
keeps those matching a :class:`LanduseRule`.  The result is an exclusions layer
(``kind``, ``reason``, ``buffer_m`` and one ``buffer_m_<facility>`` per facility
type) that :func:`siting.candidates.apply_constraints` applies beside any user
exclusion layer: a candidate within a rule's buffer of one of its areas is
excluded with the rule's reason, e.g. ``on a cemetery (OSM landuse=cemetery)``.

Rules (:data:`LANDUSE_RULES`; the first rule an area matches applies).  Source ids
are from the project's domain research (``../shared/DOMAIN.md``); a buffer without
one is a labelled assumption.

================  ==========================================  ===============  ==========
rule              OSM tags                                    buffer station   buffer lot
================  ==========================================  ===============  ==========
residential       landuse=residential                         250 m (T8)       100 m (a)
sensitive         amenity=school/kindergarten/college/        250 m (T8, T9)   100 m (a)
                  university/hospital/clinic
nature_reserve    leisure=nature_reserve, boundary=           200 m (T8)       0 m (a)
                  protected_area/national_park
park              leisure=park/garden/recreation_ground       0 m (T1)         0 m (T1)
forest            landuse=forest, natural=wood                0 m (T10, a)     0 m (a)
water             natural=water, landuse=reservoir/basin,     10 m (T8)        10 m (a)
                  waterway=riverbank
wetland           natural=wetland                             0 m (T1)         0 m (T1)
cemetery          landuse=cemetery, amenity=grave_yard        0 m (T1, a)      0 m (a)
military          landuse=military, military=*                0 m (a)          0 m (a)
building          building=* (any other building)             0 m (a)          0 m (a)
================  ==========================================  ===============  ==========

(a) = assumption.  T8: UK standard rules — 250 m from dwellings and buildings used
by the public, 200 m from conservation sites, 10 m from a watercourse; applied to
the Israeli equivalents as an assumption.  T9: the 1998 Israeli regulation's
"sensitive land uses" (residences, hospitals, education).  T1: EPA siting manual,
exclusionary criteria (wetlands, parks and preserves, cultural sites).  T10: the
Ministry's policy that waste facilities not be built in open areas.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from siting.errors import LayerError
from siting.layers import METRIC_CRS, WGS84, Facility, Region

__all__ = [
    "LANDUSE_RULES",
    "LanduseRule",
    "fetch_landuse",
    "landuse_from_features",
    "landuse_summary",
    "landuse_tag_keys",
    "read_landuse",
]

log = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf")
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json")


@dataclass(frozen=True)
class LanduseRule:
    """One land-use exclusion rule.

    Attributes
    ----------
    name : str
        Short name (the exclusion's ``kind``).
    tags : tuple of (key, values)
        An area matches when it has ``key`` with a value in ``values`` (any value when
        ``values`` is empty).
    label : str
        What the land is, for the reason ("a cemetery").
    buffers_m : mapping Facility → metres
        How far from the area a candidate is excluded, per facility type.
    source : str
        Source ids of the rule and its buffers (DOMAIN.md) or "assumption".
    """

    name: str
    tags: tuple[tuple[str, tuple[str, ...]], ...]
    label: str
    buffers_m: Mapping[Facility, float] = field(default_factory=dict)
    source: str = "assumption"

    def match(self, tags: Mapping[str, str]) -> str | None:
        """The matching ``key=value`` of ``tags``, or ``None``."""
        for key, values in self.tags:
            value = tags.get(key)
            if value is not None and (not values or value in values):
                return f"{key}={value}"
        return None


def _b(station: float, lot: float) -> dict[Facility, float]:
    return {Facility.WASTE_STATION: station, Facility.TRUCK_LOT: lot}


#: The default rules, in order of precedence.
LANDUSE_RULES: tuple[LanduseRule, ...] = (
    LanduseRule(
        "residential",
        (("landuse", ("residential",)),),
        "residential land",
        _b(250.0, 100.0),
        "T8 (250 m from dwellings, waste station); truck lot 100 m: assumption (DOMAIN 8.3)",
    ),
    LanduseRule(
        "sensitive",
        (
            (
                "amenity",
                ("school", "kindergarten", "college", "university", "hospital", "clinic"),
            ),
        ),
        "a school, college or hospital",
        _b(250.0, 100.0),
        "T9 (sensitive land uses), T8 (250 m from buildings used by the public); "
        "truck lot 100 m: assumption",
    ),
    LanduseRule(
        "nature_reserve",
        (("leisure", ("nature_reserve",)), ("boundary", ("protected_area", "national_park"))),
        "a nature reserve or protected area",
        _b(200.0, 0.0),
        "T1 (habitats, preserves); T8 (200 m from conservation sites, waste station); "
        "truck lot 0 m: assumption",
    ),
    LanduseRule(
        "park",
        (("leisure", ("park", "garden", "recreation_ground")),),
        "a park",
        _b(0.0, 0.0),
        "T1 (parks and preserves are exclusionary); buffer 0 m: assumption",
    ),
    LanduseRule(
        "forest",
        (("landuse", ("forest",)), ("natural", ("wood",))),
        "a forest",
        _b(0.0, 0.0),
        "T10 (not in open areas); buffer 0 m: assumption",
    ),
    LanduseRule(
        "water",
        (
            ("natural", ("water",)),
            ("landuse", ("reservoir", "basin")),
            ("waterway", ("riverbank",)),
        ),
        "water",
        _b(10.0, 10.0),
        "T8 (10 m from a watercourse); truck lot 10 m: assumption",
    ),
    LanduseRule(
        "wetland",
        (("natural", ("wetland",)),),
        "a wetland",
        _b(0.0, 0.0),
        "T1 (wetlands and floodplains are exclusionary); buffer 0 m: assumption",
    ),
    LanduseRule(
        "cemetery",
        (("landuse", ("cemetery",)), ("amenity", ("grave_yard",))),
        "a cemetery",
        _b(0.0, 0.0),
        "T1 (cultural sites are exclusionary); buffer 0 m: assumption",
    ),
    LanduseRule(
        "military",
        (("landuse", ("military",)), ("military", ())),
        "military land",
        _b(0.0, 0.0),
        "assumption (not available for a civil facility)",
    ),
    LanduseRule(
        "building",
        (("building", ()),),
        "an existing building",
        _b(0.0, 0.0),
        "assumption (a site must be free land; flag for a survey)",
    ),
)

LANDUSE_COLUMNS = (
    "kind",
    "reason",
    "osm_tag",
    "name",
    "buffer_m",
    *(f"buffer_m_{f.value}" for f in Facility),
    "source",
    "geometry",
)


def _is_osm(path: Path) -> bool:
    return any(path.name.lower().endswith(s) for s in OSM_SUFFIXES)


def _is_vector(path: Path) -> bool:
    return any(path.name.lower().endswith(s) for s in VECTOR_SUFFIXES)


def read_landuse(
    path: str | Path,
    *,
    area: Any = None,
    rules: Iterable[LanduseRule] = LANDUSE_RULES,
) -> gpd.GeoDataFrame:
    """Land-use exclusions from an OSM extract or a layer of OSM areas.

    Parameters
    ----------
    path : str or Path
        An OSM extract (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.osm.pbf``), or a
        GeoPackage / GeoJSON of OSM areas with one column per tag key, as
        ``siting network fetch --landuse`` writes (see :func:`landuse_from_features`).
    area : shapely geometry, optional
        EPSG:2039; keep only areas within the largest rule buffer of it.
    rules : iterable of LanduseRule
        Default :data:`LANDUSE_RULES`.

    Returns
    -------
    GeoDataFrame (EPSG:2039)
        A valid exclusions layer with ``kind`` (the rule), ``reason``
        (``on a cemetery (OSM landuse=cemetery)``), ``osm_tag``, ``name``, ``buffer_m``
        (the largest of the facility buffers), ``buffer_m_<facility>`` and ``source``.

    Raises
    ------
    LayerError
        Missing file, neither an OSM extract nor a vector layer, or a layer with no
        tag column of any rule.

    Examples
    --------
    >>> lu = read_landuse("../shared/data/osm/jerusalem_2016.osm.pbf")  # doctest: +SKIP
    >>> lu["kind"].value_counts()["cemetery"]  # doctest: +SKIP
    102
    """
    path = Path(path)
    if not path.is_file():
        raise LayerError("landuse", f"file not found: {path}")
    if _is_vector(path):
        try:
            features = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises its own error types
            raise LayerError("landuse", f"{path}: cannot be read ({exc})") from exc
        return landuse_from_features(features, area=area, rules=rules, layer=str(path))
    if not _is_osm(path):
        raise LayerError(
            "landuse",
            f"{path}: not an OSM extract or a layer of OSM areas "
            f"(expected {', '.join(OSM_SUFFIXES + VECTOR_SUFFIXES)})",
        )
    import osmium

    rules = tuple(rules)
    keys = sorted({k for r in rules for k, _ in r.tags})
    wkb = osmium.geom.WKBFactory()
    fp = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter(*keys))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
    )
    bad = 0

    def areas() -> Iterator[tuple[dict[str, str], Any]]:
        nonlocal bad
        for obj in fp:
            if not isinstance(obj, osmium.osm.Area):
                continue
            tags = {t.k: t.v for t in obj.tags}
            if not any(rule.match(tags) for rule in rules):
                continue
            try:
                geom = shapely.from_wkb(bytes.fromhex(wkb.create_multipolygon(obj)))
            except (RuntimeError, shapely.errors.GEOSException):
                bad += 1
                continue
            yield tags, geom

    out = _exclusions(areas(), rules, crs=WGS84, area=area)
    if bad:
        log.warning("%s: %d land-use areas could not be assembled", path, bad)
    log.info("%s: %d land-use areas (%s)", path, len(out), out["kind"].value_counts().to_dict())
    return out


def landuse_from_features(
    features: gpd.GeoDataFrame,
    *,
    area: Any = None,
    rules: Iterable[LanduseRule] = LANDUSE_RULES,
    layer: str = "landuse",
) -> gpd.GeoDataFrame:
    """Land-use exclusions from a GeoDataFrame of OSM features (one column per tag key).

    The shape ``osmnx.features_from_polygon`` returns and ``siting network fetch
    --landuse`` writes: polygonal rows are matched against ``rules`` like the areas
    of an extract (points and lines are not land and are skipped); empty cells are
    absent tags.

    Parameters
    ----------
    features : GeoDataFrame
        With a CRS; columns named by OSM tag keys (``landuse``, ``amenity``…) and
        optionally ``name``.
    area, rules
        As :func:`read_landuse`.
    layer : str
        Name used in error messages (the file).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> f = gpd.GeoDataFrame({"landuse": ["cemetery", None], "leisure": [None, "park"]},
    ...                      geometry=[box(0, 0, 100, 100), box(200, 0, 300, 100)],
    ...                      crs=METRIC_CRS)
    >>> landuse_from_features(f)["reason"].tolist()
    ['on a cemetery (OSM landuse=cemetery)', 'on a park (OSM leisure=park)']
    """
    rules = tuple(rules)
    if features.crs is None:
        raise LayerError(layer, "no CRS: set one with `.set_crs(...)`")
    keys = sorted({k for r in rules for k, _ in r.tags} & set(features.columns))
    if len(features) and not keys:
        wanted = ", ".join(sorted({k for r in rules for k, _ in r.tags}))
        raise LayerError(
            layer, f"no OSM tag column of any land-use rule (expected one of {wanted})"
        )
    polygonal = features.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    columns = [*keys, *(["name"] if "name" in features.columns else [])]
    table = features[columns].astype(object).where(features[columns].notna(), None)

    def areas() -> Iterator[tuple[dict[str, str], Any]]:
        for row, geom, ok in zip(
            table.itertuples(index=False), features.geometry, polygonal, strict=True
        ):
            if ok:
                yield (
                    {k: str(v) for k, v in zip(columns, row, strict=True) if v not in (None, "")},
                    geom,
                )

    return _exclusions(areas(), rules, crs=features.crs, area=area)


def _exclusions(
    areas: Iterable[tuple[Mapping[str, str], Any]],
    rules: tuple[LanduseRule, ...],
    *,
    crs: Any,
    area: Any,
) -> gpd.GeoDataFrame:
    """The exclusions layer of ``(tags, geometry)`` pairs: the first matching rule applies."""
    rows: list[dict[str, Any]] = []
    geoms: list[Any] = []
    for tags, geom in areas:
        for rule in rules:
            tag = rule.match(tags)
            if tag is None:
                continue
            buffers = {f"buffer_m_{f.value}": float(rule.buffers_m.get(f, 0.0)) for f in Facility}
            geoms.append(geom)
            rows.append(
                {
                    "kind": rule.name,
                    "reason": f"on {rule.label} (OSM {tag})",
                    "osm_tag": tag,
                    "name": tags.get("name", ""),
                    "buffer_m": max(buffers.values()),
                    **buffers,
                    "source": rule.source,
                }
            )
            break
    if not rows:
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in LANDUSE_COLUMNS[:-1]})
        return gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=METRIC_CRS))
    out = gpd.GeoDataFrame(rows, geometry=geoms, crs=crs).to_crs(METRIC_CRS)
    out = out[out.geometry.is_valid | out.geometry.make_valid().is_valid]
    if area is not None:
        reach = float(out["buffer_m"].max())
        out = out[out.intersects(area.buffer(reach))]
    return gpd.GeoDataFrame(out[list(LANDUSE_COLUMNS)].reset_index(drop=True), crs=METRIC_CRS)


def landuse_tag_keys(rules: Iterable[LanduseRule] = LANDUSE_RULES) -> list[str]:
    """The OSM tag keys ``rules`` read (what a download must ask for)."""
    return sorted({k for r in rules for k, _ in r.tags})


def landuse_summary(landuse: gpd.GeoDataFrame) -> pd.DataFrame:
    """One row per rule: areas, total km², buffers and source (for reports and notes).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> lu = gpd.GeoDataFrame({"kind": ["park"], "buffer_m": [0.0], "source": ["T1"]},
    ...                       geometry=[box(0, 0, 1000, 1000)], crs=METRIC_CRS)
    >>> landuse_summary(lu)[["kind", "n_areas", "km2"]].to_dict("records")
    [{'kind': 'park', 'n_areas': 1, 'km2': 1.0}]
    """
    m = landuse.to_crs(METRIC_CRS)
    g = m.assign(_km2=m.area / 1e6).groupby("kind", sort=True)
    return pd.DataFrame(
        {
            "kind": list(g.groups),
            "n_areas": g.size().to_numpy(),
            "km2": g["_km2"].sum().round(3).to_numpy(),
            "buffer_m": g["buffer_m"].max().to_numpy(),
            "source": g["source"].first().to_numpy(),
        }
    )


def fetch_landuse(
    region: Region,
    target: str | Path,
    *,
    cache_dir: str | Path | None = None,
    rules: Iterable[LanduseRule] = LANDUSE_RULES,
) -> pd.DataFrame:
    """Download the OSM land use of a region's members and write it as a GeoPackage.

    The members' land, buffered by the largest rule buffer, is asked for every tag
    key the ``rules`` read (:func:`siting.network.areas_from_polygon`; needs
    internet, cached); the areas are written with their raw tags (layer
    ``landuse``) for :func:`read_landuse`, so changed rules apply on the next read.

    Returns
    -------
    DataFrame
        ``n_areas`` per rule kind the areas match (index: kind); ``attrs["n_osm"]`` is
        the number of areas written.
    """
    from siting import network

    rules = tuple(rules)
    target = Path(target)
    members = region.authorities[region.authorities["id"].isin(region.members["id"])]
    reach = max(max(r.buffers_m.values(), default=0.0) for r in rules)
    areas = network.areas_from_polygon(
        members, landuse_tag_keys(rules), buffer_m=reach, cache_dir=cache_dir
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".part.gpkg")  # GDAL wants the .gpkg suffix
    try:
        areas.to_file(tmp, driver="GPKG", layer="landuse")
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    kinds = landuse_from_features(areas, rules=rules)["kind"].value_counts().sort_index()
    out = pd.DataFrame({"n_areas": kinds})
    out.attrs["n_osm"] = len(areas)
    return out
