"""Write a run's outputs to a folder, atomically.

============================  =========================================================
file                          what
============================  =========================================================
``map.html``                  the interactive committee map (:mod:`siting.present.maps`); every
                              script and stylesheet inlined whenever they can be had
``report.html``               one self-contained page: summary, ranking, charts, sources
``map.png``, ``*.png``        static map and charts for print (:mod:`siting.present.figures`):
                              ``cost_by_candidate.png``; ``rank_stability.png`` when the
                              ranking has ``p_first``; ``tornado.png`` with sensitivity
``ranking.csv``               one row per candidate and facility
``sensitivity.csv``           the run's sensitivity table, when it has one
``columns.csv``               file, column, unit and description of every column of those
                              CSV files, in the run's language (:mod:`siting.outputs.columns`)
``solution.geojson``          the chosen sites (WGS84)
``result.gpkg``               every result layer at full resolution for QGIS (EPSG:2039):
                              ``candidates_<facility>``, ``localities``, ``chosen_sites``,
                              ``assignments``, ``authorities`` (polygons),
                              ``land`` (jurisdictions around), ``coverage``,
                              ``exclusions`` (when present)
``manifest.json``             inputs with hashes, parameters, cost model, the sources cited
                              (``cited_sources``), versions, outputs;
                              byte-identical when the same inputs are run again
``timings.json``              when the run was made and how long it took (``created_utc``,
                              ``run_seconds``, per facility ``solve_seconds``): the only
                              file that differs between two runs of the same inputs
``.siting-output.json``       the marker: this folder is a siting output (:data:`MARKER`)
============================  =========================================================

Output folders are owned: a run writes only into a new or empty folder or a previous
siting output (:func:`check_output_folder`); anything else is refused and left as it
was.  Everything is written into a temporary sibling folder first; only when all are
written is it renamed into place, so a failed run never leaves partial files (and an
existing result is replaced only by a complete one).

CSV text cells that a spreadsheet would read as a formula (leading ``=``, ``+``, ``-``,
``@``, tab or carriage return) are prefixed with ``'`` (OWASP "CSV injection");
numbers are written as numbers.
"""

from __future__ import annotations

import hashlib
import json
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.layers import METRIC_CRS, WGS84
from siting.outputs.columns import LEGEND_FILE, legend
from siting.outputs.folders import (
    MARKER,
    OutputFolderError,
    atomic_dir,
    check_output_folder,
    remove_stale,
    safe_name,
)
from siting.params import sources_table
from siting.present.features import route_lookup
from siting.present.headline import HEADLINE_KEYS
from siting.present.i18n import Lang
from siting.sources.catalogue import catalogue, cited_ids

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = [
    "MARKER",
    "OutputFolderError",
    "atomic_dir",
    "check_output_folder",
    "csv_safe",
    "csv_text",
    "manifest",
    "read_ranking",
    "remove_stale",
    "result_layers",
    "safe_name",
    "sha256_file",
    "timings",
    "versions",
    "write_outputs",
]

KEY_PACKAGES = (
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "folium",
    "matplotlib",
    "osmnx",
    "networkx",
    "highspy",
)


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of a file."""
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def versions() -> dict[str, str]:
    out = {"siting": _version("siting"), "python": platform.python_version()}
    for name in KEY_PACKAGES:
        out[name] = _version(name)
    return out


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


#: Columns of ``solution.geojson`` and the ``chosen_sites`` layer (besides the geometry).
SOLUTION_COLUMNS = (
    "facility",
    "site_id",
    "rank",
    "plan_sites",
    "objective",
    "objective_value",
    "objective_unit",
    "proven_optimal",
    "site_load",
    "site_load_spaces",
    "site_capacity_spaces",
    "cost_model",
    "approximate",
)


def _solution_layer(result: RunResult) -> gpd.GeoDataFrame:
    """One point per chosen site with the chosen *plan's* headline figures (the same in
    the map's title, the report and the manifest, :func:`siting.present.headline.headline`)
    and the site's own load and capacity."""
    from siting.present.headline import headline

    cand = result.candidates.set_index("id")
    rows = []
    for fac, res in result.results.items():
        rk = res.ranking.set_index("site_id")
        h = headline(res)
        loads = {row["site_id"]: row for row in h.get("site_loads", [])}
        for sid in res.chosen:
            site = loads.get(sid, {})
            rows.append(
                {
                    "facility": fac.value,
                    "site_id": sid,
                    "rank": int(rk.loc[sid, "rank"]),
                    "plan_sites": "+".join(res.chosen),
                    "objective": h.get("objective"),
                    "objective_value": h.get("objective_value"),
                    "objective_unit": res.objective_unit,
                    "proven_optimal": bool(res.proven_optimal),
                    "site_load": float(site.get("load", np.nan)),
                    "site_load_spaces": float(site.get("load_capacity_units", np.nan)),
                    "site_capacity_spaces": float(site.get("capacity", np.nan)),
                    **{f"plan_{k}": float(h[k]) for k in HEADLINE_KEYS[fac] if k in h},
                    "cost_model": result.costs.model,
                    "approximate": bool(result.costs.approximate),
                    "geometry": cand.geometry.loc[sid].centroid,
                }
            )
    if not rows:  # no facility has a plan: an empty layer with the same columns
        return gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in SOLUTION_COLUMNS},
            geometry=gpd.GeoSeries([], crs=result.candidates.crs),
        ).to_crs(WGS84)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=result.candidates.crs).to_crs(WGS84)


def manifest(
    result: RunResult, files: dict[str, Path], *, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The run's provenance: inputs with hashes, parameters, cost model, versions, outputs."""
    s = result.scenario
    inputs = []
    for path in s.inputs:
        p = Path(path)
        inputs.append({"path": str(p), "sha256": sha256_file(p) if p.exists() else None})
    params = sources_table(s.waste, s.truck, s.search, s.scoring, s.sensitivity)
    cm_params = getattr(s.cost_model, "params", None)
    if cm_params is not None:
        params += sources_table(cm_params)
    weights = {}
    for fac in result.results:
        ws = s.weight_set(fac)
        weights[fac.value] = {
            "method": ws.method,
            "weights_given": ws.as_dict(),
            "weights": dict(result.results[fac].weights),  # used, after rescaling
            **({"consistency_ratio": ws.ahp.cr} if ws.ahp is not None else {}),
        }
    from siting.present.maps import run_date

    cat = catalogue()
    ids = cited_ids(result)
    return _jsonable(
        {
            "scenario": s.name,
            "scenario_file": s.scenario_file,
            "scenario_text": s.scenario_text or None,
            "region": result.region.name,
            "run_date": run_date(),
            "cost_model": {
                "name": result.costs.model,
                "description": result.costs.description,
                "approximate": result.costs.approximate,
                **(
                    {"legs": s.cost_model.leg_profiles()}
                    if hasattr(s.cost_model, "leg_profiles")
                    else {}
                ),
            },
            "seed": s.seed,
            "inputs": inputs,
            "sources": list(result.region.sources),
            # every source id the run cites, resolved (siting.sources.catalogue); ids the
            # catalogue lacks, e.g. an id-like word in a user's exclusion layer, listed apart
            "cited_sources": [cat[i].as_dict() for i in ids if i in cat],
            **(
                {"cited_sources_unknown": [i for i in ids if i not in cat]}
                if any(i not in cat for i in ids)
                else {}
            ),
            "parameters": params,
            "weights": weights,
            "results": {
                f.value: {
                    "chosen": list(r.chosen),
                    "objective": r.objective,
                    "objective_unit": r.objective_unit,
                    "solver": r.solver,
                    "proven_optimal": r.proven_optimal,
                    **{k: v for k, v in r.extra.items() if k not in TIMING_KEYS},
                }
                for f, r in result.results.items()
            },
            "notes": list(result.notes),
            **(extra or {}),
            "versions": versions(),
            "outputs": {name: sha256_file(p) for name, p in sorted(files.items())},
        }
    )


#: Fields of a facility's result that measure time, kept out of ``manifest.json``.
TIMING_KEYS = frozenset({"solve_seconds"})


def timings(result: RunResult) -> dict[str, Any]:
    """What differs between two runs of the same inputs: when, and how long (``timings.json``)."""
    return _jsonable(
        {
            "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "run_seconds": round(result.seconds, 3),
            "solve_seconds": {
                f.value: r.extra[k]
                for f, r in result.results.items()
                for k in TIMING_KEYS
                if k in r.extra
            },
        }
    )


def _gpkg_frame(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Columns GeoPackage can store: booleans as 0/1 integers, objects as text."""
    out = gdf.copy()
    for col in out.columns:
        if col == out.geometry.name:
            continue
        if pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("int32")
        elif out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: None if v is None or v is pd.NA else str(v))
    return out


def result_layers(
    result: RunResult,
    *,
    routes: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
) -> dict[str, gpd.GeoDataFrame]:
    """Every result layer at full resolution in EPSG:2039, for a GeoPackage.

    ``candidates_<facility>`` (geometry + that facility's full ranking),
    ``localities`` (demand and assigned sites), ``chosen_sites``, ``assignments``
    (road routes where given, straight lines otherwise), ``authorities`` (with
    tonnes/day), ``land`` (the jurisdictions around the region with their ``status``:
    member, neighbour, other, no_jurisdiction, sea), ``coverage`` (isochrones or the
    crow-fly circles of the map) and ``exclusions`` when the scenario has them.
    """
    import shapely

    from siting.costs import metric_points
    from siting.present.maps import coverage_radius_km

    routes = routes if routes is not None else getattr(result, "routes", None)
    isochrones = isochrones if isochrones is not None else getattr(result, "isochrones", None)
    cand = result.candidates.to_crs(METRIC_CRS)
    base = (
        cand[["id", "name", cand.geometry.name]]
        if "name" in cand.columns
        else cand[["id", cand.geometry.name]]
    )
    layers: dict[str, gpd.GeoDataFrame] = {}
    site_pt = dict(
        zip(cand["id"].astype(str), shapely.points(metric_points(cand, "candidates")), strict=True)
    )
    loc = result.localities.to_crs(METRIC_CRS).copy()
    loc_pt = dict(zip(loc["id"].astype(str), loc.geometry, strict=True))
    lines, cover = [], []
    for fac, res in result.results.items():
        rk = res.ranking.assign(site_id=res.ranking["site_id"].astype(str))
        merged = base.assign(site_id=base["id"].astype(str)).merge(rk, on="site_id", how="left")
        layers[f"candidates_{fac.value}"] = gpd.GeoDataFrame(
            merged.drop(columns=["id"]), geometry=cand.geometry.name, crs=METRIC_CRS
        )
        a = res.assignment.set_index(res.assignment["locality_id"].astype(str))
        ids = loc["id"].astype(str)
        loc[f"{fac.value}_site"] = ids.map(a["site_id"].astype(str)).to_numpy()
        loc[f"{fac.value}_km"] = ids.map(a["km"]).to_numpy()
        loc[f"{fac.value}_minutes"] = ids.map(a["minutes"]).to_numpy()
        route_geom = route_lookup(routes, fac.value)
        for _, row in res.assignment.iterrows():
            lid, sid = str(row["locality_id"]), str(row["site_id"])
            geom = route_geom.get((lid, sid))
            lines.append(
                {
                    "facility": fac.value,
                    "locality_id": lid,
                    "site_id": sid,
                    "km": float(row["km"]),
                    "minutes": float(row["minutes"]),
                    "weight": float(row["weight"]),
                    "route": "road" if geom is not None else "straight line",
                    "geometry": geom
                    if geom is not None
                    else shapely.LineString([loc_pt[lid], site_pt[sid]]),
                }
            )
        threshold = float(
            result.scenario.waste.coverage_threshold_min
            if fac.value == "waste_station"
            else result.scenario.truck.coverage_threshold_min
        )
        radius = coverage_radius_km(result, threshold)
        for sid in res.chosen:
            if isochrones is None and radius is not None:
                cover.append(
                    {
                        "facility": fac.value,
                        "site_id": str(sid),
                        "minutes": threshold,
                        "kind": "crow-fly circle (approximate)",
                        "geometry": site_pt[str(sid)].buffer(radius * 1000.0, quad_segs=64),
                    }
                )
    layers["localities"] = loc
    layers["chosen_sites"] = _solution_layer(result).to_crs(METRIC_CRS)
    layers["assignments"] = (
        gpd.GeoDataFrame(lines, geometry="geometry", crs=METRIC_CRS)
        if lines
        else gpd.GeoDataFrame(
            {c: pd.Series(dtype=object) for c in ("facility", "locality_id", "site_id")},
            geometry=gpd.GeoSeries([], crs=METRIC_CRS),
        )
    )
    auth = result.region.authorities.to_crs(METRIC_CRS).copy()
    tpd = loc.groupby(loc["authority_id"].astype(int))["tonnes_per_day"].sum()
    auth["tonnes_per_day"] = auth["id"].astype(int).map(tpd).to_numpy()
    layers["authorities"] = auth  # jurisdiction polygons (points only for a points region)
    land = result.region.extra.get("jurisdictions")
    if land is not None and len(land):  # the land around: whose it is, and why not searched
        land = land.to_crs(METRIC_CRS)
        status = np.where(land["id"].isin(auth.loc[auth["member"], "id"]), "member", "other")
        status = np.where(land["id"].isin(auth.loc[~auth["member"], "id"]), "neighbour", status)
        kind = land["kind"].astype(str).to_numpy()
        layers["land"] = land.assign(
            status=np.where(np.isin(kind, ["sea", "no_jurisdiction"]), kind, status)
        )
    if isochrones is not None and len(isochrones):
        layers["coverage"] = isochrones.to_crs(METRIC_CRS).assign(kind="isochrone")
    elif cover:
        layers["coverage"] = gpd.GeoDataFrame(cover, geometry="geometry", crs=METRIC_CRS)
    ex = result.scenario.exclusions
    if ex is not None and len(ex):
        layers["exclusions"] = ex.to_crs(METRIC_CRS)
    return layers


def _write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: Path, *, date: str) -> None:
    """Write the layers; GDAL's ``last_change`` stamps are pinned to the run date.

    GeoPackage records the time each table was written; pinning it (GDAL's
    ``OGR_CURRENT_DATE``) makes the file byte-identical when a run is repeated.
    """
    import pyogrio

    key = "OGR_CURRENT_DATE"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: f"{date}T00:00:00.000Z"})
    try:
        for name, gdf in layers.items():
            _gpkg_frame(gdf).to_file(path, layer=name, driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({key: before})


def _sensitivity(result: RunResult) -> pd.DataFrame | None:
    table = getattr(result, "sensitivity", None)
    return table if isinstance(table, pd.DataFrame) else None


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with text cells a spreadsheet would run as a formula prefixed by ``'``.

    OWASP's advice against CSV injection: a text cell starting with ``=``, ``+``, ``-``,
    ``@``, tab or carriage return is written as ``'=…``.  Numeric columns are untouched,
    so a negative saving stays the number ``-12.5``.

    Examples
    --------
    >>> csv_safe(pd.DataFrame({"id": ["=1+1", "A1"], "x": [-1.5, 2.0]})).values.tolist()
    [["'=1+1", -1.5], ['A1', 2.0]]
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    out.columns = [
        "'" + c if isinstance(c, str) and c.startswith(_FORMULA_START) else c for c in out.columns
    ]
    return out


def csv_text(frame: pd.DataFrame) -> str:
    """A table as the package writes CSV: spreadsheet-safe, numbers at full precision
    (shortest round-trip form, never scientific notation rounding away digits), ``\\n``."""
    return str(csv_safe(frame).to_csv(index=False, lineterminator="\n", float_format=_plain_float))


def _plain_float(x: float) -> str:
    """Shortest round-trip digits in positional notation (``0.00001``, not ``1e-05``)."""
    return np.format_float_positional(x, unique=True, trim="-")


def write_outputs(
    result: RunResult,
    out_dir: str | Path,
    *,
    lang: Lang | str | None = None,
    self_contained: bool | None = None,
    routes: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    top_n: int = 10,
    force: bool = False,
) -> dict[str, Path]:
    """Write every output of a run into ``out_dir`` atomically (table in the module docstring).

    Parameters
    ----------
    result : RunResult
    out_dir : str or Path
        A new or empty folder, or a previous siting output (:func:`check_output_folder`);
        replaced only when every file was written.
    lang : {"en", "he"}, optional
        Language of the map, the report and the charts (default: the scenario's ``lang``).
    self_contained : bool, optional
        Inline Leaflet in ``map.html`` (fetched once from the npm registry, see
        :mod:`siting.present.assets`): ``True`` requires it, ``False`` links the CDN, the
        default ``None`` inlines whenever the assets can be had.  ``manifest.json`` records
        which (``self_contained``).
    routes, isochrones : GeoDataFrame, optional
        Road routes and drive-time polygons to draw (see :func:`siting.present.maps.build_map`).
    top_n : int
        Rows of the report's ranking table per facility.
    force : bool
        Also replace a previous siting output that holds files the run did not write.

    Returns
    -------
    dict
        Output name → final path.

    Raises
    ------
    OutputFolderError
        When ``out_dir`` is not a folder a run may write (nothing is written).
    SitingError
        With ``self_contained`` when the map's scripts cannot be fetched (nothing is written).
    """
    from siting.present import maps
    from siting.present.figures import all_figures
    from siting.present.report import build_report

    lang = Lang.parse(lang or getattr(result.scenario, "lang", None) or Lang.EN)
    out_dir = check_output_folder(out_dir, force=force)  # refuse before any work
    date = maps.run_date()
    from siting.present.assets import resolve_self_contained

    # decided (and, when required, fetched) before anything is written
    self_contained = resolve_self_contained(self_contained)
    with atomic_dir(out_dir, force=force) as tmp:
        files: dict[str, Path] = {}

        def put(name: str, data: str | bytes) -> None:
            path = tmp / name
            if isinstance(data, str):
                path.write_text(data, encoding="utf-8", newline="\n")
            else:
                path.write_bytes(data)
            files[name] = path

        text = maps.map_html(
            result,
            lang=lang,
            routes=routes,
            isochrones=isochrones,
            date=date,
            self_contained=self_contained,
        )
        put("map.html", text)
        tables = {"ranking.csv": result.ranking}
        sens = _sensitivity(result)
        if sens is not None:
            tables["sensitivity.csv"] = sens
        for name, table in tables.items():
            put(name, csv_text(table))
        # what every column of those files means, in the run's language (a column without
        # a description is a warning here and a failure in tests/test_outputs_columns.py)
        headers = {n: list(t.columns) for n, t in tables.items()}
        put(LEGEND_FILE, csv_text(legend(headers, lang, strict=False)))
        _solution_layer(result).to_file(tmp / "solution.geojson", driver="GeoJSON")
        files["solution.geojson"] = tmp / "solution.geojson"
        _write_gpkg(
            result_layers(result, routes=routes, isochrones=isochrones),
            tmp / "result.gpkg",
            date=date,
        )
        files["result.gpkg"] = tmp / "result.gpkg"
        figures = all_figures(result, lang=lang)
        for name, png in figures.items():
            put(name, png)
        listed = [*files, "report.html", "manifest.json"]
        put(
            "report.html",
            build_report(result, lang=lang, figures=figures, files=listed, top_n=top_n, date=date),
        )
        extra: dict[str, Any] = {"lang": lang.value, "self_contained": bool(self_contained)}
        if self_contained:
            from siting.present.assets import ASSETS

            extra["inlined_assets"] = sorted(
                {
                    f"{a.package.name}@{a.package.version} sha256:{a.package.sha256}"
                    for a in ASSETS.values()
                }
            )
        (tmp / "manifest.json").write_text(
            json.dumps(manifest(result, files, extra=extra), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        (tmp / "timings.json").write_text(
            json.dumps(timings(result), indent=2) + "\n", encoding="utf-8"
        )
        names = [*files, "manifest.json", "timings.json", MARKER]
    return {n: out_dir / n for n in names}


def read_ranking(path: str | Path) -> pd.DataFrame:
    """Read a ``ranking.csv`` written by :func:`write_outputs`."""
    return pd.read_csv(path, keep_default_na=True)
