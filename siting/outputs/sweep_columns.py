"""Descriptions of the columns of a sweep's CSV files, for the sweep folder's ``columns.csv``.

``sweep.csv`` (one row per scenario × facility; ``national.csv`` is a cut of it, one row per
cluster), ``robust.csv`` (every compared plan priced in every scenario) and ``sites.csv``
(how often each place is chosen).  Same shape as :data:`siting.outputs.columns.FILE_COLUMNS`:
``(file, column) → (unit key, English, Hebrew)``; :data:`SWEEP_PATTERNS` covers the
columns named after a scenario or an axis.
"""

from __future__ import annotations

import re

__all__ = ["SWEEP_FILE_COLUMNS", "SWEEP_PATTERNS", "SWEEP_TABLES"]

#: The sweep's CSV files whose columns are described here.
SWEEP_TABLES = ("sweep.csv", "national.csv", "robust.csv", "sites.csv")

_T = tuple[str, str, str]

# figures of one scenario's chosen plan (sweep.csv, and national.csv which cuts it)
_PLAN: dict[str, _T] = {
    "scenario_id": (
        "id",
        "Scenario id (s001, s002, …), in the sweep file's order.",
        "מזהה התרחיש (s001, s002, …), לפי סדר קובץ הסריקה.",
    ),
    "group": (
        "text",
        "Group the scenario's plans are compared in: its region (cluster) when the sweep "
        "spans several, else the sweep's name.",
        "הקבוצה שבה מושוות תוכניות התרחיש: האזור (האשכול) כשהסריקה כוללת כמה אזורים, "
        "אחרת שם הסריקה.",
    ),
    "facility": (
        "text",
        "Facility: waste_station (waste-sorting station) or truck_lot (truck parking lot).",
        "המתקן: waste_station (תחנת מיון פסולת) או truck_lot (חניון משאיות).",
    ),
    "status": (
        "text",
        "ok (a plan was chosen), no plan (see error) or failed (the scenario stopped; see error).",
        "ok (נבחרה תוכנית), no plan (ראו error) או failed (התרחיש נעצר; ראו error).",
    ),
    "region": ("text", "Name of the scenario's region.", "שם האזור של התרחיש."),
    "members": ("count", "Number of member authorities.", "מספר הרשויות החברות."),
    "population": ("count", "Residents of the member authorities.", "תושבי הרשויות החברות."),
    "plan_sites": (
        "id",
        "Site ids of the chosen plan, joined by ';'.",
        "מזהי האתרים של התוכנית שנבחרה, מחוברים ב-';'.",
    ),
    "plan_places": (
        "m",
        "Each chosen site's place: x y (ITM, EPSG:2039) of its grid cell's centre, ';'-joined.",
        "מקום כל אתר שנבחר: x y (רשת ישראל, EPSG:2039) של מרכז התא שלו, מחוברים ב-';'.",
    ),
    "plan_authorities": (
        "text",
        "Authority each chosen site lies in (English), ';'-joined.",
        "הרשות שבה נמצא כל אתר שנבחר (באנגלית), מחוברים ב-';'.",
    ),
    "plan_authorities_he": ("text", "The same authorities in Hebrew.", "אותן רשויות בעברית."),
    "n_sites": ("count", "Number of sites in the chosen plan.", "מספר האתרים בתוכנית שנבחרה."),
    "objective": (
        "",
        "The chosen plan's objective value (unit in objective_unit).",
        "ערך פונקציית המטרה של התוכנית שנבחרה (היחידה בעמודה objective_unit).",
    ),
    "objective_unit": ("text", "Unit of objective.", "היחידה של objective."),
    "total_cost_ils_per_year": (
        "ils_yr",
        "Waste station: the plan's collection plus transfer haul cost per year.",
        "תחנת פסולת: עלות ההובלה השנתית של התוכנית, איסוף ועוד שינוע.",
    ),
    "saving_ils_per_year": (
        "ils_yr",
        "Waste station: today's haul cost minus the plan's (negative: the plan costs more).",
        "תחנת פסולת: עלות ההובלה היום פחות עלות התוכנית (שלילי: התוכנית יקרה יותר).",
    ),
    "status_quo_cost_ils_per_year": (
        "ils_yr",
        "Waste station: today's haul cost (each authority to the status-quo destination).",
        "תחנת פסולת: עלות ההובלה היום (כל רשות ליעד הנוכחי).",
    ),
    "mean_driver_km": (
        "km",
        "Truck lots: mean distance from a truck's authority to its lot.",
        "חניוני משאיות: המרחק הממוצע מרשות המשאית לחניון שלה.",
    ),
    "truck_km_per_day": (
        "km_day",
        "Truck lots: truck-km per day between the authorities and their lots.",
        "חניוני משאיות: משאית-ק״מ ליום בין הרשויות לחניונים שלהן.",
    ),
    "coverage_share": (
        "share",
        "Share of the demand within the coverage threshold of the plan.",
        "שיעור הביקוש בטווח סף הכיסוי של התוכנית.",
    ),
    "mean_authority_minutes": (
        "min",
        "Mean over the member authorities of their mean travel time to the plan.",
        "הממוצע על פני הרשויות החברות של זמן הנסיעה הממוצע שלהן לתוכנית.",
    ),
    "worst_authority_minutes": (
        "min",
        "Worst member authority's mean travel time to the plan.",
        "זמן הנסיעה הממוצע לתוכנית ברשות שמצבה הגרוע ביותר.",
    ),
    "plan_score": (
        "points",
        "The chosen plan's weighted score.",
        "הציון המשוקלל של התוכנית שנבחרה.",
    ),
    "tonnes_per_year": (
        "",
        "Waste station: tonnes of waste per year (t/yr).",
        "תחנת פסולת: טונות פסולת בשנה (טון לשנה).",
    ),
    "trucks": ("count", "Truck lots: trucks to park.", "חניוני משאיות: משאיות לחנייה."),
    "proven_optimal": (
        "bool",
        "True when the solver proved the plan optimal.",
        "אמת כשהפותר הוכיח שהתוכנית מיטבית.",
    ),
    "solver": (
        "text",
        "How the plan was found (method and proof).",
        "כיצד נמצאה התוכנית (שיטה והוכחה).",
    ),
    "error": (
        "text",
        "Why there is no plan, or why the scenario failed; empty otherwise.",
        "מדוע אין תוכנית או מדוע התרחיש נכשל; ריק אחרת.",
    ),
    "seed": (
        "",
        "Random seed of the scenario's weight draws.",
        "זרע האקראיות של הגרלות המשקלות בתרחיש.",
    ),
}

_ROBUST: dict[str, _T] = {
    "group": _PLAN["group"],
    "facility": _PLAN["facility"],
    "plan": (
        "id",
        "Plan id within its group and facility (P1, P2, …).",
        "מזהה התוכנית בקבוצה ובמתקן (P1, P2, …).",
    ),
    "name": (
        "text",
        "The committee's name of a named alternative; empty for plans optimal somewhere.",
        "השם שנתנה הוועדה לחלופה בעלת שם; ריק לתוכניות מיטביות בתרחיש כלשהו.",
    ),
    "plan_places": _PLAN["plan_places"],
    "plan_sites": (
        "id",
        "Site ids of the plan (as priced), ';'-joined.",
        "מזהי האתרים של התוכנית (כפי שתומחרה), מחוברים ב-';'.",
    ),
    "optimal_in": (
        "id",
        "Scenarios in which the plan is the optimum, ';'-joined.",
        "התרחישים שבהם התוכנית מיטבית, מחוברים ב-';'.",
    ),
    "n_optimal": ("count", "Number of those scenarios.", "מספר התרחישים האלה."),
    "value_unit": (
        "text",
        "Unit of the value_<scenario> columns.",
        "היחידה של עמודות value_<scenario>.",
    ),
    "regret_unit": ("text", "Unit of the regret columns.", "היחידה של עמודות החרטה."),
    "n_scenarios": (
        "count",
        "Scenarios of the group the plan was priced in.",
        "תרחישי הקבוצה שבהם תומחרה התוכנית.",
    ),
    "n_infeasible": (
        "count",
        "Scenarios in which the plan is infeasible (e.g. a lot over its capacity).",
        "תרחישים שבהם התוכנית אינה אפשרית (למשל חניון מעל הקיבולת שלו).",
    ),
    "infeasible_in": (
        "text",
        "Those scenarios, each with the reason.",
        "התרחישים האלה, כל אחד עם הסיבה.",
    ),
    "feasible_everywhere": (
        "bool",
        "True when the plan is feasible in every scenario of the group.",
        "אמת כשהתוכנית אפשרית בכל תרחישי הקבוצה.",
    ),
    "max_regret": (
        "",
        "Worst-case regret over the scenarios (unit in regret_unit).",
        "החרטה המרבית על פני התרחישים (היחידה בעמודה regret_unit).",
    ),
    "mean_regret": (
        "",
        "Mean regret over the scenarios (unit in regret_unit).",
        "החרטה הממוצעת על פני התרחישים (היחידה בעמודה regret_unit).",
    ),
    "max_score_regret": (
        "points",
        "Worst-case shortfall of the plan's weighted score below each scenario's optimum.",
        "הפער המרבי של הציון המשוקלל של התוכנית מתחת למיטבי בכל תרחיש.",
    ),
    "mean_score_regret": (
        "points",
        "Mean shortfall of the plan's weighted score below each scenario's optimum.",
        "הפער הממוצע של הציון המשוקלל של התוכנית מתחת למיטבי בכל תרחיש.",
    ),
    "robust": (
        "bool",
        "True for the minimax-regret plan of the group and facility (the robust recommendation).",
        "אמת לתוכנית בעלת החרטה המרבית הקטנה ביותר בקבוצה ובמתקן (ההמלצה החסינה).",
    ),
    "failed": (
        "id",
        "Scenarios of the group that failed (not priced), ';'-joined.",
        "תרחישי הקבוצה שנכשלו (לא תומחרו), מחוברים ב-';'.",
    ),
}

_SITES: dict[str, _T] = {
    "group": _PLAN["group"],
    "facility": _PLAN["facility"],
    "place": (
        "m",
        "The place: x y (ITM, EPSG:2039) of the grid cell's centre.",
        "המקום: x y (רשת ישראל, EPSG:2039) של מרכז התא.",
    ),
    "sites": (
        "id",
        "Site ids this place had in the scenarios, ';'-joined.",
        "מזהי האתר של המקום הזה בתרחישים, מחוברים ב-';'.",
    ),
    "n_chosen": (
        "count",
        "Scenarios whose chosen plan contains the place.",
        "תרחישים שהתוכנית שנבחרה בהם כוללת את המקום.",
    ),
    "share": (
        "share",
        "Those scenarios as a share of the group's solved scenarios.",
        "התרחישים האלה כשיעור מהתרחישים שנפתרו בקבוצה.",
    ),
}

#: ``(file, column) → (unit key, English, Hebrew)``.
SWEEP_FILE_COLUMNS: dict[tuple[str, str], _T] = {
    **{("sweep.csv", c): v for c, v in _PLAN.items()},
    **{("national.csv", c): v for c, v in _PLAN.items()},
    **{("robust.csv", c): v for c, v in _ROBUST.items()},
    **{("sites.csv", c): v for c, v in _SITES.items()},
}

#: Columns named after a scenario (robust.csv) or a sweep axis (sweep.csv: a scenario
#: file key such as ``region.cluster``), formatted with ``scenario`` or ``key``.
SWEEP_PATTERNS: tuple[tuple[re.Pattern[str], _T], ...] = (
    (
        re.compile(r"value_(?P<scenario>s\d+)"),
        (
            "",
            "The plan's value in scenario {scenario} (unit in value_unit).",
            "ערך התוכנית בתרחיש {scenario} (היחידה בעמודה value_unit).",
        ),
    ),
    (
        re.compile(r"regret_(?P<scenario>s\d+)"),
        (
            "",
            "The plan's regret in scenario {scenario}: how much worse than that scenario's "
            "optimum (unit in regret_unit; empty when infeasible there).",
            "החרטה של התוכנית בתרחיש {scenario}: בכמה היא גרועה מהמיטבית בתרחיש זה (היחידה "
            "בעמודה regret_unit; ריק כשאינה אפשרית שם).",
        ),
    ),
    (
        re.compile(r"(?P<key>[a-z_]+(?:\.[a-z_0-9]+)+)"),
        (
            "",
            "The scenario's value of the sweep axis {key} (a scenario file key).",
            "הערך של ציר הסריקה {key} בתרחיש (מפתח בקובץ התרחיש).",
        ),
    ),
)
