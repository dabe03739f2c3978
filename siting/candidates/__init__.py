"""Candidate sites: a hexagonal site search, or a user's own plots, on member land.

The offline default has no surveyed shortlist, so it searches a regular grid of
hexagonal cells over the member authorities and removes land that may not host
a facility.  Every candidate that fails a hard constraint stays in the layer with
the reason, so the map and the ranking can show why it was excluded.

Land
----
Where the region has jurisdiction polygons (the embedded default and
:func:`~siting.sources.region_from_cluster` both carry the Ministry of Interior
jurisdictions of the region *and of the land around it* in
``Region.extra["jurisdictions"]``), every candidate is attributed to the land it
lies on (:func:`attribute_land`):

* a search cell is a candidate for the part of it on member land: it is clipped to
  that land (``area_m2`` is the clipped area) and belongs to the member authority
  holding the largest share of it; ``land_shares`` records the split
  (e.g. ``"Menashe 62%; Megiddo 38%"``);
* a cell (or a user's plot) whose land is not member land is excluded with a reason
  naming it: ``on Megiddo land (not a member)``, ``outside any municipal
  jurisdiction (Ramat Hanadiv Area)``, ``in the sea (Mediterranean Sea)`` or
  ``outside Israeli jurisdiction`` (land in the layer's extent that no Israeli
  jurisdiction covers, e.g. across the Green Line);
* ``allow_land_of`` names neighbours (name or id) whose land may host a facility, for
  a cluster that agreed to build on a neighbour's land; those candidates are
  attributed to the neighbour.

A user's plot is not clipped (it is a surveyed plot): it belongs to the
jurisdiction holding the largest share of it, and is excluded when that is not
allowed land.

Site ids
--------
A search cell's id is its place, not its position in a list: ``H<size>-<col>-<row>``
(:func:`cell_id`), e.g. ``H1k-237-717``, the 1 km cell at column 237 and row 717 of the
region's hexagonal lattice.  The lattice is fixed per region (:func:`search_origin`: the
corner of the land of the members the region was built with), so the same place has the
same id in every scenario of the region whatever joins, is excluded, buffered or
chosen; the size in the id keeps a 500 m grid's cells (``H500-…``) apart from a 1 km
grid's.  Column and row count from ITM (0, 0): on a 1 km grid the row is about the
northing in km.  A user's candidate plots keep the ids of their file.

Approximations without polygons
-------------------------------
A region whose authorities are points falls back to the localities: the search
area is the convex hull of the member localities and a cell belongs to the
authority of its nearest locality (a Voronoi approximation).  In every region a
locality's built-up area is a disc of radius
``sqrt(population / (π · built_up_density_per_km2))`` (at least
``min_built_up_radius_m``) around its centre; a land-use layer
(:mod:`siting.landuse`) adds real built-up land and other exclusions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree
from shapely.ops import unary_union

from siting.candidates.grid import (
    cell_centre,
    cell_id,
    cell_size_label,
    hex_grid,
    site_places,
)
from siting.errors import SitingError
from siting.layers import METRIC_CRS, POLYGONAL, Facility, Region

__all__ = [
    "LAND_COLUMNS",
    "MIN_CELL_SHARE",
    "allow_land",
    "apply_constraints",
    "attribute_land",
    "built_up_radius_m",
    "cell_centre",
    "cell_id",
    "cell_size_label",
    "exclusion_reasons",
    "hex_grid",
    "hex_search",
    "region_land",
    "resolve_land",
    "search_origin",
    "site_places",
]

#: A search cell with less than this share of its area on allowed land is not a candidate
#: (slivers along a border); it is excluded with the land that holds most of it.
MIN_CELL_SHARE = 0.01

#: Columns :func:`attribute_land` adds.
LAND_COLUMNS = (
    "authority_id",
    "authority_name_en",
    "authority_name_he",
    "authority_share",
    "land_shares",
)

_NO_JURISDICTION_PREFIX = re.compile(r"^\s*no jurisdiction\s*-\s*", re.IGNORECASE)


def built_up_radius_m(
    population: np.ndarray, *, density_per_km2: float, min_radius_m: float
) -> np.ndarray:
    """Radius of a disc holding ``population`` at ``density_per_km2`` (at least ``min_radius_m``).

    Examples
    --------
    >>> built_up_radius_m(np.array([40_000, 100]), density_per_km2=4000, min_radius_m=300)
    array([1784.12411615,  300.        ])
    """
    area_m2 = np.asarray(population, dtype=float) / density_per_km2 * 1e6
    return np.maximum(np.sqrt(area_m2 / np.pi), min_radius_m)


# --------------------------------------------------------------------------- land


def region_land(region: Region) -> tuple[gpd.GeoDataFrame | None, Any, bool]:
    """The land a region's candidates are attributed to, in EPSG:2039.

    Returns
    -------
    land : GeoDataFrame or None
        ``id``, ``name_en``, ``name_he``, ``kind`` (``no_jurisdiction`` for areas without a
        municipal jurisdiction) and polygons: ``Region.extra["jurisdictions"]`` when the
        region carries it, else its authorities when they are polygons, else ``None``.
    extent : shapely geometry or None
        Where ``land`` is complete: inside it, land in no polygon lies outside Israeli
        jurisdiction.  ``None`` when ``land`` is only the region's authorities.
    complete : bool
        Whether ``land`` covers every jurisdiction in ``extent``.

    Examples
    --------
    >>> from siting.sources.embedded import default_region
    >>> land, extent, complete = region_land(default_region())
    >>> complete, int((land["kind"] == "no_jurisdiction").sum()) > 0
    (True, True)
    """
    auth = region.authorities
    names = auth.set_index(auth["id"].astype(int))[["name_en", "name_he"]]
    given = region.extra.get("jurisdictions")
    if given is not None and len(given):
        land = given.to_crs(METRIC_CRS).copy()
        land["id"] = land["id"].astype(int)
        # the region's own spelling of its authorities' names
        for col in ("name_en", "name_he"):
            mapped = land["id"].map(names[col])
            land[col] = mapped.where(mapped.notna(), land[col]).astype(str)
        if "kind" not in land.columns:
            land["kind"] = ""
        extent = region.extra.get("jurisdictions_extent")
        return land.reset_index(drop=True), extent, extent is not None
    if auth.geom_type.isin(POLYGONAL).all():
        land = auth.to_crs(METRIC_CRS)[["id", "name_en", "name_he", "geometry"]].copy()
        land["id"] = land["id"].astype(int)
        land["kind"] = auth["kind"].to_numpy() if "kind" in auth.columns else ""
        return land.reset_index(drop=True), None, False
    return None, None, False


def _norm(text: object) -> str:
    """Casefolded letters and digits, doubled letters collapsed ('Megido' == 'Megiddo')."""
    key = re.sub(r"[\W_]+", "", str(text)).casefold()
    return re.sub(r"(.)\1+", r"\1", key)


def resolve_land(keys: Iterable[int | str], land: gpd.GeoDataFrame | None) -> list[int]:
    """Ids of the jurisdictions named in ``keys`` (id, MOIN code, Hebrew or English name).

    Raises
    ------
    SitingError
        A key that names no jurisdiction of ``land`` (the message lists them).

    Examples
    --------
    >>> from siting.sources.embedded import default_region
    >>> land, _, _ = region_land(default_region())
    >>> resolve_land(["Megiddo", "מגידו", 13], land)
    [13]
    """
    keys = list(keys)
    if not keys:
        return []
    if land is None:
        raise SitingError(
            "candidates.allow_land_of: the region has no jurisdiction polygons to allow"
        )
    index: dict[str, set[int]] = {}
    for col in ("name_en", "name_he", "moin_name_en"):
        if col in land.columns:
            for aid, name in zip(land["id"].astype(int), land[col], strict=True):
                index.setdefault(_norm(name), set()).add(aid)
    ids = set(land["id"].astype(int))
    codes = {}
    if "moin_code" in land.columns:
        codes = dict(zip(land["moin_code"].astype(int), land["id"].astype(int), strict=True))
    found: list[int] = []
    problems: list[str] = []
    for key in keys:
        text = str(key).strip()
        if re.fullmatch(r"-?\d+", text):
            code = int(text)
            if code in ids or code in codes:
                found.append(code if code in ids else codes[code])
                continue
            problems.append(f"no jurisdiction with id {code}")
            continue
        hits = index.get(_norm(text), set())
        if len(hits) == 1:
            found.append(next(iter(hits)))
        else:
            problems.append(
                f"{text!r} is ambiguous (ids {sorted(hits)})" if hits else f"no land named {text!r}"
            )
    if problems:
        known = ", ".join(
            sorted(str(n) for n in land.loc[land["kind"] != "no_jurisdiction", "name_en"])
        )
        raise SitingError(f"candidates.allow_land_of: {'; '.join(problems)}; known: {known}")
    return list(dict.fromkeys(found))


#: Land kinds that are no authority's (``authority_id`` is ``<NA>`` on them).
NOT_AUTHORITY = frozenset({"no_jurisdiction", "sea"})


def allow_land(region: Region, keys: Iterable[int | str]) -> Region:
    """A copy of ``region`` whose site search may also use the land of ``keys``.

    The neighbours are named by id, MOIN code, Hebrew or English name
    (:func:`resolve_land`); the region's notes say whose land is allowed, so every output
    repeats it.  They do not become members (no demand, no vote): use
    :meth:`Region.with_members` for that.

    Examples
    --------
    >>> from siting.sources.embedded import default_region
    >>> r = allow_land(default_region(), ["Megiddo"])
    >>> r.extra["allow_land_of"], r.notes[-1][:46]
    ((13,), 'Candidate sites may also lie on the land of: M')
    """
    from dataclasses import replace

    land, _, _ = region_land(region)
    ids = resolve_land(keys, land)
    if not ids:
        return region
    assert land is not None  # resolve_land raised otherwise
    names = land.set_index("id")["name_en"]
    listed = ", ".join(f"{names[i]} ({i})" for i in ids)
    note = (
        f"Candidate sites may also lie on the land of: {listed} (scenario option "
        "candidates.allow_land_of; they are not members)."
    )
    allowed = tuple(dict.fromkeys((*region.extra.get("allow_land_of", ()), *ids)))
    return replace(
        region,
        extra={**region.extra, "allow_land_of": allowed},
        notes=(*region.notes, note),
    )


def _land_reason(kind: str, name: str, *, member: bool) -> str:
    if kind == "sea":
        return f"in the sea ({name})"
    if kind == "no_jurisdiction":
        return f"outside any municipal jurisdiction ({_NO_JURISDICTION_PREFIX.sub('', name)})"
    return f"on {name} land ({'a member' if member else 'not a member'})"


def attribute_land(
    candidates: gpd.GeoDataFrame,
    region: Region,
    *,
    allow_land_of: Iterable[int | str] = (),
    clip: bool = False,
) -> gpd.GeoDataFrame:
    """Attribute each candidate to the jurisdiction it lies in; flag land that is not allowed.

    Parameters
    ----------
    candidates : GeoDataFrame
        Any CRS; polygons or points.
    region : Region
        Its members' land is allowed (see :func:`region_land`).
    allow_land_of : iterable of int or str
        Further jurisdictions whose land is allowed (:func:`resolve_land`).
    clip : bool
        Clip each candidate to the allowed land (search cells) instead of attributing the
        whole plot; ``area_m2`` becomes the clipped area.  Cells with less than
        :data:`MIN_CELL_SHARE` of their area on allowed land are not clipped and are excluded.

    Returns
    -------
    GeoDataFrame (EPSG:2039)
        The candidates with :data:`LAND_COLUMNS` and ``land_reason`` ("" when the land is
        allowed).  ``authority_id`` is the allowed jurisdiction holding most of the
        candidate, else the jurisdiction holding most of it (``<NA>`` for land outside every
        jurisdiction or without one); ``authority_share`` is that jurisdiction's share of the
        candidate's full (unclipped) geometry; ``land_shares`` lists every share over 0.5 %.
        With no polygons in the region the candidates come back unchanged.
    """
    out = candidates.to_crs(METRIC_CRS).reset_index(drop=True)
    land, extent, complete = region_land(region)
    if land is None:
        return out
    member_ids = set(region.members["id"].astype(int))
    allowed = member_ids | set(resolve_land(allow_land_of, land))
    lid = land["id"].astype(int).to_numpy()
    lname = land["name_en"].astype(str).to_numpy()
    lname_he = land["name_he"].astype(str).to_numpy()
    lkind = land["kind"].astype(str).to_numpy()
    lgeom = land.geometry.to_numpy()
    ok = np.isin(lid, list(allowed))
    geoms = out.geometry.to_numpy()
    n = len(out)
    is_point = shapely.get_type_id(geoms) == 0
    full = np.where(is_point, 1.0, shapely.area(geoms))
    share = np.zeros((n, len(land)))
    # each (large) jurisdiction prepared once and queried against the cells; a cell wholly
    # inside one needs no overlay (its whole area), only cells across a border are cut
    shapely.prepare(lgeom)
    lj, ci = shapely.STRtree(geoms).query(lgeom, predicate="intersects")
    if len(ci):
        pt = is_point[ci]
        inside = shapely.contains_properly(lgeom[lj], geoms[ci])
        inter = np.where(pt | inside, np.where(pt, inside, full[ci]), 0.0).astype(float)
        cut = np.flatnonzero(~pt & ~inside)
        inter[cut] = shapely.area(shapely.intersection(geoms[ci[cut]], lgeom[lj[cut]]))
        np.add.at(share, (ci, lj), inter)
    share /= np.where(full > 0, full, 1.0)[:, None]
    outside = np.clip(1.0 - share.sum(axis=1), 0.0, 1.0)
    if extent is not None:
        shapely.prepare(extent)
    in_extent = shapely.covers(extent, geoms) if extent is not None else np.zeros(n, dtype=bool)
    allowed_share = (share * ok[None, :]).sum(axis=1)

    auth_id: list[Any] = []
    name_en: list[str] = []
    name_he: list[str] = []
    auth_share = np.zeros(n)
    reasons: list[str] = []
    shares_text: list[str] = []
    new_geoms = list(geoms)
    new_area = out["area_m2"].to_numpy(dtype=float).copy() if "area_m2" in out else full.copy()
    allowed_union = unary_union(list(lgeom[ok])) if clip and ok.any() else None
    for i in range(n):
        row = share[i]
        parts = [(row[j], lname[j]) for j in np.flatnonzero(row > 0.005)]
        if outside[i] > 0.005:
            parts.append((outside[i], "outside Israeli jurisdiction" if complete else "no land"))
        shares_text.append(
            "; ".join(
                f"{nm} {100 * sh:.0f}%"
                for sh, nm in sorted(parts, key=lambda p: (-round(100 * p[0]), p[1]))
            )
        )
        if clip:
            eligible = allowed_share[i] >= MIN_CELL_SHARE
        else:  # a plot belongs where most of it lies
            eligible = _best_ok(row, ok) and row.max() >= outside[i]
        if eligible:
            j = int(np.argmax(np.where(ok, row, -1.0)))
            reasons.append("")
            if clip and allowed_union is not None and allowed_share[i] < 1.0 - 1e-9:
                new_geoms[i] = _polygonal(shapely.intersection(geoms[i], allowed_union))
                new_area[i] = float(shapely.area(new_geoms[i]))
        else:
            j = int(np.argmax(row)) if row.max() > 0 else -1
            if j < 0 or row[j] < outside[i]:
                if complete and in_extent[i]:
                    reasons.append("outside Israeli jurisdiction")
                elif complete:
                    reasons.append("outside the extent of the jurisdiction layer")
                else:
                    reasons.append("outside the region's authorities")
                j = -1
            else:
                reasons.append(_land_reason(lkind[j], lname[j], member=bool(ok[j])))
        if j >= 0:
            auth_id.append(int(lid[j]) if lkind[j] not in NOT_AUTHORITY else pd.NA)
            name_en.append(str(lname[j]))
            name_he.append(str(lname_he[j]))
            auth_share[i] = row[j]
        else:
            auth_id.append(pd.NA)
            name_en.append("")
            name_he.append("")
    out = out.set_geometry(new_geoms, crs=METRIC_CRS)
    if clip:
        out["area_m2"] = new_area
    out["authority_id"] = pd.array(auth_id, dtype="Int64")
    out["authority_name_en"] = name_en
    out["authority_name_he"] = name_he
    out["authority_share"] = np.round(auth_share, 4)
    out["land_shares"] = shares_text
    out["land_reason"] = reasons
    return out


def _best_ok(row: np.ndarray, ok: np.ndarray) -> bool:
    """Whether the largest share of a plot lies on allowed land."""
    return bool(row.max() > 0 and ok[int(np.argmax(row))])


def _polygonal(geom: Any) -> Any:
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in POLYGONAL]
    return shapely.union_all(parts)


# --------------------------------------------------------------------------- search


def search_origin(region: Region) -> tuple[float, float]:
    """The region's fixed lattice origin for :func:`hex_search` (EPSG:2039).

    The lower-left corner of the convex hull of the land of the region's *own* members:
    those it was built with, before any joined (:meth:`Region.with_members` records them
    in ``Region.extra["base_members"]``), without a neighbour's land opened by
    ``allow_land_of``.  Without land polygons, the lower-left corner of those members'
    localities (the Voronoi search).  Every scenario of a region — more or fewer members,
    other exclusions, buffers, facilities — therefore searches one lattice, and a cell's
    id (:func:`cell_id`) is the same place in all of them.

    Examples
    --------
    >>> from siting.sources.embedded import default_region
    >>> r = default_region()
    >>> search_origin(r) == search_origin(r.with_members([1020, 628]))
    True
    """
    base = set(region.extra.get("base_members", ())) or set(region.members["id"].astype(int))
    land, _extent, _complete = region_land(region)
    if land is not None:
        own = land[land["id"].astype(int).isin(base)]
        if len(own):
            minx, miny, _, _ = unary_union(list(own.geometry)).convex_hull.bounds
            return float(minx), float(miny)
    loc = region.localities.to_crs(METRIC_CRS)
    own_loc = loc[loc["authority_id"].astype(int).isin(base)]
    if not len(own_loc):
        own_loc = loc
    minx, miny, _, _ = unary_union(list(own_loc.geometry)).convex_hull.bounds
    return float(minx), float(miny)


def hex_search(
    region: Region,
    *,
    cell_m: float,
    density_per_km2: float,
    min_radius_m: float,
    buffers_m: Mapping[Facility, float],
    min_area_m2: Mapping[Facility, float] | None = None,
    exclusions: gpd.GeoDataFrame | None = None,
    allow_land_of: Iterable[int | str] | None = None,
    origin: tuple[float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Search the member authorities' land with hexagonal cells and apply hard constraints.

    Parameters
    ----------
    region : Region
        Validated region; its member authorities define the search area.
    cell_m : float
        Hexagon centre spacing, metres.
    density_per_km2, min_radius_m : float
        Built-up area approximation (see module docstring).
    buffers_m : mapping Facility → metres
        Buffer from homes (the built-up disc's edge) per facility type.
    min_area_m2 : mapping Facility → m², optional
        Minimum plot area per facility type (compared with the clipped area).
    exclusions : GeoDataFrame, optional
        Validated exclusions layer (``kind``, ``buffer_m``; see :func:`apply_constraints`).
    allow_land_of : iterable of int or str, optional
        Neighbours whose land may host a facility (default: ``Region.extra["allow_land_of"]``).
    origin : (x, y), optional
        A centre of the hexagonal lattice (:func:`hex_grid`); default the region's own
        (:func:`search_origin`), so a cell's id is the same place in every scenario of the
        region.

    Returns
    -------
    GeoDataFrame (EPSG:2039)
        One row per cell whose centre lies in the convex hull of the allowed land: ``id``
        (:func:`cell_id`: ``H1k-237-717`` is the 1 km cell at lattice column 237, row 717),
        ``name`` (``cell 237-717``), ``area_m2`` (clipped to allowed land), :data:`LAND_COLUMNS`,
        ``nearest_locality_id``, ``nearest_built_up_m``, ``facilities`` (types it may host,
        ``;``-separated) and per facility ``excluded_<type>`` / ``reason_<type>``.  Cells
        off allowed land stay, excluded with the land they lie on.
    """
    allow = tuple(region.extra.get("allow_land_of", ()) if allow_land_of is None else allow_land_of)
    land, _extent, _complete = region_land(region)
    members = region.members
    member_ids = set(members["id"].astype(int))
    if land is not None:
        ids = member_ids | set(resolve_land(allow, land))
        allowed = land[land["id"].astype(int).isin(ids)]
        area = unary_union(list(allowed.geometry)).convex_hull
        grid = hex_grid(area, cell_m, origin=origin or search_origin(region))
        out = _with_names(grid)
        out["area_m2"] = out.area
        out["facilities"] = ";".join(f.value for f in Facility)
        out = attribute_land(out, region, allow_land_of=allow, clip=True)
    else:
        out = _voronoi_search(region, cell_m, origin or search_origin(region))
    return apply_constraints(
        out,
        region,
        density_per_km2=density_per_km2,
        min_radius_m=min_radius_m,
        buffers_m=buffers_m,
        min_area_m2=min_area_m2,
        exclusions=exclusions,
        measure_from="centre",
        allow_land_of=allow,
    )


def _with_names(grid: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The grid's cells as candidates: ``id`` then ``name`` (``cell <col>-<row>``) first."""
    out = grid.drop(columns=["cell", "col", "row", "id"])
    out.insert(0, "id", grid["id"].to_numpy())
    out.insert(1, "name", [f"cell {i.split('-', 1)[1]}" for i in grid["id"]])
    return out


def _voronoi_search(region: Region, cell_m: float, origin: tuple[float, float]) -> gpd.GeoDataFrame:
    """Cells over the member localities' convex hull, each at its nearest locality's authority."""
    member_ids = set(region.members["id"].astype(int))
    loc = region.localities.to_crs(METRIC_CRS)
    loc_xy = np.column_stack([loc.geometry.x, loc.geometry.y])
    loc_auth = loc["authority_id"].astype(int).to_numpy()
    member_pts = loc[np.isin(loc_auth, list(member_ids))]
    area = unary_union(list(member_pts.geometry)).convex_hull
    grid = hex_grid(area, cell_m, origin=origin)
    cxy = np.column_stack([grid.centroid.x, grid.centroid.y])
    _, nearest = cKDTree(loc_xy).query(cxy)
    cell_auth = loc_auth[nearest]
    keep = np.isin(cell_auth, list(member_ids))
    out = _with_names(grid[keep].reset_index(drop=True))
    out["area_m2"] = out.area
    out["authority_id"] = cell_auth[keep].astype(int)
    names = region.authorities.set_index(region.authorities["id"].astype(int))
    out["authority_name_en"] = out["authority_id"].map(names["name_en"]).astype(str)
    out["authority_name_he"] = out["authority_id"].map(names["name_he"]).astype(str)
    out["facilities"] = ";".join(f.value for f in Facility)
    return out


# --------------------------------------------------------------------------- constraints


def _inside_centre(geoms: gpd.GeoSeries) -> gpd.GeoSeries:
    """Each geometry's centroid, or a point inside it when the centroid falls outside
    (a cell clipped to a border), as :func:`siting.costs.metric_points` does for costs."""
    cent = geoms.centroid
    return cent.where(
        cent.within(geoms) | (geoms.geom_type == "Point"), geoms.representative_point()
    )


def _exclusion_hits(geoms: np.ndarray, ex: gpd.GeoDataFrame, fac: Facility) -> np.ndarray:
    """Per candidate, the reason of the first exclusion row it falls within (or "")."""
    reason = np.full(len(geoms), "", dtype=object)
    if not len(ex):
        return reason
    col = f"buffer_m_{fac.value}"
    buf = ex[col] if col in ex.columns else ex["buffer_m"]
    buf = buf.fillna(ex["buffer_m"]).to_numpy(dtype=float)
    if "reason" in ex.columns:
        texts = ex["reason"].fillna("").astype(str).to_numpy()
    else:
        texts = np.array([""] * len(ex), dtype=object)
    kinds = ex["kind"].astype(str).to_numpy()
    texts = np.where(texts == "", [f"inside exclusion '{k}'" for k in kinds], texts)
    ex_geoms = ex.geometry.to_numpy()
    tree = shapely.STRtree(ex_geoms)
    best = np.full(len(geoms), len(ex), dtype=int)
    for b in np.unique(buf):
        rows = np.flatnonzero(buf == b)
        if b > 0:
            ci, ej = tree.query(geoms, predicate="dwithin", distance=float(b))
        else:
            ci, ej = tree.query(geoms, predicate="intersects")
        sel = np.isin(ej, rows)
        np.minimum.at(best, ci[sel], ej[sel])
    hit = best < len(ex)
    reason[hit] = texts[best[hit]]
    return reason


def exclusion_reasons(
    candidates: gpd.GeoDataFrame,
    exclusions: gpd.GeoDataFrame,
    facility: Facility,
    *,
    measure_from: str = "centre",
) -> pd.Series:
    """Per candidate, the reason of the first exclusion it falls within for ``facility``.

    The same test :func:`apply_constraints` applies: within ``buffer_m_<facility>`` (else
    ``buffer_m``) of an exclusion polygon, measured from the candidate's centre or geometry.

    Returns
    -------
    Series of str, index-aligned with ``candidates`` ("" where none applies).
    """
    m = candidates.to_crs(METRIC_CRS)
    geoms = m.geometry if measure_from == "geometry" else _inside_centre(m.geometry)
    hits = _exclusion_hits(geoms.to_numpy(), exclusions.to_crs(METRIC_CRS), facility)
    return pd.Series(hits, index=candidates.index, dtype=object)


def apply_constraints(
    candidates: gpd.GeoDataFrame,
    region: Region,
    *,
    density_per_km2: float,
    min_radius_m: float,
    buffers_m: Mapping[Facility, float],
    min_area_m2: Mapping[Facility, float] | None = None,
    exclusions: gpd.GeoDataFrame | None = None,
    measure_from: str = "geometry",
    allow_land_of: Iterable[int | str] | None = None,
) -> gpd.GeoDataFrame:
    """Apply the hard constraints to candidates and record each exclusion's reason.

    Per facility type a candidate is excluded, with the first failing rule as the reason,
    when it lies on land that is not allowed (:func:`attribute_land`: a non-member's land,
    no municipal jurisdiction, outside Israeli jurisdiction), when the facility is not
    offered on it (its ``facilities`` column), when it lies within the type's buffer of a
    locality's approximate built-up area, when its area is below the minimum, or when it
    lies within the buffer of an exclusion polygon.

    Parameters
    ----------
    candidates : GeoDataFrame
        Validated candidates (``id``, ``area_m2``, ``facilities``).  Candidates that already
        carry ``land_reason`` (search cells) are not attributed again.
    exclusions : GeoDataFrame, optional
        Validated exclusions: ``kind``, ``buffer_m`` and optionally ``buffer_m_<facility>``
        (a buffer per facility type) and ``reason`` (the text to record; default
        ``inside exclusion '<kind>'``), e.g. the OSM land-use rules of :mod:`siting.landuse`.
    measure_from : {"geometry", "centre"}
        Measure distances from the plot's geometry (user plots: its nearest edge) or from
        its centre (search cells, which stand for a site somewhere inside them).
    allow_land_of : iterable of int or str, optional
        Neighbours whose land is allowed (default: ``Region.extra["allow_land_of"]``).

    Returns
    -------
    GeoDataFrame (EPSG:2039)
        The candidates with :data:`LAND_COLUMNS` (where the region has polygons),
        ``nearest_locality_id``, ``nearest_built_up_m`` and, per facility,
        ``excluded_<type>`` / ``reason_<type>``; ``facilities`` lists the types still allowed.
    """
    if measure_from not in ("geometry", "centre"):
        raise ValueError(f"measure_from must be 'geometry' or 'centre', got {measure_from!r}")
    allow = tuple(region.extra.get("allow_land_of", ()) if allow_land_of is None else allow_land_of)
    out = candidates.to_crs(METRIC_CRS).reset_index(drop=True)
    if "land_reason" not in out.columns:
        out = attribute_land(out, region, allow_land_of=allow, clip=False)
    land_reason = (
        out.pop("land_reason").to_numpy(dtype=object)
        if "land_reason" in out.columns
        else np.full(len(out), "", dtype=object)
    )
    loc = region.localities.to_crs(METRIC_CRS)
    names = loc["name"].to_numpy()
    radius = built_up_radius_m(
        loc["population"].to_numpy(), density_per_km2=density_per_km2, min_radius_m=min_radius_m
    )
    geoms = out.geometry if measure_from == "geometry" else _inside_centre(out.geometry)
    # distance from each candidate to the edge of every built-up disc
    gap = np.column_stack([geoms.distance(p).to_numpy() for p in loc.geometry]) - radius[None, :]
    nearest_pos = gap.argmin(axis=1)
    nearest_gap = gap[np.arange(len(out)), nearest_pos]
    ex = exclusions.to_crs(METRIC_CRS) if exclusions is not None else None

    out["nearest_locality_id"] = loc["id"].to_numpy()[nearest_pos]
    out["nearest_built_up_m"] = np.round(nearest_gap, 1)
    offered = out["facilities"].fillna("").astype(str).str.split(";")
    allowed = []
    for fac in Facility:
        buf = float(buffers_m[fac])
        need = float((min_area_m2 or {}).get(fac, 0.0))
        reason = land_reason.copy()
        not_offered = ~offered.map(lambda kinds, f=fac: f.value in kinds).to_numpy()
        reason[not_offered & (reason == "")] = f"not offered for {fac.value}"
        too_close = (nearest_gap < buf) & (reason == "")
        reason[too_close] = [
            f"within {buf:g} m buffer of homes ({names[p]})" for p in nearest_pos[too_close]
        ]
        small = (out["area_m2"].to_numpy() < need) & (reason == "")
        reason[small] = f"plot smaller than {need:g} m²"
        if ex is not None and len(ex):
            excl = _exclusion_hits(geoms.to_numpy(), ex, fac)
            hit = (excl != "") & (reason == "")
            reason[hit] = excl[hit]
        out[f"excluded_{fac.value}"] = reason != ""
        out[f"reason_{fac.value}"] = reason
        allowed.append(np.where(reason == "", fac.value, ""))
    out["facilities"] = [";".join(x for x in parts if x) for parts in zip(*allowed, strict=True)]
    return out
