"""The national table: one row per cluster and facility of a sweep over regions.

What a Ministry user opens after a sweep over clusters
(``examples/sweeps/israel-clusters.toml``): per cluster and facility its members, their
residents, the tonnes (station) or trucks (lots) planned for, the chosen sites and the
authority each lies in, the plan's cost against today's and its coverage.  Every figure is
the cluster's own plan as ``sweep.csv`` has it (the same row, fewer columns).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from siting.sweep.engine import Solved
from siting.sweep.spec import Sweep

__all__ = ["NATIONAL_COLUMNS", "is_national", "national_table"]

#: Columns of ``national.csv`` (those the sweep has), in order.
NATIONAL_COLUMNS = (
    "group",
    "scenario_id",
    "facility",
    "status",
    "members",
    "population",
    "tonnes_per_year",
    "trucks",
    "plan_sites",
    "plan_authorities",
    "plan_authorities_he",
    "plan_places",
    "total_cost_ils_per_year",
    "status_quo_cost_ils_per_year",
    "saving_ils_per_year",
    "mean_driver_km",
    "coverage_share",
    "worst_authority_minutes",
    "proven_optimal",
    "error",
)


def is_national(sweep: Sweep) -> bool:
    """Whether the sweep spans more than one region (each region is a group)."""
    return len({it.group for it in sweep.scenarios}) > 1


def national_table(sweep: Sweep, table: pd.DataFrame, summaries: Sequence[Solved]) -> pd.DataFrame:
    """``national.csv``: ``table`` (``sweep.csv``) cut to :data:`NATIONAL_COLUMNS`, one row
    per scenario and facility, in scenario order (one scenario per cluster in the
    nationwide example)."""
    del summaries
    if table.empty:
        return table
    cols = [c for c in NATIONAL_COLUMNS if c in table.columns]
    out = table[cols].copy()
    order = {it.id: k for k, it in enumerate(sweep.scenarios)}
    out = out.sort_values("scenario_id", key=lambda s: s.map(order), kind="stable")
    return out.reset_index(drop=True)
