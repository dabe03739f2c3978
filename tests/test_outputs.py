"""write_outputs: every file, the GeoPackage's layers, figures, atomicity and the CLI options."""

from __future__ import annotations

import json
import math
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from typer.testing import CliRunner

import siting.outputs
import siting.present.assets
from siting.cli import app
from siting.decide import default_scenario, run
from siting.errors import SitingError
from siting.layers import Facility
from siting.present import figures
from siting.present.assets import PACKAGES, fetch_package
from siting.present.i18n import Lang
from siting.present.maps import coverage_radius_km

IN_CI = os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


@pytest.fixture(scope="module")
def written(result, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "mh"
    files = siting.outputs.write_outputs(result, out, lang="he")
    return out, files


def test_every_output_is_written_and_hashed(result, written):
    out, files = written
    expected = {
        "map.html",
        "report.html",
        "map.png",
        "cost_by_candidate.png",
        "ranking.csv",
        "solution.geojson",
        "result.gpkg",
        "manifest.json",
        "timings.json",
        siting.outputs.MARKER,
    }
    if any(r.ranking["p_in_plan"].notna().any() for r in result.results.values()):
        expected.add("rank_stability.png")
    if getattr(result, "sensitivity", None) is not None:
        expected.add("sensitivity.csv")
        if len(result.sensitivity):
            expected.add("tornado.png")
    assert expected <= set(files)
    assert sorted(p.name for p in out.iterdir()) == sorted(files)
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["lang"] == "he"
    page = (out / "map.html").read_text(encoding="utf-8")
    assert man["self_contained"] is ("<script src=" not in page)  # says what was written
    assert set(man["outputs"]) == set(files) - {
        "manifest.json",
        "timings.json",
        ".siting-output.json",
    }
    marker = json.loads((out / siting.outputs.MARKER).read_text(encoding="utf-8"))
    assert marker["files"] == sorted(files)
    timings = json.loads((out / "timings.json").read_text(encoding="utf-8"))
    assert set(timings) == {"created_utc", "run_seconds", "solve_seconds"}
    assert not {"created_utc", "run_seconds"} & set(man)
    assert all("solve_seconds" not in r for r in man["results"].values())
    for name, path in files.items():
        if name in man["outputs"]:
            assert man["outputs"][name] == siting.outputs.sha256_file(path)
    for name in (n for n in files if n.endswith(".png")):
        assert (out / name).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert '<html lang="he" dir="rtl">' in (out / "map.html").read_text(encoding="utf-8")


def test_sensitivity_csv_is_the_runs_table(result, written):
    out, files = written
    if "sensitivity.csv" not in files:
        pytest.skip("this run has no sensitivity table")
    back = pd.read_csv(out / "sensitivity.csv")
    assert list(back.columns) == list(result.sensitivity.columns)
    assert len(back) == len(result.sensitivity)


def test_geopackage_has_every_result_layer(result, written):
    out, _ = written
    path = out / "result.gpkg"
    names = {row[0] for row in pyogrio.list_layers(path)}
    facs = [f.value for f in result.results]
    assert {f"candidates_{f}" for f in facs} | {
        "localities",
        "chosen_sites",
        "assignments",
        "authorities",
        "coverage",
    } <= names
    # the authorities are their jurisdiction polygons, with the land around them
    auth = gpd.read_file(path, layer="authorities")
    assert set(auth.geom_type) == {"MultiPolygon"}
    assert len(auth) == len(result.region.authorities)
    land = gpd.read_file(path, layer="land")
    assert set(land.loc[land["status"] == "member", "id"]) == set(result.region.members["id"])
    assert {"other", "no_jurisdiction", "sea"} <= set(land["status"])
    ws = result.results[Facility.WASTE_STATION]
    cand = gpd.read_file(path, layer="candidates_waste_station")
    assert len(cand) == len(result.candidates)
    assert cand.crs.to_epsg() == 2039
    # full-resolution geometry: same areas as the run's candidates
    np.testing.assert_allclose(
        np.sort(cand.area.to_numpy()), np.sort(result.candidates.to_crs(2039).area.to_numpy())
    )
    best = ws.ranking.loc[ws.ranking["rank"] == 1, "site_id"].iloc[0]
    assert cand.loc[cand["rank"] == 1, "site_id"].iloc[0] == best
    assert cand["excluded"].sum() == ws.ranking["excluded"].sum()

    loc = gpd.read_file(path, layer="localities")
    assert len(loc) == len(result.localities)
    assert loc["tonnes_per_day"].sum() == pytest.approx(result.localities["tonnes_per_day"].sum())
    assign = ws.assignment.set_index(ws.assignment["locality_id"].astype(str))
    assert (loc["waste_station_site"] == loc["id"].astype(str).map(assign["site_id"])).all()

    lines = gpd.read_file(path, layer="assignments")
    assert len(lines) == sum(len(r.assignment) for r in result.results.values())
    assert set(lines["route"]) == {"straight line"}

    chosen = gpd.read_file(path, layer="chosen_sites")
    assert sorted(chosen["site_id"]) == sorted(s for r in result.results.values() for s in r.chosen)

    cover = gpd.read_file(path, layer="coverage")
    radius = coverage_radius_km(result, result.scenario.waste.coverage_threshold_min)
    ws_cover = cover[cover["facility"] == "waste_station"]
    assert float(ws_cover.area.iloc[0]) == pytest.approx(math.pi * (radius * 1000) ** 2, rel=1e-3)

    auth = gpd.read_file(path, layer="authorities")
    region = getattr(result, "region", None) or result.scenario.region
    assert len(auth) == len(region.authorities)


def test_figures_are_reproducible(result):
    a = figures.all_figures(result, lang="en")
    b = figures.all_figures(result, lang="en")
    assert a == b
    assert {"map.png", "cost_by_candidate.png"} <= set(a)


def test_tornado_marks_the_steps_that_change_the_plan(result):
    table = pd.DataFrame(
        {
            "facility": "waste_station",
            "parameter": ["a", "a", "a", "b", "b"],
            "value": [1.0, 2.0, 3.0, 10.0, 20.0],
            "baseline": [False, True, False, True, False],
            "plan_sites": ["X", "Y", "Y", "Y", "Y"],
            "plan_changed": [True, False, False, False, False],
            "total_cost_ils_per_year": [90.0, 100.0, 130.0, 100.0, 95.0],
        }
    )
    rows = {
        r["parameter"]: r for r in figures._tornado_rows(table, "total_cost_ils_per_year", Lang.EN)
    }
    assert rows["a"]["changes"]
    assert rows["a"]["changed_at"] == [(90.0, "X")]
    assert (rows["a"]["at_low"], rows["a"]["at_high"]) == (90.0, 130.0)
    assert not rows["b"]["changes"]  # drawn grey: "plan unchanged"
    assert figures.tornado_chart(result) is not None

    class WithSweep:
        def __init__(self, table):
            self.sensitivity = table
            self.results = result.results

    assert figures.tornado_chart(WithSweep(pd.DataFrame({"x": [1]}))) is None
    assert figures.tornado_chart(WithSweep(None)) is None


def test_failed_figures_leave_nothing(result, tmp_path, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("figure failed")

    monkeypatch.setattr("siting.present.figures.all_figures", boom)
    with pytest.raises(RuntimeError, match="figure failed"):
        siting.outputs.write_outputs(result, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_unavailable_assets_fail_before_anything_is_written(result, tmp_path, monkeypatch):
    monkeypatch.setenv("SITING_ASSETS_DIR", str(tmp_path / "no-cache"))
    monkeypatch.setenv("SITING_NPM_REGISTRY", "http://127.0.0.1:9")
    with pytest.raises(SitingError, match="self-contained"):
        siting.outputs.write_outputs(result, tmp_path / "out", self_contained=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_default_falls_back_to_the_cdn_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SITING_ASSETS_DIR", str(tmp_path / "no-cache"))
    monkeypatch.setenv("SITING_NPM_REGISTRY", "http://127.0.0.1:9")
    monkeypatch.setattr("siting.present.assets._TARBALLS", {})
    out = tmp_path / "cdn"
    proc = CliRunner().invoke(app, ["run", "--out", str(out), "--quiet"])
    assert proc.exit_code == 0, proc.output
    assert "map.html links Leaflet from the CDN" in proc.output
    assert "--self-contained" in proc.output.splitlines()[-1]
    assert json.loads((out / "manifest.json").read_text())["self_contained"] is False
    page = (out / "map.html").read_text(encoding="utf-8")
    assert '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js">' in page
    assert 'id="siting-no-leaflet"' in page
    assert "typeof window.L === 'undefined'" in page


def test_cli_default_is_self_contained_when_assets_are_cached(tmp_path):
    if siting.present.assets.assets_unavailable() is not None:
        if IN_CI:
            pytest.fail("npm assets not cached in CI (.ci/run fills the cache)", pytrace=False)
        pytest.skip("the npm assets are not in the cache (run `siting run` once online)")
    out = tmp_path / "self"
    proc = CliRunner().invoke(app, ["run", "--out", str(out), "--quiet"])
    assert proc.exit_code == 0, proc.output
    assert proc.output.splitlines()[-1].startswith("map.html is self-contained")
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "<script src=" not in page
    assert 'id="siting-no-leaflet"' not in page  # no notice needed
    assert json.loads((out / "manifest.json").read_text())["self_contained"] is True


def test_cli_lang_and_self_contained(tmp_path):
    try:
        for pkg in PACKAGES:
            fetch_package(pkg)
    except SitingError as err:
        if IN_CI:
            pytest.fail(f"npm assets unavailable in CI: {err}", pytrace=False)
        pytest.skip(f"npm assets unavailable (offline?): {err}")
    out = tmp_path / "he"
    proc = CliRunner().invoke(app, ["run", "--out", str(out), "--lang", "he", "--self-contained"])
    assert proc.exit_code == 0, proc.output
    page = (out / "map.html").read_text(encoding="utf-8")
    assert '<html lang="he" dir="rtl">' in page
    assert "<script src=" not in page
    assert json.loads((out / "manifest.json").read_text())["self_contained"] is True
    report = (out / "report.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in report
    bad = CliRunner().invoke(app, ["run", "--out", str(tmp_path / "x"), "--lang", "fr"])
    assert bad.exit_code == 2
