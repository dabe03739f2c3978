"""Hebrew for the English text a run writes: notes, solver lines, exclusion reasons, sources.

The decision layer writes its notes, solver descriptions and exclusion reasons in English
(they go to the CLI, the manifest and the CSVs unchanged).  A Hebrew map or report passes
them through :func:`translate`, which knows the patterns the package writes (a regular
expression with the numbers and names it captures, and a Hebrew template).  Text no
pattern knows is kept as written, so a new note is never lost, only left in English;
``tests/test_present_translate.py`` measures the share of Hebrew letters that results.

Names are looked up in ``names`` (English → Hebrew, e.g. from the region's authorities
and jurisdictions); a name without a Hebrew form stays as it is.

Examples
--------
>>> translate("within 250 m buffer of homes (Caesarea)", "he", {"Caesarea": "קיסריה"})
'בטווח 250 מ׳ ממגורים (קיסריה)'
>>> translate("anything else", "he")
'anything else'
>>> translate("within 250 m buffer of homes (x)", "en")
'within 250 m buffer of homes (x)'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from siting.present.i18n import Lang, column_label

if TYPE_CHECKING:
    from siting.decide.scenario import RunResult

__all__ = ["hebrew_names", "translate", "translator"]

_MONTHS = {
    "Jan": "ינואר",
    "Feb": "פברואר",
    "Mar": "מרץ",
    "Apr": "אפריל",
    "May": "מאי",
    "Jun": "יוני",
    "Jul": "יולי",
    "Aug": "אוגוסט",
    "Sep": "ספטמבר",
    "Oct": "אוקטובר",
    "Nov": "נובמבר",
    "Dec": "דצמבר",
}
_FACILITY = {"waste_station": "תחנת מיון פסולת", "truck_lot": "חניון משאיות"}


def _date(text: str) -> str:
    return re.sub(
        r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", lambda m: _MONTHS[m[1]], text
    )


def _fac(name: str) -> str:
    return _FACILITY.get(name, name)


def _crit(name: str) -> str:
    return column_label(name.strip(), Lang.HE)


def _weights(listing: str) -> str:
    parts = []
    for item in listing.split(","):
        m = re.fullmatch(r"\s*(\w+) ([\d.]+)\s*", item)
        parts.append(f"{_crit(m[1])} {m[2]}" if m else item.strip())
    return ", ".join(parts)


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str], Callable[[str], str]], str]]

_RULES: list[_Rule] = [
    # notes (siting.decide, siting.costs, siting.sources)
    (
        re.compile(
            r"Travel costs are APPROXIMATE: crow-fly distance × circuity ([\d.]+) at "
            r"([\d.]+) km/h \(APPROXIMATE: no road network loaded\)\.?"
        ),
        lambda m, n: (
            f"עלויות הנסיעה משוערות: מרחק אווירי × מקדם עקמומיות {m[1]} במהירות {m[2]} "
            "קמ״ש (משוער: לא נטענה רשת כבישים)."
        ),
    ),
    (
        re.compile(
            r"Jurisdiction boundaries are the Ministry of Interior's \((.+?)\), simplified "
            r"at ([\d.]+) m \(each authority's area within ([\d.]+) % of the official "
            r"layer\)\.?"
        ),
        lambda m, n: (
            f"גבולות השיפוט הם של משרד הפנים ({_date(m[1])}), מפושטים ב־{m[2]} מ׳ (שטח "
            f"כל רשות בטווח {m[3]}% מהשכבה הרשמית)."
        ),
    ),
    (
        re.compile(
            r"(\w+): criterion '(\w+)' has no data for any eligible site; its weight "
            r"([\d.]+) is spread over the other criteria\.?"
        ),
        lambda m, n: (
            f"{_fac(m[1])}: לקריטריון ״{_crit(m[2])}״ אין נתונים לאף אתר כשיר; משקלו "
            f"{m[3]} חולק בין שאר הקריטריונים."
        ),
    ),
    (
        re.compile(
            r"(\w+): the rank interval over the weight draws is given for single-site "
            r"plans only; p_in_plan is each site's share of draws whose optimal plan "
            r"has it\.?"
        ),
        lambda m, n: (
            f"{_fac(m[1])}: טווח הדירוג בהגרלות המשקלות ניתן לתוכניות של אתר יחיד בלבד; "
            "לכל אתר מוצג שיעור ההגרלות שבהן הוא בתוכנית המיטבית."
        ),
    ),
    (
        re.compile(
            r"Candidate sites are ([\d,.]+) m hexagonal search cells, not surveyed plots; "
            r"built-up areas are approximated from locality populations at ([\d,.]+) "
            r"residents/km² \(assumption\)\.?"
        ),
        lambda m, n: (
            f"האתרים המועמדים הם תאי חיפוש משושים של {m[1]} מ׳, לא מגרשים שנסקרו; "
            f"השטחים הבנויים מוערכים מאוכלוסיית היישובים לפי {m[2]} תושבים לקמ״ר (הנחה)."
        ),
    ),
    (
        re.compile(
            r"Savings compare with a status quo in which every member authority's "
            r"compactors haul directly to (.+?) \((\w+); located at (.+?)'s CBS locality "
            r"centre, an approximation\) unless set per authority; with a station, cost "
            r"= collection haul at ([\d.]+) ILS/t·km \(assumption\) \+ transfer trailer "
            r"leg at ([\d.]+) × ([\d.]+) t / ([\d.]+) t per t·km \(equal cost per "
            r"vehicle-km, (\w+)\); the station's own operating cost is NOT deducted "
            r"\(haul saving only\)\.?"
        ),
        lambda m, n: (
            f"החיסכון מחושב לעומת המצב הקיים, שבו הדחסניות של כל רשות חברה מובילות "
            f"ישירות אל {n(m[1])} ({m[2]}; ממוקם במרכז היישוב {n(m[3])} לפי הלמ״ס, קירוב) אלא אם "
            f"נקבע אחרת לרשות; עם תחנה, העלות = הובלת איסוף ב־{m[4]} ₪ לטון·ק״מ (הנחה) + הובלת "
            f"העברה בגרור ב־{m[5]} × {m[6]} ט׳ / {m[7]} ט׳ לטון·ק״מ (עלות שווה לק״מ רכב, {m[8]}); "
            "עלות התפעול של התחנה עצמה אינה מנוכה (חיסכון בהובלה בלבד)."
        ),
    ),
    (
        re.compile(
            r"Trucks to park are ESTIMATED for (\d+) authorities at ([\d.]+) per 1,000 "
            r"residents \(assumption\); give counts per authority \(trucks_by_authority\)"
            r"\. CBS (\d+) non-private motor vehicles \(\w+\) are only an upper bound: "
            r"they include buses, vans and motorcycles\.?"
        ),
        lambda m, n: (
            f"מספר המשאיות לחניה מוערך עבור {m[1]} רשויות לפי {m[2]} לכל 1,000 תושבים "
            "(הנחה); אפשר לתת מספרים לכל רשות בתרחיש. כלי הרכב המנועיים הלא־פרטיים של הלמ״ס "
            f"({m[3]}) הם חסם עליון בלבד: הם כוללים אוטובוסים, טנדרים ואופנועים."
        ),
    ),
    (
        re.compile(r"(\w+) weights \(default \(assumption\)\): (.+?)\.?"),
        lambda m, n: f"משקלות {_fac(m[1])} (ברירת מחדל, הנחה): {_weights(m[2])}.",
    ),
    (
        re.compile(r"(\w+) weights \((.+?)\): (.+?)\.?"),
        lambda m, n: f"משקלות {_fac(m[1])} ({m[2]}): {_weights(m[3])}.",
    ),
    (
        re.compile(
            r"Access to a main road is not assessed: the cost model reports no distance "
            r"from sites to the road network \(.*\)\.?"
        ),
        lambda m, n: (
            "הגישה לכביש ראשי לא הוערכה: מודל העלויות אינו מדווח על מרחק מהאתרים לרשת הכבישים."
        ),
    ),
    # solver lines (siting.decide.choose)
    (
        re.compile(
            r"weighted plan of (\d+) site\(s\) over (\d+) eligible sites: exact "
            r"enumeration of every (site|pair of sites), proven optimal"
        ),
        lambda m, n: (
            f"תוכנית משוקללת של {m[1]} אתרים מתוך {m[2]} אתרים כשירים: מנייה מלאה של "
            f"{'כל האתרים' if m[3] == 'site' else 'כל זוגות האתרים'}, אופטימליות מוכחת"
        ),
    ),
    (
        re.compile(
            r"weighted plan of (\d+) site\(s\) over (\d+) eligible sites: exact bounded "
            r"enumeration of the pairs of sites \((\d+) of (\d+) sites' pairs evaluated, the "
            r"others' lower bounds above the best pair\), proven optimal"
        ),
        lambda m, n: (
            f"תוכנית משוקללת של {m[1]} אתרים מתוך {m[2]} אתרים כשירים: מנייה מדויקת וחסומה "
            f"של זוגות האתרים (נבדקו הזוגות של {m[3]} מתוך {m[4]} אתרים; החסם התחתון של "
            "האחרים גבוה מהזוג הטוב ביותר), אופטימליות מוכחת"
        ),
    ),
    # exclusion reasons (siting.candidates)
    (
        re.compile(r"within ([\d,.]+) m buffer of homes \((.+)\)"),
        lambda m, n: f"בטווח {m[1]} מ׳ ממגורים ({n(m[2])})",
    ),
    (
        re.compile(r"on (.+) land \((a member|not a member)\)"),
        lambda m, n: f"על אדמת {n(m[1])} ({'חברה' if m[2] == 'a member' else 'לא חברה באשכול'})",
    ),
    (
        re.compile(r"outside any municipal jurisdiction \((.+)\)"),
        lambda m, n: f"מחוץ לכל תחום שיפוט מוניציפלי ({n(m[1])})",
    ),
    (re.compile(r"plot smaller than ([\d.,]+) m²"), lambda m, n: f"מגרש קטן מ־{m[1]} מ״ר"),
    (re.compile(r"not offered for (\w+)"), lambda m, n: f"לא הוצע עבור {_fac(m[1])}"),
    (re.compile(r"in the sea \((.+)\)"), lambda m, n: f"בים ({n(m[1])})"),
    (re.compile(r"outside Israeli jurisdiction"), lambda m, n: "מחוץ לתחום השיפוט הישראלי"),
    (
        re.compile(r"outside the extent of the jurisdiction layer"),
        lambda m, n: "מחוץ לתחום שכבת השיפוט",
    ),
    (re.compile(r"outside the region's authorities"), lambda m, n: "מחוץ לרשויות האזור"),
]

# data sources of the embedded region: phrase → Hebrew, applied in order
_PHRASES = [
    ("Authorities:", "רשויות:"),
    ("Localities:", "יישובים:"),
    ("Boundaries:", "גבולות:"),
    ("CBS 'Local Authorities in Israel 2021'", "הלמ״ס, ״הרשויות המקומיות בישראל 2021״"),
    ("(kg/person/day, vehicles)", "(ק״ג לנפש ליום, כלי רכב)"),
    (
        "member residents from the cluster's 2024 newsletter",
        "תושבי הרשויות החברות: עלון האשכול 2024",
    ),
    ("membership from Ministry of Interior jurisdictions", "חברוּת: תחומי שיפוט של משרד הפנים"),
    ("CBS localities file 2021", "קובץ היישובים של הלמ״ס 2021"),
    (
        "(codes, names, centre coordinates, population end 2021)",
        "(סמלים, שמות, קואורדינטות מרכז, אוכלוסייה בסוף 2021)",
    ),
    ("Ministry of Interior jurisdiction areas", "תחומי השיפוט של משרד הפנים"),
    ("simplified at ", "מפושטים ב־"),
    ("with shared borders kept", "תוך שמירה על גבולות משותפים"),
    ("Israeli government open data", "מידע פתוח של ממשלת ישראל"),
]


def hebrew_names(result: RunResult) -> dict[str, str]:
    """English → Hebrew names of the region's authorities, jurisdictions and localities."""
    names: dict[str, str] = {}
    region = result.region
    frames = [region.authorities, region.extra.get("jurisdictions"), result.localities]
    for frame in frames:
        if frame is None or "name_en" not in frame:
            continue
        he = frame["name_he"] if "name_he" in frame else frame.get("name")
        if he is None:
            continue
        for en, h in zip(frame["name_en"], he, strict=True):
            if isinstance(en, str) and isinstance(h, str) and en and h:
                names.setdefault(en, h)
    return names


def translate(text: Any, lang: Lang | str, names: Mapping[str, str] | None = None) -> str:
    """``text`` in the reader's language: Hebrew for the patterns the package writes.

    English, and text no pattern knows, come back unchanged.
    """
    s = "" if text is None else str(text)
    if Lang.parse(lang) is not Lang.HE or not s:
        return s
    lookup = names or {}

    def name(x: str) -> str:
        if x in lookup:
            return lookup[x]
        he = lookup.get(f"No Jurisdiction - {x}")  # the reason drops this prefix
        return re.sub(r"^ללא שיפוט\s*-\s*", "", he) if he else x

    for pattern, template in _RULES:
        m = pattern.fullmatch(s.strip())
        if m:
            return template(m, name)
    out = s
    for en, he in _PHRASES:
        out = out.replace(en, he)
    if out != s:
        out = re.sub(r"(\d) m\b", "\\1 מ׳", out)
    return _date(out) if out != s else out


def translator(result: RunResult, lang: Lang | str) -> Callable[[Any], str]:
    """``translate`` bound to a run's names and a language."""
    lang = Lang.parse(lang)
    names = hebrew_names(result) if lang is Lang.HE else {}
    return lambda text: translate(text, lang, names)
