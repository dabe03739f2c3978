"""The ranking table (``ranking.csv``) and the per-facility result it belongs to.

Scores are no longer min–max normalised over the candidates: every criterion is
normalised on fixed anchors and the plan is chosen by an exact model
(:mod:`siting.decide.plans`, :mod:`siting.decide.choose`).  Each candidate's row describes
**the best plan containing it**:

ranking.csv (one row per candidate and facility, :data:`RANKING_COLUMNS` first)
    ``rank``: the rank of that plan (the chosen sites are ranks 1..k); ``score``: its
    weighted score (``weighted`` objective); ``plan_value`` its objective in the
    facility's unit; ``plan_gap`` how far it is below the recommended plan (and
    ``plan_gap_ils_per_year`` in ILS/yr when the objective has a cost); ``plan_sites`` its
    sites; ``p_in_plan`` the share of weight draws whose optimal plan has the site;
    ``rank_p<lo>``/``rank_p<hi>`` the rank interval over the draws (single-site plans);
    ``contrib_<criterion>`` each criterion's points in that plan.  ``excluded``,
    ``exclusion_reason``: hard constraints.  The remaining columns are the site's own
    values as the only site (:mod:`siting.criteria`), for reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from siting.layers import Facility

__all__ = [
    "RANKING_COLUMNS",
    "FacilityResult",
    "order_ranking",
    "rank_interval_columns",
]

#: Leading columns of ranking.csv, in order (``contrib_<criterion>`` columns follow).
RANKING_COLUMNS = (
    "site_id",
    "facility",
    "rank",
    "score",
    "plan_value",
    "plan_gap",
    "plan_gap_ils_per_year",
    "plan_sites",
    "chosen",
    "p_in_plan",
    "excluded",
    "exclusion_reason",
    "unreachable_from",
    "haul_tkm_per_year",
    "haul_cost_ils_per_year",
    "transfer_tkm_per_year",
    "transfer_cost_ils_per_year",
    "total_cost_ils_per_year",
    "status_quo_cost_ils_per_year",
    "saving_ils_per_year",
    "truck_km_per_day",
    "mean_driver_km",
    "worst_authority_driver_km",
    "coverage_share",
    "mean_minutes",
    "worst_authority_minutes",
    "nearest_built_up_m",
    "nearest_locality_id",
    "access_road_m",
    "area_m2",
    "required_area_m2",
    "area_ratio",
    "authority_id",
)


@dataclass(frozen=True)
class FacilityResult:
    """Ranking and chosen sites for one facility type.

    Attributes
    ----------
    facility : Facility
    ranking : DataFrame
        One row per candidate (see :data:`RANKING_COLUMNS`).
    chosen : tuple of str
        Site ids chosen.
    assignment : DataFrame
        Each locality's site (``locality_id``, ``site_id``, ``km``, ``minutes``, ``weight``).
    objective : float
        The chosen set's objective in ``objective_unit``.
    solver : str
        How the chosen set was found.
    proven_optimal : bool
        True when the chosen set is provably optimal for the stated rule.
    weights : dict
        The criterion weights actually used (sum 1).
    extra : dict
        Totals for the manifest (costs, savings, weights, AHP consistency …).
    problem : FacilityProblem, optional
        The arrays the plan was chosen on (:class:`siting.criteria.FacilityProblem`), so a
        notebook can evaluate another plan (:func:`siting.decide.plans.evaluate_plan`).
    model : PlanModel, optional
        The weighted model (``objective = "weighted"``).
    """

    facility: Facility
    ranking: pd.DataFrame
    chosen: tuple[str, ...]
    assignment: pd.DataFrame
    objective: float
    objective_unit: str
    solver: str
    proven_optimal: bool
    weights: dict[str, float] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    problem: Any = field(default=None, repr=False, compare=False)
    model: Any = field(default=None, repr=False, compare=False)


def rank_interval_columns(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """The (low, high) rank-percentile columns among ``columns`` (``rank_p5``, ``rank_p95``).

    Examples
    --------
    >>> rank_interval_columns(["rank", "rank_p5", "rank_p95", "score"])
    ('rank_p5', 'rank_p95')
    """
    found = sorted(
        (c for c in columns if c.startswith("rank_p") and c[6:].replace("_", "").isdigit()),
        key=lambda c: float(c[6:].replace("_", ".")),
    )
    if len(found) < 2:
        return None, None
    return found[0], found[-1]


def order_ranking(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate facility rankings with a fixed column order and row order.

    Rows: per facility in the given order, eligible sites by rank, then excluded sites by
    ``site_id``.  Columns: :data:`RANKING_COLUMNS` (those present), then ``contrib_*`` in
    first-seen order, then anything else.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(RANKING_COLUMNS))
    rows = []
    for f in frames:
        key = f.assign(_x=f["rank"].isna(), _r=f["rank"].fillna(0).astype(int))
        key = key.sort_values(["_x", "_r", "site_id"], kind="stable")
        rows.append(key.drop(columns=["_x", "_r"]))
    seen: list[str] = []
    for f in rows:
        seen.extend(c for c in f.columns if c not in seen)
    lo, hi = rank_interval_columns(seen)
    interval = [c for c in (lo, hi) if c]
    lead = [c for c in RANKING_COLUMNS if c in seen]
    lead = (
        lead[: lead.index("p_in_plan") + 1] + interval + lead[lead.index("p_in_plan") + 1 :]
        if "p_in_plan" in lead
        else lead + interval
    )
    contrib = [c for c in seen if c.startswith("contrib_")]
    rest = [c for c in seen if c not in lead and c not in contrib]
    out = pd.concat(rows, ignore_index=True)
    return out[lead + contrib + rest]
