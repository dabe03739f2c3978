"""Build a whole study region from the official Israeli files.

:func:`region_from_cluster` joins three official products:

* the Ministry of Interior jurisdiction layer (Oct 2025) — authority polygons
  and the regional cluster (``Eshkol_MPn``) each authority belongs to
  (:mod:`siting.sources.moin`);
* the CBS "Local Authorities in Israel 2021" workbook — population, municipal
  solid waste per resident, motor vehicles (:mod:`siting.sources.cbs`);
* the CBS localities file 2021 — the demand points (:mod:`siting.sources.cbs`).

Authorities join on their unique ``id`` (the CBS code; see
:func:`siting.sources.cbs.authority_id`).  Localities belong to the authority
CBS names as their municipal status; where CBS gives none (four localities
"without municipal status") or where a locality lies outside its 2021 authority
but inside another 2025 jurisdiction (Tsur Hadasa, a local council since 2021),
the locality is assigned by location and the region's ``notes`` say so.

Files are looked up in ``data_dir``: the argument, else ``$SITING_DATA_DIR``,
else ``../shared/data/israel`` relative to the working directory, else the
download cache of :func:`~siting.sources.download_official_data`.
"""

from __future__ import annotations

import functools
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import SitingError
from siting.layers import METRIC_CRS, Region
from siting.sources.cbs import read_cbs_authority_stats, read_cbs_localities
from siting.sources.download import default_cache_dir
from siting.sources.moin import CLUSTERS, cluster_name, cluster_slug, read_moin_authorities

__all__ = [
    "AUTHORITY_FILES",
    "JURISDICTION_MARGIN_M",
    "LOCALITY_FILES",
    "STATS_FILES",
    "join_authority_stats",
    "jurisdictions_around",
    "list_clusters",
    "read_no_jurisdiction",
    "region_from_cluster",
    "resolve_data_dir",
]

logger = logging.getLogger(__name__)

ENV_DATA_DIR = "SITING_DATA_DIR"

#: Accepted file names, in order of preference.
AUTHORITY_FILES = (
    "authorities_moin_2025.gpkg",
    "local_committees_moin_2025.gpkg",
    "all_municipalities.geojson",
)
LOCALITY_FILES = ("localities_cbs_2021.csv", "cbs_localities_2021.xlsx")
STATS_FILES = ("cbs_local_authorities_2021.xlsx",)

_PROVENANCE = {
    "authorities_moin_2025.gpkg": "Ministry of Interior jurisdiction areas (muni_vaadim, "
    "Oct 2025) via GitHub tzagim/geojson-israel @ ec606db, dissolved by CR_PNIM; Israeli "
    "government open data",
    "local_committees_moin_2025.gpkg": "Ministry of Interior jurisdiction areas (muni_vaadim, "
    "Oct 2025, local-committee level) via GitHub tzagim/geojson-israel @ ec606db; Israeli "
    "government open data",
    "all_municipalities.geojson": "Ministry of Interior jurisdiction areas (muni_vaadim) via "
    "GitHub tzagim/geojson-israel; Israeli government open data",
    "localities_cbs_2021.csv": "CBS localities file 2021 (bycode2021: codes, names, "
    "coordinates, population end 2021) via GitHub arikw/israeli-localities @ 55a9dae "
    "dist/localities.csv; CBS",
    "cbs_localities_2021.xlsx": "CBS localities file 2021 (official bycode2021.xlsx) via "
    "GitHub matanhakim/il.cbs.muni; CBS",
    "cbs_local_authorities_2021.xlsx": "CBS 'Local Authorities in Israel 2021' "
    "(p_libud_2021.xlsx, updated 12/2023: population end 2021, municipal solid waste "
    "kg/person/day, recycling %, motor vehicles) via GitHub matanhakim/il.cbs.muni; CBS",
}

_DOWNLOAD_HINT = (
    "get the official files with `siting.sources.download_official_data(dest)` (needs "
    "internet) and pass `data_dir=dest` or set SITING_DATA_DIR"
)

_Note = tuple[str, frozenset[int], frozenset[int]]  # text, authority ids, locality ids

#: How far beyond the convex hull of a region's authorities the jurisdiction context reaches (m):
#: wider than a search cell, so every cell of a site search lies inside it.
JURISDICTION_MARGIN_M = 2000.0

#: ``id`` of the sea in the jurisdiction context layer (kind ``"sea"``).
SEA_ID = -1

#: Columns of the jurisdiction context layer (:func:`jurisdictions_around`).
JURISDICTION_COLUMNS = ("id", "moin_code", "name_he", "name_en", "moin_name_en", "kind", "geometry")

REGION_AUTHORITY_COLUMNS = (
    "id",
    "name_he",
    "name_en",
    "kind",
    "member",
    "moin_code",
    "cbs_code",
    "cluster",
    "district",
    "population",
    "population_source",
    "msw_kg_per_capita_day",
    "msw_recycling_pct",
    "motor_vehicles",
    "private_cars",
    "geometry",
)


# --------------------------------------------------------------------------- files


def _candidate_dirs(data_dir: str | Path | None) -> list[Path]:
    if data_dir is not None:
        base = Path(data_dir).expanduser()
        return [base / "israel", base] if (base / "israel").is_dir() else [base]
    out: list[Path] = []
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        out.append(Path(env).expanduser())
    out.append(Path.cwd().parent / "shared" / "data" / "israel")
    out.append(default_cache_dir())
    return out


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """Return the directory the official files are read from.

    ``data_dir`` when given (or its ``israel/`` subdirectory when it has one);
    otherwise the first of ``$SITING_DATA_DIR``, ``../shared/data/israel``
    (relative to the working directory) and the download cache that holds the
    CBS authorities workbook.

    Examples
    --------
    >>> resolve_data_dir("/nonexistent/dir").as_posix()
    '/nonexistent/dir'
    """
    candidates = _candidate_dirs(data_dir)
    for cand in candidates:
        if any((cand / name).is_file() for name in STATS_FILES):
            return cand
    return candidates[0]


def _find_file(folder: Path, names: tuple[str, ...], what: str) -> Path:
    for name in names:
        if (folder / name).is_file():
            return folder / name
    expected = " or ".join(str(folder / n) for n in names)
    raise SitingError(f"{what} not found: expected {expected}; {_DOWNLOAD_HINT}")


def _source_line(path: Path) -> str:
    return f"{path.name}: {_PROVENANCE.get(path.name, 'user-supplied file ' + str(path))}"


def _file_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return str(path.resolve()), st.st_mtime_ns, st.st_size


@functools.lru_cache(maxsize=8)
def _read_cached(kind: str, key: tuple[str, int, int]) -> Any:
    path = Path(key[0])
    if kind == "moin":
        return read_moin_authorities(path)
    if kind == "localities":
        return read_cbs_localities(path)
    if kind == "no_jurisdiction":
        return read_no_jurisdiction(path)
    return read_cbs_authority_stats(path)


def _read(kind: str, path: Path) -> Any:
    """Read through a small cache keyed by path, mtime and size; always a copy."""
    return _read_cached(kind, _file_key(path)).copy()


def read_no_jurisdiction(path: str | Path) -> gpd.GeoDataFrame:
    """The areas "ללא שיפוט" (no municipal jurisdiction) of the Ministry of Interior layer.

    :func:`~siting.sources.read_moin_authorities` drops them because they are not
    authorities; a site search needs them to say *why* land is not a candidate.

    Returns
    -------
    GeoDataFrame
        EPSG:4326, one (repaired) polygon per area: ``id`` (``-CR_PNIM``, negative so it
        never clashes with an authority id), ``moin_code``, ``name_he``, ``name_en``,
        ``moin_name_en``, ``kind`` = ``"no_jurisdiction"``.
    """
    path = Path(path)
    raw = gpd.read_file(path, layer="authorities") if path.suffix == ".gpkg" else None
    if raw is None or "Sug_Muni" not in raw.columns:
        raw = gpd.read_file(path)
    raw = raw.to_crs("EPSG:4326")
    none = raw[raw["Sug_Muni"].fillna("").astype(str).str.startswith("ללא שיפוט")].copy()
    code = pd.to_numeric(none["CR_PNIM"], errors="coerce").fillna(0).astype("int64")
    none["moin_code"] = code.to_numpy()
    geoms = none.geometry.make_valid().to_numpy()
    frame = gpd.GeoDataFrame(
        {
            "moin_code": none["moin_code"].to_numpy(),
            "name_he": none["Muni_Heb"].astype(str).str.strip().to_numpy(),
            "name_en": none["Muni_Eng"].astype(str).str.strip().to_numpy(),
        },
        geometry=[_polygonal(g) for g in geoms],
        crs="EPSG:4326",
    )
    frame = frame.dissolve(by="moin_code", aggfunc="first", as_index=False)
    frame["id"] = -frame["moin_code"]
    frame["moin_name_en"] = frame["name_en"]
    frame["kind"] = "no_jurisdiction"
    return gpd.GeoDataFrame(frame[list(JURISDICTION_COLUMNS)], crs="EPSG:4326")


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a repaired geometry (make_valid may add lines or points)."""
    from shapely import get_parts, union_all

    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [p for p in get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return union_all(parts)


def _sea_west_of(land: Any, extent: Any, *, strip_m: float = 100.0) -> Any:
    """The part of ``extent`` outside ``land`` that lies west of all land at its latitude.

    The Ministry's jurisdictions end at the coastline, so west of the westernmost land in
    each east-west strip of ``strip_m`` is the Mediterranean; land outside every
    jurisdiction elsewhere (across the Green Line, a border) stays "outside".  Strips with
    no land at all are not sea.
    """
    from shapely import box, union_all

    minx, miny, maxx, maxy = extent.bounds
    boxes = []
    for y0 in np.arange(miny, maxy, strip_m):
        part = land.intersection(box(minx, y0, maxx, y0 + strip_m))
        if part.is_empty:
            continue
        west = part.bounds[0]
        if west > minx:
            boxes.append(box(minx, y0, west, y0 + strip_m))
    if not boxes:
        return box(0, 0, 0, 0).intersection(box(1, 1, 2, 2))
    sea = union_all(boxes).intersection(extent).difference(land)
    return _polygonal(sea)


def jurisdictions_around(
    authorities: gpd.GeoDataFrame,
    no_jurisdiction: gpd.GeoDataFrame,
    around: gpd.GeoDataFrame,
    *,
    margin_m: float = JURISDICTION_MARGIN_M,
) -> tuple[gpd.GeoDataFrame, Any]:
    """Every jurisdiction (and no-jurisdiction area) near ``around``, clipped to an extent.

    Parameters
    ----------
    authorities : GeoDataFrame
        All authorities (:func:`~siting.sources.read_moin_authorities`).
    no_jurisdiction : GeoDataFrame
        :func:`read_no_jurisdiction`.
    around : GeoDataFrame
        The region's authorities (polygons).
    margin_m : float
        The extent is the convex hull of ``around`` buffered by this many metres.

    Returns
    -------
    jurisdictions : GeoDataFrame
        EPSG:4326, :data:`JURISDICTION_COLUMNS`; the authorities of ``around`` whole, the
        others clipped to the extent, and the sea west of the coast (``kind`` "sea",
        ``id`` :data:`SEA_ID`).  Inside the extent, land covered by none of them is
        outside Israeli municipal jurisdiction altogether (e.g. across the Green Line).
    extent : shapely Polygon
        EPSG:2039.
    """
    extent = around.to_crs(METRIC_CRS).union_all().convex_hull.buffer(margin_m)
    own = set(around["id"].astype(int))
    auth = authorities.copy()
    if "moin_name_en" not in auth.columns:
        auth["moin_name_en"] = auth["name_en"]
    frames = [auth[list(JURISDICTION_COLUMNS)], no_jurisdiction[list(JURISDICTION_COLUMNS)]]
    land = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    metric = land.to_crs(METRIC_CRS)
    near = metric.intersects(extent).to_numpy()
    metric = metric[near].copy()
    whole = metric["id"].astype(int).isin(own).to_numpy()
    metric.loc[~whole, "geometry"] = [
        _polygonal(g) for g in metric.geometry[~whole].intersection(extent)
    ]
    metric = metric[~metric.geometry.is_empty]
    sea = _sea_west_of(metric.union_all(), extent)
    if not sea.is_empty:
        metric = pd.concat(
            [
                metric,
                gpd.GeoDataFrame(
                    {
                        "id": [SEA_ID],
                        "moin_code": [0],
                        "name_he": ["הים התיכון"],
                        "name_en": ["Mediterranean Sea"],
                        "moin_name_en": [""],
                        "kind": ["sea"],
                    },
                    geometry=[sea],
                    crs=METRIC_CRS,
                ),
            ],
            ignore_index=True,
        )
    out = metric.to_crs("EPSG:4326").sort_values("id").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326"), extent


# --------------------------------------------------------------------------- joins


def _norm_key(text: object) -> str:
    return re.sub(r"[\W_]+", "", str(text)).casefold()


def join_authority_stats(
    authorities: gpd.GeoDataFrame,
    stats: pd.DataFrame,
    localities: gpd.GeoDataFrame | None = None,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Join CBS authority statistics to MOIN authority polygons on ``id``.

    Parameters
    ----------
    authorities : GeoDataFrame
        From :func:`~siting.sources.read_moin_authorities`.
    stats : DataFrame
        From :func:`~siting.sources.read_cbs_authority_stats`.
    localities : GeoDataFrame, optional
        From :func:`~siting.sources.read_cbs_localities`: English names of
        cities and local councils (their main locality's name) and the
        population of authorities missing from the CBS workbook (sum of the
        localities inside the polygon).

    Returns
    -------
    authorities : GeoDataFrame
        ``authorities`` with ``name_he`` (CBS spelling where joined),
        ``name_en``, ``population``, ``population_source``,
        ``msw_kg_per_capita_day``, ``msw_recycling_pct``, ``motor_vehicles``,
        ``private_cars``.
    notes : list of str
        One line per authority whose figures did not come from the workbook.
    """
    cols = [
        "id",
        "name_he",
        "kind",
        "population",
        "msw_kg_per_capita_day",
        "msw_recycling_pct",
        "motor_vehicles",
        "private_cars",
    ]
    right = stats[cols].rename(columns={"name_he": "_cbs_name", "kind": "_cbs_kind"})
    out = authorities.merge(right, on="id", how="left")
    out["moin_name_he"] = out["name_he"]
    out["moin_name_en"] = out["name_en"]
    notes: list[str] = []
    # a joined row must agree on regional / not regional (ids are unique per that rule)
    clash = out["_cbs_kind"].notna() & (
        (out["_cbs_kind"] == "regional_council") != (out["kind"] == "regional_council")
    )
    if clash.any():
        for _, row in out[clash].iterrows():
            logger.warning(
                "authority %s (%s): MOIN type %s but CBS row is a %s; CBS figures not used",
                row["id"],
                row["name_he"],
                row["kind"],
                row["_cbs_kind"],
            )
        out.loc[clash, ["_cbs_name", *cols[3:]]] = np.nan
    joined = out["population"].notna()
    out["population_source"] = np.where(joined, "CBS Local Authorities 2021", "")
    out["name_he"] = out["_cbs_name"].where(joined, out["name_he"]).astype(str)
    out.loc[out["msw_kg_per_capita_day"] <= 0, "msw_kg_per_capita_day"] = np.nan

    if localities is not None:
        names_en = localities.set_index("id")["name_en"]
        own = out["kind"] != "regional_council"
        en = out.loc[own, "cbs_code"].map(names_en)
        out.loc[own, "name_en"] = en.where(en.notna() & (en != ""), out.loc[own, "name_en"])
    for pos in np.flatnonzero(~joined.to_numpy()):
        row = out.iloc[pos]
        pop, how = 0.0, "localities not given"
        if localities is not None:
            how = "no CBS locality inside its boundary"
            inside = localities[localities.within(row.geometry)]
            pop = float(inside["population"].sum())
            if len(inside):
                how = f"{len(inside)} CBS localities inside its boundary"
        out.iloc[pos, out.columns.get_loc("population")] = pop
        out.iloc[pos, out.columns.get_loc("population_source")] = (
            "CBS localities 2021 inside the MOIN boundary"
        )
        notes.append(
            f"authority {row['id']} ({row['name_he']}, {row['moin_type']}) is not in the CBS "
            f"Local Authorities 2021 workbook: population {pop:,.0f} = {how}; no waste or "
            "vehicle figures"
        )
    out = out.drop(columns=["_cbs_name", "_cbs_kind"])
    return gpd.GeoDataFrame(out, geometry="geometry", crs=authorities.crs), notes


def _assign_by_location(
    localities: gpd.GeoDataFrame, authorities: gpd.GeoDataFrame, *, tolerance_m: float = 100.0
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """Fix ``authority_id`` where CBS gives none or the point lies in another jurisdiction.

    Returns the localities (with ``authority_source``: ``"cbs"`` or
    ``"location"``) and one row per change.
    """
    out = localities.copy()
    out["authority_source"] = np.where(out["authority_id"].notna(), "cbs", "")
    pts = out.geometry.to_crs(METRIC_CRS)
    polys = authorities.set_index("id").geometry.to_crs(METRIC_CRS)
    hits = gpd.sjoin(
        gpd.GeoDataFrame(geometry=pts),
        gpd.GeoDataFrame(
            {"polygon_id": polys.index.to_numpy()}, geometry=polys.to_numpy(), crs=METRIC_CRS
        ),
        predicate="within",
    )
    containing = hits.groupby(level=0)["polygon_id"].apply(list)
    changes = []
    for idx in out.index:
        aid = out.loc[idx, "authority_id"]
        inside = containing.get(idx, [])
        if pd.isna(aid):
            reason = "no municipal status in CBS 2021"
        elif int(aid) in polys.index:
            if pts[idx].distance(polys[int(aid)]) <= tolerance_m:
                continue
            reason = f"outside its CBS 2021 authority {int(aid)} (MOIN 2025 boundary)"
        else:
            continue  # its authority has no MOIN polygon (e.g. HaGilboa): leave as is
        if len(inside) != 1:
            if pd.notna(aid):
                logger.warning(
                    "locality %s lies outside authority %s and in %d others; left as is",
                    out.loc[idx, "id"],
                    aid,
                    len(inside),
                )
            continue
        changes.append(
            {
                "id": int(out.loc[idx, "id"]),
                "name": out.loc[idx, "name"],
                "population": float(out.loc[idx, "population"]),
                "from": aid,
                "to": int(inside[0]),
                "reason": reason,
            }
        )
        out.loc[idx, "authority_id"] = int(inside[0])
        out.loc[idx, "authority_source"] = "location"
    return out, pd.DataFrame(changes, columns=["id", "name", "population", "from", "to", "reason"])


def _national(
    data_dir: Path,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[str], list[_Note]]:
    """Authorities with statistics and localities with authorities, for all of Israel."""
    moin_path = _find_file(data_dir, AUTHORITY_FILES, "Ministry of Interior jurisdiction layer")
    loc_path = _find_file(data_dir, LOCALITY_FILES, "CBS localities file")
    stats_path = _find_file(data_dir, STATS_FILES, "CBS Local Authorities 2021 workbook")
    authorities, localities, sources, notes = _national_cached(
        _file_key(moin_path), _file_key(loc_path), _file_key(stats_path)
    )
    return authorities.copy(), localities.copy(), list(sources), list(notes)


@functools.lru_cache(maxsize=2)
def _national_cached(
    moin_key: tuple[str, int, int],
    loc_key: tuple[str, int, int],
    stats_key: tuple[str, int, int],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, tuple[str, ...], tuple[_Note, ...]]:
    moin = _read("moin", Path(moin_key[0]))
    localities = _read("localities", Path(loc_key[0]))
    stats = _read("stats", Path(stats_key[0]))
    authorities, stat_notes = join_authority_stats(moin, stats, localities)
    notes: list[_Note] = []
    for text in stat_notes:
        aid = int(text.split()[1])
        notes.append((text, frozenset({aid}), frozenset()))
    localities, changes = _assign_by_location(localities, authorities)
    cbs_pop = authorities.set_index("id")["population_source"].eq("CBS Local Authorities 2021")
    for ch in changes.to_dict("records"):
        was = None if pd.isna(ch["from"]) else int(ch["from"])
        text = (
            f"locality {ch['id']} ({ch['name']}, {ch['population']:,.0f} residents) assigned to "
            f"authority {ch['to']} by location ({ch['reason']})"
        )
        if was is not None and cbs_pop.get(was, False):
            text += f"; the CBS 2021 population of authority {was} still includes them"
        touched = frozenset({ch["to"]} | ({was} if was is not None else set()))
        notes.append((text, touched, frozenset({ch["id"]})))
    sources = tuple(_source_line(Path(k[0])) for k in (moin_key, stats_key, loc_key))
    return authorities, localities, sources, tuple(notes)


def _match_authorities(keys: Iterable[int | str], authorities: pd.DataFrame) -> list[int]:
    """Ids of the authorities named by CBS code / MOIN code / Hebrew or English name."""
    by_name: dict[str, set[int]] = {}
    for col in ("name_he", "name_en", "moin_name_he", "moin_name_en"):
        if col not in authorities.columns:
            continue
        for aid, name in zip(authorities["id"], authorities[col], strict=True):
            by_name.setdefault(_norm_key(name), set()).add(int(aid))
    ids = set(authorities["id"].astype(int))
    found: list[int] = []
    problems: list[str] = []
    for key in keys:
        text = str(key).strip()
        if re.fullmatch(r"\d+", text):
            code = int(text)
            if code in ids:
                found.append(code)
                continue
            alt = authorities.loc[
                (authorities["moin_code"] == code) | (authorities["cbs_code"] == code), "id"
            ]
            if len(alt) == 1:
                found.append(int(alt.iloc[0]))
                continue
            problems.append(f"no authority with CBS or MOIN code {code}")
            continue
        hits = by_name.get(_norm_key(text), set())
        if len(hits) == 1:
            found.append(next(iter(hits)))
        elif hits:
            problems.append(f"name {text!r} is ambiguous (ids {sorted(hits)}); use the code")
        else:
            problems.append(f"no authority named {text!r}")
    if problems:
        raise SitingError("neighbours: " + "; ".join(problems))
    return list(dict.fromkeys(found))


# --------------------------------------------------------------------------- public


def region_from_cluster(
    cluster: str,
    *,
    data_dir: str | Path | None = None,
    neighbours: Iterable[int | str] = (),
    validate: bool = True,
) -> Region:
    """Build the region of one Ministry of Interior regional cluster.

    Parameters
    ----------
    cluster : str
        The cluster's ``Eshkol_MPn`` name (e.g. "אשכול רשויות מישור החוף"), the
        name without "אשכול רשויות", or an English slug from
        :data:`~siting.sources.CLUSTERS` (e.g. "mishor-hahof",
        "western-galilee").
    data_dir : str or Path, optional
        Directory of the official files (see :func:`resolve_data_dir`).
    neighbours : iterable of int or str, optional
        Further authorities to include as non-members (``member`` False), by
        CBS code, MOIN code, or Hebrew or English name.
    validate : bool, default True
        Return ``Region.validated()`` (raises
        :class:`~siting.errors.LayerError` on any schema problem).

    Returns
    -------
    Region
        ``authorities``: the cluster's members and the neighbours, EPSG:4326
        MultiPolygons with the columns of the module docstring (``id``,
        ``name_he``, ``name_en``, ``kind``, ``member``, ``moin_code``,
        ``cbs_code``, ``cluster``, ``population``, ``population_source``,
        ``msw_kg_per_capita_day``, ``msw_recycling_pct``, ``motor_vehicles``,
        ``private_cars``); ``localities``: every CBS locality of those
        authorities (``id``, ``name``, ``name_en``, ``authority_id``,
        ``population``, ``population_reported``, ``authority_source``); the
        files and their provenance in ``sources``; approximations in ``notes``.

    Raises
    ------
    SitingError
        Unknown cluster or neighbour, or a missing file (the message names the
        path and how to download it).

    Examples
    --------
    >>> r = region_from_cluster("mishor-hahof", neighbours=[1020, 628])  # doctest: +SKIP
    >>> len(r.members), len(r.authorities)  # doctest: +SKIP
    (10, 12)
    """
    folder = resolve_data_dir(data_dir)
    authorities, localities, sources, notes = _national(folder)
    known = sorted(c for c in authorities["cluster"].unique() if c)
    name = cluster_name(cluster, known=known)
    is_member = authorities["cluster"] == name
    if not is_member.any():
        raise SitingError(
            f"cluster {name!r} has no authorities in {folder}; clusters there: {', '.join(known)}"
        )
    extra = _match_authorities(neighbours, authorities)
    already = [i for i in extra if is_member[authorities["id"] == i].any()]
    if already:
        logger.info("neighbours %s are already members of %s", already, name)
    chosen = is_member | authorities["id"].isin(extra)
    auth = authorities[chosen].copy()
    auth["member"] = is_member[chosen].to_numpy()
    auth = auth.sort_values(["member", "id"], ascending=[False, True])
    ids = set(auth["id"].astype(int))
    auth = gpd.GeoDataFrame(
        auth[list(REGION_AUTHORITY_COLUMNS)].reset_index(drop=True), crs=authorities.crs
    )

    loc = localities[localities["authority_id"].isin(ids)].copy()
    loc["authority_id"] = loc["authority_id"].astype("int64")
    loc = loc.reset_index(drop=True)

    loc_ids = set(loc["id"])
    region_notes = [text for text, a_ids, l_ids in notes if a_ids & ids or l_ids & loc_ids]
    blank = loc[~loc["population_reported"]]
    if len(blank):
        listed = ", ".join(f"{i} {n}" for i, n in zip(blank["id"], blank["name"], strict=True))
        region_notes.append(
            f"{len(blank)} localities have no published CBS 2021 population and count as 0 "
            f"residents: {listed}"
        )
    no_msw = auth[auth["msw_kg_per_capita_day"].isna()]
    if len(no_msw):
        listed = ", ".join(f"{i} {n}" for i, n in zip(no_msw["id"], no_msw["name_he"], strict=True))
        region_notes.append(
            f"no CBS 2021 municipal solid waste rate for {listed}: the national default applies"
        )
    region_notes.append(
        "Membership: Ministry of Interior regional clusters (Eshkol_MPn), Oct 2025; "
        "population, waste and vehicles: CBS 2021 (end of year)."
    )
    region = Region(
        name=name,
        authorities=auth,
        localities=gpd.GeoDataFrame(loc, geometry="geometry", crs=localities.crs),
        sources=tuple(sources),
        notes=tuple(region_notes),
        slug=cluster_slug(name),
        extra={
            "cluster": name,
            "data_dir": str(folder),
            "neighbours": tuple(extra),
            **_context(folder, authorities, auth),
        },
    )
    return region.validated() if validate else region


def _context(folder: Path, authorities: gpd.GeoDataFrame, auth: gpd.GeoDataFrame) -> dict[str, Any]:
    """``jurisdictions`` and ``jurisdictions_extent`` for a region's ``extra``."""
    moin_path = _find_file(folder, AUTHORITY_FILES, "Ministry of Interior jurisdiction layer")
    none = _read("no_jurisdiction", moin_path)
    land, extent = jurisdictions_around(authorities, none, auth)
    return {"jurisdictions": land, "jurisdictions_extent": extent}


def list_clusters(data_dir: str | Path | None = None) -> pd.DataFrame:
    """List the regional clusters and their authorities.

    Returns
    -------
    DataFrame
        One row per cluster, sorted by slug: ``slug``, ``cluster`` (Hebrew
        ``Eshkol_MPn``), ``n_authorities``, ``population`` (CBS 2021, all
        members), ``authority_ids`` (tuple) and ``authorities`` (Hebrew names,
        "; "-separated).

    Examples
    --------
    >>> list_clusters()[["slug", "n_authorities"]].head(2)  # doctest: +SKIP
                       slug  n_authorities
    0  beit-hakerem-galilee              8
    1       eastern-galilee             18
    """
    folder = resolve_data_dir(data_dir)
    authorities, _, _, _ = _national(folder)
    rows = []
    clustered = authorities[authorities["cluster"] != ""].sort_values("id")
    for name, group in clustered.groupby("cluster"):
        rows.append(
            {
                "slug": cluster_slug(str(name)),
                "cluster": name,
                "n_authorities": len(group),
                "population": float(group["population"].sum()),
                "authority_ids": tuple(int(i) for i in group["id"]),
                "authorities": "; ".join(group["name_he"]),
            }
        )
    out = pd.DataFrame(rows)
    unknown = sorted(set(out["cluster"]) - set(CLUSTERS.values()))
    if unknown:
        logger.info("clusters without an English slug: %s", unknown)
    return out.sort_values("slug", ignore_index=True)
