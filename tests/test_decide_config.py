"""Scenario files: every problem named by key and line, before any work starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from siting.decide.config import build_scenario, load_scenario, parse_scenario
from siting.errors import ScenarioError
from tests.conftest import require_shared

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

GOOD = """
name = "t"
[region]
embedded = "mishor-hahof"
[costs]
circuity = 1.2
[waste_station]
buffer_m = 300
[truck_lots]
n_lots = 1
"""


def _err(text: str, **kw) -> str:
    with pytest.raises(ScenarioError) as ei:
        parse_scenario(text, source="s.toml", **kw)
    return str(ei.value)


def test_good_file_builds_a_scenario():
    spec = parse_scenario(GOOD)
    s = build_scenario(spec)
    assert s.waste.buffer_m == 300
    assert s.truck.n_lots == 1
    assert s.cost_model.params.circuity == 1.2
    assert len(s.region.members) == 10


def test_unknown_key_named_with_line():
    msg = _err(GOOD.replace("buffer_m = 300", "bufer_m = 300"))
    assert "waste_station.bufer_m (line 8): unknown key" in msg


def test_unknown_top_level_table():
    assert "colour (line 2): unknown key" in _err('name="t"\n[colour]\nx=1\n[region]\nembedded="a"')


def test_wrong_type_named_with_line():
    msg = _err(GOOD.replace("n_lots = 1", 'n_lots = "two"'))
    assert "truck_lots.n_lots (line 10): Input should be a valid integer" in msg


def test_impossible_value():
    msg = _err(GOOD.replace("[costs]\ncircuity = 1.2", "[costs]\nmodel = 'teleport'"))
    assert "costs.model (line 6)" in msg
    assert "'crow-fly' or 'network'" in msg


def test_missing_file_named():
    text = GOOD.replace(
        'embedded = "mishor-hahof"', 'authorities = "a.gpkg"\nlocalities = "l.gpkg"'
    )
    msg = _err(text, base_dir=Path("/nonexistent"))
    assert "region.authorities (line 4): file not found: a.gpkg" in msg


def test_region_needs_exactly_one_source():
    msg = _err('name="t"\n[region]\nembedded="mishor-hahof"\ncluster="x"\n')
    assert "region (line 2): give exactly one of" in msg


def test_all_problems_at_once_and_bad_toml():
    msg = _err(GOOD.replace("buffer_m = 300", "buffer_m = -1\nfoo = 2"))
    assert "2 problem(s)" in msg or "problem(s)" in msg
    assert "not valid TOML" in _err("name = ")


def test_examples_validate():
    for name in ("mishor-hahof.toml", "mishor-hahof-expansion.toml"):
        spec = load_scenario(EXAMPLES / name)
        s = build_scenario(spec, base_dir=EXAMPLES)
        assert s.region.members["id"].nunique() == (10 if "expansion" not in name else 12)


def test_other_cluster_example():
    require_shared("israel", "authorities_moin_2025.gpkg")
    spec = load_scenario(EXAMPLES / "western-galilee.toml")
    s = build_scenario(spec, base_dir=EXAMPLES)
    assert len(s.region.members) == 18


def test_user_candidate_plots_from_file(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    from siting.decide import run

    # three plots near Binyamina, Kafr Qara and Zikhron Ya'akov (ITM metres), one too small
    plots = gpd.GeoDataFrame(
        {
            "id": ["P1", "P2", "P3"],
            "name": ["north", "east", "tiny"],
            "area_m2": [30_000, 25_000, 5_000],
            "facilities": ["waste_station;truck_lot"] * 3,
        },
        geometry=[Point(196_500, 717_000), Point(204_500, 711_000), Point(198_000, 723_000)],
        crs=2039,
    )
    plots.to_file(tmp_path / "plots.gpkg")
    text = GOOD + '[candidates]\nsource = "file"\nfile = "plots.gpkg"\n'
    s = build_scenario(parse_scenario(text, base_dir=tmp_path), base_dir=tmp_path)
    res = run(s)
    ws = res.ranking[res.ranking["facility"] == "waste_station"].set_index("site_id")
    assert sorted(ws.index) == ["P1", "P2", "P3"]
    assert ws.loc["P3", "excluded"]
    assert "smaller than 20000" in ws.loc["P3", "exclusion_reason"]
    best = ws["haul_tkm_per_year"][~ws["excluded"]].idxmin()
    assert ws.loc[best, "rank"] == 1
