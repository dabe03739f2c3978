"""The embedded default region (Mishor HaHof), readable with no ``../shared``.

The tables live in the repository's ``data/mishor-hahof/`` (installed into the
package as ``siting/_data`` for non-editable installs) and hold figures with
their sources (``SOURCES.md`` beside them) and ``jurisdictions.geojson``: the
Ministry of Interior jurisdictions of the 15 authorities and of the land around
them, simplified at 15 m as one coverage (``data/build_mishor_hahof.py``).  The
authorities are those polygons; the land around them becomes
``Region.extra["jurisdictions"]`` (and its extent, EPSG:2039,
``Region.extra["jurisdictions_extent"]``), which the site search uses to name the
land a cell lies on — as :func:`~siting.sources.region_from_cluster` does from the
official layer.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import MultiPolygon

from siting.errors import SitingError
from siting.layers import METRIC_CRS, WGS84, Region

__all__ = [
    "EMBEDDED_INPUTS",
    "EMBEDDED_REGIONS",
    "JURISDICTIONS_FILE",
    "default_region",
    "embedded_data_dir",
]

#: The embedded boundaries beside the tables.
JURISDICTIONS_FILE = "jurisdictions.geojson"
#: The files an embedded region is read from (hashed into the manifest).
EMBEDDED_INPUTS = ("authorities.csv", "localities.csv", JURISDICTIONS_FILE)

EMBEDDED_REGIONS = {"mishor-hahof": "אשכול רשויות מישור החוף (Mishor HaHof cluster)"}


def embedded_data_dir() -> Path:
    """Directory of the embedded tables (package copy first, then the repo's data/)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "_data", here.parent / "data"):
        if (cand / "mishor-hahof" / JURISDICTIONS_FILE).exists():
            return cand
    raise SitingError(
        "embedded data not found: expected data/mishor-hahof/ in the repository or "
        "siting/_data/ in the installed package; reinstall with `pip install -e .`"
    )


def default_region(name: str = "mishor-hahof") -> Region:
    """Return the embedded region ``name`` as validated layers.

    Examples
    --------
    >>> r = default_region()
    >>> int(r.members["population"].sum())
    264846
    >>> len(r.members), len(r.authorities)
    (10, 15)
    """
    if name not in EMBEDDED_REGIONS:
        raise SitingError(
            f"no embedded region {name!r}; embedded: {', '.join(EMBEDDED_REGIONS)}. Other "
            "clusters are built from the official files with siting.region_from_cluster()."
        )
    folder = embedded_data_dir() / name
    auth = pd.read_csv(folder / "authorities.csv", encoding="utf-8")
    loc = pd.read_csv(folder / "localities.csv", encoding="utf-8")
    localities = gpd.GeoDataFrame(
        loc.drop(columns=["lon", "lat"]),
        geometry=gpd.points_from_xy(loc["lon"], loc["lat"]),
        crs=WGS84,
    )
    land = gpd.read_file(folder / JURISDICTIONS_FILE)
    extent_rows = land["kind"] == "extent"
    extent = land[extent_rows].to_crs(METRIC_CRS).geometry.iloc[0]
    land = land[~extent_rows].drop(columns="role").reset_index(drop=True)
    land["id"] = land["id"].astype("int64")
    polygons = land.set_index("id").geometry
    missing = sorted(set(auth["id"]) - set(polygons.index))
    if missing:
        raise SitingError(f"embedded region {name}: authorities without boundaries {missing}")
    authorities = gpd.GeoDataFrame(
        auth,
        geometry=[_multi(polygons[int(i)]) for i in auth["id"]],
        crs=WGS84,
    )
    authorities["member"] = authorities["member"].astype(str).str.lower().eq("true")
    region = Region(
        name=EMBEDDED_REGIONS[name],
        slug=name,
        authorities=authorities,
        localities=localities,
        sources=(
            "Authorities: CBS 'Local Authorities in Israel 2021' (kg/person/day, vehicles); "
            "member residents from the cluster's 2024 newsletter; membership from Ministry of "
            "Interior jurisdictions (Oct 2025)",
            "Localities: CBS localities file 2021 (codes, names, centre coordinates, "
            "population end 2021)",
            "Boundaries: Ministry of Interior jurisdiction areas (muni_vaadim, Oct 2025), "
            "simplified at 15 m with shared borders kept (data/mishor-hahof/jurisdictions."
            "geojson, data/build_mishor_hahof.py); Israeli government open data",
        ),
        notes=(
            "Jurisdiction boundaries are the Ministry of Interior's (Oct 2025), simplified at "
            "15 m (each authority's area within 0.05 % of the official layer).",
        ),
        extra={"jurisdictions": land, "jurisdictions_extent": extent},
    )
    return region.validated()


def _multi(geom: object) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon([geom])
