"""Candidate sites: a hexagonal site search, or a user's own plots.

The offline default has no surveyed shortlist, so it searches a regular grid
of hexagonal cells over the member authorities and removes cells too close to
homes.  Where no jurisdiction polygons or land-use layer is loaded, both are
approximated from the localities (documented on :func:`hex_search`):

* the search area is the convex hull of the member localities, and a cell
  belongs to the authority of its nearest locality (a Voronoi approximation of
  jurisdictions); cells nearest to a non-member's locality are dropped;
* a locality's built-up area is a disc of radius
  ``sqrt(population / (π · built_up_density_per_km2))`` (at least
  ``min_built_up_radius_m``) around its centre.

Every cell that fails a hard constraint stays in the layer with the reason, so
the map and the ranking can show why it was excluded.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from shapely.geometry import Polygon
from shapely.ops import unary_union

from siting.errors import ScenarioError
from siting.layers import METRIC_CRS, POLYGONAL, Facility, Region
from siting.params import limit

__all__ = ["apply_constraints", "built_up_radius_m", "hex_grid", "hex_search"]


def hex_grid(area: Polygon, cell_m: float) -> gpd.GeoDataFrame:
    """Flat-topped hexagons with centre spacing ``cell_m`` whose centres lie in ``area``.

    Parameters
    ----------
    area : shapely Polygon or MultiPolygon
        In EPSG:2039 metres.
    cell_m : float
        Distance between neighbouring hexagon centres (flat-to-flat width), metres.

    Returns
    -------
    GeoDataFrame
        ``cell`` (row-major index), hexagon geometry, EPSG:2039.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = hex_grid(box(0, 0, 10_000, 10_000), 1000)
    >>> len(g), round(float(g.area.iloc[0]))
    (105, 866025)
    """
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be a finite number > 0 (got {cell_m})")
    r = cell_m / np.sqrt(3.0)  # circumradius of a hexagon with flat-to-flat width cell_m
    dx, dy = 1.5 * r, cell_m
    minx, miny, maxx, maxy = area.bounds
    # the grid's size before anything is allocated: a tiny cell would eat all memory
    estimate = (np.floor((maxx - minx) / dx) + 2) * (np.floor((maxy - miny) / dy) + 2)
    cap = limit("SITING_MAX_CELLS")
    if not estimate <= cap:
        raise ScenarioError(
            f"candidates.cell_m = {cell_m:g} m gives about {estimate:,.0f} hexagonal cells over "
            f"the search area's {(maxx - minx) / 1000:,.1f} × {(maxy - miny) / 1000:,.1f} km "
            f"extent, over the limit of {cap:,}; use a larger cell_m, or set SITING_MAX_CELLS "
            "to raise the limit"
        )
    cols = np.arange(minx, maxx + dx, dx)
    centres = []
    for i, x in enumerate(cols):
        offset = dy / 2 if i % 2 else 0.0
        for y in np.arange(miny + offset, maxy + dy, dy):
            centres.append((x, y))
    xy = np.asarray(centres)
    pts = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=METRIC_CRS)
    keep = pts.within(area).to_numpy()
    xy = xy[keep]
    angles = np.deg2rad(np.arange(0, 360, 60))
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * r
    hexes = [Polygon(ring + c) for c in xy]
    return gpd.GeoDataFrame({"cell": np.arange(len(hexes))}, geometry=hexes, crs=METRIC_CRS)


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


def hex_search(
    region: Region,
    *,
    cell_m: float,
    density_per_km2: float,
    min_radius_m: float,
    buffers_m: Mapping[Facility, float],
    min_area_m2: Mapping[Facility, float] | None = None,
    exclusions: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Search the member authorities with hexagonal cells and apply hard constraints.

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
        Minimum plot area per facility type.
    exclusions : GeoDataFrame, optional
        Validated exclusions layer (``kind``, ``buffer_m``); a cell whose centre is within
        ``buffer_m`` of an exclusion polygon is excluded with the polygon's kind as reason.

    Returns
    -------
    GeoDataFrame (EPSG:2039)
        One row per cell: ``id``, ``name``, ``area_m2``, ``authority_id``,
        ``nearest_locality_m``, ``facilities`` (types it may host, ``;``-separated) and per
        facility ``excluded_<type>`` / ``reason_<type>``.
    """
    members = region.members
    member_ids = set(members["id"].astype(int))
    loc = region.localities.to_crs(METRIC_CRS)
    loc_xy = np.column_stack([loc.geometry.x, loc.geometry.y])
    loc_auth = loc["authority_id"].astype(int).to_numpy()
    polygonal = members.geom_type.isin(POLYGONAL).all()
    if polygonal:
        area = unary_union(list(members.to_crs(METRIC_CRS).geometry))
    else:
        member_pts = loc[np.isin(loc_auth, list(member_ids))]
        area = unary_union(list(member_pts.geometry)).convex_hull
    grid = hex_grid(area, cell_m)
    cxy = np.column_stack([grid.centroid.x, grid.centroid.y])
    tree = cKDTree(loc_xy)  # nearest locality: the Voronoi approximation of jurisdictions
    _, nearest = tree.query(cxy)
    if polygonal:
        auth_m = members.to_crs(METRIC_CRS)[["id", "geometry"]]
        joined = gpd.sjoin(
            gpd.GeoDataFrame(geometry=grid.centroid, crs=METRIC_CRS), auth_m, predicate="within"
        )
        joined = joined[~joined.index.duplicated()]
        cell_auth = joined["id"].reindex(grid.index).astype("Int64").to_numpy()
    else:
        cell_auth = loc_auth[nearest]
    in_member = np.array([a is not pd.NA and int(a) in member_ids for a in cell_auth])
    grid = grid[in_member].reset_index(drop=True)
    cell_auth = np.asarray(cell_auth[in_member], dtype=int)

    out = grid.drop(columns="cell")
    out.insert(0, "id", [f"H{i + 1:04d}" for i in range(len(out))])
    out.insert(1, "name", [f"cell {i + 1}" for i in range(len(out))])
    out["area_m2"] = out.area
    out["authority_id"] = cell_auth
    out["facilities"] = ";".join(f.value for f in Facility)
    return apply_constraints(
        out,
        region,
        density_per_km2=density_per_km2,
        min_radius_m=min_radius_m,
        buffers_m=buffers_m,
        min_area_m2=min_area_m2,
        exclusions=exclusions,
        measure_from="centre",
    )


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
) -> gpd.GeoDataFrame:
    """Apply the hard constraints to candidates and record each exclusion's reason.

    Per facility type a candidate is excluded when the facility is not offered on it
    (its ``facilities`` column), when it lies within the type's buffer of a locality's
    approximate built-up area, when its area is below the minimum, or when it lies
    within ``buffer_m`` of an exclusion polygon.  The first failing rule is the reason.

    Parameters
    ----------
    candidates : GeoDataFrame
        Validated candidates (``id``, ``area_m2``, ``facilities``).
    measure_from : {"geometry", "centre"}
        Measure distances from the plot's geometry (user plots: its nearest edge) or from
        its centre (search cells, which stand for a site somewhere inside them).

    Returns
    -------
    GeoDataFrame (EPSG:2039)
        The candidates with ``nearest_locality_id``, ``nearest_built_up_m`` and, per facility,
        ``excluded_<type>`` / ``reason_<type>``; ``facilities`` lists the types still allowed.
    """
    if measure_from not in ("geometry", "centre"):
        raise ValueError(f"measure_from must be 'geometry' or 'centre', got {measure_from!r}")
    out = candidates.to_crs(METRIC_CRS).reset_index(drop=True)
    loc = region.localities.to_crs(METRIC_CRS)
    names = loc["name"].to_numpy()
    radius = built_up_radius_m(
        loc["population"].to_numpy(), density_per_km2=density_per_km2, min_radius_m=min_radius_m
    )
    geoms = out.geometry if measure_from == "geometry" else out.geometry.centroid
    # distance from each candidate to the edge of every built-up disc
    gap = np.column_stack([geoms.distance(p).to_numpy() for p in loc.geometry]) - radius[None, :]
    nearest_pos = gap.argmin(axis=1)
    nearest_gap = gap[np.arange(len(out)), nearest_pos]

    excl_reason = np.full(len(out), "", dtype=object)
    if exclusions is not None and len(exclusions):
        ex = exclusions.to_crs(METRIC_CRS)
        for _, row in ex.iterrows():
            hit = geoms.distance(row.geometry).to_numpy() <= float(row["buffer_m"])
            excl_reason[hit & (excl_reason == "")] = f"inside exclusion '{row['kind']}'"

    out["nearest_locality_id"] = loc["id"].to_numpy()[nearest_pos]
    out["nearest_built_up_m"] = np.round(nearest_gap, 1)
    offered = out["facilities"].fillna("").astype(str).str.split(";")
    allowed = []
    for fac in Facility:
        buf = float(buffers_m[fac])
        need = float((min_area_m2 or {}).get(fac, 0.0))
        reason = np.full(len(out), "", dtype=object)
        reason[~offered.map(lambda kinds, f=fac: f.value in kinds).to_numpy()] = (
            f"not offered for {fac.value}"
        )
        too_close = (nearest_gap < buf) & (reason == "")
        reason[too_close] = [
            f"within {buf:g} m buffer of homes ({names[p]})" for p in nearest_pos[too_close]
        ]
        small = (out["area_m2"].to_numpy() < need) & (reason == "")
        reason[small] = f"plot smaller than {need:g} m²"
        ex = (excl_reason != "") & (reason == "")
        reason[ex] = excl_reason[ex]
        out[f"excluded_{fac.value}"] = reason != ""
        out[f"reason_{fac.value}"] = reason
        allowed.append(np.where(reason == "", fac.value, ""))
    out["facilities"] = [";".join(x for x in parts if x) for parts in zip(*allowed, strict=True)]
    return out
