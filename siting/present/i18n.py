"""Labels of the committee outputs in English and Hebrew, and number formatting.

The map, the charts and the report take ``lang`` (:class:`Lang`); every fixed
label they print comes from :data:`LABELS` so the two languages stay in step.
Text that comes from data (names, notes, sources, exclusion reasons) is not
translated: it is shown as given, HTML-escaped.

Examples
--------
>>> t("rank", "he")
'דירוג'
>>> Lang.parse("EN") is Lang.EN
True
>>> fmt_number(1234567.8)
'1,234,568'
"""

from __future__ import annotations

import enum
import math
from typing import Any

__all__ = ["LABELS", "Lang", "column_label", "fmt_number", "fmt_value", "param_label", "t"]


class Lang(enum.StrEnum):
    """Language of the committee outputs."""

    EN = "en"
    HE = "he"

    @classmethod
    def parse(cls, value: str | Lang) -> Lang:
        """Return the member for ``value`` or raise listing the valid values."""
        if isinstance(value, Lang):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown language {value!r}; valid: {valid}") from None

    @property
    def dir(self) -> str:
        """Text direction: ``"rtl"`` for Hebrew, ``"ltr"`` otherwise."""
        return "rtl" if self is Lang.HE else "ltr"


# key -> (English, Hebrew)
LABELS: dict[str, tuple[str, str]] = {
    # facilities
    "waste_station": ("Waste-sorting station", "תחנת מיון פסולת"),
    "truck_lot": ("Truck parking lot", "חניון משאיות"),
    # layers
    "layer_authorities": ("Authorities", "רשויות"),
    "layer_authorities_points": (
        "Authorities (points: boundaries not embedded)",
        "רשויות (נקודות: אין גבולות שיפוט)",
    ),
    "layer_localities": ("Localities (demand)", "יישובים (ביקוש)"),
    "layer_candidates": ("Candidate sites", "אתרים מועמדים"),
    "layer_chosen": ("Chosen", "נבחר"),
    "layer_assignments": ("Assignments", "שיוך יישובים"),
    "layer_routes": ("road routes", "מסלולי כביש"),
    "layer_straight": ("straight lines", "קווים ישרים"),
    "layer_coverage": ("Coverage", "כיסוי"),
    "layer_exclusions": ("Exclusion zones", "אזורים אסורים"),
    # title block
    "scenario": ("scenario", "תרחיש"),
    "date": ("date", "תאריך"),
    "cost_model": ("Cost model", "מודל עלות"),
    "approximate_warning": (
        "APPROXIMATE: travel costs are straight-line distance × circuity, not road routes.",
        "משוער (APPROXIMATE): עלויות הנסיעה הן מרחק אווירי × מקדם עקמומיות, לא מסלולי כביש.",
    ),
    "crow_fly_model": (
        "crow-fly distance × circuity {circuity:g} at {speed:g} km/h "
        "(APPROXIMATE: no road network loaded)",
        "מרחק אווירי × מקדם עקמומיות {circuity:g} במהירות {speed:g} קמ״ש "
        "(משוער: לא נטענה רשת כבישים)",
    ),
    "notes": ("Approximations and notes", "הנחות והערות"),
    "sources": ("Data sources", "מקורות נתונים"),
    "basemap": (
        "Basemap © OpenStreetMap contributors (needs internet; the rest of the map works offline).",
        "מפת רקע © תורמי OpenStreetMap (דורשת אינטרנט; שאר המפה עובדת גם בלי).",
    ),
    "chosen": ("chosen", "נבחר"),
    "fullscreen": ("Full screen", "מסך מלא"),
    "fullscreen_exit": ("Exit full screen", "יציאה ממסך מלא"),
    # sensitivity parameters (tornado chart, sensitivity.csv)
    "param_kg_per_capita_day": ("Waste per resident, kg/day", "פסולת לתושב, ק״ג ליום"),
    "param_cost_ils_per_tkm": ("Haul cost, ILS per t·km", "עלות הובלה, ₪ לטון·ק״מ"),
    "param_transfer_vkm_cost_ratio": (
        "Transfer trailer cost per km vs a compactor",
        "עלות ק״מ גרור העברה לעומת דחסנית",
    ),
    "param_collection_payload_t": ("Compactor payload, t", "מטען דחסנית, טון"),
    "param_transfer_payload_t": ("Transfer trailer payload, t", "מטען גרור העברה, טון"),
    "param_transfer_share": ("Share of waste transferred", "שיעור הפסולת המועברת"),
    "param_speed_kmh": ("Travel speed, km/h", "מהירות נסיעה, קמ״ש"),
    "param_coverage_threshold_min": ("Coverage threshold, min", "סף כיסוי, דק׳"),
    "param_trucks": ("Trucks to park", "משאיות לחניה"),
    "param_m2_per_space": ("Area per parking space, m²", "שטח לחניה, מ״ר"),
    "param_weight": ("Weight: {criterion}", "משקל: {criterion}"),
    # weights panel
    "w_title": ("Weights: move them to re-score the sites", "משקלות: הזיזו כדי לדרג מחדש"),
    "w_reset": ("Reset to the scenario's weights", "חזרה למשקלות התרחיש"),
    "w_choice": ("These weights choose", "המשקלות האלה בוחרים"),
    "w_same": ("the recommended plan", "התוכנית המומלצת"),
    "w_vs": ("against the recommended plan", "לעומת התוכנית המומלצת"),
    "w_exact": (
        "exact: every single-site plan is re-scored",
        "מדויק: כל תוכניות האתר הבודד מחושבות מחדש",
    ),
    "w_approx": (
        "approximate: precomputed plans (each site's best plan under the scenario's weights)",
        "משוער: תוכניות שחושבו מראש (התוכנית הטובה ביותר של כל אתר במשקלות התרחיש)",
    ),
    "w_homes": ("Distance from homes, m", "מרחק ממגורים, מ׳"),
    "no_leaflet_title": ("The map could not load", "לא ניתן היה לטעון את המפה"),
    "no_leaflet": (
        "This page loads its map library (Leaflet) from the internet (cdn.jsdelivr.net), "
        "which is blocked or unreachable here. For a map that opens with no network, run "
        "`siting run --self-contained` once on a computer with internet access (it keeps the "
        "files in ~/.cache/siting/assets), or put the files of `npm pack leaflet@1.9.3 "
        "leaflet.fullscreen@3.0.0` into that folder and run again. The report (report.html) "
        "needs no network.",
        "דף זה טוען את ספריית המפות שלו (Leaflet) מהאינטרנט (cdn.jsdelivr.net), והגישה אליה "
        "חסומה או לא זמינה כאן. כדי לקבל מפה שנפתחת ללא רשת, יש להריץ פעם אחת "
        "`siting run --self-contained` במחשב המחובר לאינטרנט (הקבצים נשמרים בתיקייה "
        "‎~/.cache/siting/assets), או להעתיק לתיקייה זו את הקבצים של `npm pack leaflet@1.9.3 "
        "leaflet.fullscreen@3.0.0` ולהריץ שוב. הדוח (report.html) אינו זקוק לרשת.",
    ),
    "site": ("site", "אתר"),
    "sites": ("sites", "אתרים"),
    # legend
    "legend": ("Legend", "מקרא"),
    "score_low": ("low", "נמוך"),
    "score_high": ("high", "גבוה"),
    "legend_score": ("candidate score", "ציון אתר מועמד"),
    "legend_excluded": ("excluded (reason in popup)", "נפסל (הסיבה בחלונית)"),
    "legend_locality": ("locality, area ∝ residents", "יישוב, שטח ∝ תושבים"),
    "legend_authority": ("authority, colour = tonnes/day", "רשות, צבע = טון ליום"),
    "legend_member": ("member", "חברה באשכול"),
    "legend_neighbour": ("neighbour (not a member)", "שכנה (לא חברה)"),
    "legend_points_note": (
        "Authorities are drawn as points (population-weighted centre of their localities): "
        "jurisdiction boundaries are not in the embedded data.",
        "הרשויות מוצגות כנקודות (מרכז משוקלל אוכלוסייה של יישוביהן): גבולות השיפוט אינם "
        "בנתונים המובנים.",
    ),
    "legend_coverage_buffer": (
        "≈ within {t} min (circle: crow-fly, approximate)",
        "≈ בטווח {t} דק׳ (עיגול: מרחק אווירי, משוער)",
    ),
    "coverage_short": ("≈ {t} min, approximate", "≈ {t} דק׳, משוער"),
    "coverage_short_iso": ("{t} min", "{t} דק׳"),
    "unit_tkm_year": ("tonne-km/yr", "טון-ק״מ לשנה"),
    "unit_ils_year": ("ILS/yr", "₪ לשנה"),
    "unit_truck_km_day": ("truck-km/day", "משאית-ק״מ ליום"),
    "legend_coverage_iso": ("within {t} min (isochrone)", "בטווח {t} דק׳ (איזוכרון)"),
    "legend_assignment": ("locality → assigned site", "יישוב ← האתר שאליו שויך"),
    # map usability (issue 14): land layers, static-map legend, short popups
    "layer_land": ("Land outside the search", "קרקע מחוץ לאזור החיפוש"),
    "layer_names": ("Authority names", "שמות הרשויות"),
    "land_not_member": ("not a member: not searched", "אינה חברה באשכול: לא נבדקה"),
    "land_allowed": (
        "a neighbour's land the scenario allows (allow_land_of)",
        "קרקע של רשות שכנה שהתרחיש מתיר (allow_land_of)",
    ),
    "land_no_jurisdiction": (
        "no municipal jurisdiction: not searched",
        "ללא שיפוט מוניציפלי: לא נבדקה",
    ),
    "land_outside": ("outside Israeli jurisdiction: not searched", "מחוץ לשיפוט ישראלי: לא נבדקה"),
    "land_outside_name": ("Outside Israeli jurisdiction", "מחוץ לשיפוט ישראלי"),
    "legend_land": (
        "not members' land: not searched (hover for whose)",
        "לא בתחום הרשויות החברות: לא נבדקה (ריחוף מציג של מי)",
    ),
    "fig_land_member": ("member authorities' land (searched)", "שטח הרשויות החברות (נבדק)"),
    "fig_land_neighbour": (
        "neighbour authorities' land (not searched)",
        "שטח רשויות שכנות (לא נבדק)",
    ),
    "fig_land_other": ("other land (not searched)", "קרקע אחרת (לא נבדקה)"),
    "fig_land_sea": ("sea", "ים"),
    "fig_land_outside": ("outside Israeli jurisdiction", "מחוץ לשיפוט ישראלי"),
    "fig_excluded": (
        "excluded by a hard constraint (reason in ranking.csv)",
        "נפסל באילוץ קשיח (הסיבה בקובץ ranking.csv)",
    ),
    "fig_member_line": ("member authority boundary", "גבול רשות חברה"),
    "fig_neighbour_line": ("neighbour authority boundary", "גבול רשות שכנה"),
    "fig_assignment": (
        "{facility}: locality → assigned site (straight line)",
        "{facility}: יישוב ← האתר שאליו שויך (קו ישר)",
    ),
    "fig_route": (
        "{facility}: locality → assigned site (road route)",
        "{facility}: יישוב ← האתר שאליו שויך (מסלול כביש)",
    ),
    "pop_plan": ("Plan", "תוכנית"),
    "pop_cost_vs": ("Cost vs the recommended plan, ILS/yr", "עלות לעומת התוכנית המומלצת, ₪ לשנה"),
    "pop_driver_vs": (
        "Driver travel vs the recommended plan, truck-km/day",
        "נסיעת נהגים לעומת התוכנית המומלצת, משאית-ק״מ ליום",
    ),
    "pop_decides": (
        "What decides: score points against the recommended plan",
        "מה מכריע: נקודות ציון לעומת התוכנית המומלצת",
    ),
    "pop_largest": (
        "Largest parts of the score (points of 100)",
        "החלקים הגדולים בציון (נקודות מתוך 100)",
    ),
    "pop_points": ("{x} points", "{x} נק׳"),
    "pop_details": ("All figures ({n})", "כל הנתונים ({n})"),
    "pop_plan_figures": ("The plan {sites}", "התוכנית {sites}"),
    "pop_site_figures": ("This site", "האתר הזה"),
    "pop_scores": ("Score and weights", "ציון ומשקלות"),
    "chart_gap_note": (
        "0 = the recommended plan (its sites in colour, ✓); each bar: how far the best plan "
        "with that site is below it",
        "0 = התוכנית המומלצת (אתריה בצבע, ✓); כל עמודה: כמה התוכנית הטובה ביותר עם האתר נופלת ממנה",
    ),
    "chart_tornado_x": (
        "{outcome}: change against the baseline ({base})",
        "{outcome}: שינוי לעומת הבסיס ({base})",
    ),
    "chart_tornado_base": (
        "0 = baseline: the recommended plan {sites}",
        "0 = בסיס: התוכנית המומלצת {sites}",
    ),
    # popups
    "rank": ("Rank", "דירוג"),
    "rank_of": ("{rank} of {n}", "{rank} מתוך {n}"),
    "score": ("Score", "ציון"),
    "excluded": ("excluded", "נפסל"),
    "not_ranked": ("not ranked (see the notes)", "לא דורג (ראו הערות)"),
    "reason": ("Reason", "סיבה"),
    "member": ("member", "חברה באשכול"),
    "neighbour": ("neighbour (not a member)", "שכנה (לא חברה באשכול)"),
    "status": ("Status", "מעמד"),
    "residents": ("Residents", "תושבים"),
    "localities": ("Localities", "יישובים"),
    "authority": ("Authority", "רשות"),
    "tonnes_per_day": ("Waste, tonnes/day", "פסולת, טון ליום"),
    "kg_per_capita_day": ("Waste, kg/person/day", "פסולת, ק״ג לנפש ליום"),
    "trucks": ("Trucks to park", "משאיות לחניה"),
    "assigned_to": ("{facility}", "{facility}"),
    "assigned_value": ("{site}: {km} km, {min} min", "{site}: {km} ק״מ, {min} דק׳"),
    "km": ("km", "ק״מ"),
    "min": ("min", "דק׳"),
    "coverage_zone": ("Coverage of {site}", "כיסוי של {site}"),
    "approximate": ("approximate", "משוער"),
    "exclusion": ("Exclusion", "אזור אסור"),
    "buffer_m": ("Buffer, m", "רצועת חיץ, מ׳"),
    # ranking columns
    "col_haul_tkm_per_year": ("Haul, tonne-km/yr", "הובלה, טון-ק״מ לשנה"),
    "col_haul_cost_ils_per_year": ("Haul cost, ILS/yr", "עלות הובלה, ₪ לשנה"),
    "col_saving_ils_per_year": ("Saving vs today, ILS/yr", "חיסכון לעומת היום, ₪ לשנה"),
    "col_truck_km_per_day": ("Driver access, truck-km/day", "נסיעת נהגים, משאית-ק״מ ליום"),
    "col_coverage_share": ("Demand within {t} min", "ביקוש בטווח {t} דק׳"),
    "col_residents_within": ("Residents within {t} min", "תושבים בטווח {t} דק׳"),
    "col_mean_minutes": ("Mean travel time, min", "זמן נסיעה ממוצע, דק׳"),
    "col_worst_authority_minutes": (
        "Worst authority's mean time, min",
        "זמן ממוצע ברשות המרוחקת ביותר, דק׳",
    ),
    "col_area_m2": ("Area, m²", "שטח, מ״ר"),
    "col_nearest_built_up_m": ("Distance to built-up area, m", "מרחק משטח בנוי, מ׳"),
    "col_p_first": ("Probability of ranking first", "הסתברות לדירוג ראשון"),
    "col_authority_id": ("Authority", "רשות"),
    "col_transfer_tkm_per_year": ("Transfer haul, tonne-km/yr", "הובלת העברה, טון-ק״מ לשנה"),
    "col_transfer_cost_ils_per_year": ("Transfer cost, ILS/yr", "עלות העברה, ₪ לשנה"),
    "col_total_cost_ils_per_year": ("Total haul cost, ILS/yr", "עלות הובלה כוללת, ₪ לשנה"),
    "col_status_quo_cost_ils_per_year": ("Cost today, ILS/yr", "עלות היום, ₪ לשנה"),
    "col_mean_driver_km": ("Mean driver distance, km", "מרחק נהג ממוצע, ק״מ"),
    "col_worst_authority_driver_km": (
        "Worst authority's driver distance, km",
        "מרחק נהג ברשות המרוחקת ביותר, ק״מ",
    ),
    "col_access_road_m": ("Distance to a main road, m", "מרחק מכביש ראשי, מ׳"),
    "col_required_area_m2": ("Required area, m²", "שטח נדרש, מ״ר"),
    "col_area_ratio": ("Area / required area", "שטח / שטח נדרש"),
    "col_nearest_locality_id": ("Nearest locality", "היישוב הקרוב"),
    "col_rank_interval": ("Rank, 90% interval", "דירוג, טווח 90%"),
    "col_best_score": ("Best site's score", "ציון האתר הטוב ביותר"),
    "col_cost": ("cost", "עלות"),
    "col_coverage": ("coverage", "כיסוי"),
    "col_equity": ("equity between authorities", "שוויון בין רשויות"),
    "col_nuisance": ("distance from homes", "מרחק ממגורים"),
    "col_area": ("plot area", "שטח המגרש"),
    "col_driver_distance": ("driver distance", "מרחק נהגים"),
    "col_access": ("road access", "נגישות לכביש"),
    "contrib": ("Contribution: {criterion}", "תרומה: {criterion}"),
    # headline figures of a chosen plan
    "h_no_plan": ("No plan", "אין תוכנית"),
    "h_sites": ("Recommended site(s)", "האתרים המומלצים"),
    "h_score": ("Weighted score (anchored criteria)", "ציון משוקלל (קריטריונים מעוגנים)"),
    "h_fixed": ("Lots + driver travel", "חניונים ונסיעת נהגים"),
    "h_collection": ("Collection haul to the station", "הובלת איסוף לתחנה"),
    "h_transfer": ("Transfer leg to the plant", "הובלת העברה למפעל"),
    "h_handling": ("Station handling", "טיפול בתחנה"),
    "h_total": ("Total with the station", "סך הכול עם התחנה"),
    "h_today": ("Today (direct haul)", "היום (הובלה ישירה)"),
    "h_saving": ("Saving against today", "חיסכון לעומת היום"),
    "h_break_even": (
        "Break-even station handling cost",
        "עלות טיפול בתחנה שבה אין חיסכון",
    ),
    "h_driver": ("Driver travel", "נסיעת נהגים"),
    "h_per_truck": ("per truck", "למשאית"),
    "h_lot_load": (
        "Lot {site}: {load} trucks, {spaces} spaces of {cap}",
        "חניון {site}: {load} משאיות, {spaces} מקומות מתוך {cap}",
    ),
    "h_coverage": ("Demand within {t} min (the plan)", "ביקוש בטווח {t} דק׳ (התוכנית)"),
    "h_worst": ("Worst authority's mean time", "הזמן הממוצע ברשות המרוחקת ביותר"),
    "h_stays": (
        "The recommended plan stays optimal in {p} of the weight draws",
        "התוכנית המומלצת נשארת מיטבית ב-{p} מהגרלות המשקלות",
    ),
    "unit_ils_t": ("ILS/t", "₪ לטון"),
    "col_plan_value": ("Best plan with this site", "התוכנית הטובה ביותר עם אתר זה"),
    "col_plan_gap": ("Below the recommended plan", "פער מהתוכנית המומלצת"),
    "col_plan_gap_ils_per_year": (
        "Below the recommended plan, ILS/yr equivalent",
        "פער מהתוכנית המומלצת, ₪ לשנה (שווה ערך)",
    ),
    "col_plan_sites": ("Best plan containing this site", "התוכנית הטובה ביותר הכוללת אתר זה"),
    "col_p_in_plan": (
        "Share of weight draws with this site in the optimal plan",
        "שיעור הגרלות המשקלות שבהן האתר בתוכנית המיטבית",
    ),
    "chart_plan_gap": (
        "How far each site's best plan is from the recommended plan",
        "המרחק של התוכנית הטובה ביותר של כל אתר מהתוכנית המומלצת",
    ),
    "chart_in_plan": ("Stability of the plan under the weights", "יציבות התוכנית מול המשקלות"),
    "plan_changes_here": ("plan changes", "התוכנית משתנה"),
    "plan_unchanged": ("plan unchanged", "התוכנית אינה משתנה"),
    "recommended_plan": ("Recommended plan", "התוכנית המומלצת"),
    "trade_offs": ("What the weights imply", "מה המשקלות אומרים"),
    "to_nuisance_100m": (
        "the committee pays up to {x} {unit} to move a site 100 m further from homes "
        "(between {a} m and {b} m)",
        "הוועדה משלמת עד {x} {unit} כדי להרחיק אתר ב-100 מ׳ נוספים ממגורים (בין {a} ל-{b} מ׳)",
    ),
    "to_equity_1min": (
        "the committee pays up to {x} {unit} for 1 minute less of the average authority's "
        "mean travel time",
        "הוועדה משלמת עד {x} {unit} עבור דקה אחת פחות בזמן הנסיעה הממוצע של הרשות הממוצעת",
    ),
    "to_coverage_1pct": (
        "the committee pays up to {x} {unit} for 1 % more of the demand within {t} min",
        "הוועדה משלמת עד {x} {unit} עבור 1% נוסף מהביקוש בטווח {t} דק׳",
    ),
    "unit_km_more": ("km more mean driver distance", "ק״מ נוספים במרחק הנהג הממוצע"),
    # report and charts
    "report_title": ("Siting report", "דוח איתור אתרים"),
    "summary": ("Summary", "תקציר"),
    "ranking_top": ("Ranking: top {n}", "דירוג: {n} המובילים"),
    "charts": ("Charts", "תרשימים"),
    "open_map": ("Open the interactive map", "פתחו את המפה האינטראקטיבית"),
    "chart_map": ("Map of the result", "מפת התוצאה"),
    "chart_cost": ("Cost by candidate", "עלות לפי אתר מועמד"),
    "chart_rank_stability": ("Rank stability", "יציבות הדירוג"),
    "chart_tornado": ("Sensitivity (one parameter at a time)", "רגישות (פרמטר אחד בכל פעם)"),
    "objective": ("Objective", "פונקציית מטרה"),
    "solver": ("Solver", "פותר"),
    "candidates_n": ("Candidates", "אתרים מועמדים"),
    "eligible_n": ("eligible", "כשירים"),
    "best_site": ("Best site", "האתר הטוב ביותר"),
    "site_id": ("Site", "אתר"),
    "baseline": ("baseline", "בסיס"),
    "parameter": ("Parameter", "פרמטר"),
    "low_value": ("low value", "ערך נמוך"),
    "high_value": ("high value", "ערך גבוה"),
    "files": ("Files", "קבצים"),
    "generated_by": ("Generated by siting {version}", "הופק ע״י siting {version}"),
    # scenario sweeps (sweep.html)
    "sweep_title": ("Scenario sweep: {name}", "ניתוח תרחישים: {name}"),
    "sweep_summary": (
        "{n} scenarios ({failed} failed) on {workers} worker(s).",
        "{n} תרחישים ({failed} נכשלו) על {workers} מעבד(ים).",
    ),
    "sweep_robust": ("Robust recommendation", "ההמלצה החסינה"),
    "sweep_robust_line": (
        "{facility}: {sites} — worst-case regret {regret} {unit} (mean {mean}), optimal in "
        "{n_opt} of {n} scenarios.",
        "{facility}: {sites} — חרטה במקרה הגרוע {regret} {unit} (ממוצע {mean}), אופטימלי "
        "ב-{n_opt} מתוך {n} תרחישים.",
    ),
    "sweep_no_robust": (
        "{facility}: no plan is feasible in every scenario.",
        "{facility}: אין תוכנית אפשרית בכל התרחישים.",
    ),
    "sweep_regret_def": (
        "Regret = what a plan costs in a scenario against the plan that scenario's own rule "
        "chose (the station: total cost, ILS/yr; truck lots: weighted score points). The robust "
        "plan has the smallest worst-case regret among plans feasible in every scenario.",
        "חרטה = כמה עולה תוכנית בתרחיש לעומת התוכנית שנבחרה בו (תחנה: עלות כוללת, ₪ לשנה; "
        "חניוני משאיות: נקודות ציון משוקלל). התוכנית החסינה היא בעלת החרטה המרבית הקטנה ביותר "
        "מבין התוכניות האפשריות בכל התרחישים.",
    ),
    "sweep_shares": ("How often each site is chosen", "באיזו תדירות נבחר כל אתר"),
    "sweep_regret_table": ("Regret table", "טבלת החרטה"),
    "sweep_scenarios": ("Scenarios", "תרחישים"),
    "sweep_group": ("Group", "קבוצה"),
    "sweep_plan": ("Plan", "תוכנית"),
    "sweep_optimal_in": ("Optimal in", "אופטימלי ב"),
    "sweep_max_regret": ("Worst-case regret", "חרטה מרבית"),
    "sweep_mean_regret": ("Mean regret", "חרטה ממוצעת"),
    "sweep_infeasible": ("Infeasible in", "לא אפשרי ב"),
    "sweep_share": ("Share of scenarios", "שיעור התרחישים"),
    "sweep_status": ("Status", "מצב"),
    "sweep_error": ("Error", "שגיאה"),
    # siting compare: comparison.csv / .html and sites.csv
    "cmp_title": ("{a} vs {b}", "{a} מול {b}"),
    "cmp_facility": ("Facility", "מתקן"),
    "cmp_measure": ("Measure", "מדד"),
    "cmp_difference": ("Difference ({b} − {a})", "הפרש ({b} − {a})"),
    "cmp_all": ("Cluster", "האשכול"),
    "cmp_member_authorities": ("Member authorities", "רשויות חברות"),
    "cmp_chosen_sites": ("Chosen sites (ids)", "אתרים שנבחרו (מזהים)"),
    "cmp_objective": (
        "Plan objective (unit in the next row)",
        "ערך המטרה של התוכנית (היחידה בשורה הבאה)",
    ),
    "cmp_objective_unit": ("Unit of the plan objective", "יחידת ערך המטרה"),
    "cmp_coverage_share": (
        "Share of demand within the coverage threshold",
        "שיעור הביקוש בטווח סף הכיסוי",
    ),
    "cmp_p_stays": (
        "Share of weight draws in which the plan stays optimal",
        "שיעור הגרלות המשקלות שבהן התוכנית נשארת מיטבית",
    ),
    "cmp_eligible_sites": ("Eligible sites", "אתרים כשירים"),
    "cmp_sites": ("Chosen sites, paired by place", "האתרים שנבחרו, מותאמים לפי מקום"),
    "cmp_sites_note": (
        "A site id is its place on the region's grid, so the same id is the same place in both "
        "runs; sites with other ids (user plots, another cell size) are paired with the nearest "
        "site within {tol} m.",
        "מזהה אתר הוא מקומו ברשת האזור, ולכן אותו מזהה הוא אותו מקום בשתי ההרצות; אתרים "
        "במזהים אחרים (חלקות של המשתמש, גודל תא אחר) מותאמים לאתר הקרוב ביותר בטווח {tol} מ׳.",
    ),
    "cmp_match": ("Paired", "התאמה"),
    "cmp_same_place": ("same place", "אותו מקום"),
    "cmp_nearest": ("nearest within {tol} m", "הקרוב ביותר בטווח {tol} מ׳"),
    "cmp_none": ("none within {tol} m", "אין אתר בטווח {tol} מ׳"),
    "cmp_distance_m": ("Distance between the two, m", "מרחק ביניהם, מ׳"),
    "cmp_x_itm": ("x (ITM), m", "x (רשת ישראל), מ׳"),
    "cmp_y_itm": ("y (ITM), m", "y (רשת ישראל), מ׳"),
    "cmp_site_in": ("Site in {name}", "אתר ב־{name}"),
    "cmp_chosen_in": ("Chosen in {name}", "נבחר ב־{name}"),
    "cmp_rank_in": ("Rank in {name}", "דירוג ב־{name}"),
    "cmp_excluded_in": ("Excluded in {name}", "נפסל ב־{name}"),
    "cmp_reason_in": ("Why excluded in {name}", "סיבת הפסילה ב־{name}"),
    "cmp_files": (
        "comparison.csv and sites.csv have the same tables; each run's own outputs are in its "
        "folder.",
        "הטבלאות נמצאות גם ב־comparison.csv וב־sites.csv; התוצרים של כל הרצה נמצאים בתיקייה שלה.",
    ),
    "cmp_report": ("report", "דוח"),
    "cmp_map": ("map", "מפה"),
    # report: the score's make-up and the sources the run cites (siting.sources.catalogue)
    "report_contributions": (
        "How each score is made up (points per criterion)",
        "ממה מורכב כל ציון (נקודות לכל אמת מידה)",
    ),
    "src_cited": ("Sources cited", "המקורות שצוטטו"),
    "src_intro": (
        "Each source id in this report, the map, the manifest and the CSV files refers to "
        "one row here. 'DOMAIN' ids refer to the project's domain research: 'DOMAIN 8.n' "
        "marks a figure no source could be found for, an assumption to set locally.",
        "כל מזהה מקור בדוח, במפה, בקובץ המניפסט ובקובצי ה-CSV מפנה לשורה אחת כאן. מזהי "
        "DOMAIN מפנים למחקר הרקע של הפרויקט: DOMAIN 8.n מסמן נתון שלא נמצא לו מקור, הנחה "
        "שיש לקבוע במקום. תיאורי המקורות הם תרגום של הפרויקט; הכותר כפי שפורסם מופיע "
        "כשמצביעים על הקישור, ובדוח האנגלי.",
    ),
    "src_id": ("Id", "מזהה"),
    "src_title": ("Title (as published) and link", "תיאור המקור (תרגום) וקישור"),
    "src_publisher": ("Publisher", "מפרסם"),
    "src_year": ("Year", "שנה"),
    "src_unsourced": ("No source found", "לא נמצא מקור"),
    "src_section": ("Domain research, section", "מחקר הרקע, פרק"),
    "src_same_as": ("the same as {id}", "זהה ל-{id}"),
    # national.html (siting.present.nationalpage)
    "national_title": ("National plan: {name}", "תוכנית ארצית: {name}"),
    "national_intro": (
        "{n} clusters, each planned with its own members. Member land simplified at {tol:g} m; "
        "square: waste-sorting station, circles: truck lots. Figures are each cluster's own plan "
        "(sweep.csv).",
        "{n} אשכולות, כל אחד מתוכנן עם חבריו. שטח החברים מפושט ב-{tol:g} מ'; ריבוע: תחנת מיון "
        "פסולת, עיגולים: חניוני משאיות. הנתונים הם התוכנית של כל אשכול (sweep.csv).",
    ),
    "national_map": ("Map", "מפה"),
    "national_table": ("National table", "טבלה ארצית"),
    "national_cluster": ("Cluster", "אשכול"),
    "national_facility": ("Facility", "מתקן"),
    "national_members": ("Members", "רשויות חברות"),
    "national_population": ("Residents", "תושבים"),
    "national_tonnes": ("Tonnes/yr or trucks", "טון לשנה או משאיות"),
    "national_sites": ("Chosen sites", "אתרים שנבחרו"),
    "national_authority": ("In authority", "ברשות"),
    "national_cost": ("Total cost ILS/yr", "עלות כוללת ₪ לשנה"),
    "national_today": ("Today ILS/yr", "היום ₪ לשנה"),
    "national_saving": ("Saving ILS/yr", "חיסכון ₪ לשנה"),
    "national_driver": ("Mean driver km", "ק״מ נהג ממוצע"),
    "national_coverage": ("Coverage", "כיסוי"),
    "national_proven": ("Proven optimal", "אופטימלי מוכח"),
    "national_status": ("Status", "מצב"),
    "national_scale": ("{km:g} km", "{km:g} ק״מ"),
}


def t(key: str, lang: Lang | str, **kwargs: Any) -> str:
    """The label ``key`` in ``lang``, formatted with ``kwargs``.

    Unknown keys raise ``KeyError`` so a missing translation fails loudly in tests.
    """
    en, he = LABELS[key]
    text = he if Lang.parse(lang) is Lang.HE else en
    return text.format(**kwargs) if kwargs else text


def cost_model_text(model: str, description: str, params: Any, lang: Lang | str) -> str:
    """The cost model's one-line description in ``lang`` (the crow-fly model's is
    translated from its parameters; others keep their own description)."""
    if model == "crow-fly" and params is not None and hasattr(params, "circuity"):
        return t("crow_fly_model", lang, circuity=params.circuity, speed=params.speed_kmh)
    return description


def column_label(column: str, lang: Lang | str, **kwargs: Any) -> str:
    """A human label for a ranking column (generic for unknown columns).

    ``contrib_<criterion>`` becomes "Contribution: <criterion's label>".
    """
    if column.startswith("contrib_"):
        crit = column.removeprefix("contrib_")
        return t("contrib", lang, criterion=column_label(crit, lang, **kwargs))
    key = f"col_{column}"
    if key in LABELS:
        return t(key, lang, **kwargs)
    return column.replace("_", " ")


def param_label(name: str, lang: Lang | str) -> str:
    """A human label for a sensitivity parameter (``weight:equity`` → "Weight: equity …")."""
    if name.startswith("weight:"):
        crit = column_label(name.removeprefix("weight:"), lang)
        return t("param_weight", lang, criterion=crit)
    key = f"param_{name}"
    return t(key, lang) if key in LABELS else name.replace("_", " ")


def fmt_number(value: Any, digits: int = 0) -> str:
    """``1,234.5``-style number; ``–`` for missing or non-finite values."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}"


def fmt_value(column: str, value: Any) -> str:  # noqa: PLR0911 (one return per unit)
    """Format a ranking value by its column's unit (shares as %, money/tonne-km as integers)."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(x):
        return "–"
    if column.endswith("_share") or column in {"p_first", "p_in_plan", "coverage_share"}:
        return f"{100 * x:.0f}%"
    if column == "plan_gap":
        return fmt_number(x, 2)
    if column.startswith("contrib_") or column == "score":
        return fmt_number(x, 1)
    if "minutes" in column or column.endswith("_min"):
        return fmt_number(x, 1)
    if abs(x) >= 100 or x == int(x):
        return fmt_number(x, 0)
    return f"{x:.3g}"
