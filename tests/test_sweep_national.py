"""A sweep over clusters: the national table and map, every figure the cluster's own plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.decide import pipeline
from siting.outputs.sweep import write_sweep
from siting.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def national(shared_data, tmp_path_factory):
    data = shared_data / "israel"
    base = tmp_path_factory.mktemp("nat") / "base.toml"
    base.write_text(
        f'name = "two"\n[region]\ncluster = "sharon"\ndata_dir = "{data}"\n'
        '[costs]\nmodel = "crow-fly"\n[truck_lots]\nn_lots = 2\n',
        encoding="utf-8",
    )
    sweep = base.parent / "sweep.toml"
    sweep.write_text(
        f'name = "two-clusters"\nbase = "{base}"\n[set]\n"sensitivity.enabled" = false\n'
        '[axes]\n"region.cluster" = ["beit-hakerem-galilee", "sharon"]\n',
        encoding="utf-8",
    )
    return run_sweep(load_sweep(sweep), scheduler="synchronous")


def test_national_table_is_each_clusters_own_plan(national):
    nat = national.national
    assert len(nat) == 2 * 2  # clusters x facilities
    assert nat["group"].nunique() == 2
    for it in national.sweep.scenarios:
        run = pipeline.run(it.scenario)
        members = run.region.members
        for fac, res in run.results.items():
            row = nat[(nat["scenario_id"] == it.id) & (nat["facility"] == fac.value)].iloc[0]
            assert row["status"] == "ok"
            assert row["members"] == len(members)
            assert row["population"] == pytest.approx(float(members["population"].sum()))
            assert row["plan_sites"].split(";") == list(res.chosen)
            cand = run.candidates.set_index(run.candidates["id"].astype(str))
            want = [str(cand.loc[c, "authority_name_en"]) for c in res.chosen]
            assert row["plan_authorities"].split(";") == want
            # each chosen site lies in a member authority (member land only is searched)
            assert set(want) <= set(members["name_en"].astype(str))
            for key in (
                "total_cost_ils_per_year",
                "status_quo_cost_ils_per_year",
                "saving_ils_per_year",
                "tonnes_per_year",
                "mean_driver_km",
                "trucks",
                "coverage_share",
            ):
                got = row.get(key, np.nan)
                want_v = res.extra.get(key, np.nan)
                if pd.isna(want_v):
                    assert pd.isna(got), key
                else:
                    assert got == pytest.approx(float(want_v), rel=1e-12), key
            if fac.value == "waste_station":  # tonnes: the members' localities' own
                tonnes = float(res.problem.demand.sum())
                assert row["tonnes_per_year"] == pytest.approx(tonnes, rel=1e-12)


def test_national_map_and_table_are_written_offline_in_both_languages(national, tmp_path):
    out = write_sweep(national, tmp_path / "en")
    assert {"national.csv", "national.html"} <= set(out)
    page = (tmp_path / "en" / "national.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "http://" not in page
    assert "https://" not in page
    assert page.count("<path ") == 2  # each cluster's member land
    assert page.count('<rect class="station"') == 2  # a station per cluster
    assert page.count('<circle class="lot"') == 4  # two lots per cluster
    nat = pd.read_csv(tmp_path / "en" / "national.csv")
    for sites in nat["plan_sites"]:
        for s in sites.split(";"):
            assert s in page
    write_sweep(national, tmp_path / "he", lang="he")
    he = (tmp_path / "he" / "national.html").read_text(encoding="utf-8")
    assert 'dir="rtl"' in he
    assert "טבלה ארצית" in he


def test_a_sweep_over_one_region_has_no_national_files(tmp_path):
    base = ROOT / "examples" / "mishor-hahof.toml"
    path = tmp_path / "s.toml"
    path.write_text(
        f'name = "one"\nbase = "{base}"\n[set]\n"sensitivity.enabled" = false\n'
        '[axes]\n"waste_station.horizon_year" = [2021]\n',
        encoding="utf-8",
    )
    res = run_sweep(load_sweep(path), scheduler="synchronous")
    assert res.national.empty
    out = write_sweep(res, tmp_path / "o")
    assert "national.csv" not in out


def test_every_column_of_the_sweep_csvs_is_described_in_both_languages(national, tmp_path):
    """columns.csv of a sweep folder describes each column of sweep.csv, robust.csv,
    sites.csv and national.csv (axis and per-scenario columns included), strictly."""
    from siting.outputs.columns import legend

    out = write_sweep(national, tmp_path / "en")
    assert "columns.csv" in out
    headers = {
        name: list(pd.read_csv(tmp_path / "en" / name, nrows=0).columns)
        for name in ("sweep.csv", "robust.csv", "sites.csv", "national.csv")
    }
    assert "region.cluster" in headers["sweep.csv"]  # the sweep's axis
    assert any(c.startswith("regret_s") for c in headers["robust.csv"])
    for lang in ("en", "he"):
        strict = legend(headers, lang, strict=True)  # raises on a column with no description
        assert (strict["description"] != "").all()
    written = pd.read_csv(tmp_path / "en" / "columns.csv")
    assert set(zip(written["file"], written["column"], strict=True)) >= {
        (f, c) for f, cols in headers.items() for c in cols
    }
    axis = written[(written["file"] == "sweep.csv") & (written["column"] == "region.cluster")]
    assert "region.cluster" in axis["description"].iloc[0]
    write_sweep(national, tmp_path / "he", lang="he")
    he = pd.read_csv(tmp_path / "he" / "columns.csv")
    text = " ".join(he["description"].astype(str))
    hebrew = sum("\u0590" <= ch <= "\u05ff" for ch in text)
    latin = sum(ch.isascii() and ch.isalpha() for ch in text)
    assert hebrew / (hebrew + latin) > 0.6
