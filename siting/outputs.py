"""Write a run's outputs to a folder, atomically.

``map.html``, ``ranking.csv``, ``solution.geojson`` and ``manifest.json`` are
written into a temporary sibling folder first; only when all are written is
it renamed into place, so a failed run never leaves partial files (and an
existing result is replaced only by a complete one).
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

from siting.layers import WGS84
from siting.params import sources_table

if TYPE_CHECKING:
    from siting.scenario import RunResult

__all__ = ["atomic_dir", "sha256_file", "write_outputs"]

KEY_PACKAGES = (
    "numpy",
    "scipy",
    "pandas",
    "geopandas",
    "shapely",
    "pyproj",
    "folium",
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


def _versions() -> dict[str, str]:
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


def manifest(result: RunResult, files: dict[str, Path]) -> dict[str, Any]:
    """The run's provenance: inputs with hashes, parameters, cost model, versions, outputs."""
    s = result.scenario
    inputs = []
    for path in s.inputs:
        p = Path(path)
        inputs.append({"path": str(p), "sha256": sha256_file(p) if p.exists() else None})
    params = sources_table(s.waste, s.truck, s.search)
    cm_params = getattr(s.cost_model, "params", None)
    if cm_params is not None:
        params += sources_table(cm_params)
    return _jsonable(
        {
            "scenario": s.name,
            "region": s.region.name,
            "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "cost_model": {
                "name": result.costs.model,
                "description": result.costs.description,
                "approximate": result.costs.approximate,
            },
            "seed": s.seed,
            "inputs": inputs,
            "sources": list(s.region.sources),
            "parameters": params,
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
            "versions": _versions(),
            "outputs": {name: sha256_file(p) for name, p in sorted(files.items())},
            "run_seconds": round(result.seconds, 3),
        }
    )


def write_outputs(result: RunResult, out_dir: str | Path) -> dict[str, Path]:
    """Write map, ranking, solution and manifest into ``out_dir`` atomically.

    Returns
    -------
    dict
        Output name → final path.
    """
    from siting.maps import build_map

    out_dir = Path(out_dir)
    names = ["map.html", "ranking.csv", "solution.geojson"]
    with atomic_dir(out_dir) as tmp:
        build_map(result).save(str(tmp / "map.html"))
        ranking = result.ranking
        ranking.to_csv(tmp / "ranking.csv", index=False, float_format="%.6g", lineterminator="\n")
        _solution_layer(result).to_file(tmp / "solution.geojson", driver="GeoJSON")
        files = {n: tmp / n for n in names}
        (tmp / "manifest.json").write_text(
            json.dumps(manifest(result, files), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    return {n: out_dir / n for n in [*names, "manifest.json"]}


def read_ranking(path: str | Path) -> pd.DataFrame:
    """Read a ``ranking.csv`` written by :func:`write_outputs`."""
    return pd.read_csv(path, keep_default_na=True)
