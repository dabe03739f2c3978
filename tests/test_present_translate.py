"""Every word in the reader's language: the Hebrew report and map are Hebrew, measured."""

from __future__ import annotations

import html
import re

import pytest

from siting.decide import default_scenario, run
from siting.present.report import build_report
from siting.present.translate import translate, translator

HEBREW = re.compile(r"[\u0590-\u05ff]")
LATIN = re.compile(r"[A-Za-z]")


def hebrew_share(text: str) -> float:
    """Hebrew letters / (Hebrew + Latin letters)."""
    he, la = len(HEBREW.findall(text)), len(LATIN.findall(text))
    return he / (he + la) if he + la else 0.0


def visible_text(page: str) -> str:
    """The text of an HTML page a reader sees (no tags, styles, scripts or data URIs)."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


def test_every_note_source_solver_and_reason_of_the_default_run_is_translated(result):
    tr = translator(result, "he")
    texts = [*result.notes, *result.region.sources]
    for res in result.results.values():
        texts.append(res.solver)
        texts += [r for r in res.ranking["exclusion_reason"].dropna().unique() if r]
    for text in texts:
        # file paths and column ids may stay Latin; everything else is Hebrew
        words = re.sub(r"[\w./-]*[/_][\w./-]*", " ", tr(text))
        assert hebrew_share(words) > 0.6, text
    assert tr(result.notes[0]) != result.notes[0]
    assert translate(result.notes[0], "en") == result.notes[0]  # English unchanged


def test_exclusion_reason_names_become_hebrew(result):
    tr = translator(result, "he")
    assert tr("on Megiddo land (not a member)") == "על אדמת מגידו (לא חברה באשכול)"


def test_hebrew_report_is_at_least_80_percent_hebrew(result):
    # the plain measure over all the visible text, the sources table included (its
    # descriptions are the project's Hebrew translation; published titles are tooltips only)
    page = build_report(result, lang="he", figures={}, files=[], top_n=10, date="2026-01-01")
    assert hebrew_share(visible_text(page)) >= 0.80
    english = build_report(result, lang="en", figures={}, files=[], top_n=10, date="2026-01-01")
    assert hebrew_share(visible_text(english)) < 0.2  # the measure can fail


def test_every_sensitivity_parameter_has_a_human_label(result):
    from siting.present.i18n import param_label

    params = result.sensitivity["parameter"].astype(str).unique()
    assert len(params) > 5
    for p in params:
        he = param_label(p, "he")
        assert "_" not in he
        assert hebrew_share(he) > 0.6, p
        assert param_label(p, "en") != p.replace("_", " ") or ":" in p, p
    assert param_label("weight:equity", "he") == "משקל: שוויון בין רשויות"
