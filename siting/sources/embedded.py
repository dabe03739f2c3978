"""The embedded default region (Mishor HaHof), readable with no ``../shared``.

The tables live in the repository's ``data/mishor-hahof/`` (installed into the
package as ``siting/_data`` for non-editable installs) and hold only figures
with their sources (``SOURCES.md`` beside them).  Authorities are points there
(no jurisdiction polygons are embedded): each authority's point is the
population-weighted centre of its localities.  Outputs made from this region
say so.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from siting.errors import SitingError
from siting.layers import METRIC_CRS, WGS84, Region

__all__ = ["EMBEDDED_REGIONS", "default_region", "embedded_data_dir"]

EMBEDDED_REGIONS = {"mishor-hahof": "אשכול רשויות מישור החוף (Mishor HaHof cluster)"}


def embedded_data_dir() -> Path:
    """Directory of the embedded tables (package copy first, then the repo's data/)."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here / "_data", here.parent / "data"):
        if (cand / "mishor-hahof" / "authorities.csv").exists():
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
    # authority point = population-weighted centre of its localities (EPSG:2039)
    xy = localities.geometry.to_crs(METRIC_CRS)
    frame = pd.DataFrame({"aid": loc["authority_id"], "w": loc["population"], "x": xy.x, "y": xy.y})
    frame["wx"] = frame["w"] * frame["x"]
    frame["wy"] = frame["w"] * frame["y"]
    sums = frame.groupby("aid")[["w", "wx", "wy"]].sum()
    centre = sums[["wx", "wy"]].div(sums["w"], axis=0)
    missing = sorted(set(auth["id"]) - set(centre.index))
    if missing:
        raise SitingError(f"embedded region {name}: authorities without localities {missing}")
    cx = centre.loc[auth["id"]]
    authorities = gpd.GeoDataFrame(
        auth,
        geometry=gpd.points_from_xy(cx["wx"].to_numpy(), cx["wy"].to_numpy()),
        crs=METRIC_CRS,
    ).to_crs(WGS84)
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
        ),
        notes=(
            "Jurisdiction boundaries are not embedded: authorities are drawn as the "
            "population-weighted centre of their localities and the site-search area is "
            "approximated from the localities (load the Ministry of Interior layer for real "
            "boundaries).",
        ),
    )
    return region.validated()
