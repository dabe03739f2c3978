"""The four layer kinds, their schemas and one validation entry point per kind.

=============  ==============================  ==============================================
layer          geometry                        columns
=============  ==============================  ==============================================
authorities    Polygon/MultiPolygon or Point   ``id`` (CBS authority code), ``name_he``,
                                               ``name_en``, ``population`` (>= 0),
                                               ``msw_kg_per_capita_day`` (> 0 or empty:
                                               national default), ``member`` (bool)
localities     Point                           ``id`` (CBS locality code), ``name``,
                                               ``authority_id``, ``population`` (>= 0)
candidates     Polygon/MultiPolygon or Point   ``id``, ``name``, ``area_m2`` (>= 0),
                                               ``facilities`` (``waste_station``,
                                               ``truck_lot`` or both, ``;``-separated)
exclusions     Polygon/MultiPolygon            ``kind`` (text), ``buffer_m`` (>= 0)
=============  ==============================  ==============================================

Every layer needs a CRS.  Metric work (distances, areas, buffers) happens in
Israeli TM Grid (EPSG:2039); maps are drawn in WGS84 (EPSG:4326).  Validation
reports every problem it finds in one :class:`~siting.errors.LayerError` whose
lines name the layer, the row id, the field and the bad value.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> loc = gpd.GeoDataFrame({"id": [1, 1], "name": ["a", "b"], "authority_id": [9, 9],
...                         "population": [10, -5]}, geometry=[Point(0, 0), Point(1, 1)],
...                         crs=4326)
>>> try:
...     validate_localities(loc)
... except LayerError as err:
...     print(err)
layer 'localities': 2 problem(s)
  row 1 (index 1), field 'id': duplicate id 1
  row 1 (index 1), field 'population': negative value -5
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.validation import explain_validity

from siting.errors import LayerError

__all__ = [
    "METRIC_CRS",
    "WGS84",
    "Facility",
    "Region",
    "candidates_from_file",
    "coordinate_problems",
    "exclusions_from_file",
    "read_layer",
    "validate_authorities",
    "validate_candidates",
    "validate_exclusions",
    "validate_localities",
]

METRIC_CRS = "EPSG:2039"
WGS84 = "EPSG:4326"

POLYGONAL = frozenset({"Polygon", "MultiPolygon"})
POINT = frozenset({"Point"})


class Facility(enum.StrEnum):
    """Facility types a candidate site may host."""

    WASTE_STATION = "waste_station"
    TRUCK_LOT = "truck_lot"

    @classmethod
    def parse(cls, value: str) -> Facility:
        """Return the member for ``value`` or raise listing the valid values."""
        try:
            return cls(value.strip())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown facility {value!r}; valid: {valid}") from None


@dataclass(frozen=True)
class _Schema:
    geom_types: frozenset[str]
    numeric: tuple[str, ...]  # required numeric columns (no NaN)
    nullable_numeric: tuple[str, ...] = ()  # numeric, NaN allowed
    text: tuple[str, ...] = ()
    boolean: tuple[str, ...] = ()
    nonnegative: tuple[str, ...] = ()
    positive_or_nan: tuple[str, ...] = ()
    has_id: bool = True


SCHEMAS: dict[str, _Schema] = {
    "authorities": _Schema(
        geom_types=POLYGONAL | POINT,
        numeric=("population",),
        nullable_numeric=("msw_kg_per_capita_day",),
        text=("name_he", "name_en"),
        boolean=("member",),
        nonnegative=("population",),
        positive_or_nan=("msw_kg_per_capita_day",),
    ),
    "localities": _Schema(
        geom_types=POINT,
        numeric=("population", "authority_id"),
        text=("name",),
        nonnegative=("population",),
    ),
    "candidates": _Schema(
        geom_types=POLYGONAL | POINT,
        numeric=("area_m2",),
        text=("name", "facilities"),
        nonnegative=("area_m2",),
    ),
    "exclusions": _Schema(
        geom_types=POLYGONAL,
        numeric=("buffer_m",),
        text=("kind",),
        nonnegative=("buffer_m",),
        has_id=False,
    ),
}


def _positions(mask: Any) -> list[int]:
    """Row positions where a boolean mask/array is true."""
    return [int(i) for i in np.flatnonzero(np.asarray(mask))]


def _row_label(gdf: pd.DataFrame, pos: int) -> str:
    idx = gdf.index[pos]
    if "id" in gdf.columns:
        return f"row {gdf['id'].iloc[pos]} (index {idx})"
    return f"row index {idx}"


def coordinate_problems(gdf: gpd.GeoDataFrame) -> list[str]:
    """Rows whose coordinates cannot be in the layer's CRS (e.g. ITM metres labelled EPSG:4326).

    A geographic CRS holds degrees: longitude within ±180 and latitude within ±90.
    Anything outside is almost always projected metres with the wrong label, which would
    put every site off the globe; the message says which CRS to set.
    """
    if gdf.crs is None or not gdf.crs.is_geographic or len(gdf) == 0:
        return []
    bounds = gdf.geometry.bounds.to_numpy(dtype=float)
    bad = ~np.isfinite(bounds).all(axis=1) & ~gdf.geometry.isna().to_numpy()
    ok = np.isfinite(bounds).all(axis=1)
    bad |= ok & (
        (np.abs(np.nan_to_num(bounds[:, [0, 2]])) > 180)
        | (np.abs(np.nan_to_num(bounds[:, [1, 3]])) > 90)
    ).any(axis=1)
    out = []
    for pos in _positions(bad):
        x, y = bounds[pos, 0], bounds[pos, 1]
        out.append(
            f"{_row_label(gdf, pos)}, field 'geometry': coordinates ({x:.6g}, {y:.6g}) are "
            f"not degrees but the CRS is {gdf.crs.to_string()} (geographic); if they are "
            "Israeli TM metres set the CRS to EPSG:2039"
        )
    return out


def _validate(gdf: Any, layer: str, *, allow_empty: bool = False) -> gpd.GeoDataFrame:
    """Check ``gdf`` against the schema of ``layer``; return a coerced copy."""
    schema = SCHEMAS[layer]
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise LayerError(layer, f"expected a GeoDataFrame, got {type(gdf).__name__}")
    problems: list[str] = []
    if gdf.crs is None:
        problems.append(
            "no CRS: set one with `gdf.set_crs(...)` (EPSG:4326 for lon/lat, EPSG:2039 for "
            "Israeli TM Grid) — distances on unknown units would be wrong"
        )
    if len(gdf) == 0 and not allow_empty:
        problems.append("the layer has no rows")
    problems += coordinate_problems(gdf)
    out = gdf.copy()
    required = (
        (("id",) if schema.has_id else ())
        + schema.numeric
        + schema.nullable_numeric
        + schema.text
        + schema.boolean
    )
    missing = [c for c in required if c not in out.columns]
    problems.extend(f"field '{c}': missing column" for c in missing)

    # geometry: empty, wrong type, invalid
    geoms = out.geometry
    for pos, geom in enumerate(geoms):
        label = _row_label(out, pos)
        if geom is None or geom.is_empty:
            problems.append(f"{label}, field 'geometry': empty or missing geometry")
        elif geom.geom_type not in schema.geom_types:
            want = "/".join(sorted(schema.geom_types))
            problems.append(f"{label}, field 'geometry': {geom.geom_type}, expected {want}")
        elif not geom.is_valid:
            problems.append(f"{label}, field 'geometry': invalid ({explain_validity(geom)})")

    # numeric columns
    for col in schema.numeric + schema.nullable_numeric:
        if col not in out.columns:
            continue
        raw = out[col]
        num = pd.to_numeric(raw, errors="coerce")
        bad_text = num.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
        nullable = col in schema.nullable_numeric
        for pos in _positions(bad_text.to_numpy()):
            problems.append(
                f"{_row_label(out, pos)}, field '{col}': not a number {raw.iloc[pos]!r}"
            )
        if not nullable:
            for pos in _positions((num.isna() & ~bad_text).to_numpy()):
                problems.append(f"{_row_label(out, pos)}, field '{col}': missing value")
        finite = num.notna()
        if col in schema.nonnegative:
            for pos in _positions((finite & (num < 0)).to_numpy()):
                problems.append(
                    f"{_row_label(out, pos)}, field '{col}': negative value {raw.iloc[pos]}"
                )
        if col in schema.positive_or_nan:
            for pos in _positions((finite & (num <= 0)).to_numpy()):
                problems.append(
                    f"{_row_label(out, pos)}, field '{col}': must be > 0 or empty, "
                    f"got {raw.iloc[pos]}"
                )
        inf = finite & ~np.isfinite(num.astype(float))
        for pos in _positions(inf.to_numpy()):
            problems.append(f"{_row_label(out, pos)}, field '{col}': not finite")
        # codes stay integers (14, not 14.0); measures become floats
        integral = col in _CODE_COLUMNS and num.notna().all() and (num % 1 == 0).all()
        out[col] = num.astype("int64") if integral else num.astype(float)

    for col in schema.text:
        if col in out.columns:
            out[col] = out[col].fillna("").astype(str)

    for col in schema.boolean:
        if col not in out.columns:
            continue
        mapped = out[col].map(_to_bool)
        for pos in _positions(mapped.isna().to_numpy()):
            problems.append(
                f"{_row_label(out, pos)}, field '{col}': not a boolean {out[col].iloc[pos]!r}"
            )
        out[col] = mapped.fillna(False).astype(bool)

    if schema.has_id and "id" in out.columns:
        ids = out["id"]
        for pos in _positions(ids.isna().to_numpy()):
            problems.append(f"row index {out.index[pos]}, field 'id': missing id")
        dup = ids.duplicated(keep="first") & ids.notna()
        for pos in _positions(dup.to_numpy()):
            problems.append(f"{_row_label(out, pos)}, field 'id': duplicate id {ids.iloc[pos]}")

    if problems:
        raise LayerError(layer, problems)
    return out


_CODE_COLUMNS = frozenset({"authority_id"})

_TRUE = {"true", "1", "yes", "y", "t", "member", "core"}
_FALSE = {"false", "0", "no", "n", "f", "", "neighbour", "neighbor"}


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating) and not pd.isna(value):
        return bool(value)
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = text.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def validate_authorities(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Validate an authorities layer and return a cleaned copy.

    Raises
    ------
    LayerError
        Listing every problem (row id, field, value).
    """
    return _validate(gdf, "authorities")


def validate_localities(
    gdf: gpd.GeoDataFrame, authorities: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Validate a localities (demand points) layer and return a cleaned copy.

    With ``authorities`` given, every locality's ``authority_id`` must name an
    authority and, where authorities are polygons, the point must lie inside
    some authority polygon (100 m tolerance for coastal and boundary centroids).
    """
    out = _validate(gdf, "localities")
    if authorities is None:
        return out
    problems: list[str] = []
    known = set(pd.to_numeric(authorities["id"], errors="coerce").dropna().astype(int))
    for pos, aid in enumerate(out["authority_id"]):
        if int(aid) not in known:
            problems.append(
                f"{_row_label(out, pos)}, field 'authority_id': {int(aid)} is not an authority "
                "of the region"
            )
    polys = authorities[authorities.geom_type.isin(POLYGONAL)]
    if len(polys) and out.crs is not None and authorities.crs is not None:
        pts = out.geometry.to_crs(METRIC_CRS)
        area = polys.geometry.to_crs(METRIC_CRS).buffer(100).union_all()
        outside = ~pts.within(area)
        for pos in _positions(outside.to_numpy()):
            problems.append(
                f"{_row_label(out, pos)}, field 'geometry': point lies outside every authority"
            )
    if problems:
        raise LayerError("localities", problems)
    return out


def validate_candidates(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Validate a candidate-sites layer and return a cleaned copy.

    ``facilities`` lists the facility types a site may host, separated by ``;``
    or ``,`` (see :class:`Facility`); an empty value means both.
    """
    out = _validate(gdf, "candidates")
    problems: list[str] = []
    norm = []
    for pos, value in enumerate(out["facilities"]):
        parts = [p for p in str(value).replace(",", ";").split(";") if p.strip()]
        try:
            kinds = sorted({Facility.parse(p).value for p in parts} or {f.value for f in Facility})
        except ValueError as err:
            problems.append(f"{_row_label(out, pos)}, field 'facilities': {err}")
            kinds = []
        norm.append(";".join(kinds))
    if problems:
        raise LayerError("candidates", problems)
    out["facilities"] = norm
    return out


def validate_exclusions(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Validate an exclusions layer (polygons with ``kind`` and ``buffer_m``)."""
    return _validate(gdf, "exclusions", allow_empty=True)


_VALIDATORS = {
    "authorities": validate_authorities,
    "localities": validate_localities,
    "candidates": validate_candidates,
    "exclusions": validate_exclusions,
}


def read_layer(path: str | Path, kind: str, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a GeoPackage/GeoJSON/Shapefile and validate it as ``kind``.

    Parameters
    ----------
    path : str or Path
        The file to read (anything pyogrio reads).
    kind : {"authorities", "localities", "candidates", "exclusions"}
        Which schema to validate against.
    layer : str, optional
        Layer name inside a multi-layer GeoPackage.
    """
    if kind not in _VALIDATORS:
        raise ValueError(f"unknown layer kind {kind!r}; valid: {', '.join(_VALIDATORS)}")
    path = Path(path)
    if not path.exists():
        raise LayerError(kind, f"file not found: {path}")
    gdf = _read(path, kind, layer)
    try:
        return _VALIDATORS[kind](gdf)
    except LayerError as err:
        raise LayerError(f"{err.layer}' in '{path}", err.problems) from None


def _read(path: Path, kind: str, layer: str | None) -> gpd.GeoDataFrame:
    """Read a vector file, or a :class:`LayerError` naming it (never a raw GDAL error)."""
    if not path.exists():
        raise LayerError(kind, f"file not found: {path}")
    if not path.is_file() and path.suffix.lower() not in (".gdb",):
        raise LayerError(kind, f"not a file: {path}")
    try:
        gdf = gpd.read_file(path, layer=layer) if layer else gpd.read_file(path)
    except Exception as err:  # pyogrio raises several types for unreadable files
        msg = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise LayerError(kind, f"cannot read {path}: {msg}") from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry is None:
        raise LayerError(kind, f"{path}: has no geometry column")
    return gdf


def candidates_from_file(
    path: str | Path, *, layer: str | None = None, facilities: Iterable[str] | None = None
) -> gpd.GeoDataFrame:
    """Read a user's candidate plots and validate them.

    Missing ``name`` / ``area_m2`` / ``facilities`` columns are filled from the
    data where that is honest: ``name`` from ``id``, ``area_m2`` from polygon
    area in EPSG:2039 (points get 0 and fail any minimum-area constraint), and
    ``facilities`` from the ``facilities`` argument (default: both types).
    """
    path = Path(path)
    gdf = _read(path, "candidates", layer)
    try:
        return _candidates_frame(gdf, facilities)
    except LayerError as err:
        raise LayerError(f"{err.layer}' in '{path}", err.problems) from None


def _candidates_frame(gdf: gpd.GeoDataFrame, facilities: Iterable[str] | None) -> gpd.GeoDataFrame:
    bad = coordinate_problems(gdf)
    if bad:
        raise LayerError("candidates", bad)
    if "id" not in gdf.columns:
        gdf["id"] = [f"site-{i + 1}" for i in range(len(gdf))]
    if "name" not in gdf.columns:
        gdf["name"] = gdf["id"].astype(str)
    if "area_m2" not in gdf.columns and gdf.crs is not None:
        gdf["area_m2"] = gdf.geometry.to_crs(METRIC_CRS).area
    if "facilities" not in gdf.columns:
        kinds = [Facility.parse(f).value for f in (facilities or [f.value for f in Facility])]
        gdf["facilities"] = ";".join(kinds)
    return validate_candidates(gdf)


def exclusions_from_file(path: str | Path, *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read an exclusions layer (e.g. nature reserves, well protection zones)."""
    return read_layer(path, "exclusions", layer=layer)


@dataclass(frozen=True)
class Region:
    """A study region: validated authorities and localities with their provenance.

    Attributes
    ----------
    name : str
        Human-readable region name (e.g. the cluster's name).
    authorities, localities : GeoDataFrame
        Layers following the schemas above.
    sources : tuple of str
        One line per input naming the file/table and where it came from.
    notes : tuple of str
        Approximations and caveats that outputs must repeat.
    """

    name: str
    authorities: gpd.GeoDataFrame
    localities: gpd.GeoDataFrame
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    slug: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def validated(self) -> Region:
        """Return a copy whose layers passed validation (raises LayerError)."""
        auth = validate_authorities(self.authorities)
        loc = validate_localities(self.localities, auth)
        return replace(self, authorities=auth, localities=loc)

    @property
    def members(self) -> gpd.GeoDataFrame:
        """Member authorities only."""
        return self.authorities[self.authorities["member"]]

    def with_members(self, extra_members: Iterable[int]) -> Region:
        """Return a copy where the authorities ``extra_members`` (ids) are members too."""
        ids = {int(i) for i in extra_members}
        unknown = ids - set(self.authorities["id"].astype(int))
        if unknown:
            raise LayerError(
                "authorities", f"field 'id': unknown authority id(s) {sorted(unknown)}"
            )
        auth = self.authorities.copy()
        # the members before any joined: their land fixes the site-search lattice
        # (siting.candidates.search_origin), so a joining authority does not move a cell
        base = self.extra.get("base_members", tuple(sorted(set(self.members["id"].astype(int)))))
        auth["member"] = auth["member"] | auth["id"].astype(int).isin(ids)
        return replace(self, authorities=auth, extra={**self.extra, "base_members": base})

    def member_localities(self) -> gpd.GeoDataFrame:
        """Localities of member authorities (the demand points)."""
        ids = set(self.members["id"].astype(int))
        return self.localities[self.localities["authority_id"].astype(int).isin(ids)]
