"""A sweep run end to end: scenarios on Dask, then the tables (:class:`SweepResult`)."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pandas as pd

from siting.sweep.engine import Executor, Solved, executor, run_tasks
from siting.sweep.national import is_national, national_table
from siting.sweep.robust import robust_table, site_shares, sweep_table
from siting.sweep.spec import Sweep, load_sweep

__all__ = ["SweepResult", "run_sweep"]


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """What a sweep produced.

    Attributes
    ----------
    sweep : Sweep
    table : DataFrame
        ``sweep.csv``: one row per scenario × facility (:func:`siting.sweep.robust.sweep_table`).
    robust : DataFrame
        ``robust.csv``: each compared plan's value and regret per scenario
        (:func:`siting.sweep.robust.robust_table`); ``robust = True`` marks the
        minimax-regret plan of each group and facility.
    shares : DataFrame
        How often each site is chosen (:func:`siting.sweep.robust.site_shares`).
    notes : tuple of str
    seconds : float
    workers : int
    national : DataFrame
        ``national.csv`` (:func:`siting.sweep.national.national_table`) for a sweep over
        more than one region, else empty.
    outlines : dict
        Per scenario id the members' land (EPSG:2039 WKT, simplified) for the national map.
    """

    sweep: Sweep
    table: pd.DataFrame
    robust: pd.DataFrame
    shares: pd.DataFrame
    notes: tuple[str, ...]
    seconds: float
    workers: int
    national: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    outlines: dict[str, str] = dataclasses.field(default_factory=dict)

    def recommendation(self) -> pd.DataFrame:
        """The robust plan of each group and facility (rows of ``robust`` marked robust)."""
        if self.robust.empty:
            return self.robust
        cols = [
            "group",
            "facility",
            "plan",
            "name",
            "plan_sites",
            "plan_places",
            "max_regret",
            "mean_regret",
            "regret_unit",
            "n_optimal",
            "n_scenarios",
        ]
        return self.robust.loc[self.robust["robust"].astype(bool), cols].reset_index(drop=True)


def run_sweep(
    sweep: Sweep | str | Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = False,
    ex: Executor | None = None,
) -> SweepResult:
    """Run every scenario of ``sweep`` and compare their plans.

    Parameters
    ----------
    sweep : Sweep or path of a sweep file
    scheduler : str, optional
        ``None``: a local Dask cluster of ``workers`` processes (default: the cores);
        ``"synchronous"``: in this process, one task after another; else the address of a
        running Dask scheduler (``tcp://host:8786``).
    workers : int, optional
    progress : bool
        A progress bar over the tasks (stderr).
    ex : Executor, optional
        An executor to use (and leave open) instead, e.g. a test's Dask client
        (``siting.sweep.engine._Dask(client)``).
    """
    t0 = time.perf_counter()
    sw = sweep if isinstance(sweep, Sweep) else load_sweep(sweep)
    own = ex is None
    ex = ex or executor(scheduler, workers=workers)
    try:
        summaries, priced, compared = run_tasks(sw, ex, progress=progress)
        n = ex.workers
    finally:
        if own:
            ex.close()
    notes = []
    failed = [it.id for it, sm in zip(sw.scenarios, summaries, strict=True) if sm.error]
    if failed:
        notes.append(f"{len(failed)} scenario(s) failed: {', '.join(failed)} (see sweep.csv)")
    for sm in summaries[:1]:
        for fac, alts in sm.alternatives.items():
            notes += [
                f"{fac} alternative {k!r}: {v}" for k, v in alts.items() if isinstance(v, str)
            ]
    table = sweep_table(sw, summaries)
    return SweepResult(
        sweep=sw,
        table=table,
        robust=robust_table(sw, summaries, priced, compared),
        shares=site_shares(summaries, sw),
        notes=tuple(notes),
        seconds=time.perf_counter() - t0,
        workers=n,
        national=national_table(sw, table, summaries) if is_national(sw) else pd.DataFrame(),
        outlines=_outlines(sw, summaries),
    )


def _outlines(sw: Sweep, summaries: list[Solved]) -> dict[str, str]:
    return {it.id: sm.outline for it, sm in zip(sw.scenarios, summaries, strict=True)}
