"""End to end: `siting run` into a temporary folder, outputs checked by recomputation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

import siting.outputs
from siting.decide import default_scenario, run
from siting.sources.embedded import embedded_data_dir


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "mh"
    proc = subprocess.run(
        [sys.executable, "-m", "siting.cli", "run", "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "APPROXIMATE" in proc.stdout
    return out


def _demand_from_tables() -> tuple[np.ndarray, np.ndarray]:
    """Member localities' ITM coordinates and tonnes/yr, straight from the embedded CSVs."""
    folder = embedded_data_dir() / "mishor-hahof"
    auth = pd.read_csv(folder / "authorities.csv")
    loc = pd.read_csv(folder / "localities.csv")
    members = auth[auth["member"]]
    loc = loc[loc["authority_id"].isin(members["id"])]
    pop = members.set_index("id")["population"]
    rate = members.set_index("id")["msw_kg_per_capita_day"]
    share = loc["population"] / loc.groupby("authority_id")["population"].transform("sum")
    t_year = share * loc["authority_id"].map(pop) * loc["authority_id"].map(rate) * 365 / 1000
    x, y = Transformer.from_crs(4326, 2039, always_xy=True).transform(loc["lon"], loc["lat"])
    return np.column_stack([x, y]), t_year.to_numpy()


def test_ranking_recomputed_independently(outputs):
    rk = pd.read_csv(outputs / "ranking.csv")
    sol = gpd.read_file(outputs / "solution.geojson").to_crs(2039)
    assert set(rk["facility"]) == {"waste_station", "truck_lot"}
    n = rk.groupby("facility").size()
    assert n["waste_station"] == n["truck_lot"] > 300  # one row per candidate and facility
    ws = rk[rk["facility"] == "waste_station"]
    best = ws.loc[ws["rank"] == 1].iloc[0]
    # the chosen site is the top weighted score; score = Σ contributions (full precision)
    assert best["chosen"]
    assert best["score"] == pytest.approx(ws.loc[~ws["excluded"], "score"].max())
    contrib = ws.filter(like="contrib_").dropna(axis=1, how="all")
    assert len(contrib.columns) >= 4
    np.testing.assert_allclose(
        contrib.sum(axis=1)[~ws["excluded"]], ws["score"][~ws["excluded"]], rtol=1e-12
    )
    assert ws.loc[ws["excluded"], "rank"].isna().all()
    assert (ws.loc[ws["excluded"], "exclusion_reason"].str.len() > 0).all()
    # recompute its tonne-km from the embedded tables: crow-fly × 1.3
    xy, t_year = _demand_from_tables()
    site = sol[sol["facility"] == "waste_station"].geometry.iloc[0]
    km = np.hypot(xy[:, 0] - site.x, xy[:, 1] - site.y) / 1000 * 1.3
    assert float(t_year @ km) == pytest.approx(best["haul_tkm_per_year"], rel=1e-4)
    assert sol[sol["facility"] == "waste_station"]["site_id"].iloc[0] == best["site_id"]
    # saving against the status quo (every authority hauls to Afula, ITM 228610/724720) at
    # 1 ILS per t·km; the station's transfer leg by 20 t trailers costs 10/20 of that
    afula = np.array([228_610.0, 724_720.0])
    sq = float(t_year @ (np.hypot(*(xy - afula).T) / 1000 * 1.3))
    transfer = t_year.sum() * np.hypot(site.x - afula[0], site.y - afula[1]) / 1000 * 1.3 * 0.5
    assert best["saving_ils_per_year"] == pytest.approx(
        sq - float(t_year @ km) - transfer, rel=1e-4
    )
    # single-site plans: each draw's optimal plan is one site, so the shares sum to 1
    assert 0 < best["p_in_plan"] <= 1
    assert ws.loc[~ws["excluded"], "p_in_plan"].sum() == pytest.approx(1.0, abs=1e-9)
    # two truck lots chosen, both eligible
    tl = sol[sol["facility"] == "truck_lot"]["site_id"]
    assert len(tl) == 2
    assert not rk[(rk["facility"] == "truck_lot") & rk["site_id"].isin(tl)]["excluded"].any()


def test_map_shows_the_result(outputs):
    import html as html_lib
    import re

    html = (outputs / "map.html").read_text(encoding="utf-8")
    sol = gpd.read_file(outputs / "solution.geojson")
    for sid in sol["site_id"]:
        assert f"site {sid} — rank" in html
    assert "APPROXIMATE" in html
    assert "אשכול רשויות מישור החוף" in html
    # one circle per member locality, its name in the feature data (shown with textContent)
    member_locs = default_scenario().region.member_localities()
    meta = re.search(r'<meta name="siting-meta" content="([^"]+)">', html).group(1)
    layers = json.loads(html_lib.unescape(meta))["layers"]
    assert layers["localities"] == len(member_locs)
    assert layers["authorities"] == 15  # 10 members + 5 neighbours
    for name in member_locs["name"].head(10):
        assert json.dumps(name, ensure_ascii=False) in html
    assert "Data sources" in html


def test_manifest(outputs):
    man = json.loads((outputs / "manifest.json").read_text())
    assert man["cost_model"]["approximate"] is True
    # the embedded tables and boundaries, each hashed
    names = sorted(i["path"].rsplit("/", 1)[-1] for i in man["inputs"])
    assert names == ["authorities.csv", "jurisdictions.geojson", "localities.csv"]
    assert all(len(i["sha256"]) == 64 for i in man["inputs"])
    for name in ("map.html", "ranking.csv", "solution.geojson"):
        assert man["outputs"][name] == siting.outputs.sha256_file(outputs / name)
    params = {(p["group"], p["name"]): p for p in man["parameters"]}
    assert params[("CrowFlyParams", "circuity")]["value"] == 1.3
    assert params[("WasteParams", "kg_per_capita_day")]["source"].startswith("S1")
    assert man["results"]["waste_station"]["proven_optimal"] is True


def test_failed_run_leaves_nothing(tmp_path, monkeypatch):
    result = run(default_scenario())
    target = tmp_path / "out"

    def boom(*_a, **_k):
        raise RuntimeError("map failed")

    monkeypatch.setattr("siting.present.maps.build_map", boom)
    with pytest.raises(RuntimeError, match="map failed"):
        siting.outputs.write_outputs(result, target)
    assert list(tmp_path.iterdir()) == []


def test_failed_rerun_keeps_previous_result(tmp_path, monkeypatch):
    result = run(default_scenario())
    target = tmp_path / "out"
    siting.outputs.write_outputs(result, target)
    before = (target / "ranking.csv").read_bytes()
    monkeypatch.setattr("siting.outputs._solution_layer", lambda _r: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        siting.outputs.write_outputs(result, target)
    assert (target / "ranking.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_cli_errors_are_one_line(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "siting.cli", "run", "--bogus"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
