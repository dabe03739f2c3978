"""Write a run's outputs to a folder, atomically.

============================  =========================================================
file                          what
============================  =========================================================
``map.html``                  the interactive committee map (:mod:`siting.present.maps`); with
                              ``self_contained`` every script and stylesheet is inlined
``report.html``               one self-contained page: summary, ranking, charts, sources
``map.png``, ``*.png``        static map and charts for print (:mod:`siting.present.figures`):
                              ``cost_by_candidate.png``; ``rank_stability.png`` when the
                              ranking has ``p_first``; ``tornado.png`` with sensitivity
``ranking.csv``               one row per candidate and facility
``sensitivity.csv``           the run's sensitivity table, when it has one
``solution.geojson``          the chosen sites (WGS84)
``result.gpkg``               every result layer at full resolution for QGIS (EPSG:2039):
                              ``candidates_<facility>``, ``localities``, ``chosen_sites``,
                              ``assignments``, ``authorities`` (polygons),
                              ``land`` (jurisdictions around), ``coverage``,
                              ``exclusions`` (when present)
``manifest.json``             inputs with hashes, parameters, cost model, versions, outputs
============================  =========================================================

Everything is written into a temporary sibling folder first; only when all are
written is it renamed into place, so a failed run never leaves partial files
(and an existing result is replaced only by a complete one).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from siting.layers import METRIC_CRS, WGS84
from siting.params import sources_table
from siting.present.i18n import Lang

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = [
    "atomic_dir",
    "manifest",
    "read_ranking",
    "result_layers",
    "sha256_file",
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


@contextlib.contextmanager
def atomic_dir(target: str | Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``target`` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    tmp.chmod(0o755)  # mkdtemp makes it private; outputs are meant to be shared
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    try:
        tmp.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


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


def _solution_layer(result: RunResult) -> gpd.GeoDataFrame:
    cand = result.candidates.set_index("id")
    rows = []
    for fac, res in result.results.items():
        rk = res.ranking.set_index("site_id")
        loads = res.assignment.groupby("site_id")["weight"].sum()
        for sid in res.chosen:
            r = rk.loc[sid]
            rows.append(
                {
                    "facility": fac.value,
                    "site_id": sid,
                    "rank": int(r["rank"]),
                    "score": float(r["score"]),
                    "objective_unit": res.objective_unit,
                    "load": float(loads.get(sid, 0.0)),
                    "coverage_share": float(r["coverage_share"]),
                    "worst_authority_minutes": float(r["worst_authority_minutes"]),
                    "cost_model": result.costs.model,
                    "approximate": bool(result.costs.approximate),
                    "geometry": cand.geometry.loc[sid].centroid,
                }
            )
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
            "weights": ws.as_dict(),
            **({"consistency_ratio": ws.ahp.cr} if ws.ahp is not None else {}),
        }
    from siting.present.maps import run_date

    return _jsonable(
        {
            "scenario": s.name,
            "scenario_file": s.scenario_file,
            "scenario_text": s.scenario_text or None,
            "region": result.region.name,
            "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "run_date": run_date(),
            "cost_model": {
                "name": result.costs.model,
                "description": result.costs.description,
                "approximate": result.costs.approximate,
            },
            "seed": s.seed,
            "inputs": inputs,
            "sources": list(result.region.sources),
            "parameters": params,
            "weights": weights,
            "results": {
                f.value: {
                    "chosen": list(r.chosen),
                    "objective": r.objective,
                    "objective_unit": r.objective_unit,
                    "solver": r.solver,
                    "proven_optimal": r.proven_optimal,
                    **r.extra,
                }
                for f, r in result.results.items()
            },
            "notes": list(result.notes),
            **(extra or {}),
            "versions": versions(),
            "outputs": {name: sha256_file(p) for name, p in sorted(files.items())},
            "run_seconds": round(result.seconds, 3),
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
        route_geom: dict[tuple[str, str], Any] = {}
        if routes is not None and len(routes):
            r = routes.to_crs(METRIC_CRS)
            if "facility" in r.columns:
                r = r[r["facility"].astype(str) == fac.value]
            route_geom = {
                (str(x), str(y)): g
                for x, y, g in zip(r["locality_id"], r["site_id"], r.geometry, strict=True)
            }
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
    layers["assignments"] = gpd.GeoDataFrame(lines, geometry="geometry", crs=METRIC_CRS)
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


def write_outputs(
    result: RunResult,
    out_dir: str | Path,
    *,
    lang: Lang | str | None = None,
    self_contained: bool = False,
    routes: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    top_n: int = 10,
) -> dict[str, Path]:
    """Write every output of a run into ``out_dir`` atomically (table in the module docstring).

    Parameters
    ----------
    result : RunResult
    out_dir : str or Path
        Replaced only when every file was written.
    lang : {"en", "he"}, optional
        Language of the map, the report and the charts (default: the scenario's ``lang``).
    self_contained : bool
        Inline Leaflet in ``map.html`` (fetched once from the npm registry, see
        :mod:`siting.present.assets`).
    routes, isochrones : GeoDataFrame, optional
        Road routes and drive-time polygons to draw (see :func:`siting.present.maps.build_map`).
    top_n : int
        Rows of the report's ranking table per facility.

    Returns
    -------
    dict
        Output name → final path.

    Raises
    ------
    SitingError
        With ``self_contained`` when the map's scripts cannot be fetched (nothing is written).
    """
    from siting.present import maps
    from siting.present.figures import all_figures
    from siting.present.report import build_report

    lang = Lang.parse(lang or getattr(result.scenario, "lang", None) or Lang.EN)
    out_dir = Path(out_dir)
    date = maps.run_date()
    if self_contained:  # fail before anything is written if the scripts cannot be had
        from siting.present.assets import PACKAGES, fetch_package

        for pkg in PACKAGES:
            fetch_package(pkg)
    with atomic_dir(out_dir) as tmp:
        files: dict[str, Path] = {}

        def put(name: str, data: str | bytes) -> None:
            path = tmp / name
            if isinstance(data, str):
                path.write_text(data, encoding="utf-8", newline="\n")
            else:
                path.write_bytes(data)
            files[name] = path

        page = maps.build_map(result, lang=lang, routes=routes, isochrones=isochrones, date=date)
        text = page.get_root().render()
        if self_contained:
            from siting.present.assets import inline_assets

            text = inline_assets(text)
        put("map.html", text)
        ranking = result.ranking
        ranking.to_csv(tmp / "ranking.csv", index=False, float_format="%.6g", lineterminator="\n")
        files["ranking.csv"] = tmp / "ranking.csv"
        sens = _sensitivity(result)
        if sens is not None:
            sens.to_csv(
                tmp / "sensitivity.csv", index=False, float_format="%.6g", lineterminator="\n"
            )
            files["sensitivity.csv"] = tmp / "sensitivity.csv"
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
        names = [*files, "manifest.json"]
    return {n: out_dir / n for n in names}


def read_ranking(path: str | Path) -> pd.DataFrame:
    """Read a ``ranking.csv`` written by :func:`write_outputs`."""
    return pd.read_csv(path, keep_default_na=True)
