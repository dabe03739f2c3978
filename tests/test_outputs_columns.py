"""columns.csv describes every column of every CSV a run writes; ranking.csv at full precision."""

from __future__ import annotations

import csv
import io
import json
import re

import numpy as np
import pandas as pd
import pytest

import siting.outputs
from siting.decide import default_scenario, run
from siting.decide.scoring import RANKING_COLUMNS
from siting.decide.sensitivity import SENSITIVITY_COLUMNS
from siting.outputs.columns import COLUMNS, MissingDescriptionError, describe, legend

HEBREW = re.compile(r"[\u0590-\u05ff]")
LATIN = re.compile(r"[A-Za-z]")
SCIENTIFIC = re.compile(r"^[-+]?\d*\.?\d+[eE][-+]?\d+$")


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


@pytest.fixture(scope="module")
def folders(result, tmp_path_factory):
    root = tmp_path_factory.mktemp("columns")
    out = {}
    for name, lang in (("en", "en"), ("he", "he"), ("en2", "en")):
        siting.outputs.write_outputs(result, root / name, lang=lang, self_contained=False)
        out[name] = root / name
    return out


def _rows(path):
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _header(path):
    return next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("lang", ["en", "he"])
def test_every_header_of_every_csv_written_has_a_description(folders, lang):
    out = folders[lang]
    csvs = sorted(p for p in out.iterdir() if p.suffix == ".csv")
    assert {p.name for p in csvs} == {"ranking.csv", "sensitivity.csv", "columns.csv"}
    rows = _rows(out / "columns.csv")
    listed = [(r["file"], r["column"]) for r in rows]
    written = [(p.name, c) for p in csvs if p.name != "columns.csv" for c in _header(p)]
    written += [("columns.csv", c) for c in _header(out / "columns.csv")]
    assert sorted(listed) == sorted(written)  # each once, nothing else
    assert len(listed) == len(set(listed))
    assert all(r["description"].strip() for r in rows)
    # strictly: no header falls back to an empty description
    headers = {p.name: _header(p) for p in csvs if p.name != "columns.csv"}
    assert len(legend(headers, lang, strict=True)) == len(rows)
    man = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert man["outputs"]["columns.csv"] == siting.outputs.sha256_file(out / "columns.csv")


def test_the_hebrew_legend_is_hebrew(folders):
    rows = _rows(folders["he"] / "columns.csv")
    for r in rows:
        # column names, file names and option values (waste_station, weight:<criterion>)
        # stay as written in the files; the rest is Hebrew
        words = re.sub(
            r"[\w.:<>/'+-]*[_.:<>'][\w.:<>/'+-]*|CSV|[A-Za-z]+_[A-Za-z]+", " ", r["description"]
        )
        he, la = len(HEBREW.findall(words)), len(LATIN.findall(words))
        assert he / (he + la) > 0.8, r
        assert not r["unit"] or HEBREW.search(r["unit"]) or not LATIN.search(r["unit"]), r
    en = _rows(folders["en"] / "columns.csv")
    assert [(r["file"], r["column"]) for r in en] == [(r["file"], r["column"]) for r in rows]
    assert not any(HEBREW.search(r["description"]) for r in en)
    contrib = next(r for r in rows if r["column"] == "contrib_nuisance")
    assert "מרחק ממגורים" in contrib["description"]  # the criterion's own Hebrew label


def test_every_column_the_package_names_is_described():
    for col in RANKING_COLUMNS:
        assert describe("ranking.csv", col, "en")[1]
    for col in SENSITIVITY_COLUMNS:
        assert describe("sensitivity.csv", col, "he")[1]
    assert describe("ranking.csv", "rank_p2_5", "en")[1].startswith("The site's rank at the 2.5th")
    assert describe("ranking.csv", "total_cost_ils_per_year", "en") != describe(
        "sensitivity.csv", "total_cost_ils_per_year", "en"
    )  # the site alone vs the plan chosen at a step
    with pytest.raises(MissingDescriptionError, match=r"ranking.csv: column 'new_thing'"):
        legend({"ranking.csv": ["site_id", "new_thing"]}, "en")
    lenient = legend({"ranking.csv": ["site_id", "new_thing"]}, "en", strict=False)
    assert lenient["description"].tolist()[1] == ""
    assert len(COLUMNS) > 50


def test_ranking_csv_full_precision_names_cost_model_and_approximate(result, folders):
    path = folders["en"] / "ranking.csv"
    text = path.read_text(encoding="utf-8")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert not [c for c in cells if SCIENTIFIC.match(c)]  # no 1.56644e+06
    back = pd.read_csv(path)
    rk = result.ranking
    assert list(back.columns) == list(rk.columns)
    for col in rk.columns:  # every number round-trips exactly: full precision
        if pd.api.types.is_float_dtype(rk[col]):
            a, b = rk[col].to_numpy(float), back[col].to_numpy(float)
            assert np.array_equal(a, b, equal_nan=True), col
    assert set(back["cost_model"]) == {result.costs.model} == {"crow-fly"}
    assert back["approximate"].all()
    # the authority each site lies in, by name in both languages, as the region names it
    land = result.region.extra["jurisdictions"]  # members, neighbours and the land around
    auth = pd.concat([result.region.authorities, land]).drop_duplicates("id").set_index("id")
    named = back.dropna(subset=["authority_id"])
    assert len(named) > 0.5 * len(back)
    for aid, en, he in named[["authority_id", "authority_name_en", "authority_name_he"]].to_numpy():
        assert auth.loc[int(aid), "name_en"] == en
        assert auth.loc[int(aid), "name_he"] == he
    best = back[(back["facility"] == "waste_station") & (back["rank"] == 1)].iloc[0]
    saving = rk.loc[(rk["facility"] == "waste_station") & (rk["rank"] == 1), "saving_ils_per_year"]
    assert best["saving_ils_per_year"] == float(saving.iloc[0])
    assert f"{best['saving_ils_per_year']:,.0f}" in (folders["en"] / "report.html").read_text(
        encoding="utf-8"
    )


def test_the_same_result_writes_the_same_bytes(folders):
    a, b = folders["en"], folders["en2"]
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert "columns.csv" in names
    differ = [n for n in names if (a / n).read_bytes() != (b / n).read_bytes()]
    assert differ in ([], ["timings.json"])
