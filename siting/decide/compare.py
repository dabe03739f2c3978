"""Two runs side by side: which sites each chose and what they cost (``siting compare``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from siting.decide.scenario import RunResult

__all__ = ["compare_runs"]


def _fmt_sites(sites: Sequence[str]) -> str:
    return ", ".join(sites)


def compare_runs(a: RunResult, b: RunResult) -> pd.DataFrame:
    """Two runs side by side: members, demand, chosen sites, costs, savings, coverage.

    Parameters
    ----------
    a, b : RunResult
        Results of :func:`siting.decide.run` (e.g. the 10 members and members plus
        neighbours).

    Returns
    -------
    DataFrame
        ``facility``, ``metric`` and one column per scenario name (suffixed ``_b`` if both
        share a name), plus ``difference`` (b − a) where both values are numbers.
    """

    def metrics(r: RunResult) -> dict[tuple[str, str], Any]:
        region = r.region or r.scenario.region
        out: dict[tuple[str, str], Any] = {
            ("all", "member authorities"): int(region.members["id"].nunique()),
            ("all", "residents"): float(r.localities["residents"].sum()),
            ("all", "tonnes_per_day"): float(r.localities["tonnes_per_day"].sum()),
            ("all", "trucks"): float(r.localities["trucks"].sum()),
            ("all", "cost model"): r.costs.model,
        }
        for fac, res in r.results.items():
            rk = res.ranking.set_index("site_id")
            key = fac.value
            out[(key, "chosen sites")] = _fmt_sites(res.chosen)
            out[(key, "objective")] = float(res.objective)
            out[(key, "objective unit")] = res.objective_unit
            out[(key, "coverage_share")] = float(res.extra.get("coverage_share", np.nan))
            out[(key, "worst_authority_minutes")] = float(
                res.extra.get("worst_authority_minutes", np.nan)
            )
            if "p_plan_stays_optimal" in res.extra:
                out[(key, "share of weight draws the plan stays optimal")] = float(
                    res.extra["p_plan_stays_optimal"]
                )
            out[(key, "eligible sites")] = int((~rk["excluded"]).sum())
            for col in (
                "total_cost_ils_per_year",
                "saving_ils_per_year",
                "status_quo_cost_ils_per_year",
            ):
                if col in res.extra:
                    out[(key, col)] = float(res.extra[col])
        return out

    ma, mb = metrics(a), metrics(b)
    na, nb = a.scenario.name, b.scenario.name
    if nb == na:
        nb = f"{nb}_b"
    keys = list(ma) + [k for k in mb if k not in ma]
    rows = []
    for fac, metric in keys:
        va, vb = ma.get((fac, metric)), mb.get((fac, metric))
        num = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (va, vb))
        rows.append(
            {
                "facility": fac,
                "metric": metric,
                na: va,
                nb: vb,
                "difference": (vb - va) if num else None,  # type: ignore[operator]
            }
        )
    return pd.DataFrame(rows)
