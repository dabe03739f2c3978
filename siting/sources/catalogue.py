"""The sources the outputs cite, as a table a reader can open.

Every default in :mod:`siting.params`, every note and every criterion text cites its
source by id: ``T13``, ``V3``, ``C5``, ``DOMAIN 8.6``...  The ids come from the project's
domain research (``shared/DOMAIN.md``): section 9 lists the publications, section 8 the
things no source could be found for (cited as ``DOMAIN 8.<n>``), the other sections are
cited as ``DOMAIN <n>``.  The package ships them as ``catalogue.csv`` beside this module
(rebuilt from DOMAIN.md by ``data/build_sources.py``), one row per id: ``id, kind, topic,
title, title_he, publisher, publisher_he, year, url, other_urls, same_as, note``; publisher
and year only where the entry gives them (``publisher_he`` where the publisher has a Hebrew
name); ``title`` as DOMAIN gives it (a publication's title or description, in its
language), ``title_he`` the project's own Hebrew rendering of every entry (for a
publication a translation of its description, ``data/sources_he.csv``).

:func:`lookup` finds one id, :func:`find_ids` the ids a text cites, and :func:`cited_ids`
those a run cites (its parameters' sources and notes, the run's notes, data sources,
solver and cost-model texts, exclusion reasons and sensitivity sources), which the
manifest and the report list with :func:`entries`.

Examples
--------
>>> lookup("T13").title
'Veridis Afula sorting plant (2021)'
>>> find_ids("250 m (T8; Israeli distances unsourced, DOMAIN 8.1, 8.3)")
['T8', 'DOMAIN 8.1', 'DOMAIN 8.3']
>>> lookup("DOMAIN 8.6").kind
'unsourced'
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

from siting.errors import SitingError

__all__ = [
    "CATALOGUE_FILE",
    "KINDS",
    "SourceEntry",
    "UnknownSourceError",
    "catalogue",
    "cited_ids",
    "entries",
    "find_ids",
    "lookup",
]

CATALOGUE_FILE = "catalogue.csv"

#: ``source``: a publication; ``unsourced``: DOMAIN §8, nothing found; ``section``: DOMAIN.
KINDS = ("source", "unsourced", "section")


class UnknownSourceError(SitingError):
    """A source id that the catalogue does not define."""


@dataclasses.dataclass(frozen=True)
class SourceEntry:
    """One catalogue row (see the module docstring); empty strings where DOMAIN gives none."""

    id: str
    kind: str
    topic: str
    title: str
    title_he: str
    publisher: str
    publisher_he: str
    year: str
    url: str
    other_urls: tuple[str, ...]
    same_as: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready fields (``other_urls`` a list; empty fields kept)."""
        out = dataclasses.asdict(self)
        out["other_urls"] = list(self.other_urls)
        return out

    def display_title(self, lang: str = "en") -> str:
        """The title in ``lang``: the project's Hebrew rendering where there is one,
        otherwise the title as DOMAIN gives it."""
        return self.title_he if lang == "he" and self.title_he else self.title

    def display_publisher(self, lang: str = "en") -> str:
        """The publisher in ``lang``: its Hebrew name where it has one, else as named."""
        return self.publisher_he if lang == "he" and self.publisher_he else self.publisher


@functools.cache
def catalogue() -> dict[str, SourceEntry]:
    """Every id of the shipped catalogue, in its order (DOMAIN sections, §8, §9)."""
    text = resources.files("siting.sources").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    out: dict[str, SourceEntry] = {}
    for i, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        if row.get("kind") not in KINDS or not row.get("id"):
            raise SitingError(
                f"{CATALOGUE_FILE} line {i}: field 'kind' must be one of {', '.join(KINDS)} "
                f"and 'id' set (got {row.get('id')!r}, {row.get('kind')!r}); rebuild it with "
                "data/build_sources.py"
            )
        out[row["id"]] = SourceEntry(
            id=row["id"],
            kind=row["kind"],
            topic=row["topic"],
            title=row["title"],
            title_he=row["title_he"],
            publisher=row["publisher"],
            publisher_he=row["publisher_he"],
            year=row["year"],
            url=row["url"],
            other_urls=tuple(row["other_urls"].split()),
            same_as=row["same_as"],
            note=row["note"],
        )
    return out


def lookup(source_id: str) -> SourceEntry:
    """The catalogue entry of ``source_id``; :class:`UnknownSourceError` when it has none."""
    cat = catalogue()
    key = source_id.strip()
    if key not in cat:
        raise UnknownSourceError(
            f"source id {source_id!r} is not in the catalogue (siting/sources/{CATALOGUE_FILE}, "
            "built from shared/DOMAIN.md by data/build_sources.py)"
        )
    return cat[key]


# "DOMAIN 8.4, 8.6" / "DOMAIN 1e" / "DOMAIN 5"; publication ids "S1".."M6", "T7b"
_DOMAIN = re.compile(
    r"\bDOMAIN\s+(\d+(?:\.\d+|[a-z])?)((?:\s*(?:,|and)\s*\d+\.\d+(?![\d.]))*)(?![\w.])"
)
_PUB = re.compile(r"(?<![\w./#-])([SVTPRCM]\d{1,2}b?)(?![\w/-]|:\d)")


def find_ids(text: str, *, exclude: Iterable[str] = ()) -> list[str]:
    """The source ids ``text`` cites, in order of first mention, each once.

    ``exclude`` lists tokens that are not source ids in this text (site or locality ids
    such as a surveyed plot ``P1``), skipped.

    Examples
    --------
    >>> find_ids("user (DOMAIN 8.4, 8.6: unsourced); DOMAIN 6 (M6), DOMAIN 5")
    ['DOMAIN 8.4', 'DOMAIN 8.6', 'DOMAIN 6', 'M6', 'DOMAIN 5']
    >>> find_ids("plot P1 is 20 m from homes (T8)", exclude={"P1"})
    ['T8']
    """
    skip = set(exclude)
    found: list[tuple[int, str]] = []
    for m in _DOMAIN.finditer(text):
        found.append((m.start(), f"DOMAIN {m[1]}"))
        for more in re.finditer(r"\d+\.\d+", m[2]):
            found.append((m.start(2) + more.start(), f"DOMAIN {more[0]}"))
    spans = [m.span() for m in _DOMAIN.finditer(text)]
    for m in _PUB.finditer(text):
        if m[1] in skip or any(a <= m.start() < b for a, b in spans):
            continue
        found.append((m.start(), m[1]))
    out: list[str] = []
    for _, sid in sorted(found, key=lambda x: x[0]):
        if sid not in out:
            out.append(sid)
    return out


def _run_texts(result: Any) -> list[str]:
    """Every text of a run that may cite a source (see :func:`cited_ids`)."""
    from siting.params import sources_table

    s = result.scenario
    groups = [s.waste, s.truck, s.search, s.scoring, s.sensitivity]
    cm_params = getattr(s.cost_model, "params", None)
    if cm_params is not None:
        groups.append(cm_params)
    texts = [f"{r['source']} {r['note']}" for r in sources_table(*groups)]
    texts += [str(x) for x in (*result.notes, *result.region.sources)]
    texts.append(str(getattr(result.costs, "description", "")))
    for res in result.results.values():
        texts.append(str(res.solver))
        rk = res.ranking
        if "exclusion_reason" in rk.columns:
            texts += [str(x) for x in rk["exclusion_reason"].dropna().unique() if x]
    sens = getattr(result, "sensitivity", None)
    if sens is not None and "source" in getattr(sens, "columns", ()):
        texts += [str(x) for x in sens["source"].dropna().unique()]
    return texts


def cited_ids(result: Any) -> list[str]:
    """The source ids a run cites, in catalogue order, with what they stand for.

    Scanned: the source and note of every parameter (as in the manifest's ``parameters``),
    the run's notes and data sources, the cost model's description, each facility's solver
    text and exclusion reasons, and the sensitivity table's sources.  Candidate and
    locality ids of the run are not source ids (a surveyed plot may be called ``P1``).
    An id defined as another (``C1 = V6``) brings that one too.  Ids the catalogue lacks
    are kept, so a caller (and the tests) can see them: :func:`entries` refuses them.
    """
    exclude = {str(x) for x in result.candidates["id"]} | {str(x) for x in result.localities["id"]}
    ids: list[str] = []
    for text in _run_texts(result):
        for sid in find_ids(text, exclude=exclude):
            if sid not in ids:
                ids.append(sid)
    cat = catalogue()
    for sid in list(ids):
        alias = cat[sid].same_as if sid in cat else ""
        if alias and alias not in ids:
            ids.append(alias)
    order = {k: i for i, k in enumerate(cat)}
    kind_rank = {k: i for i, k in enumerate(KINDS)}
    return sorted(
        ids,
        key=lambda k: (
            kind_rank[cat[k].kind] if k in cat else -1,
            order.get(k, -1),
        ),
    )


def entries(ids: Sequence[str]) -> list[SourceEntry]:
    """The catalogue entries of ``ids``; :class:`UnknownSourceError` names any it lacks."""
    missing = [i for i in ids if i not in catalogue()]
    if missing:
        raise UnknownSourceError(
            f"source id(s) {', '.join(missing)} cited but not in the catalogue "
            f"(siting/sources/{CATALOGUE_FILE}); add them to shared/DOMAIN.md §9 and run "
            "data/build_sources.py"
        )
    return [lookup(i) for i in ids]
