"""The source catalogue: every id the outputs cite resolves to a title, publisher, year and link."""

from __future__ import annotations

import ast
import csv
import importlib.util
import io
import os
import re
from pathlib import Path

import pytest

from siting.decide import default_scenario, run
from siting.errors import SitingError
from siting.outputs import manifest
from siting.present.report import build_report
from siting.sources import catalogue as cat_mod
from siting.sources.catalogue import (
    UnknownSourceError,
    catalogue,
    cited_ids,
    entries,
    find_ids,
    lookup,
)

ROOT = Path(__file__).resolve().parents[1]
DOMAIN = ROOT.parent / "shared" / "DOMAIN.md"


def _build_module():
    spec = importlib.util.spec_from_file_location("build_sources", ROOT / "data/build_sources.py")
    assert spec is not None
    assert spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


def test_the_shipped_table_is_what_the_script_builds_from_domain_md():
    if not DOMAIN.exists():
        msg = f"needs {DOMAIN} (the project's domain research)"
        if os.environ.get("SITING_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(msg, pytrace=False)
        pytest.skip(msg)
    build = _build_module()
    rows = build.parse(DOMAIN.read_text(encoding="utf-8"))
    shipped = (ROOT / "siting/sources/catalogue.csv").read_text(encoding="utf-8")
    assert build.to_csv(rows) == shipped
    # every id of DOMAIN §9 ("- S1 …", "C1 = V6; C2 = V8", "…; T7b …") has a row
    text = DOMAIN.read_text(encoding="utf-8")
    section9 = text[text.index("## 9. Sources") :]
    listed = set(re.findall(r"^- ([A-Z]\d{1,2})\b", section9, flags=re.M))
    listed |= {"C2", "T7b"}
    assert listed <= set(catalogue())
    gaps = re.findall(r"^(\d+)\. ", text[text.index("## 8.") : text.index("## 9.")], flags=re.M)
    assert [f"DOMAIN 8.{n}" for n in gaps] == [k for k in catalogue() if k.startswith("DOMAIN 8.")]


def test_entries_hold_only_what_domain_gives():
    cat = catalogue()
    assert len(cat) > 100
    for e in cat.values():
        if e.publisher:  # a publisher is named in the entry itself
            assert e.publisher in e.title or e.publisher in e.note, e.id
        if e.year:
            assert e.year in e.title, e.id
            assert re.fullmatch(r"(19|20)\d\d(–\d\d)?", e.year), e.id
        for url in filter(None, (e.url, *e.other_urls)):
            assert url.startswith(("http://", "https://")), (e.id, url)
        if e.kind != "source":
            assert not e.url, e.id
        assert e.title_he, e.id  # every entry has the project's Hebrew rendering
    assert lookup("T13").url.startswith("https://www.iif.co.il/newsroom/veridis")
    assert lookup("V3").publisher == "CRC"
    assert lookup("V3").year == "2005"
    assert lookup("C1").same_as == "V6"
    assert lookup("T15").url == ""
    assert "no URL given" in lookup("T15").note
    assert lookup("DOMAIN 8.6").title == "Israeli truck operating cost per km or per t·km."
    assert lookup("DOMAIN 5").kind == "section"


def test_find_ids_reads_the_ways_the_code_cites():
    assert find_ids("user (DOMAIN 8.4, 8.6: unsourced)") == ["DOMAIN 8.4", "DOMAIN 8.6"]
    assert find_ids("assumption (DOMAIN 1e, R3)") == ["DOMAIN 1e", "R3"]
    assert find_ids("V6, T12, T7, V8") == ["V6", "T12", "T7", "V8"]
    assert find_ids("T7b landfill buffer") == ["T7b"]
    # not ids: a time stamp, a standard-rules code, a hex colour, a path, a site id
    assert find_ids("T00:00:00Z SR2015 #C5A H0636 data/S1.csv") == []
    assert find_ids("plot P1 (T8)", exclude={"P1"}) == ["T8"]


def test_unknown_ids_are_one_clear_error():
    with pytest.raises(UnknownSourceError, match=r"'X9' is not in the catalogue"):
        lookup("X9")
    with pytest.raises(SitingError, match=r"S99 cited but not in the catalogue"):
        entries(["S1", "S99"])


def test_every_id_any_module_cites_resolves():
    """Every id in the package's text (parameters, notes, land-use rules, road profiles,
    AHP text...) is in the catalogue: a new citation without an entry fails here."""
    cat = catalogue()
    unknown = []
    n = 0
    for path in sorted((ROOT / "siting").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if "stroke" in node.value or 'd="M' in node.value:  # SVG path data
                continue
            for sid in find_ids(node.value):
                n += 1
                if sid not in cat:
                    unknown.append(f"{path.relative_to(ROOT)}:{node.lineno} {sid}")
    assert n > 50
    assert unknown == []


def test_every_id_the_default_run_cites_resolves_and_is_listed(result):
    ids = cited_ids(result)
    assert [i for i in ids if i not in catalogue()] == []
    # the parameters' own sources are among them (T8: the station buffer; DOMAIN 8.6:
    # the unsourced ILS per t·km; C5: the truck lots' 20 minutes)
    assert {"T8", "T13", "V3", "C5", "DOMAIN 8.6", "DOMAIN 8.5"} <= set(ids)
    # sources first (catalogue order), then the gaps, then sections
    kinds = [lookup(i).kind for i in ids]
    assert kinds == sorted(kinds, key=("source", "unsourced", "section").index)
    man = manifest(result, {})
    assert [e["id"] for e in man["cited_sources"]] == ids
    assert "cited_sources_unknown" not in man
    t13 = next(e for e in man["cited_sources"] if e["id"] == "T13")
    assert t13 == lookup("T13").as_dict()
    for lang, heading in (("en", "Sources cited"), ("he", "המקורות שצוטטו")):
        page = build_report(result, lang=lang)
        assert f"<h2>{heading}</h2>" in page
        rows = re.findall(r'<tr id="src-([^"]+)">', page)
        assert rows == [i.replace(" ", "-") for i in ids]
        for sid in ids:
            e = lookup(sid)
            if e.url:  # clickable, to the entry's own link
                assert f'href="{e.url.replace("&", "&amp;")}"' in page, sid
    en = build_report(result, lang="en")
    he = build_report(result, lang="he")
    # the English report shows the title as published, marked English; the Hebrew one the
    # project's translation (so its column says), the published title only as the tooltip
    published = '<cite lang="en" dir="ltr">Veridis Afula sorting plant (2021)</cite>'
    assert published in en
    assert published not in he
    assert "(תרגום)" in he
    t13 = lookup("T13")
    link = f'<a class="src" href="{t13.url}" title="{t13.title}">'
    assert f'{link}<span class="src-he" dir="rtl">{t13.title_he}</span></a>' in he
    assert "Veridis Afula" not in he.replace(link, "")
    assert lookup("DOMAIN 8.6").title_he in he
    assert "לא נמצא מקור" in he
    he_entry = next(e for e in manifest(result, {})["cited_sources"] if e["id"] == "T13")
    assert he_entry["title"] == t13.title
    assert he_entry["title_he"] == t13.title_he


HEBREW = re.compile(r"[\u0590-\u05ff]")
LATIN = re.compile(r"[A-Za-z]")


def test_every_publication_has_a_hebrew_description():
    """data/sources_he.csv: each publication's description in Hebrew, proper names that have
    no Hebrew form (EPA, Waste360, SR2015 No 4, file names) kept in Latin."""
    build = _build_module()
    table = build.hebrew_sources()
    pubs = {k: e for k, e in catalogue().items() if e.kind == "source"}
    assert len(pubs) > 80
    assert set(table) == set(pubs)  # one row per publication, nothing else
    for sid, e in pubs.items():
        assert e.title_he == table[sid], sid
        he = len(HEBREW.findall(e.title_he))
        latin = len(LATIN.findall(e.title_he))
        assert he / (he + latin) > 0.5, (sid, e.title_he)
        if e.same_as:
            assert e.title_he.startswith(f"זהה ל-{e.same_as}"), sid
        # every number of the entry, as DOMAIN gives it
        missing = [n for n in re.findall(r"\d+(?:[.,]\d+)*", e.title) if n not in e.title_he]
        assert missing == [], sid
    assert lookup("T13").title_he == "מפעל המיון של ורידיס בעפולה (2021)"
    # publishers by their Hebrew name where they have one, else as named
    for e in pubs.values():
        if e.publisher_he:
            assert e.publisher, e.id
            he = len(HEBREW.findall(e.publisher_he))
            assert he / (he + len(LATIN.findall(e.publisher_he))) > 0.5, e.id
    assert lookup("S1").display_publisher("he") == "המשרד להגנת הסביבה"
    assert lookup("S1").display_publisher("en") == "MoEP"
    assert lookup("V4").display_publisher("he") == "Waste360"  # no Hebrew form
    assert "SR2015 No 4" in lookup("T8").title_he


def test_a_surveyed_plot_named_like_a_source_is_not_a_citation(result):
    import dataclasses

    notes = (*result.notes, "site P5 is next to a school")
    cand = result.candidates.copy()
    cand.loc[cand.index[0], "id"] = "P5"
    renamed = dataclasses.replace(result, notes=notes, candidates=cand)
    assert "P5" not in cited_ids(renamed)
    plain = dataclasses.replace(result, notes=(*result.notes, "(see V9)"))
    assert "V9" in cited_ids(plain)


def test_an_id_the_catalogue_lacks_is_kept_apart_in_the_manifest(result):
    import dataclasses

    odd = dataclasses.replace(result, notes=(*result.notes, "zone from layer (M9)"))
    man = manifest(odd, {})
    assert man["cited_sources_unknown"] == ["M9"]
    assert "M9" not in [e["id"] for e in man["cited_sources"]]


def test_the_catalogue_is_package_data():
    text = (Path(cat_mod.__file__).parent / "catalogue.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == list(catalogue())
    # the wheel ships every file under siting/ (hatch), and nothing excludes the table
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["siting"]' in pyproject
    assert "exclude" not in pyproject.split("[tool.hatch.build.targets.wheel]")[1].split("[")[0]
