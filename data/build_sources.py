"""Rebuild the source catalogue ``siting/sources/catalogue.csv`` from the project's domain research.

Run from the repository root with ../shared/DOMAIN.md present:

    python data/build_sources.py

The outputs cite source ids (``T13``, ``V3``, ``DOMAIN 8.6``...) that are defined in
``../shared/DOMAIN.md`` (the project's domain research, not shipped): section 9 "Sources
(title — URL)" holds one entry per id, section 8 "Things I could not source" the numbered
gaps cited as ``DOMAIN 8.<n>``, and the other headings the sections cited as
``DOMAIN <n>`` / ``DOMAIN 1e``.  This script turns them into one small table the
package ships (:mod:`siting.sources.catalogue` reads it), one row per id:

``id``          the id as cited (``S1`` … ``M6``, ``T7b``, ``DOMAIN 8.6``, ``DOMAIN 1e``)
``kind``        ``source`` (a publication), ``unsourced`` (DOMAIN §8: no source was found)
                or ``section`` (a section of the domain research)
``topic``       the heading the entry is listed under in DOMAIN §9
``title``       the entry's text before its first link, as DOMAIN gives it
``title_he``    the project's own Hebrew rendering: of its own text (sections, §8 gaps:
                :data:`HEBREW_TITLES`) and of each publication's description
                (``data/sources_he.csv``, hand-kept, one row per §9 id: a translation of
                the entry's text, not a published title; :func:`hebrew_sources`)
``publisher``   the publishing body or outlet, only where the entry names it (:data:`PUBLISHERS`;
                every value is checked to occur in the entry's text)
``publisher_he`` the publisher's Hebrew name where it has one (:data:`PUBLISHERS_HE`),
                empty for names with no Hebrew form (Waste360, OECD, Valhalla...)
``year``        the first year the entry's title names (publication or data year, as given),
                empty when it names none or :data:`NO_YEAR` says the year is not the
                publication's
``url``         the first link; ``other_urls`` the rest, space-separated
``same_as``     for entries DOMAIN defines as another id (``C1 = V6``)
``note``        what a reader should know: links DOMAIN gives truncated, gaps, aliases

Nothing is invented: an empty cell means DOMAIN.md does not give it.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "DOMAIN.md"
OUT = Path(__file__).resolve().parents[1] / "siting" / "sources" / "catalogue.csv"
HEBREW_SOURCES = Path(__file__).resolve().parent / "sources_he.csv"

FIELDS = (
    "id",
    "kind",
    "topic",
    "title",
    "title_he",
    "publisher",
    "publisher_he",
    "year",
    "url",
    "other_urls",
    "same_as",
    "note",
)

#: The publisher or outlet of an entry, where its text names one (checked: a substring).
PUBLISHERS = {
    "S1": "MoEP",
    "S2": "MoEP",
    "S3": "CBS",
    "S4": "MoEP",
    "S5": "Haaretz",
    "S6": "Haaretz",
    "S7": "Bokra",
    "S8": "Sustainability Outlook 2030",
    "S9": "Waste Mgmt & Research",
    "S10": "The Ministry of Environmental Protection",
    "S11": "OECD",
    "S12": "Port2Port",
    "V1": "Commercial Motor",
    "V2": "Transport Engineer",
    "V3": "CRC",
    "V4": "Waste360",
    "V5": "Encyclopedia.com",
    "V6": "World Bank",
    "V7": "Olver Inc.",
    "V8": "eHow",
    "V9": "Waste360",
    "V10": "Waste360",
    "V13": "The Pulse",
    "V14": "Samuel Neaman Institute",
    "V15": "MoEP",
    "T1": "US EPA",
    "T2": "US EPA",
    "T3": "Orange County NC",
    "T5": "Waste Today",
    "T6": "Waste Advantage",
    "T8": "UK Environment Agency",
    "T10": "MoEP",
    "T14": "Haaretz",
    "T15": "BlueGen",
    "T20": "Infospot",
    "T21": "Sharon-Carmel Cities Association",
    "P1": "Flashnet",
    "P2": "Haaretz",
    "P3": "JPost",
    "P4": "Karmiel municipality",
    "P7": "Port2Port",
    "P8": "TRL",
    "P11": "Valhalla",
    "P12": "MDS Transmodal",
    "P13": "Commercial Motor",
    "P15": "DfT",
    "P16": "CBS",
    "R3": "openrouteservice",
    "R4": "OSM wiki",
    "C5": "FTB Chambers",
    "C6": "NAP Slovenia",
    "M4": "Env. Modelling & Software",
    "M6": "DCLG",
}

#: The Hebrew name of a publisher that has one (the others stay as named: no Hebrew form).
PUBLISHERS_HE = {
    "MoEP": "המשרד להגנת הסביבה",
    "The Ministry of Environmental Protection": "המשרד להגנת הסביבה",
    "CBS": "הלמ״ס",
    "Haaretz": "הארץ",
    "World Bank": "הבנק העולמי",
    "Samuel Neaman Institute": "מוסד שמואל נאמן",
    "US EPA": "הסוכנות להגנת הסביבה של ארה״ב (US EPA)",
    "Orange County NC": "מחוז אורנג׳, צפון קרוליינה",
    "UK Environment Agency": "הסוכנות הסביבתית של בריטניה",
    "Sharon-Carmel Cities Association": "איגוד ערים שרון-כרמל",
    "JPost": "ג׳רוזלם פוסט",
    "Karmiel municipality": "עיריית כרמיאל",
    "DfT": "משרד התחבורה הבריטי (DfT)",
    "OSM wiki": "ויקי OSM",
    "NAP Slovenia": "נקודת הגישה הלאומית של סלובניה (NAP)",
    "DCLG": "משרד הקהילות והשלטון המקומי של בריטניה (DCLG)",
}

#: Hebrew for the project's own text: DOMAIN's section headings and §8 gaps (the
#: publications' Hebrew descriptions are in ``data/sources_he.csv``).
HEBREW_TITLES = {
    "DOMAIN 1": "טבלת הפרמטרים",
    "DOMAIN 1a": "כמויות הפסולת והרכבה",
    "DOMAIN 1b": "כלי רכב וכלכלת ההובלה",
    "DOMAIN 1c": "גודל תחנת המעבר / המיון ומרחקי ההפרדה",
    "DOMAIN 1d": "חניית רכב כבד",
    "DOMAIN 1e": "מהירויות משאיות לפי סוג דרך",
    "DOMAIN 1f": "כיסוי ונגישות",
    "DOMAIN 2": "אמות מידה לאיתור: תחנת מעבר / מיון פסולת",
    "DOMAIN 2.1": "אמות מידה פוסלות (ממפים אותן ראשונות ומוציאים משטח החיפוש), במבנה המדריך של "
    "ה-EPA",
    "DOMAIN 2.2": "אמות מידה טכניות",
    "DOMAIN 2.3": "אמות מידה קהילתיות: מסכימים עליהן ומדרגים אותן לפני שהאתרים ידועים",
    "DOMAIN 2.4": "תהליך",
    "DOMAIN 3": "אמות מידה לאיתור: חניון רכב כבד",
    "DOMAIN 4": "הגבלות משאיות: תגיות OSM",
    "DOMAIN 5": "מוסכמות של מודלי כיסוי",
    "DOMAIN 6": "מוסכמות של ניתוח רב-קריטריוני (MCDA)",
    "DOMAIN 6.1": "הצגת ניתוח רגישות לוועדות",
    "DOMAIN 7": "הקשר אזורי ומשפטי שנמצא (רקע)",
    "DOMAIN 8": "דברים שלא נמצא להם מקור (דרושות החלטות או נתונים מקומיים)",
    "DOMAIN 9": "מקורות (כותר וקישור)",
    "DOMAIN 8.1": "מרחקים מספריים בתקנות רישוי עסקים (תחנת מעבר לפסולת), 1998, וכל מרחק הפרדה "
    "של תמ״א 1 לתחנות מעבר.",
    "DOMAIN 8.2": "שטח לכל טון ליום של תחנת מעבר או מיון, כנוסחה.",
    "DOMAIN 8.3": "מרחק הפרדה מרעש לחניוני משאיות; ערכי הגבול הישראליים בדציבל (נמצאו רק "
    "הגדרות היום והלילה).",
    "DOMAIN 8.4": "מרחק סביר מבית הנהג אל החניון.",
    "DOMAIN 8.5": "מספר כלי הרכב הכבדים (מעל 10 או 12 טון) בכל רשות באשכול.",
    "DOMAIN 8.6": "עלות הפעלה ישראלית של משאית לק״מ או לטון-ק״מ.",
    "DOMAIN 8.7": "מהירויות מסלול של רכבי איסוף.",
    "DOMAIN 8.8": "תקן כיסוי של 15 / 20 / 30 דקות ייעודי למתקני פסולת או לחניוני משאיות.",
    "DOMAIN 8.9": 'ייצור פסולת לכל אחת מעשר רשויות האשכול (קיים בלוחות הלמ״ס "הרשויות '
    'המקומיות בישראל", לא אוחזר).',
    "DOMAIN 8.10": "רוחב רצועת ההשפעה של נחלים ומישור ההצפה בתמ״א 1, והרדיוסים בפועל של "
    "אזורי המגן של קידוחים (נוסחאות תלויות אתר).",
    "DOMAIN 8.11": '"כלל האצבע" של מדריך ה-EPA למרחק מנתיבי האיסוף: הטקסט נקטע בקטע שאוחזר.',
}

#: Entries whose first year is a figure's year, not the publication's (left empty).
NO_YEAR = frozenset({"S1", "S6", "S7", "S8", "S13", "V13", "T7", "P16", "C5"})

_ID = re.compile(r"^(?P<id>[A-Z]\d{1,2}b?)\s+(?P<rest>.*)$")
_URL = re.compile(r"(?:https?://|(?<![\w/.])github\.com/)\S+")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?:[–-]\d{2}(?!\d))?(?!\d)")
_HEADING = re.compile(r"^#{2,3}\s+(?P<num>\d+(?:\.\d+|[a-z])?)\.?\s+(?P<title>.+?)\s*$")
_ALIAS = re.compile(r"^(?P<id>[A-Z]\d{1,2})\s*=\s*(?P<other>[A-Z]\d{1,2})\b\s*(?P<note>.*)$")


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "").replace("`", "")).strip(" ;,")


def _url(raw: str) -> str:
    url = raw if raw.endswith(("...", "…")) else raw.rstrip(".,;")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url if url.startswith("http") else "https://" + url


def _entry(eid: str, text: str, topic: str) -> dict[str, str]:
    first = _URL.search(text)
    cut = text.rfind(" — ", 0, first.start()) if first else text.find(" — ")
    title, links = (text[:cut], text[cut + 3 :]) if cut >= 0 else (text, "")
    urls = [_url(u) for u in _URL.findall(links)]
    years = [] if eid in NO_YEAR else _YEAR.findall(title)
    publisher = PUBLISHERS.get(eid, "")
    if publisher and publisher not in text:
        raise SystemExit(f"PUBLISHERS[{eid!r}] = {publisher!r} is not in its entry: {text}")
    notes = []
    if any("..." in u or "…" in u for u in urls):
        notes.append("DOMAIN.md gives the link truncated")
    if not urls:
        notes.append("no link: " + _clean(links) if links else "no link given")
    return {
        "id": eid,
        "kind": "source",
        "topic": topic,
        "title": _clean(title),
        "publisher": publisher,
        "publisher_he": PUBLISHERS_HE.get(publisher, ""),
        "year": years[0] if years else "",
        "url": urls[0] if urls else "",
        "other_urls": " ".join(urls[1:]),
        "same_as": "",
        "note": "; ".join(notes),
    }


def hebrew_sources(path: Path = HEBREW_SOURCES) -> dict[str, str]:
    """The project's Hebrew description of each publication, by id (``#`` lines are comments)."""
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    out: dict[str, str] = {}
    for row in csv.DictReader(lines):
        if row["id"] in out or not row["title_he"].strip():
            raise SystemExit(f"{path.name}: {row['id']} is given twice or empty")
        out[row["id"]] = row["title_he"].strip()
    return out


def parse(text: str) -> list[dict[str, str]]:
    """The catalogue rows of DOMAIN.md ``text`` (sections, §8 gaps, §9 sources)."""
    rows: list[dict[str, str]] = []
    section = ""
    topic = ""
    for line in text.splitlines():
        m = _HEADING.match(line)
        if m:
            section = m["num"]
            rows.append(
                {
                    "id": f"DOMAIN {section}",
                    "kind": "section",
                    "title": _clean(m["title"]),
                    "note": "a section of the project's domain research (shared/DOMAIN.md), "
                    "which gives the sources it rests on by id",
                }
            )
            continue
        if section == "8" and (m8 := re.match(r"^(\d+)\.\s+(.*)$", line)):
            rows.append(
                {
                    "id": f"DOMAIN 8.{m8[1]}",
                    "kind": "unsourced",
                    "title": _clean(m8[2]),
                    "note": "DOMAIN §8 'Things I could not source': no source was found; "
                    "the value used is an assumption the planner should set",
                }
            )
            continue
        if section != "9":
            continue
        if line.startswith("**") and line.rstrip().endswith("**"):
            topic = line.strip("* \n")
            continue
        if not line.startswith("- "):
            continue
        body = line[2:].strip()
        aliases = [_ALIAS.match(part.strip()) for part in body.split(";")]
        if all(aliases):
            for a in aliases:
                assert a is not None
                note = _clean(a["note"].strip("() "))
                rows.append(
                    {
                        "id": a["id"],
                        "kind": "source",
                        "topic": topic,
                        "title": f"= {a['other']}" + (f" ({note})" if note else ""),
                        "same_as": a["other"],
                        "note": f"DOMAIN defines {a['id']} as {a['other']}",
                    }
                )
            continue
        m = _ID.match(body)
        if not m:
            raise SystemExit(f"cannot read a source id from DOMAIN §9 line: {line}")
        # an entry may define a second id inside it ("…; T7b landfill buffer clause — url")
        parts = re.split(r"\s;\s(?=[A-Z]\d{1,2}b\s)", m["rest"])
        rows.append(_entry(m["id"], parts[0], topic))
        for part in parts[1:]:
            sub = _ID.match(part)
            assert sub is not None
            rows.append(_entry(sub["id"], sub["rest"], topic))
    ids = [r["id"] for r in rows]
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise SystemExit(f"ids defined twice in DOMAIN.md: {dup}")
    sources_he = hebrew_sources()
    stray = sorted(set(sources_he) - {r["id"] for r in rows if r["kind"] == "source"})
    if stray:
        raise SystemExit(f"{HEBREW_SOURCES.name} has ids DOMAIN §9 does not define: {stray}")
    for r in rows:
        if r["kind"] == "source":
            table, name = sources_he, HEBREW_SOURCES.name
        else:
            table, name = HEBREW_TITLES, "HEBREW_TITLES"
        if r["id"] not in table:
            raise SystemExit(f"no Hebrew title for {r['id']} ({r['title']}): add it to {name}")
        r["title_he"] = table[r["id"]]
    return [{f: r.get(f, "") for f in FIELDS} for r in rows]


def to_csv(rows: list[dict[str, str]]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def main() -> int:
    if not DOMAIN.exists():
        print(f"needs {DOMAIN} (the project's domain research)", file=sys.stderr)
        return 1
    rows = parse(DOMAIN.read_text(encoding="utf-8"))
    OUT.write_text(to_csv(rows), encoding="utf-8", newline="\n")
    kinds = {k: sum(r["kind"] == k for r in rows) for k in ("source", "unsourced", "section")}
    print(f"wrote {OUT} ({len(rows)} ids: {kinds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
