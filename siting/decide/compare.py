"""Two runs side by side: which sites each chose, where, and what they cost (``siting compare``).

Sites are paired **by place**, never by row order: a search cell's id is its place on the
region's lattice (:mod:`siting.candidates`), so a chosen cell of one run is the cell of
the same id in the other when it is at the same place; otherwise (a user's plots, another
cell size, another region's lattice) it is paired with the other run's site nearest to
it, within a tolerance (the larger cell's circumradius by default) that the table states.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from siting.candidates import search_origin, site_places
from siting.decide.scenario import RunResult
from siting.facility import spec

__all__ = [
    "SAME_PLACE_M",
    "compare_runs",
    "match_sites",
    "match_tolerance_m",
    "scenario_names",
]

#: Two sites closer than this (metres) are the same place (cell centres are exact to mm).
SAME_PLACE_M = 1.0


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
        ``facility``, ``metric`` (an identifier; :func:`siting.present.compare.comparison_table`
        gives each its human name and unit) and one column per scenario name (suffixed
        ``_b`` if both share a name), plus ``difference`` (b − a) where both values are
        numbers.  The chosen sites' pairing by place is :func:`match_sites`.
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
            out[(key, "coverage_threshold_min")] = spec(fac).threshold_min(r.scenario)
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
    na, nb = scenario_names(a, b)
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


def scenario_names(a: RunResult, b: RunResult) -> tuple[str, str]:
    """The two runs' column names: their scenario names (``_b`` added when equal)."""
    na, nb = a.scenario.name, b.scenario.name
    return na, (f"{nb}_b" if nb == na else nb)


def _places(r: RunResult) -> tuple[pd.Index, np.ndarray]:
    """The run's candidate ids and places (cell centres of its lattice, else centroids)."""
    cand = r.candidates
    grid = r.scenario.candidates is None
    region = r.region or r.scenario.region
    origin = (r.scenario.grid_origin_itm or search_origin(region)) if grid else None
    xy = site_places(cand, origin=origin, cell_m=float(r.scenario.search.cell_m))
    return pd.Index(cand["id"].astype(str)), xy


def match_tolerance_m(a: RunResult, b: RunResult) -> float:
    """The default pairing tolerance (metres): the circumradius of the larger search cell of
    the two runs (``cell_m / √3``, rounded), the farthest a point of a hexagon lies from its
    centre, so a cell of the finer grid is paired with the coarser cell it lies in."""
    return float(
        round(max(float(a.scenario.search.cell_m), float(b.scenario.search.cell_m)) / np.sqrt(3.0))
    )


def match_sites(a: RunResult, b: RunResult, *, tolerance_m: float | None = None) -> pd.DataFrame:
    """Each site chosen in either run, paired with the other run's site at the same place.

    A chosen site of ``a`` is paired with ``b``'s site of the same id when both are at the
    same place (within :data:`SAME_PLACE_M`: ``match = "same place"``); otherwise with
    ``b``'s site whose place is nearest: ``"same place"`` too when within
    :data:`SAME_PLACE_M` (another id, e.g. a cell of a grid twice as coarse), ``"nearest
    within <tol> m"`` when within ``tolerance_m``, else none (``"none within <tol> m"``);
    then the same from ``b`` for its chosen sites not yet paired.  A place is a search
    cell's centre on its run's lattice, or a user plot's centroid.

    Parameters
    ----------
    a, b : RunResult
    tolerance_m : float, optional
        Largest distance at which two different sites are paired (default
        :func:`match_tolerance_m`).

    Returns
    -------
    DataFrame
        One row per facility and pair: ``facility``, ``match``, ``distance_m``, ``x_itm``,
        ``y_itm`` (the place of the chosen site the row starts from), then per run (``_a``,
        ``_b``) ``site``, ``chosen``, ``rank``, ``excluded`` and ``exclusion_reason``.

    Examples
    --------
    >>> import dataclasses, siting
    >>> s = siting.default_scenario()
    >>> s = dataclasses.replace(s, sensitivity=dataclasses.replace(s.sensitivity, enabled=False))
    >>> r = siting.run(s)
    >>> m = match_sites(r, r)
    >>> bool((m["site_a"] == m["site_b"]).all()), sorted(set(m["match"]))
    (True, ['same place'])
    """
    tol = float(match_tolerance_m(a, b) if tolerance_m is None else tolerance_m)
    ids_a, xy_a = _places(a)
    ids_b, xy_b = _places(b)
    rows: list[dict[str, Any]] = []
    for fac in [f for f in a.results if f in b.results]:
        rk = {r: r_.results[fac].ranking.set_index("site_id") for r, r_ in (("a", a), ("b", b))}
        chosen = {"a": list(a.results[fac].chosen), "b": list(b.results[fac].chosen)}
        side = {"a": (ids_a, xy_a), "b": (ids_b, xy_b)}
        paired: set[str] = set()
        for me, other in (("a", "b"), ("b", "a")):
            ids_o, xy_o = side[other]
            tree = cKDTree(xy_o) if len(ids_o) else None
            ids_m, xy_m = side[me]
            pos_m = {s: i for i, s in enumerate(ids_m)}
            pos_o = {s: i for i, s in enumerate(ids_o)}
            for sid in chosen[me]:
                if me == "b" and sid in paired:
                    continue
                here = xy_m[pos_m[sid]]
                match, dist, partner = _partner(
                    sid, here, pos_o=pos_o, xy_o=xy_o, ids_o=ids_o, tree=tree, tol=tol
                )
                if me == "a" and partner is not None and partner in chosen["b"]:
                    paired.add(partner)
                pair = {me: sid, other: partner}
                row: dict[str, Any] = {
                    "facility": fac.value,
                    "match": match,
                    "distance_m": dist,
                    "x_itm": round(float(here[0]), 1),
                    "y_itm": round(float(here[1]), 1),
                }
                for r in ("a", "b"):
                    row.update(_site_columns(r, pair[r], rk[r], chosen[r]))
                rows.append(row)
    cols = ["facility", "match", "distance_m", "x_itm", "y_itm"]
    cols += [f"{c}_{r}" for r in "ab" for c in ("site", "chosen", "rank", "excluded")]
    cols += [f"exclusion_reason_{r}" for r in "ab"]
    out = pd.DataFrame(rows, columns=cols)
    out.attrs["tolerance_m"] = tol
    return out


def _partner(
    sid: str,
    here: np.ndarray,
    *,
    pos_o: dict[str, int],
    xy_o: np.ndarray,
    ids_o: pd.Index,
    tree: cKDTree | None,
    tol: float,
) -> tuple[str, float | None, str | None]:
    """How ``sid`` at ``here`` pairs with the other run: (match, distance, partner id)."""
    if sid in pos_o:
        d = float(np.hypot(*(xy_o[pos_o[sid]] - here)))
        if d <= SAME_PLACE_M:
            return "same place", round(d, 1), sid
    if tree is not None:
        d, j = tree.query(here)
        if float(d) <= SAME_PLACE_M:  # another id at the same place (nested grids)
            return "same place", round(float(d), 1), str(ids_o[int(j)])
        if float(d) <= tol:
            return f"nearest within {tol:g} m", round(float(d), 1), str(ids_o[int(j)])
    return f"none within {tol:g} m", None, None


def _site_columns(
    r: str, site: str | None, rk: pd.DataFrame, chosen: Sequence[str]
) -> dict[str, Any]:
    """One run's columns of a pair: the site, whether chosen, its rank and exclusion."""
    if site is None or site not in rk.index:
        return {
            f"site_{r}": site,
            f"chosen_{r}": False if site is None else None,
            f"rank_{r}": None,
            f"excluded_{r}": None,
            f"exclusion_reason_{r}": "",
        }
    row = rk.loc[site]
    rank = row.get("rank")
    return {
        f"site_{r}": site,
        f"chosen_{r}": site in chosen,
        f"rank_{r}": None if pd.isna(rank) else int(rank),
        f"excluded_{r}": bool(row.get("excluded", False)),
        f"exclusion_reason_{r}": str(row.get("exclusion_reason", "") or ""),
    }
