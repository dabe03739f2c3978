"""``columns.csv``: what every column of every CSV a run writes means, in the run's language.

One table, :data:`COLUMNS`, describes each column a run's CSV files can hold (by column
name, with per-file meanings where a name means something else in another file,
:data:`FILE_COLUMNS`, and patterns for the columns named after a criterion or a
percentile, :data:`PATTERNS`); :func:`legend` turns the headers a run actually wrote into
``file, column, unit, description`` rows.  A column with no description is an error
(:class:`MissingDescriptionError`), so a new column cannot ship undocumented.

Why CSV and not Markdown: the legend opens in the same spreadsheet as the tables it
describes, can be filtered by file or joined on ``column``, and is written by the same
code (spreadsheet-safe text, ``\\n`` line ends) as every other table of the run.

Examples
--------
>>> describe("ranking.csv", "saving_ils_per_year", "en")[0]
'ILS/yr'
>>> describe("ranking.csv", "contrib_cost", "he")[1][:9]
'נקודות הצ'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

import pandas as pd

from siting.errors import SitingError
from siting.outputs.sweep_columns import SWEEP_FILE_COLUMNS, SWEEP_PATTERNS, SWEEP_TABLES
from siting.present.i18n import Lang, column_label

__all__ = [
    "COLUMNS",
    "FILE_COLUMNS",
    "LEGEND_FILE",
    "PATTERNS",
    "UNITS",
    "MissingDescriptionError",
    "describe",
    "legend",
]

LEGEND_FILE = "columns.csv"

logger = logging.getLogger(__name__)


class MissingDescriptionError(SitingError):
    """A CSV column that :data:`COLUMNS` does not describe."""


#: unit key → (English, Hebrew)
UNITS: dict[str, tuple[str, str]] = {
    "": ("", ""),
    "text": ("text", "טקסט"),
    "id": ("id", "מזהה"),
    "bool": ("true/false", "אמת/שקר"),
    "rank": ("rank (1 = best)", "דירוג (1 = הטוב ביותר)"),
    "points": (
        "score points (100 = every criterion at its top anchor)",
        "נקודות ציון (100 = כל אמת מידה בעוגן העליון שלה)",
    ),
    "objective": ("the objective's unit", "יחידת פונקציית המטרה"),
    "share": ("share (0–1)", "שיעור (0–1)"),
    "ils_yr": ("ILS/yr", "₪ לשנה"),
    "tkm_yr": ("tonne-km/yr", "טון-ק״מ לשנה"),
    "km_day": ("truck-km/day", "משאית-ק״מ ליום"),
    "km": ("km", "ק״מ"),
    "min": ("min", "דק׳"),
    "m": ("m", "מ׳"),
    "m2": ("m²", "מ״ר"),
    "ratio": ("ratio", "יחס"),
    "count": ("count", "מספר"),
    "step_unit": ("given in 'unit'", "כמצוין בעמודה unit"),
}

# column → (unit key, English, Hebrew).  Figures of ranking.csv are the site's own
# (a plan of that one site) unless the description says "plan".
COLUMNS: dict[str, tuple[str, str, str]] = {
    "site_id": (
        "id",
        "Candidate site id (a cell of the hexagonal site search, or a surveyed plot).",
        "מזהה האתר המועמד (תא ברשת החיפוש המשושה, או מגרש שנסקר).",
    ),
    "facility": (
        "text",
        "Facility: waste_station (waste-sorting station) or truck_lot (truck parking lot).",
        "המתקן: waste_station (תחנת מיון פסולת) או truck_lot (חניון משאיות).",
    ),
    "rank": (
        "rank",
        "Rank of the best plan containing the site: the chosen sites are 1..k; empty for "
        "excluded sites.",
        "הדירוג של התוכנית הטובה ביותר הכוללת את האתר: האתרים שנבחרו הם 1..k; ריק לאתר שנפסל.",
    ),
    "score": (
        "points",
        "Weighted score of the best plan containing the site, each criterion normalised on "
        "fixed anchors.",
        "הציון המשוקלל של התוכנית הטובה ביותר הכוללת את האתר, כל אמת מידה מנורמלת על "
        "עוגנים קבועים.",
    ),
    "plan_value": (
        "objective",
        "Objective value of the best plan containing the site (score points for the weighted "
        "objective).",
        "ערך פונקציית המטרה של התוכנית הטובה ביותר הכוללת את האתר (נקודות ציון במטרה המשוקללת).",
    ),
    "plan_gap": (
        "objective",
        "How far that plan is below the recommended plan, in the objective's unit (0 for the "
        "chosen sites).",
        "בכמה התוכנית הזו נופלת מהתוכנית המומלצת, ביחידת פונקציית המטרה (0 לאתרים שנבחרו).",
    ),
    "plan_gap_ils_per_year": (
        "ils_yr",
        "The same gap in money: score points × what a point is worth at the cost weight "
        "(weighted objective with cost), or the cost gap itself (cost objective); else empty.",
        "אותו פער בכסף: נקודות ציון × שווי נקודה לפי משקל העלות (מטרה משוקללת עם עלות), או "
        "פער העלות עצמו (מטרת עלות); אחרת ריק.",
    ),
    "plan_sites": (
        "id",
        "Sites of the best plan containing the site, joined by '+'.",
        "האתרים של התוכנית הטובה ביותר הכוללת את האתר, מחוברים ב-'+'.",
    ),
    "chosen": (
        "bool",
        "True for the sites of the recommended plan.",
        "אמת לאתרי התוכנית המומלצת.",
    ),
    "p_in_plan": (
        "share",
        "Share of the Monte Carlo weight draws whose optimal plan contains the site.",
        "שיעור הגרלות המשקלות (מונטה קרלו) שבהן התוכנית האופטימלית כוללת את האתר.",
    ),
    "p_first": (
        "share",
        "Share of the weight draws in which the site ranks first.",
        "שיעור הגרלות המשקלות שבהן האתר מדורג ראשון.",
    ),
    "excluded": (
        "bool",
        "True when a hard constraint excludes the site.",
        "אמת כאשר אילוץ מחייב פוסל את האתר.",
    ),
    "exclusion_reason": (
        "text",
        "Why the site is excluded (buffer from homes, land not a member's, plot too small...).",
        "מדוע האתר נפסל (מרחק ממגורים, קרקע שאינה של רשות חברה, מגרש קטן מדי...).",
    ),
    "unreachable_from": (
        "id",
        "Localities that cannot reach the site on the road network.",
        "יישובים שאינם מגיעים לאתר ברשת הדרכים.",
    ),
    "haul_tkm_per_year": (
        "tkm_yr",
        "Collection haul from the localities to a station at this site alone.",
        "הובלת האיסוף מהיישובים לתחנה באתר זה בלבד.",
    ),
    "haul_cost_ils_per_year": (
        "ils_yr",
        "Cost of that collection haul.",
        "עלות הובלת האיסוף הזו.",
    ),
    "transfer_tkm_per_year": (
        "tkm_yr",
        "Transfer leg from the station to today's destination (the status-quo plant).",
        "מקטע ההעברה מהתחנה אל היעד של היום (המתקן הקיים).",
    ),
    "transfer_cost_ils_per_year": (
        "ils_yr",
        "Cost of the transfer leg.",
        "עלות מקטע ההעברה.",
    ),
    "total_cost_ils_per_year": (
        "ils_yr",
        "Collection + transfer + station handling with a station at this site alone.",
        "איסוף + העברה + טיפול בתחנה, עם תחנה באתר זה בלבד.",
    ),
    "status_quo_cost_ils_per_year": (
        "ils_yr",
        "Today's cost: every authority hauls directly to today's destination.",
        "העלות היום: כל רשות מובילה ישירות אל היעד של היום.",
    ),
    "saving_ils_per_year": (
        "ils_yr",
        "Today's cost minus the total with the station (negative: dearer than today).",
        "העלות היום פחות העלות הכוללת עם התחנה (שלילי: יקר מהיום).",
    ),
    "truck_km_per_day": (
        "km_day",
        "Km driven a day between the trucks' home localities and a lot at this site alone.",
        "ק״מ ביום בין יישובי הבית של המשאיות לחניון באתר זה בלבד.",
    ),
    "mean_driver_km": (
        "km",
        "Mean distance from a truck's home locality to the lot.",
        "המרחק הממוצע מיישוב הבית של משאית אל החניון.",
    ),
    "worst_authority_driver_km": (
        "km",
        "Mean driver distance of the worst-off member authority.",
        "מרחק הנהג הממוצע ברשות החברה שמצבה הגרוע ביותר.",
    ),
    "coverage_share": (
        "share",
        "Share of the demand within the facility's coverage threshold (minutes) of the site.",
        "שיעור הביקוש שבטווח סף הכיסוי של המתקן (בדקות) מהאתר.",
    ),
    "residents_within": (
        "count",
        "Residents within the coverage threshold of the site.",
        "תושבים בטווח סף הכיסוי מהאתר.",
    ),
    "mean_minutes": (
        "min",
        "Demand-weighted mean travel time to the site.",
        "זמן הנסיעה הממוצע לאתר, משוקלל בביקוש.",
    ),
    "worst_authority_minutes": (
        "min",
        "Mean travel time of the worst-off member authority.",
        "זמן הנסיעה הממוצע ברשות החברה שמצבה הגרוע ביותר.",
    ),
    "nearest_built_up_m": (
        "m",
        "Distance to the nearest locality's (approximate) built-up area.",
        "המרחק מהשטח הבנוי (המקורב) של היישוב הקרוב.",
    ),
    "nearest_locality_id": (
        "id",
        "CBS code of that nearest locality.",
        "סמל הלמ״ס של היישוב הקרוב הזה.",
    ),
    "access_road_m": (
        "m",
        "Distance from the site to the nearest usable road (empty without a road network).",
        "המרחק מהאתר לדרך השמישה הקרובה (ריק בלי רשת דרכים).",
    ),
    "area_m2": (
        "m2",
        "The site's eligible area on member land.",
        "השטח הכשיר של האתר על קרקע של רשויות חברות.",
    ),
    "required_area_m2": (
        "m2",
        "Plot area the facility requires.",
        "שטח המגרש שהמתקן דורש.",
    ),
    "area_ratio": (
        "ratio",
        "area_m2 / required_area_m2.",
        "area_m2 חלקי required_area_m2.",
    ),
    "authority_id": (
        "id",
        "CBS code of the member authority holding most of the site.",
        "סמל הלמ״ס של הרשות החברה שבידיה רוב שטח האתר.",
    ),
    "authority_name_en": (
        "text",
        "That authority's English name.",
        "שם הרשות הזו באנגלית.",
    ),
    "authority_name_he": (
        "text",
        "That authority's Hebrew name.",
        "שם הרשות הזו בעברית.",
    ),
    "cost_model": (
        "text",
        "The travel-cost model every figure was computed with (crow-fly or network).",
        "מודל עלויות הנסיעה שלפיו חושבו כל הנתונים (קו אווירי או רשת דרכים).",
    ),
    "approximate": (
        "bool",
        "True when travel costs are approximate (straight-line distance × circuity, no road "
        "network).",
        "אמת כאשר עלויות הנסיעה מקורבות (מרחק בקו אווירי × מקדם עקלתיות, בלי רשת דרכים).",
    ),
    # sensitivity.csv
    "parameter": (
        "text",
        "The parameter varied, one at a time (weight:<criterion> for a weight).",
        "הפרמטר שמשתנה, אחד בכל פעם (weight:<criterion> למשקל).",
    ),
    "step": ("count", "Step of the sweep (0 = lowest value).", "צעד בסריקה (0 = הערך הנמוך)."),
    "value": (
        "step_unit",
        "The parameter's value at this step.",
        "ערך הפרמטר בצעד זה.",
    ),
    "unit": ("text", "Unit of value.", "היחידה של value."),
    "source": (
        "id",
        "Source id(s) of the parameter and its range (see 'Sources cited' in report.html).",
        "מזהי המקור של הפרמטר ושל הטווח שלו (ראו 'המקורות שצוטטו' ב-report.html).",
    ),
    "baseline": (
        "bool",
        "True for the step at the run's own value.",
        "אמת לצעד שבערך של הריצה עצמה.",
    ),
    "plan_changed": (
        "bool",
        "True when the plan chosen at this step differs from the recommended plan.",
        "אמת כאשר התוכנית שנבחרה בצעד זה שונה מהתוכנית המומלצת.",
    ),
    "plan_changes": (
        "bool",
        "True when any step of this parameter's sweep changes the plan.",
        "אמת כאשר צעד כלשהו בסריקת הפרמטר הזה משנה את התוכנית.",
    ),
    "objective_value": (
        "objective",
        "Objective of the plan chosen at this step.",
        "ערך פונקציית המטרה של התוכנית שנבחרה בצעד זה.",
    ),
    "recommended_objective_value": (
        "objective",
        "The recommended plan's objective under this step's value.",
        "ערך פונקציית המטרה של התוכנית המומלצת בערך של צעד זה.",
    ),
    "recommended_total_cost_ils_per_year": (
        "ils_yr",
        "The recommended plan's total cost under this step's value.",
        "העלות הכוללת של התוכנית המומלצת בערך של צעד זה.",
    ),
    "recommended_mean_driver_km": (
        "km",
        "The recommended plan's mean driver distance under this step's value.",
        "מרחק הנהג הממוצע של התוכנית המומלצת בערך של צעד זה.",
    ),
    # columns.csv itself
    "file": ("text", "The CSV file the column is in.", "קובץ ה-CSV שבו העמודה."),
    "column": ("text", "The column's name (its header).", "שם העמודה (הכותרת שלה)."),
    "description": ("text", "What the column holds.", "מה העמודה מכילה."),
}

#: (file, column) → (unit key, English, Hebrew) where a column means something else there.
FILE_COLUMNS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("sensitivity.csv", "plan_sites"): (
        "id",
        "The plan chosen at this step, its sites joined by '+'.",
        "התוכנית שנבחרה בצעד זה, אתריה מחוברים ב-'+'.",
    ),
    ("sensitivity.csv", "total_cost_ils_per_year"): (
        "ils_yr",
        "Total cost of the plan chosen at this step.",
        "העלות הכוללת של התוכנית שנבחרה בצעד זה.",
    ),
    ("sensitivity.csv", "saving_ils_per_year"): (
        "ils_yr",
        "Saving against today of the plan chosen at this step.",
        "החיסכון לעומת היום של התוכנית שנבחרה בצעד זה.",
    ),
    ("sensitivity.csv", "mean_driver_km"): (
        "km",
        "Mean driver distance of the plan chosen at this step.",
        "מרחק הנהג הממוצע של התוכנית שנבחרה בצעד זה.",
    ),
    ("sensitivity.csv", "coverage_share"): (
        "share",
        "Share of the demand within the coverage threshold of the plan chosen at this step.",
        "שיעור הביקוש בטווח סף הכיסוי של התוכנית שנבחרה בצעד זה.",
    ),
    ("sensitivity.csv", "worst_authority_minutes"): (
        "min",
        "Worst member authority's mean travel time under the plan chosen at this step.",
        "זמן הנסיעה הממוצע ברשות שמצבה הגרוע ביותר, בתוכנית שנבחרה בצעד זה.",
    ),
    ("columns.csv", "unit"): ("text", "Unit of the column's values.", "יחידת ערכי העמודה."),
}

#: Columns named after a criterion or a percentile: regex → (unit key, English, Hebrew),
#: formatted with ``criterion`` (its label in the run's language) or ``pct``.
PATTERNS: tuple[tuple[re.Pattern[str], tuple[str, str, str]], ...] = (
    (
        re.compile(r"contrib_(?P<criterion>\w+)"),
        (
            "points",
            "Points of the score of the best plan containing the site that come from the "
            "criterion '{criterion}' (100 × its weight × its normalised value in that plan).",
            "נקודות הציון של התוכנית הטובה ביותר הכוללת את האתר שמקורן באמת המידה "
            "'{criterion}' (100 × המשקל שלה × ערכה המנורמל בתוכנית זו).",
        ),
    ),
    (
        re.compile(r"rank_p(?P<pct>\d+(?:_\d+)?)"),
        (
            "rank",
            "The site's rank at the {pct}th percentile over the weight draws (single-site plans).",
            "דירוג האתר באחוזון ה-{pct} על פני הגרלות המשקלות (תוכניות של אתר אחד).",
        ),
    ),
)


def describe(file: str, column: str, lang: Lang | str) -> tuple[str, str]:
    """``(unit, description)`` of ``column`` of ``file`` in ``lang``.

    Raises
    ------
    MissingDescriptionError
        When no entry of :data:`FILE_COLUMNS`, :data:`COLUMNS` or :data:`PATTERNS` fits.
    """
    lang = Lang.parse(lang)
    he = lang is Lang.HE
    sweep = file in SWEEP_TABLES
    entry = (
        SWEEP_FILE_COLUMNS.get((file, column))
        if sweep
        else FILE_COLUMNS.get((file, column)) or COLUMNS.get(column)
    )
    fields: dict[str, str] = {}
    if entry is None:
        for pattern, pat_entry in SWEEP_PATTERNS if sweep else PATTERNS:
            m = pattern.fullmatch(column)
            if m:
                entry = pat_entry
                fields = m.groupdict()
                if "criterion" in fields:
                    fields["criterion"] = column_label(fields["criterion"], lang)
                if "pct" in fields:
                    fields["pct"] = fields["pct"].replace("_", ".")
                break
    if entry is None:
        raise MissingDescriptionError(
            f"{file}: column {column!r} has no description in siting/outputs/"
            f"{'sweep_columns.py' if sweep else 'columns.py (COLUMNS)'}: add one in English "
            "and Hebrew"
        )
    unit_key, en, he_text = entry
    unit = UNITS[unit_key][1 if he else 0]
    return unit, (he_text if he else en).format(**fields)


def legend(
    tables: Mapping[str, Sequence[str]], lang: Lang | str, *, strict: bool = True
) -> pd.DataFrame:
    """The ``columns.csv`` rows for ``{file name: its header}``, in file then header order.

    The legend describes itself too (its own four columns, file ``columns.csv``).  With
    ``strict=False`` (a run's outputs) a column without a description gets an empty one
    and a warning instead of stopping the run; the tests use ``strict=True``.
    """
    rows = []
    files = {**tables, LEGEND_FILE: ("file", "column", "unit", "description")}
    for file, header in files.items():
        for col in header:
            try:
                unit, text = describe(file, str(col), lang)
            except MissingDescriptionError as err:
                if strict:
                    raise
                logger.warning("%s", err)
                unit, text = "", ""
            rows.append({"file": file, "column": str(col), "unit": unit, "description": text})
    return pd.DataFrame(rows, columns=["file", "column", "unit", "description"])
