"""The CLI's commands other than a plain `siting run`: scenario files, validate, compare,
re-running a manifest, regions, help texts and exit codes (run in-process via `main`)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from siting.cli import EXIT_DIFFERS, main
from tests.conftest import require_shared

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def _siting(capsys, *args: str) -> tuple[int, str, str]:
    """Run `siting ARGS` in-process; (exit code, stdout, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out = capsys.readouterr()
    return code, out.out, out.err


def _scenario(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(body, encoding="utf-8")
    return path


SMALL = """
name = "small"
seed = 7
[region]
embedded = "mishor-hahof"
[candidates]
cell_m = 2500
[sensitivity]
n_draws = 50
[weights.waste_station]
cost = 1
nuisance = 1
"""


@pytest.mark.parametrize(
    "cmd", [[], ["run"], ["compare"], ["validate"], ["regions"], ["network", "fetch"]]
)
def test_every_command_has_help_with_an_example(capsys, cmd):
    code, out, _ = _siting(capsys, *cmd, "--help")
    assert code == 0
    assert "Usage:" in out
    if cmd and cmd != ["network"]:
        assert "Example" in out


def test_validate_examples_and_a_bad_file(capsys, tmp_path):
    code, out, _ = _siting(capsys, "validate", *map(str, sorted(EXAMPLES.glob("mishor*.toml"))))
    assert code == 0
    assert "mishor-hahof-expansion: 12 member authorities" in out
    assert "mishor-hahof-default: 10 member authorities, 61 localities" in out
    bad = _scenario(tmp_path, SMALL.replace("cell_m = 2500", "cell_m = 2500\nbogus = 1"))
    code, _, err = _siting(capsys, "validate", str(bad))
    assert code == 1
    assert "candidates.bogus (line 8): unknown key" in err


def test_weights_from_the_file_reach_the_ranking(capsys, tmp_path):
    out = tmp_path / "out"
    code, stdout, err = _siting(
        capsys, "run", str(_scenario(tmp_path, SMALL)), "--out", str(out), "-q"
    )
    assert code == 0, err
    assert "waste_station weights (direct): cost 0.50, nuisance 0.50" in stdout
    rk = pd.read_csv(out / "ranking.csv")
    ws = rk[(rk["facility"] == "waste_station") & ~rk["excluded"]]
    # only the two weighted criteria contribute, and each site's score is their sum
    used = [c for c in ws.columns if c.startswith("contrib_") and ws[c].notna().any()]
    assert used == ["contrib_cost", "contrib_nuisance"]
    # (ranking.csv keeps full precision)
    assert (ws["score"] - ws["contrib_cost"] - ws["contrib_nuisance"]).abs().max() < 1e-9
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["weights"]["waste_station"]["weights"] == {"cost": 0.5, "nuisance": 0.5}
    assert manifest["scenario_text"] == SMALL
    n_draws = [p for p in manifest["parameters"] if p["name"] == "n_draws"]
    assert n_draws[0]["value"] == 50


def test_ahp_weights_and_unknown_criterion(capsys, tmp_path):
    ahp = SMALL.replace(
        "[weights.waste_station]\ncost = 1\nnuisance = 1\n",
        '[weights.waste_station.ahp]\ncriteria = ["cost", "nuisance"]\n'
        "matrix = [[1, 3], [0.3333333333333333, 1]]\n",
    )
    from siting.decide.config import scenario_from_file
    from siting.layers import Facility

    s = scenario_from_file(_scenario(tmp_path, ahp))
    ws = s.weight_set(Facility.WASTE_STATION)
    assert ws.method == "ahp"
    assert ws.as_dict() == pytest.approx({"cost": 0.75, "nuisance": 0.25})
    wrong = SMALL.replace("nuisance = 1", "smell = 1")
    code, _, err = _siting(capsys, "validate", str(_scenario(tmp_path, wrong)))
    assert code == 1
    assert "weights" in err
    assert "smell" in err
    assert "valid: cost" in err


def test_manifest_rerun_reproduces_and_detects_differences(capsys, tmp_path):
    out = tmp_path / "first"
    scenario = _scenario(tmp_path, SMALL)
    assert _siting(capsys, "run", str(scenario), "--out", str(out), "-q")[0] == 0
    code, stdout, err = _siting(capsys, "run", "--manifest", str(out / "manifest.json"), "-q")
    assert code == 0, stdout + err
    # every output, manifest.json included (timings live in timings.json)
    assert "all 12 outputs identical to the original run" in stdout  # columns.csv added
    assert "manifest.json            identical" in stdout
    for name in ("map.html", "manifest.json", ".siting-output.json"):
        assert (tmp_path / "first-rerun" / name).read_bytes() == (out / name).read_bytes()
    # a result that no longer matches: tamper with the recorded hash of ranking.csv
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    m["outputs"]["ranking.csv"] = "0" * 64
    (out / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    code, stdout, _ = _siting(
        capsys,
        "run",
        "--manifest",
        str(out / "manifest.json"),
        "-q",
        "--out",
        str(tmp_path / "again"),
    )
    assert code == EXIT_DIFFERS
    assert "ranking.csv              DIFFERS" in stdout
    assert "manifest.json            DIFFERS" in stdout  # it was edited
    assert "2 of 12 outputs differ" in stdout


def test_compare_writes_both_runs_and_the_table(capsys, tmp_path):
    a = _scenario(tmp_path, SMALL)
    b = tmp_path / "b.toml"
    b.write_text(
        SMALL.replace('name = "small"', 'name = "bigger"').replace(
            'embedded = "mishor-hahof"', 'embedded = "mishor-hahof"\nmembers_add = [1020, 628]'
        ),
        encoding="utf-8",
    )
    out = tmp_path / "cmp"
    code, stdout, err = _siting(capsys, "compare", str(a), str(b), "--out", str(out), "-q")
    assert code == 0, err
    # what --help promises is what is written: the tables and a folder per scenario name
    written = {p.name for p in out.iterdir()} - {".siting-output.json"}
    assert written == {"comparison.csv", "comparison.html", "sites.csv", "small", "bigger"}
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == [
        "Facility",
        "Measure",
        "small",
        "bigger",
        "Difference (bigger − small)",
        "key",
    ]
    rows = table.set_index("key")
    members = rows.loc["all.member authorities"]
    assert members["Measure"] == "Member authorities"
    assert (int(members["small"]), int(members["bigger"])) == (10, 12)
    assert members["Difference (bigger − small)"] == 2
    assert rows.loc["waste_station.total_cost_ils_per_year", "Measure"] == (
        "Total haul cost, ILS/yr"
    )
    assert "Total haul cost, ILS/yr" in stdout
    sites = pd.read_csv(out / "sites.csv")
    for name in ("small", "bigger"):
        ranking = pd.read_csv(out / name / "ranking.csv")
        chosen = ranking[ranking["chosen"] & (ranking["facility"] == "waste_station")]
        assert rows.loc["waste_station.chosen sites", name] == ", ".join(chosen["site_id"])
        ws = sites[sites["Facility"] == "Waste-sorting station"]
        assert set(chosen["site_id"]) <= set(ws[f"Site in {name}"])
    # the same search lattice: every chosen site is paired with the cell of its own id
    assert (sites["Paired"] == "same place").all()
    assert (sites["Site in small"] == sites["Site in bigger"]).all()
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert 'src="small/map.html"' in page
    assert 'src="bigger/map.html"' in page
    assert "Chosen sites, paired by place" in page
    assert "Total haul cost, ILS/yr" in page


def test_compare_of_two_scenarios_with_one_name_writes_a_and_b_folders_in_hebrew(capsys, tmp_path):
    quick = SMALL.replace("n_draws = 50", "enabled = false")
    a = _scenario(tmp_path, quick)
    out = tmp_path / "cmp"
    code, _stdout, err = _siting(
        capsys, "compare", str(a), str(a), "--out", str(out), "-q", "--lang", "he"
    )
    assert code == 0, err
    written = {p.name for p in out.iterdir()} - {".siting-output.json"}
    assert written == {"comparison.csv", "comparison.html", "sites.csv", "A-small", "B-small"}
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns[:2]) == ["מתקן", "מדד"]
    assert "עלות הובלה כוללת, ₪ לשנה" in set(table["מדד"])
    sites = pd.read_csv(out / "sites.csv")
    assert set(sites["התאמה"]) == {"אותו מקום"}
    page = (out / "comparison.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in page
    assert 'src="A-small/map.html"' in page


def test_compare_help_names_the_folders_it_writes(capsys):
    code, out, _ = _siting(capsys, "compare", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "A/, B/" not in text
    assert "comparison.csv, comparison.html, sites.csv" in text
    assert "A-<name>/ and B-<name>/" in text
    assert "--match-m" in text
    assert "paired by place" in text


def test_errors_exit_1_without_traceback_and_usage_errors_exit_2(capsys, tmp_path):
    code, _, err = _siting(capsys, "run", str(tmp_path / "nope.toml"))
    assert code == 1
    assert err.startswith("error: scenario file not found")
    assert "Traceback" not in err
    code, _, _ = _siting(capsys, "run", "--no-such-option")
    assert code == 2
    code, _, err = _siting(capsys, "run", "x.toml", "--manifest", "m.json")
    assert code == 2


def test_regions_lists_all_eleven_clusters(capsys):
    data = require_shared("israel")
    code, out, err = _siting(capsys, "regions", "--data-dir", str(data))
    assert code == 0, err
    assert len(out.strip().splitlines()) == 11
    assert "mishor-hahof" in out
    assert "אשכול רשויות מישור החוף" in out
    code, out, _ = _siting(capsys, "regions", "mishor-hahof", "--data-dir", str(data))
    assert code == 0
    assert out.splitlines()[0].endswith(": 10 members")
    assert "Umm al-Fahm" in out


def test_network_fetch_writes_a_graphml_the_network_model_loads(capsys, tmp_path, monkeypatch):
    """The download itself needs internet; here OSMnx's side is replaced by the small
    test extract, and the command's own work (area, file, hand-over) is checked."""
    from shapely.geometry import Point

    from siting import network as net
    from siting.params import WasteParams

    mini = Path(__file__).parent / "data" / "network" / "mini.osm"
    seen = {}

    def fake_graph_from_polygon(polygon, *, profile, buffer_m, cache_dir):
        seen["area"] = polygon.to_crs(2039).union_all()
        seen["buffer_m"] = buffer_m
        seen["profile"] = profile
        return net.load_osm(mini, profile, progress=False)

    monkeypatch.setattr(net, "graph_from_polygon", fake_graph_from_polygon)
    target = tmp_path / "nets" / "mh.graphml"
    code, out, err = _siting(capsys, "network", "fetch", "--out", str(target), "--buffer-m", "3000")
    assert code == 0, err
    assert seen["buffer_m"] == 3000
    assert seen["profile"] == "compactor"  # the collection leg's vehicle
    w = WasteParams()
    # the haul area: the localities and the status-quo destination (Afula), not just the
    # localities' hull
    assert seen["area"].buffer(1).contains(Point(w.status_quo_x_itm, w.status_quo_y_itm))
    assert 800 < seen["area"].area / 1e6 < 1200  # the localities alone: ≈ 620 km2
    assert f"wrote {target}" in out
    assert not list(target.parent.glob("*.part"))
    again = net.load_osm(target, progress=False)
    orig = net.load_osm(mini, progress=False)
    assert again.number_of_nodes() == orig.number_of_nodes()
    assert again.number_of_edges() == orig.number_of_edges()


def test_network_fetch_offline_fails_with_one_line_and_no_traceback(capsys, tmp_path, monkeypatch):
    """Offline: the reachability check fails, OSMnx is asked for its cache only, and the
    command exits 1 with one line naming the server, the area and the local-file way."""
    import socket

    import requests

    from siting.network import download

    def unreachable(url, timeout_s):
        raise socket.gaierror(-2, "Name or service not known")

    def no_network(*args, **kwargs):
        raise requests.ConnectionError("Max retries exceeded (NameResolutionError)")

    monkeypatch.setattr(download, "_check_reachable", unreachable)
    monkeypatch.setattr(requests, "post", no_network)
    monkeypatch.setattr(requests, "get", no_network)
    import osmnx as ox

    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    scenario = Path(__file__).parents[1] / "examples" / "mishor-hahof.toml"
    code, _, err = _siting(
        capsys,
        "network",
        "fetch",
        str(scenario),
        "--cache-dir",
        str(tmp_path),
        "--out",
        str(tmp_path / "x.graphml"),
    )
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: road network download failed: overpass-api.de is ")
    assert "unreachable (name resolution failed)" in lines[0]
    assert '[costs] model = "network"' in lines[0]
    assert not (tmp_path / "x.graphml").exists()
