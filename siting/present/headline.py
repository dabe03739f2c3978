"""The headline figures of each facility's chosen plan, the same in every output.

The map's title block, the report's summary, ``solution.geojson`` and the manifest all take
their figures from :func:`headline`, which reads only the chosen plan's figures
(``FacilityResult.extra``, filled by :func:`siting.decide.plans.evaluate_plan`): for the
station the collection haul, the transfer leg, the handling cost, the total, today's cost,
the saving and the break-even handling cost per tonne; for truck lots the driver travel,
coverage and equity of the whole plan and each lot's load against its capacity.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from siting.layers import Facility
from siting.present.i18n import Lang, fmt_number, t

if TYPE_CHECKING:
    from siting.decide.scoring import FacilityResult

__all__ = ["HEADLINE_KEYS", "headline", "headline_lines"]

#: Figures of ``FacilityResult.extra`` that make the headline, per facility, in order.
HEADLINE_KEYS: dict[Facility, tuple[str, ...]] = {
    Facility.WASTE_STATION: (
        "collection_cost_ils_per_year",
        "collection_tkm_per_year",
        "transfer_cost_ils_per_year",
        "transfer_tkm_per_year",
        "handling_cost_ils_per_year",
        "total_cost_ils_per_year",
        "status_quo_cost_ils_per_year",
        "saving_ils_per_year",
        "break_even_handling_ils_per_t",
        "coverage_share",
        "worst_authority_minutes",
    ),
    Facility.TRUCK_LOT: (
        "truck_km_per_day",
        "mean_driver_km",
        "coverage_share",
        "worst_authority_minutes",
        "worst_authority_driver_km",
        "lot_cost_ils_per_year",
        "driver_cost_ils_per_year",
    ),
}


def headline(res: FacilityResult) -> dict[str, Any]:
    """The chosen plan's headline figures as numbers (missing ones left out)."""
    out: dict[str, Any] = {"sites": list(res.chosen)}
    if not res.chosen:
        out["no_plan"] = str(res.extra.get("no_plan", "no plan"))
        return out
    out["objective"] = res.extra.get("objective")
    out["objective_value"] = res.objective
    out["objective_unit"] = res.objective_unit
    out["proven_optimal"] = res.proven_optimal
    for key in HEADLINE_KEYS[res.facility]:
        v = res.extra.get(key)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            out[key] = v
    out["site_loads"] = [
        {k: row[k] for k in ("site_id", "load", "load_capacity_units", "capacity") if k in row}
        for row in res.extra.get("sites", [])
    ]
    if "p_plan_stays_optimal" in res.extra:
        out["p_plan_stays_optimal"] = res.extra["p_plan_stays_optimal"]
    return out


def _money(x: Any) -> str:
    return fmt_number(x)


def headline_lines(res: FacilityResult, lang: Lang | str, *, threshold_min: float) -> list[str]:
    """The headline as short lines of text in ``lang`` (HTML-escape before use)."""
    lang = Lang.parse(lang)
    h = headline(res)
    ils = t("unit_ils_year", lang)
    if not res.chosen:
        return [f"{t('h_no_plan', lang)}: {h['no_plan']}"]
    lines = [f"{t('h_sites', lang)}: {', '.join(h['sites'])}"]
    if h.get("objective") == "weighted":
        lines.append(f"{t('h_score', lang)}: {fmt_number(h['objective_value'], 1)}")
    elif h.get("objective") == "fixed-charge":
        lines.append(f"{t('h_fixed', lang)}: {_money(h['objective_value'])} {ils}")
    if res.facility is Facility.WASTE_STATION:
        lines += [
            f"{t('h_collection', lang)}: {_money(h.get('collection_cost_ils_per_year'))} {ils} "
            f"({fmt_number(h.get('collection_tkm_per_year'))} {t('unit_tkm_year', lang)})",
            f"{t('h_transfer', lang)}: {_money(h.get('transfer_cost_ils_per_year'))} {ils} "
            f"({fmt_number(h.get('transfer_tkm_per_year'))} {t('unit_tkm_year', lang)})",
            f"{t('h_handling', lang)}: {_money(h.get('handling_cost_ils_per_year'))} {ils}",
            f"{t('h_total', lang)}: {_money(h.get('total_cost_ils_per_year'))} {ils}",
            f"{t('h_today', lang)}: {_money(h.get('status_quo_cost_ils_per_year'))} {ils}",
            f"{t('h_saving', lang)}: {_money(h.get('saving_ils_per_year'))} {ils}",
            f"{t('h_break_even', lang)}: {fmt_number(h.get('break_even_handling_ils_per_t'), 1)} "
            f"{t('unit_ils_t', lang)}",
        ]
    else:
        lines.append(
            f"{t('h_driver', lang)}: {fmt_number(h.get('truck_km_per_day'))} "
            f"{t('unit_truck_km_day', lang)} ({fmt_number(h.get('mean_driver_km'), 1)} "
            f"{t('km', lang)} {t('h_per_truck', lang)})"
        )
        for row in h["site_loads"]:
            cap = row.get("capacity")
            cap_text = fmt_number(cap) if cap is not None and math.isfinite(cap) else "–"
            lines.append(
                t(
                    "h_lot_load",
                    lang,
                    site=row["site_id"],
                    load=fmt_number(row["load"]),
                    spaces=fmt_number(row.get("load_capacity_units", row["load"])),
                    cap=cap_text,
                )
            )
    lines.append(
        f"{t('h_coverage', lang, t=fmt_number(threshold_min))}: "
        f"{100 * float(h.get('coverage_share', math.nan)):.0f}%"
    )
    lines.append(
        f"{t('h_worst', lang)}: {fmt_number(h.get('worst_authority_minutes'), 1)} {t('min', lang)}"
    )
    if "p_plan_stays_optimal" in h:
        lines.append(t("h_stays", lang, p=f"{100 * h['p_plan_stays_optimal']:.0f}%"))
    return lines
