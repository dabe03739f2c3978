"""Reader for the Ministry of Interior (משרד הפנים) jurisdiction layer.

The Ministry publishes the statutory jurisdiction areas of local authorities as
"גבולות שיפוט – יישובים / ועדים מקומיים" (``muni_vaadim``) on its ArcGIS open
data portal (https://gvulot-shiput-statutory-moinil.opendata.arcgis.com/).  Each
feature is one local committee (ועד מקומי) or general area of an authority, so
an authority is the union of its features.  :func:`read_moin_authorities`
accepts the layer in any of its forms — one polygon per authority
(``authorities_moin_2025.gpkg``), undissolved local committees
(``local_committees_moin_2025.gpkg``) or the GeoJSON of GitHub
tzagim/geojson-israel — and returns one MultiPolygon per authority.

Fields used: ``CR_PNIM`` (Interior code), ``CR_LAMAS`` (CBS code, empty for
regional councils), ``Muni_Heb``, ``Muni_Eng``, ``Sug_Muni`` (type),
``Eshkol_MPn`` (regional cluster) and, when present, ``Machoz`` (district) and
``Nafa1`` (sub-district).  Areas "ללא שיפוט" (no jurisdiction) are not
authorities and are dropped.

Clusters
--------
:data:`CLUSTERS` maps an English slug to each of the 11 regional clusters
(אשכולות רשויות) in the October 2025 edition; :func:`cluster_name` resolves a
slug, the full Hebrew name or the Hebrew name without "אשכול רשויות".

Examples
--------
>>> cluster_name("mishor-hahof")
'אשכול רשויות מישור החוף'
>>> cluster_name("Western Galilee")
'אשכול רשויות גליל מערבי'
>>> cluster_name("מישור החוף")
'אשכול רשויות מישור החוף'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from siting.errors import LayerError, SitingError
from siting.sources.cbs import MOIN_REGIONAL_OFFSET, authority_id

__all__ = [
    "CLUSTERS",
    "CLUSTER_NAMES_EN",
    "KIND_BY_MOIN_TYPE",
    "cluster_name",
    "cluster_slug",
    "read_moin_authorities",
]

logger = logging.getLogger(__name__)

_CLUSTER_PREFIX = "אשכול רשויות"

#: English slug → the cluster's exact ``Eshkol_MPn`` value (MOIN, Oct 2025).
CLUSTERS: dict[str, str] = {
    "mishor-hahof": "אשכול רשויות מישור החוף",
    "western-galilee": "אשכול רשויות גליל מערבי",
    "eastern-galilee": "אשכול רשויות גליל מזרחי",
    "galilee-and-valleys": "אשכול רשויות הגליל והעמקים",
    "kinneret-and-valleys": "אשכול רשויות הכנרת והעמקים",
    "beit-hakerem-galilee": "אשכול רשויות בית הכרם הגלילי",
    "hamifratz": "אשכול רשויות המפרץ",
    "sharon": "אשכול רשויות השרון",
    "southern-sorek": "אשכול רשויות שורק דרומי",
    "western-negev": "אשכול רשויות נגב מערבי",
    "eastern-negev": "אשכול רשויות נגב מזרחי",
}

#: English display names of the clusters, by slug.
CLUSTER_NAMES_EN: dict[str, str] = {
    "mishor-hahof": "Mishor HaHof (Coastal Plain) cluster",
    "western-galilee": "Western Galilee cluster",
    "eastern-galilee": "Eastern Galilee cluster",
    "galilee-and-valleys": "Galilee and Valleys cluster",
    "kinneret-and-valleys": "Kinneret and Valleys cluster",
    "beit-hakerem-galilee": "Beit HaKerem Galilee cluster",
    "hamifratz": "HaMifratz (Haifa Bay) cluster",
    "sharon": "Sharon cluster",
    "southern-sorek": "Southern Sorek cluster",
    "western-negev": "Western Negev cluster",
    "eastern-negev": "Eastern Negev cluster",
}

# further spellings accepted by cluster_name()
_EXTRA_ALIASES: dict[str, str] = {
    "coastal-plain": "mishor-hahof",
    "mishor-hachof": "mishor-hahof",
    "haifa-bay": "hamifratz",
    "ha-mifratz": "hamifratz",
    "sorek-south": "southern-sorek",
    "south-sorek": "southern-sorek",
    "beit-hakerem": "beit-hakerem-galilee",
}

#: ``Sug_Muni`` → ``kind``.  The two industrial local councils (Migdal Tefen,
#: Neot Hovav) are local councils without residents.
KIND_BY_MOIN_TYPE: dict[str, str] = {
    "עירייה": "city",
    "מועצה מקומית": "local_council",
    "מועצה מקומית תעשייתית": "local_council",
    "מועצה אזורית": "regional_council",
}
_NO_JURISDICTION = "ללא שיפוט"

_REQUIRED = ("CR_PNIM", "CR_LAMAS", "Muni_Heb", "Muni_Eng", "Sug_Muni", "Eshkol_MPn")
_OPTIONAL = {"Machoz": "district", "Nafa1": "subdistrict"}

AUTHORITY_COLUMNS = (
    "id",
    "cbs_code",
    "moin_code",
    "name_he",
    "name_en",
    "kind",
    "moin_type",
    "cluster",
    "district",
    "subdistrict",
    "geometry",
)


def _slugify(text: str) -> str:
    return re.sub(r"[\s_'’]+", "-", text.strip().lower()).strip("-")


def cluster_name(name: str, *, known: Iterable[str] | None = None) -> str:
    """Return the exact ``Eshkol_MPn`` value for a cluster name or alias.

    Parameters
    ----------
    name : str
        A slug from :data:`CLUSTERS` (case, spaces and underscores ignored),
        the Hebrew cluster name, or the Hebrew name without "אשכול רשויות".
    known : iterable of str, optional
        The cluster names present in the data; a Hebrew name in ``known`` but
        not in :data:`CLUSTERS` is accepted too.

    Raises
    ------
    SitingError
        Naming the valid slugs and Hebrew names.

    Examples
    --------
    >>> cluster_name("HAIFA_BAY")
    'אשכול רשויות המפרץ'
    """
    hebrew = set(CLUSTERS.values()) | set(known or ())
    text = re.sub(r"\s+", " ", str(name)).strip()
    if text in hebrew:
        return text
    prefixed = f"{_CLUSTER_PREFIX} {text}"
    if prefixed in hebrew:
        return prefixed
    slug = _slugify(text)
    slug = _EXTRA_ALIASES.get(slug, slug)
    if slug in CLUSTERS:
        return CLUSTERS[slug]
    valid = ", ".join(sorted(CLUSTERS))
    names = ", ".join(sorted(hebrew))
    raise SitingError(f"unknown cluster {name!r}; valid: {valid}; or the Hebrew name: {names}")


def cluster_slug(name: str) -> str:
    """Return the English slug of a Hebrew cluster name (or a slug of the name itself).

    Examples
    --------
    >>> cluster_slug("אשכול רשויות מישור החוף")
    'mishor-hahof'
    """
    for slug, hebrew in CLUSTERS.items():
        if hebrew == name:
            return slug
    return _slugify(name)


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    polys: list[Polygon] = []
    for part in parts:
        polys.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    return MultiPolygon(polys)


def _read_any(path: Path, layer: str | None) -> gpd.GeoDataFrame:
    import pyogrio

    try:
        if layer is None and path.suffix.lower() == ".gpkg":
            names = [str(n) for n, _ in pyogrio.list_layers(path)]
            for preferred in ("authorities", "local_committees", "muni_vaadim"):
                if preferred in names:
                    layer = preferred
                    break
            else:
                layer = names[0]
        return gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as err:  # pyogrio raises several types for unreadable files
        raise LayerError("authorities", f"cannot read {path}: {err}") from err


def read_moin_authorities(
    path: str | Path, *, layer: str | None = None, include_clusterless: bool = True
) -> gpd.GeoDataFrame:
    """Read the Ministry of Interior jurisdiction layer as one row per authority.

    Parameters
    ----------
    path : str or Path
        GeoPackage or GeoJSON of the ``muni_vaadim`` layer, dissolved by
        authority or not (features are dissolved by authority ``id`` here).
    layer : str, optional
        Layer inside a GeoPackage; default ``authorities``, else
        ``local_committees``, else the first layer.
    include_clusterless : bool, default True
        Keep authorities with no ``Eshkol_MPn`` (``cluster`` is "").

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one MultiPolygon per authority, sorted by ``id``: ``id``
        (unique authority id, the CBS code — see
        :func:`siting.sources.cbs.authority_id`), ``cbs_code``, ``moin_code``
        (``CR_PNIM``), ``name_he``, ``name_en``, ``kind`` (city /
        local_council / regional_council), ``moin_type`` (``Sug_Muni``),
        ``cluster`` (``Eshkol_MPn`` or ""), ``district``, ``subdistrict``.

    Raises
    ------
    LayerError
        File missing or unreadable, no CRS, a required field missing, an
        unknown ``Sug_Muni`` or an unresolvable CBS code.

    Notes
    -----
    A regional council's CBS code is ``CR_PNIM - 5500`` (e.g. Menashe 5514 →
    14).  A regional-council feature whose ``CR_PNIM`` is outside 5501–5599
    (in Oct 2025, a 0.004 km² "general area" of Drom HaSharon coded 9959) is
    merged into the regional council of the same Hebrew name.  Attributes of a
    dissolved authority come from its largest feature.

    Examples
    --------
    >>> auth = read_moin_authorities(
    ...     "../shared/data/israel/authorities_moin_2025.gpkg")  # doctest: +SKIP
    >>> auth.set_index("name_en").loc["Menashe", ["id", "moin_code"]].tolist()  # doctest: +SKIP
    [14, 5514]
    """
    path = Path(path)
    if not path.is_file():
        raise LayerError("authorities", f"file not found: {path}")
    raw = _read_any(path, layer)
    problems = [f"{path}: field '{c}': missing column" for c in _REQUIRED if c not in raw.columns]
    if raw.crs is None:
        problems.append(f"{path}: no CRS (expected EPSG:4326 or EPSG:2039)")
    if problems:
        raise LayerError("authorities", problems)
    if raw.crs is not None and not raw.crs.equals("EPSG:4326"):
        raw = raw.to_crs("EPSG:4326")

    df = raw.copy()
    for col in (*_REQUIRED, *_OPTIONAL):
        if col in df.columns:
            df[col] = df[col].fillna("").astype(str).str.strip()
        else:
            df[col] = ""
    none = df["Sug_Muni"].str.startswith(_NO_JURISDICTION)
    if none.any():
        logger.info("%s: dropped %d 'ללא שיפוט' (no jurisdiction) features", path, int(none.sum()))
    df = df[~none].copy()
    unknown = ~df["Sug_Muni"].isin(KIND_BY_MOIN_TYPE)
    if unknown.any():
        raise LayerError(
            "authorities",
            [
                f"{path}: row {c}, field 'Sug_Muni': unknown type {t!r}"
                for c, t in df.loc[unknown, ["CR_PNIM", "Sug_Muni"]].drop_duplicates().to_numpy()
            ],
        )
    df["kind"] = df["Sug_Muni"].map(KIND_BY_MOIN_TYPE)
    df["moin_code"] = pd.to_numeric(df["CR_PNIM"], errors="coerce")
    bad_code = df["moin_code"].isna()
    if bad_code.any():
        raise LayerError(
            "authorities",
            [
                f"{path}: row {n!r}, field 'CR_PNIM': not a number {c!r}"
                for n, c in df.loc[bad_code, ["Muni_Heb", "CR_PNIM"]].to_numpy()
            ],
        )
    df["moin_code"] = df["moin_code"].astype("int64")
    df["cbs_code"] = _cbs_codes(df, path)
    regional = (df["kind"] == "regional_council").to_numpy()
    df["id"] = [authority_id(c, regional=r) for c, r in zip(df["cbs_code"], regional, strict=True)]

    # dissolve by id; attributes from the largest feature
    df["_area"] = df.geometry.to_crs("EPSG:2039").area
    df = df.sort_values(["id", "_area"], ascending=[True, False])
    attrs = df.groupby("id", sort=True).first()
    single = ~df["id"].duplicated(keep=False)
    geoms: dict[int, BaseGeometry] = dict(
        zip(df.loc[single, "id"], df.loc[single].geometry, strict=True)
    )
    for key, parts in df.loc[~single].groupby("id").geometry:
        geoms[int(key)] = parts.union_all()
    out = gpd.GeoDataFrame(
        {
            "id": attrs.index.astype("int64"),
            "cbs_code": attrs["cbs_code"].astype("int64").to_numpy(),
            "moin_code": attrs["moin_code"].astype("int64").to_numpy(),
            "name_he": attrs["Muni_Heb"].to_numpy(),
            "name_en": attrs["Muni_Eng"].to_numpy(),
            "kind": attrs["kind"].to_numpy(),
            "moin_type": attrs["Sug_Muni"].to_numpy(),
            "cluster": attrs["Eshkol_MPn"].to_numpy(),
            "district": attrs["Machoz"].to_numpy(),
            "subdistrict": attrs["Nafa1"].to_numpy(),
        },
        geometry=[_as_multipolygon(geoms[int(i)]) for i in attrs.index],
        crs="EPSG:4326",
    )
    invalid = ~out.geometry.is_valid
    if invalid.any():
        logger.warning("%s: repaired %d invalid dissolved polygons", path, int(invalid.sum()))
        out.loc[invalid, "geometry"] = [
            _as_multipolygon(g) for g in out.geometry[invalid].make_valid()
        ]
    if not include_clusterless:
        out = out[out["cluster"] != ""]
    logger.debug("%s: %d authorities from %d features", path, len(out), len(raw))
    return out.reset_index(drop=True)


def _cbs_codes(df: pd.DataFrame, path: Path) -> pd.Series:
    """CBS code of each feature: ``CR_LAMAS``, else derived from ``CR_PNIM``."""
    lamas = pd.to_numeric(df["CR_LAMAS"], errors="coerce")
    regional = df["kind"] == "regional_council"
    derived = df["moin_code"] - MOIN_REGIONAL_OFFSET
    in_range = (derived >= 1) & (derived <= 99)
    codes = lamas.where(lamas.notna(), derived.where(regional & in_range))
    # non-regional authorities without CR_LAMAS: CR_PNIM is the CBS code
    fallback = codes.isna() & ~regional
    if fallback.any():
        logger.info(
            "%s: %d features lack CR_LAMAS; using CR_PNIM as CBS code", path, int(fallback.sum())
        )
        codes = codes.where(~fallback, df["moin_code"])
    # stray regional codes (e.g. 9959 Drom HaSharon): borrow the code of the
    # regional council with the same Hebrew name
    stray = codes.isna()
    if stray.any():
        known = (
            pd.DataFrame({"name": df["Muni_Heb"], "code": codes})[regional & codes.notna()]
            .drop_duplicates("name")
            .set_index("name")["code"]
        )
        problems: list[str] = []
        for idx in df.index[stray]:
            name, moin = df.loc[idx, "Muni_Heb"], df.loc[idx, "moin_code"]
            if name in known.index:
                codes.loc[idx] = known[name]
                logger.info(
                    "%s: feature CR_PNIM %s (%s) merged into regional council CBS %d",
                    path,
                    moin,
                    name,
                    int(known[name]),
                )
            else:
                problems.append(
                    f"{path}: row {moin}, field 'CR_LAMAS': empty and CR_PNIM {moin} is not "
                    f"5500 + a CBS code, and no regional council named {name!r}"
                )
        if problems:
            raise LayerError("authorities", problems)
    return codes.astype("int64")
