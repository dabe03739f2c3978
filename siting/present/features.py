"""GeoJSON features and popup cards as the committee map embeds them (WGS84, rounded)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from siting.layers import METRIC_CRS, WGS84

__all__ = [
    "COORD_DIGITS",
    "card",
    "feature",
    "geojson_geometry",
    "norm",
    "route_lookup",
    "text",
]

COORD_DIGITS = 6  # ~0.1 m: plenty for display, keeps the file small
_TO_WGS84 = Transformer.from_crs(METRIC_CRS, WGS84, always_xy=True)


def text(value: Any) -> str:
    """Data text for a feature property (``""`` for missing)."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if value is pd.NA:
        return ""
    return str(value)


def norm(value: float, lo: float, hi: float) -> float:
    if not np.isfinite(value):
        return float("nan")
    return 1.0 if hi <= lo else (value - lo) / (hi - lo)


def geojson_geometry(geom: Any, simplify_m: float = 0.0) -> dict[str, Any]:
    """WGS84 GeoJSON geometry of a metric (EPSG:2039) shape, simplified and rounded."""
    if simplify_m > 0 and geom.geom_type != "Point":
        geom = geom.simplify(simplify_m, preserve_topology=True)

    def to_wgs84(xy: np.ndarray) -> np.ndarray:
        lon, lat = _TO_WGS84.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]), COORD_DIGITS)

    return shapely.geometry.mapping(shapely.transform(geom, to_wgs84))


def feature(geom: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geom,
        "properties": {k: v for k, v in props.items() if v is not None},
    }


def card(
    title: str, subtitle: str = "", rows: list[list[str]] | None = None, note: str = ""
) -> dict[str, Any]:
    """A popup/tooltip card: the page renders it with ``textContent`` only."""
    out: dict[str, Any] = {"t": title}
    if subtitle:
        out["s"] = subtitle
    if rows:
        out["r"] = rows
    if note:
        out["n"] = note
    return out


def route_lookup(routes: Any, facility: str) -> dict[tuple[str, str], Any]:
    """A run's road routes of one facility by ``(locality id, site id)``, in EPSG:2039.

    ``routes`` is ``RunResult.routes`` (or ``None``); routes without a line (unreachable)
    are left out, so a missing key means "draw a straight line".
    """
    if routes is None or len(routes) == 0:
        return {}
    r = routes.to_crs(METRIC_CRS)
    if "facility" in r.columns:
        r = r[r["facility"].astype(str) == facility]
    return {
        (str(a), str(b)): g
        for a, b, g in zip(r["locality_id"], r["site_id"], r.geometry, strict=True)
        if g is not None and not g.is_empty
    }
