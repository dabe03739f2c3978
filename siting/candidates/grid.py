"""The hexagonal lattice of the site search and the ids of its cells.

A cell's id is its place on a region's fixed lattice (see :mod:`siting.candidates`):
``H<size>-<col>-<row>``, e.g. ``H1k-237-717``.  :func:`cell_centre` turns an id back
into the centre of its hexagon, :func:`site_places` gives every candidate's place, so
two runs' sites can be matched by where they are (``siting compare``).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
from shapely.geometry import Polygon

from siting.errors import ScenarioError
from siting.layers import METRIC_CRS
from siting.params import limit

__all__ = ["cell_centre", "cell_id", "cell_size_label", "hex_grid", "site_places"]

_ID = re.compile(r"^H(?P<size>[0-9.]+k?)-(?P<col>m?[0-9]+)-(?P<row>m?[0-9]+)$")


def _steps(cell_m: float) -> tuple[float, float]:
    """Column and row spacing of a flat-topped hexagonal lattice of width ``cell_m``."""
    r = cell_m / np.sqrt(3.0)  # circumradius of a hexagon with flat-to-flat width cell_m
    return 1.5 * r, float(cell_m)


def _shifts(origin: tuple[float, float], cell_m: float) -> tuple[int, int]:
    """The lattice coordinates of the origin's cell: counted from the column (of even
    parity) and the row nearest ITM (0, 0)."""
    dx, dy = _steps(cell_m)
    return 2 * int(np.round(origin[0] / (2 * dx))), int(np.round(origin[1] / dy))


def cell_size_label(cell_m: float) -> str:
    """The cell size as it appears in a site id: ``"1k"`` (1 km), ``"500"`` (500 m).

    Examples
    --------
    >>> cell_size_label(1000), cell_size_label(500), cell_size_label(1500), cell_size_label(62.5)
    ('1k', '500', '1500', '62.5')
    """
    if cell_m >= 1000 and cell_m % 1000 == 0:
        return f"{int(cell_m // 1000)}k"
    return f"{int(cell_m)}" if cell_m == int(cell_m) else f"{cell_m:g}"


def _index_text(n: int) -> str:
    return f"{n:03d}" if n >= 0 else f"m{-n:03d}"


def cell_id(col: int, row: int, cell_m: float) -> str:
    """The site id of the hexagonal cell at lattice column ``col``, row ``row``.

    ``H<size>-<col>-<row>``: the cell size (:func:`cell_size_label`) and the cell's
    integer lattice coordinates (:func:`hex_grid`), so the id is the place, whichever
    cells around it are searched, excluded or chosen.  A negative index is written
    ``m`` and its magnitude (a lattice far from Israel's positive ITM coordinates).

    Examples
    --------
    >>> cell_id(237, 717, 1000), cell_id(474, 1434, 500), cell_id(-2, 5, 250)
    ('H1k-237-717', 'H500-474-1434', 'H250-m002-005')
    """
    return f"H{cell_size_label(cell_m)}-{_index_text(int(col))}-{_index_text(int(row))}"


def hex_grid(
    area: Polygon, cell_m: float, *, origin: tuple[float, float] | None = None
) -> gpd.GeoDataFrame:
    """Flat-topped hexagons with centre spacing ``cell_m`` whose centres lie in ``area``.

    Parameters
    ----------
    area : shapely Polygon or MultiPolygon
        In EPSG:2039 metres.
    cell_m : float
        Distance between neighbouring hexagon centres (flat-to-flat width), metres.
    origin : (x, y), optional
        A centre of the lattice (EPSG:2039).  By default the lattice starts at
        ``area``'s lower-left corner; a fixed origin puts grids of different areas on one
        lattice, so a cell of one is the same place in another (a region's scenarios,
        whose membership changes the search area: :func:`search_origin`).

    Returns
    -------
    GeoDataFrame
        ``cell`` (index in the order generated), ``col`` and ``row`` (the cell's lattice
        coordinates), ``id`` (:func:`cell_id`), hexagon geometry, EPSG:2039.

    Notes
    -----
    Columns are ``1.5 · cell_m / √3`` apart in x; odd columns are shifted ``cell_m / 2``
    up; rows are ``cell_m`` apart in y (odd-q offset coordinates).  The lattice coordinates
    count from the lattice column nearest ITM x = 0 of the origin's parity and the row
    nearest y = 0, so they are positive over Israel and, on a 1 km grid, ``row`` is about
    the ITM northing in km and ``col · 0.866`` the easting: cell ``H1k-237-717`` lies near
    ITM (205 300, 717 000).  The same origin and cell size give the same id to the same
    place in every grid.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = hex_grid(box(0, 0, 10_000, 10_000), 1000)
    >>> len(g), round(float(g.area.iloc[0])), g["id"].iloc[0], g["id"].is_unique
    (105, 866025, 'H1k-001-000', True)
    >>> h = hex_grid(box(5_000, 5_000, 10_000, 10_000), 1000, origin=(0, 0))
    >>> c = h.geometry.centroid.iloc[0]
    >>> h["id"].iloc[0], g.loc[g["id"] == h["id"].iloc[0]].geometry.centroid.iloc[0].equals(c)
    ('H1k-006-006', True)
    """
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be a finite number > 0 (got {cell_m})")
    r = cell_m / np.sqrt(3.0)  # circumradius of a hexagon with flat-to-flat width cell_m
    dx, dy = _steps(cell_m)
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
    centres: list[tuple[float, float]] = []
    index: list[tuple[int, int]] = []  # (column, row) from the origin
    if origin is None:
        ox, oy = float(minx), float(miny)
        for i, x in enumerate(np.arange(minx, maxx + dx, dx)):
            offset = dy / 2 if i % 2 else 0.0
            for j, y in enumerate(np.arange(miny + offset, maxy + dy, dy)):
                centres.append((x, y))
                index.append((i, j))
    else:
        ox, oy = float(origin[0]), float(origin[1])
        for k in range(int(np.floor((minx - ox) / dx)), int(np.ceil((maxx - ox) / dx)) + 1):
            offset = dy / 2 if k % 2 else 0.0
            first = int(np.floor((miny - oy - offset) / dy))
            last = int(np.ceil((maxy - oy - offset) / dy))
            centres.extend((ox + k * dx, oy + offset + j * dy) for j in range(first, last + 1))
            index.extend((k, j) for j in range(first, last + 1))
    xy = np.asarray(centres)
    pts = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=METRIC_CRS)
    keep = pts.within(area).to_numpy()
    xy = xy[keep]
    # count from the lattice column (of the origin's parity) and row nearest ITM (0, 0)
    kj = np.asarray(index, dtype=np.int64).reshape(-1, 2)[keep]
    k0, j0 = _shifts((ox, oy), cell_m)
    col, row = kj[:, 0] + k0, kj[:, 1] + j0
    angles = np.deg2rad(np.arange(0, 360, 60))
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * r
    hexes = [Polygon(ring + c) for c in xy]
    return gpd.GeoDataFrame(
        {
            "cell": np.arange(len(hexes)),
            "col": col,
            "row": row,
            "id": [cell_id(c, w, cell_m) for c, w in zip(col, row, strict=True)],
        },
        geometry=hexes,
        crs=METRIC_CRS,
    )


def cell_centre(
    site_id: str, *, origin: tuple[float, float], cell_m: float
) -> tuple[float, float] | None:
    """The centre (EPSG:2039) of the cell ``site_id`` on the lattice of ``origin`` and
    ``cell_m``; ``None`` when ``site_id`` is not a cell id of that cell size (a user's plot).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> g = hex_grid(box(0, 0, 5_000, 5_000), 1000, origin=(130.0, 40.0))
    >>> c = g.geometry.centroid.iloc[7]
    >>> x, y = cell_centre(g["id"].iloc[7], origin=(130.0, 40.0), cell_m=1000)
    >>> round(x - c.x, 6), round(y - c.y, 6), cell_centre("P12", origin=(0, 0), cell_m=1000)
    (0.0, 0.0, None)
    """
    m = _ID.match(str(site_id))
    if m is None or m["size"] != cell_size_label(cell_m):
        return None

    def num(t: str) -> int:
        return -int(t[1:]) if t.startswith("m") else int(t)

    col, row = num(m["col"]), num(m["row"])
    dx, dy = _steps(cell_m)
    k0, j0 = _shifts(origin, cell_m)
    k, j = col - k0, row - j0
    return float(origin[0] + k * dx), float(origin[1] + (dy / 2 if k % 2 else 0.0) + j * dy)


def site_places(
    candidates: gpd.GeoDataFrame, *, origin: tuple[float, float] | None, cell_m: float
) -> np.ndarray:
    """Each candidate's place (EPSG:2039, n × 2): its cell's centre for a search cell of
    that lattice, else its geometry's centroid (a user's plot, or a cell clipped to a
    border when ``origin`` is ``None``)."""
    m = candidates.to_crs(METRIC_CRS)
    cent = m.geometry.centroid
    xy = np.column_stack([cent.x.to_numpy(dtype=float), cent.y.to_numpy(dtype=float)])
    if origin is not None:
        for i, sid in enumerate(m["id"].astype(str)):
            c = cell_centre(sid, origin=origin, cell_m=cell_m)
            if c is not None:
                xy[i] = c
    return xy
