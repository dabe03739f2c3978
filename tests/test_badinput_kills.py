"""Kills, Ctrl-C, no-plan outcomes and reproducibility: real processes where that is the test.

A run stopped by Ctrl-C or SIGTERM exits 130/143 with one line and leaves nothing; one
killed outright (SIGKILL) leaves a PID-stamped temporary folder that the next run
removes.  A facility with no eligible site still gets every output file, with the
explanation; the same inputs give byte-identical files, ``manifest.json`` included.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

import siting.outputs as so
from tests.test_badinput import BASE, make_sandbox, siting, snapshot

SMALL = BASE + "[candidates]\ncell_m = 2000\n[sensitivity]\nn_draws = 50\n"


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_sandbox(tmp_path, monkeypatch)


def _start(sandbox: Path, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    return subprocess.Popen(
        [sys.executable, "-m", "siting.cli", *args],
        cwd=sandbox,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _wait_for_temp(sandbox: Path, proc: subprocess.Popen[str], timeout: float = 120.0) -> Path:
    """The run's temporary output folder, once it exists (the run is writing)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        temps = [p for p in sandbox.iterdir() if p.name.startswith(".out.tmp-")]
        if temps:
            return temps[0]
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.01)
    raise AssertionError("the run never started writing")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
@pytest.mark.parametrize("when", ["computing", "writing"])
def test_interrupted_run_exits_with_one_line_and_leaves_nothing(sandbox, signum, code, word, when):
    (sandbox / "s.toml").write_text(SMALL, encoding="utf-8")
    before = snapshot(sandbox.parent)
    proc = _start(sandbox, "run", "s.toml", "--out", "out", "-q")
    if when == "writing":
        tmp = _wait_for_temp(sandbox, proc)
        assert str(proc.pid) in tmp.name  # the owner's PID is in the name
    else:
        time.sleep(2.5)  # past start-up, inside the run
        assert proc.poll() is None
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, out + err
    assert err == f"{word}\n"
    assert "Traceback" not in out + err
    assert snapshot(sandbox.parent) == before


@pytest.mark.slow
def test_a_killed_runs_leftovers_are_removed_by_the_next_run(capsys, sandbox):
    (sandbox / "s.toml").write_text(SMALL, encoding="utf-8")
    proc = _start(sandbox, "run", "s.toml", "--out", "out", "-q")
    tmp = _wait_for_temp(sandbox, proc)
    proc.kill()
    proc.communicate(timeout=30)
    assert tmp.exists()  # SIGKILL cannot be caught: the folder stays, marked with the PID
    r = siting(capsys, "run", "s.toml", "--out", "out", "-q")
    assert r.code == 0, r.text
    assert sorted(p.name for p in sandbox.iterdir()) == ["out", "s.toml"]


def _no_site_scenario() -> str:
    # no plot can be 10,000 ha: the waste station has no eligible site; truck lots do
    return SMALL + "[waste_station]\nmin_area_m2 = 100000000\n"


@pytest.mark.slow
def test_a_facility_without_a_site_still_gets_every_output(capsys, sandbox):
    (sandbox / "s.toml").write_text(_no_site_scenario(), encoding="utf-8")
    r = siting(capsys, "run", "s.toml", "--out", "out", "-q")
    assert r.code == 0, r.text
    assert "waste_station: NO SITE CHOSEN" in r.out
    out = sandbox / "out"
    names = {p.name for p in out.iterdir()}
    expected = {"map.html", "report.html", "ranking.csv", "solution.geojson", "result.gpkg"}
    assert expected | {"manifest.json", "timings.json", "map.png", so.MARKER} <= names
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["results"]["waste_station"]["chosen"] == []
    assert len(man["results"]["truck_lot"]["chosen"]) == 2
    why = [n for n in man["notes"] if "NO SITE CHOSEN for waste_station" in n]
    assert why, man["notes"]
    for name in ("map.html", "report.html"):
        assert "NO SITE CHOSEN" in (out / name).read_text(encoding="utf-8"), name
    sol = gpd.read_file(out / "solution.geojson")
    assert set(sol["facility"]) == {"truck_lot"}
    rk = pd.read_csv(out / "ranking.csv")
    assert set(rk["facility"]) == {"waste_station", "truck_lot"}
    assert not rk.loc[rk["facility"] == "waste_station", "chosen"].any()
    chosen = gpd.read_file(out / "result.gpkg", layer="chosen_sites")
    assert set(chosen["facility"]) == {"truck_lot"}


@pytest.mark.slow
def test_no_facility_has_a_site_every_output_is_still_written(tmp_path):
    import dataclasses

    from siting.decide import default_scenario, run
    from siting.params import CandidateParams, SensitivityParams, TruckParams, WasteParams

    s = dataclasses.replace(
        default_scenario(),
        waste=WasteParams(min_area_m2=1e8),
        truck=TruckParams(m2_per_space=10_000.0, trucks_per_1000_residents=1000.0),
        search=CandidateParams(cell_m=2500.0),
        sensitivity=SensitivityParams(n_draws=20),
    )
    result = run(s)
    assert all(not r.chosen for r in result.results.values())
    files = so.write_outputs(result, tmp_path / "out")
    for name in ("map.html", "report.html", "solution.geojson", "result.gpkg", "map.png"):
        assert files[name].stat().st_size > 0
    assert len(gpd.read_file(files["solution.geojson"])) == 0
    assert len(gpd.read_file(files["result.gpkg"], layer="assignments")) == 0


@pytest.mark.slow
def test_two_runs_of_the_same_inputs_are_byte_identical(capsys, sandbox):
    (sandbox / "s.toml").write_text(SMALL, encoding="utf-8")
    for out in ("one", "two"):
        r = siting(capsys, "run", "s.toml", "--out", out, "-q")
        assert r.code == 0, r.text
    one, two = sandbox / "one", sandbox / "two"
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    assert "manifest.json" in names
    differ = [n for n in names if (one / n).read_bytes() != (two / n).read_bytes()]
    assert differ in ([], ["timings.json"])  # only the clock may differ
    timings = json.loads((one / "timings.json").read_text(encoding="utf-8"))
    assert set(timings) == {"created_utc", "run_seconds", "solve_seconds"}
