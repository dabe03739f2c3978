"""Readers for the Central Bureau of Statistics (CBS, הלמ"ס) tables.

Two official CBS products feed a region:

``localities``
    The CBS localities file for 2021 (``bycode2021.xlsx``, "קובץ יישובים"), one
    row per locality with its code, names, municipal status, ITM coordinates and
    end-2021 population; also available as a tidy CSV re-publication
    (``localities.csv`` of GitHub arikw/israeli-localities).  Both are read by
    :func:`read_cbs_localities` into the same schema.
``authority statistics``
    The CBS "Local Authorities in Israel 2021" workbook (``p_libud_2021.xlsx``,
    "הרשויות המקומיות בישראל"), one row per local authority: population,
    municipal solid waste in kg per person per day, recycling share and motor
    vehicles.  Read by :func:`read_cbs_authority_stats`.

Authority ids
-------------
A city's or local council's CBS code is the code of its main locality (e.g.
Umm al-Fahm 2710); a regional council's CBS code is its municipal-status code
(1–76, e.g. Menashe 14).  The two numberings overlap: six regional councils
share their number with a local council or city (``26`` is both Rosh Pina and
Mateh Yehuda).  So that ``id`` is unique, those six regional councils get their
Ministry of Interior code (5500 + CBS code, e.g. Mateh Yehuda 5526) as ``id``;
every other authority's ``id`` is its CBS code.  :func:`authority_id` applies
the rule and ``cbs_code`` always keeps the plain CBS number.

Examples
--------
>>> authority_id(14, regional=True)      # Menashe
14
>>> authority_id(26, regional=True)      # Mateh Yehuda (26 is also Rosh Pina)
5526
>>> authority_id(26, regional=False)     # Rosh Pina
26
>>> decode_cbs_coordinates(2105263481)   # Abu Ghosh, ITM metres
(210520, 634810)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.errors import LayerError

__all__ = [
    "KIND_BY_CBS_STATUS",
    "REGIONAL_CODE_CLASHES",
    "authority_id",
    "decode_cbs_coordinates",
    "read_cbs_authority_stats",
    "read_cbs_localities",
]

logger = logging.getLogger(__name__)

#: CBS regional-council codes that are also the CBS code of a city or local
#: council (CBS 2021 + Ministry of Interior 2025): Mateh Yehuda / Rosh Pina 26,
#: Brenner / Mazkeret Batya 28, Hevel Yavne / Yesud HaMa'ala 29, Nahal Sorek /
#: Ofakim 31, Bnei Shimon / Elyakhin 41, al-Batuf / Migdal 65.
REGIONAL_CODE_CLASHES: frozenset[int] = frozenset({26, 28, 29, 31, 41, 65})

#: Offset between a regional council's Ministry of Interior code and its CBS code.
MOIN_REGIONAL_OFFSET = 5500

#: CBS municipal status (Hebrew) → ``kind``.
KIND_BY_CBS_STATUS: dict[str, str] = {
    "עירייה": "city",
    "מועצה מקומית": "local_council",
    "מועצה אזורית": "regional_council",
}

# municipal_status_id values of localities that are themselves an authority
_STATUS_CITY = 0
_STATUS_LOCAL_COUNCIL = 99

_CSV_COLUMNS = (
    "id",
    "name",
    "name_en",
    "municipal_status_id",
    "municipal_status_name",
    "coordinates_wgs84_latitude",
    "coordinates_wgs84_longitude",
    "population",
)

LOCALITY_COLUMNS = (
    "id",
    "name",
    "name_en",
    "authority_id",
    "municipal_status",
    "population",
    "population_reported",
    "geometry",
)


def authority_id(cbs_code: int, *, regional: bool) -> int:
    """Return the unique authority ``id`` for a CBS authority code.

    Parameters
    ----------
    cbs_code : int
        The CBS authority code (a regional council's municipal-status code, or
        a city's / local council's main locality code).
    regional : bool
        Whether the authority is a regional council.

    Returns
    -------
    int
        ``cbs_code``, except for the regional councils in
        :data:`REGIONAL_CODE_CLASHES`, which get ``5500 + cbs_code`` (their
        Ministry of Interior code) so that ids are unique.

    Examples
    --------
    >>> authority_id(45, regional=True), authority_id(28, regional=True)
    (45, 5528)
    """
    code = int(cbs_code)
    if regional and code in REGIONAL_CODE_CLASHES:
        return MOIN_REGIONAL_OFFSET + code
    return code


def decode_cbs_coordinates(value: int | float | str) -> tuple[int, int]:
    """Split the CBS localities file's one-number coordinate into ITM metres.

    The official ``bycode`` workbook stores ``east // 10`` and ``north // 10``
    (Israeli TM Grid, EPSG:2039) as one ten-digit integer, ``EEEEENNNNN``.

    Examples
    --------
    >>> decode_cbs_coordinates("2161876289")   # Abu Snan
    (216180, 762890)
    """
    number = int(float(value))
    if not 1_000_000_000 <= number <= 9_999_999_999:
        raise ValueError(f"not a ten-digit CBS coordinate: {value!r}")
    return (number // 100_000) * 10, (number % 100_000) * 10


# --------------------------------------------------------------------------- helpers


def _require_file(path: str | Path, layer: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise LayerError(layer, f"file not found: {path}")
    return path


def _norm_header(value: object) -> str:
    """Normalise a header cell: one space for any whitespace run, unify quotes."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).replace("״", '"').replace("''", '"')
    return re.sub(r"\s+", " ", text).strip()


def _clean_name(value: object) -> str:
    """Tidy a CBS name: trim, drop CBS footnote stars, ``"a -b"`` → ``"a-b"``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip().rstrip("*").strip()
    return re.sub(r"(?<=\S)-\s+(?=\S)|(?<=\S)\s+-(?=\S)", "-", text)


def _to_number(series: pd.Series) -> pd.Series:
    """Numbers as float; CBS placeholders (``-``, ``..``, ``…``, blank) become NaN."""
    return pd.to_numeric(series, errors="coerce").astype(float)


def _locality_authority_ids(status: pd.Series, locality_id: pd.Series) -> pd.Series:
    """Derive each locality's authority ``id`` from its CBS municipal status."""
    status = pd.to_numeric(status, errors="coerce")
    own = status.isin([_STATUS_CITY, _STATUS_LOCAL_COUNCIL])
    out = pd.Series(pd.NA, index=status.index, dtype="Int64")
    out[own] = locality_id[own].astype("int64")
    regional = status.notna() & ~own
    out[regional] = [authority_id(int(s), regional=True) for s in status[regional]]
    return out


def _finish_localities(
    df: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, *, include_unpopulated: bool, source: Path
) -> gpd.GeoDataFrame:
    reported = df["population"].notna()
    n_blank = int((~reported).sum())
    if not include_unpopulated:
        keep = reported.to_numpy()
        df, lon, lat, reported = df[keep], lon[keep], lat[keep], reported[keep]
        logger.info("%s: dropped %d localities with no published population", source, n_blank)
    elif n_blank:
        logger.info(
            "%s: %d localities have no published population; counted as 0 residents",
            source,
            n_blank,
        )
    df = df.reset_index(drop=True)
    gdf = gpd.GeoDataFrame(
        {
            "id": df["id"].astype("int64"),
            "name": df["name"],
            "name_en": df["name_en"],
            "authority_id": df["authority_id"].astype("Int64"),
            "municipal_status": df["municipal_status"],
            "population": df["population"].fillna(0.0).astype(float),
            "population_reported": reported.to_numpy(dtype=bool),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )
    return gdf.sort_values("id", ignore_index=True)


# --------------------------------------------------------------------------- localities


def _read_localities_csv(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype={"name": str, "name_en": str})
    missing = [c for c in _CSV_COLUMNS if c not in raw.columns]
    if missing:
        raise LayerError(
            "localities",
            [f"{path}: field '{c}': missing column" for c in missing],
        )
    df = pd.DataFrame(
        {
            "id": pd.to_numeric(raw["id"], errors="raise").astype("int64"),
            "name": raw["name"].map(_clean_name),
            "name_en": raw["name_en"].map(_clean_name),
            "municipal_status": raw["municipal_status_name"].fillna("").astype(str).str.strip(),
            "population": _to_number(raw["population"]),
        }
    )
    df["authority_id"] = _locality_authority_ids(raw["municipal_status_id"], df["id"])
    lat = _to_number(raw["coordinates_wgs84_latitude"]).to_numpy()
    lon = _to_number(raw["coordinates_wgs84_longitude"]).to_numpy()
    return df, lon, lat


# header text (normalised) → our column, for the official bycode workbook
_XLSX_LOCALITY_HEADERS: dict[str, Callable[[str], bool]] = {
    "id": lambda h: h == "סמל יישוב",
    "name": lambda h: h == "שם יישוב",
    "name_en": lambda h: h == "שם יישוב באנגלית",
    "status_id": lambda h: h.startswith("סמל מעמד מונ"),
    "status_name": lambda h: h.startswith("שם מעמד מונ"),
    "population": lambda h: h.startswith("סך הכל אוכלוסייה"),
    "coordinates": lambda h: h == "קואורדינטות",
}


def _find_columns(
    headers: list[str], spec: dict[str, Callable[[str], bool]], *, layer: str, where: str
) -> dict[str, int]:
    found: dict[str, int] = {}
    problems: list[str] = []
    for field_name, matches in spec.items():
        hits = [i for i, h in enumerate(headers) if matches(h)]
        if len(hits) == 1:
            found[field_name] = hits[0]
        elif not hits:
            problems.append(f"{where}: field '{field_name}': no column with that header")
        else:
            names = ", ".join(repr(headers[i]) for i in hits)
            problems.append(f"{where}: field '{field_name}': ambiguous header, columns {names}")
    if problems:
        raise LayerError(layer, problems)
    return found


def _read_localities_xlsx(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    from pyproj import Transformer

    raw = pd.read_excel(path, sheet_name=0, header=None, dtype=object)
    header_row = next(
        (r for r in range(min(len(raw), 20)) if "סמל יישוב" in map(_norm_header, raw.iloc[r])),
        None,
    )
    if header_row is None:
        raise LayerError(
            "localities",
            f"{path}: field 'id': no header row with 'סמל יישוב' in the first sheet's top 20 rows",
        )
    headers = [_norm_header(v) for v in raw.iloc[header_row]]
    cols = _find_columns(headers, _XLSX_LOCALITY_HEADERS, layer="localities", where=str(path))
    body = raw.iloc[header_row + 1 :]
    ids = pd.to_numeric(body.iloc[:, cols["id"]], errors="coerce")
    body = body[ids.notna()]
    ids = ids[ids.notna()].astype("int64")

    coords = pd.to_numeric(body.iloc[:, cols["coordinates"]], errors="coerce")
    no_xy = coords.isna().to_numpy()
    if no_xy.any():
        logger.info(
            "%s: dropped %d rows without coordinates (non-residential areas), e.g. %s",
            path,
            int(no_xy.sum()),
            ", ".join(map(str, ids[no_xy].head(3))),
        )
    body, ids, coords = body[~no_xy], ids[~no_xy], coords[~no_xy]
    xy = np.array([decode_cbs_coordinates(v) for v in coords], dtype=float).reshape(-1, 2)
    to_wgs84 = Transformer.from_crs("EPSG:2039", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(xy[:, 0], xy[:, 1])

    df = pd.DataFrame(
        {
            "id": ids.to_numpy(),
            "name": body.iloc[:, cols["name"]].map(_clean_name).to_numpy(),
            "name_en": body.iloc[:, cols["name_en"]].map(_clean_name).to_numpy(),
            "municipal_status": body.iloc[:, cols["status_name"]]
            .fillna("")
            .astype(str)
            .str.strip()
            .to_numpy(),
            "population": _to_number(body.iloc[:, cols["population"]]).to_numpy(),
        }
    )
    status = pd.Series(body.iloc[:, cols["status_id"]].to_numpy())
    df["authority_id"] = _locality_authority_ids(status, df["id"])
    return df, np.asarray(lon), np.asarray(lat)


def read_cbs_localities(path: str | Path, *, include_unpopulated: bool = True) -> gpd.GeoDataFrame:
    """Read the CBS 2021 localities table (CSV re-publication or official xlsx).

    Parameters
    ----------
    path : str or Path
        ``localities.csv`` of arikw/israeli-localities (``*.csv``, UTF-8 with
        BOM; WGS84 columns used as published) or the official CBS
        ``bycode2021.xlsx`` (``*.xlsx``; columns found by their Hebrew header
        text, ITM coordinates decoded and reprojected with pyproj).
    include_unpopulated : bool, default True
        Keep localities whose population CBS left blank (Bedouin tribes, very
        small or new localities, and in the xlsx non-residential areas such as
        industrial zones).  Their ``population`` is 0 and
        ``population_reported`` is False; the count is logged.  With False they
        are dropped, and the CSV and xlsx then hold the same 1,219 localities.

    Returns
    -------
    GeoDataFrame
        In EPSG:4326, Point geometry, sorted by ``id``: ``id`` (CBS locality
        code), ``name`` (Hebrew), ``name_en``, ``authority_id`` (nullable
        Int64, see :func:`authority_id`; NA where CBS gives no municipal
        status, "חסר מעמד מוניציפלי"), ``municipal_status`` (CBS text),
        ``population`` (float, end 2021), ``population_reported`` (bool).

    Raises
    ------
    LayerError
        If the file is missing or lacks a required column (named).

    Notes
    -----
    The two files' WGS84 points differ by about 10 m: the CSV was projected
    with the older "Israel 1993 to WGS 84 (1)" transformation (2 m accuracy),
    pyproj uses "(2)" (0.5 m).  Their ITM coordinates are identical.

    Examples
    --------
    >>> loc = read_cbs_localities("../shared/data/israel/localities_cbs_2021.csv")  # doctest: +SKIP
    >>> loc.set_index("id").loc[2710, ["name_en", "authority_id"]].tolist()  # doctest: +SKIP
    ['Umm al-Fahm', 2710]
    """
    path = _require_file(path, "localities")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        df, lon, lat = _read_localities_csv(path)
    elif suffix in {".xlsx", ".xlsm"}:
        df, lon, lat = _read_localities_xlsx(path)
    else:
        raise LayerError("localities", f"{path}: unsupported file type {suffix!r} (csv or xlsx)")
    bad_xy = ~(np.isfinite(lon) & np.isfinite(lat))
    if bad_xy.any():
        raise LayerError(
            "localities",
            [f"{path}: row {i}, field 'geometry': missing coordinates" for i in df["id"][bad_xy]],
        )
    dup = df["id"].duplicated()
    if dup.any():
        raise LayerError(
            "localities", [f"{path}: row {i}, field 'id': duplicate id" for i in df["id"][dup]]
        )
    return _finish_localities(df, lon, lat, include_unpopulated=include_unpopulated, source=path)


# --------------------------------------------------------------------------- authorities

_STATS_SHEET = "נתונים פיזיים ונתוני אוכלוסייה"

# our column → predicate on the normalised header text of the CBS workbook
_STATS_HEADERS: dict[str, Callable[[str], bool]] = {
    "name_he": lambda h: h == "שם הרשות",
    "cbs_code": lambda h: h == "סמל הרשות",
    "municipal_status": lambda h: h == "מעמד מוניציפלי",
    "district": lambda h: h == "מחוז",
    "population": lambda h: h == 'סה"כ אוכלוסייה בסוף השנה',
    "msw_kg_per_capita_day": lambda h: "פסולת מוצקה" in h and 'ק"ג ליום לנפש' in h,
    "msw_recycling_pct": lambda h: h.startswith("אחוז מחזור"),
    "motor_vehicles": lambda h: h.startswith("כלי רכב מנועיים") and 'סה"כ' in h,
    "private_cars": lambda h: h.startswith("כלי רכב פרטיים") and 'סה"כ' in h,
}

STATS_COLUMNS = (
    "id",
    "cbs_code",
    "name_he",
    "kind",
    "district",
    "population",
    "msw_kg_per_capita_day",
    "msw_recycling_pct",
    "motor_vehicles",
    "private_cars",
)


def _stats_sheet(path: Path, sheet: str | None) -> str:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True)
    except Exception as err:  # openpyxl raises several types for non-workbooks
        raise LayerError("authority statistics", f"{path}: cannot open workbook: {err}") from err
    try:
        names = list(book.sheetnames)
    finally:
        book.close()
    wanted = _norm_header(sheet) if sheet is not None else _STATS_SHEET
    for name in names:
        if _norm_header(name) == wanted:
            return name
    listed = ", ".join(repr(n) for n in names)
    raise LayerError(
        "authority statistics", f"{path}: no sheet named {wanted!r} (sheets: {listed})"
    )


def read_cbs_authority_stats(path: str | Path, *, sheet: str | None = None) -> pd.DataFrame:
    """Read the CBS "Local Authorities in Israel 2021" workbook.

    Columns are located by their Hebrew header text (robust to columns being
    moved or added), the header row by the cell "סמל הרשות", and the sheet by
    its name with surrounding whitespace ignored.

    Parameters
    ----------
    path : str or Path
        ``p_libud_2021.xlsx`` (CBS, updated 12/2023).
    sheet : str, optional
        Sheet name; default "נתונים פיזיים ונתוני אוכלוסייה" (physical data and
        population).

    Returns
    -------
    DataFrame
        One row per authority: ``id`` (unique, see :func:`authority_id`),
        ``cbs_code`` (int), ``name_he``, ``kind`` (city / local_council /
        regional_council), ``district``, ``population`` (end 2021),
        ``msw_kg_per_capita_day`` (household, commercial and garden solid
        waste, kg per resident per day), ``msw_recycling_pct``,
        ``motor_vehicles`` and ``private_cars`` (totals).  CBS placeholders
        ("-", "..") become NaN.

    Raises
    ------
    LayerError
        If the file, the sheet or a column is missing (named), or a header
        matches several columns.

    Examples
    --------
    >>> stats = read_cbs_authority_stats(
    ...     "../shared/data/israel/cbs_local_authorities_2021.xlsx")  # doctest: +SKIP
    >>> stats.set_index("id").loc[14, ["name_he", "kind"]].tolist()  # doctest: +SKIP
    ['מנשה', 'regional_council']
    """
    layer = "authority statistics"
    path = _require_file(path, layer)
    sheet_name = _stats_sheet(path, sheet)
    raw = pd.read_excel(path, sheet_name=sheet_name, header=None, dtype=object)
    header_row = next(
        (r for r in range(min(len(raw), 30)) if "סמל הרשות" in map(_norm_header, raw.iloc[r])),
        None,
    )
    if header_row is None:
        raise LayerError(
            layer, f"{path} [{sheet_name}]: field 'cbs_code': no header cell 'סמל הרשות'"
        )
    headers = [_norm_header(v) for v in raw.iloc[header_row]]
    cols = _find_columns(headers, _STATS_HEADERS, layer=layer, where=f"{path} [{sheet_name}]")
    body = raw.iloc[header_row + 1 :]
    code = pd.to_numeric(body.iloc[:, cols["cbs_code"]], errors="coerce")
    body, code = body[code.notna()], code[code.notna()].astype("int64")

    status = body.iloc[:, cols["municipal_status"]].map(_norm_header)
    kind = status.map(KIND_BY_CBS_STATUS)
    unknown = kind.isna()
    if unknown.any():
        raise LayerError(
            layer,
            [
                f"{path}: row {c}, field 'municipal_status': unknown status {s!r}"
                for c, s in zip(code[unknown], status[unknown], strict=True)
            ],
        )
    regional = (kind == "regional_council").to_numpy()
    out = pd.DataFrame(
        {
            "id": [authority_id(c, regional=r) for c, r in zip(code, regional, strict=True)],
            "cbs_code": code.to_numpy(),
            "name_he": body.iloc[:, cols["name_he"]].map(_norm_header).to_numpy(),
            "kind": kind.to_numpy(),
            "district": body.iloc[:, cols["district"]].map(_norm_header).to_numpy(),
        }
    )
    for col in (
        "population",
        "msw_kg_per_capita_day",
        "msw_recycling_pct",
        "motor_vehicles",
        "private_cars",
    ):
        out[col] = _to_number(body.iloc[:, cols[col]]).to_numpy()
    dup = out["id"].duplicated(keep=False)
    if dup.any():
        raise LayerError(
            layer,
            [
                f"{path}: row {i}, field 'cbs_code': code shared by several authorities "
                f"({n}); extend REGIONAL_CODE_CLASHES"
                for i, n in zip(out["id"][dup], out["name_he"][dup], strict=True)
            ],
        )
    logger.debug("%s: %d authorities", path, len(out))
    return out
