"""Run a sweep's scenarios as tasks on Dask, and price every plan in every scenario.

Two rounds of tasks:

1. ``solve``: one task per scenario runs :func:`siting.decide.run` and keeps, on the
   worker, what pricing another plan needs (each facility's problem, its weighted model
   and every candidate's place); the client gathers only a small summary per scenario.
2. ``price``: once every plan chosen anywhere is known, one task per scenario prices each
   plan of its group on that scenario's problem (:func:`siting.decide.plans.evaluate_plan`).

Regions and cost models are scattered to the workers once (one copy per distinct region or
model, however many scenarios use it); a task's scenario carries only its parameters.
Sites are matched between scenarios by place: the centre of their hexagonal cell, rounded to
1 m (a sweep puts every scenario of a region on one lattice: ``Scenario.grid_origin_itm``).
A scenario that fails is a row with its error; the others go on.  Nothing depends on the
number of workers or the order tasks finish in: rows are sorted by scenario, and seeds come
from each scenario's axis values (:func:`siting.sweep.spec.scenario_seed`).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import hashlib
import logging
import os
import pickle
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import numpy as np

from siting.layers import Facility
from siting.sweep.spec import Sweep

__all__ = [
    "Executor",
    "Place",
    "Solved",
    "executor",
    "executor_soon",
    "price_plans",
    "solve_scenario",
    "within_capacity",
]

log = logging.getLogger(__name__)

#: A site's place: its cell centre in EPSG:2039, rounded to whole metres.
Place = tuple[int, int]

#: Figures of a plan copied into ``sweep.csv`` (those the facility has).
FIGURES = (
    "total_cost_ils_per_year",
    "saving_ils_per_year",
    "status_quo_cost_ils_per_year",
    "mean_driver_km",
    "truck_km_per_day",
    "coverage_share",
    "mean_authority_minutes",
    "worst_authority_minutes",
    "plan_score",
    "tonnes_per_year",
    "trucks",
)

#: Tolerance (m) of the members' land outline kept per scenario for the national map.
OUTLINE_M = 250.0


def places(cand: Any, origin: tuple[float, float] | None, cell_m: float) -> list[Place]:
    """Each candidate's place: the centre of its lattice cell (or its centroid), rounded.

    A cell clipped to a border keeps its centre: the centroid of any part of a hexagon is
    nearest to that hexagon's centre among the lattice's centres.
    """
    cent = cand.geometry.centroid
    x, y = cent.x.to_numpy(dtype=float), cent.y.to_numpy(dtype=float)
    if origin is None:
        return [(round(a), round(b)) for a, b in zip(x, y, strict=True)]
    ox, oy = origin
    r = cell_m / np.sqrt(3.0)
    dx, dy = 1.5 * r, cell_m
    k0 = np.round((x - ox) / dx).astype(int)
    best = np.full(len(x), np.inf)
    bx, by = np.zeros(len(x)), np.zeros(len(x))
    for dk in (-1, 0, 1):
        k = k0 + dk
        off = np.where(k % 2 == 1, dy / 2, 0.0)
        cx = ox + k * dx
        cy = oy + off + np.round((y - oy - off) / dy) * dy
        d = (x - cx) ** 2 + (y - cy) ** 2
        better = d < best
        best = np.where(better, d, best)
        bx, by = np.where(better, cx, bx), np.where(better, cy, by)
    return [(round(a), round(b)) for a, b in zip(bx, by, strict=True)]


@dataclasses.dataclass
class _Priced:
    """One facility of one scenario, kept on the worker for pricing other plans."""

    problem: Any
    model: Any
    places: list[Place]


@dataclasses.dataclass
class Solved:
    """A solved scenario: its ``sweep.csv`` rows and what pricing plans needs."""

    index: int
    rows: list[dict[str, Any]]
    plans: dict[str, tuple[Place, ...]]  # facility → the chosen plan's places
    alternatives: dict[str, dict[str, tuple[Place, ...] | str]]  # resolved (or an error)
    priced: dict[str, _Priced] = dataclasses.field(default_factory=dict, repr=False)
    error: str = ""
    outline: str = ""  # the members' land, EPSG:2039 WKT simplified at OUTLINE_M

    def summary(self) -> Solved:
        """The same without the arrays (what the client gathers)."""
        return dataclasses.replace(self, priced={})


def _error_text(err: BaseException) -> str:
    from siting.errors import SitingError

    text = str(err).replace("\n", " ").strip()
    return text if isinstance(err, SitingError) else f"{type(err).__name__}: {text}"


def solve_scenario(
    index: int,
    scenario: Any,
    region: Any,
    cost_model: Any,
    alternatives: Mapping[str, Mapping[str, Sequence[str]]],
) -> Solved:
    """Run one scenario (a task): never raises, a failure is its rows' ``error``."""
    from siting.decide.pipeline import run

    s = dataclasses.replace(scenario, region=region, cost_model=cost_model)
    try:
        result = run(s)
    except Exception as err:  # a failed scenario is a row, not a stop
        msg = _error_text(err)
        log.info("scenario %d failed: %s", index, msg)
        return Solved(
            index=index,
            rows=[{"facility": f.value, "status": "failed", "error": msg} for f in s.facilities],
            plans={},
            alternatives={},
            error=msg,
        )
    cand = result.candidates
    at = places(cand, s.grid_origin_itm, s.search.cell_m)
    by_id = dict(zip(cand["id"].astype(str), at, strict=True))
    rows: list[dict[str, Any]] = []
    plans: dict[str, tuple[Place, ...]] = {}
    priced: dict[str, _Priced] = {}
    resolved: dict[str, dict[str, tuple[Place, ...] | str]] = {}
    member_rows = result.region.members
    members = len(member_rows)
    population = float(member_rows["population"].sum()) if "population" in member_rows else np.nan
    auth = {
        col: dict(zip(cand["id"].astype(str), cand[col].astype(str), strict=True))
        for col in ("authority_name_en", "authority_name_he")
        if col in cand.columns
    }
    for fac, res in result.results.items():
        row: dict[str, Any] = {
            "facility": fac.value,
            "status": "ok" if res.chosen else "no plan",
            "region": result.region.name,
            "members": members,
            "population": population,
            "plan_sites": ";".join(res.chosen),
            "plan_places": ";".join(f"{by_id[c][0]} {by_id[c][1]}" for c in res.chosen),
            "plan_authorities": ";".join(
                auth.get("authority_name_en", {}).get(c, "") for c in res.chosen
            ),
            "plan_authorities_he": ";".join(
                auth.get("authority_name_he", {}).get(c, "") for c in res.chosen
            ),
            "n_sites": len(res.chosen),
            "objective": res.objective,
            "objective_unit": res.objective_unit,
        }
        row.update({k: res.extra.get(k, np.nan) for k in FIGURES})
        row.update(
            proven_optimal=bool(res.proven_optimal),
            solver=res.solver,
            error="" if res.chosen else str(res.extra.get("no_plan", "")),
        )
        rows.append(row)
        if res.chosen and res.problem is not None:
            plans[fac.value] = tuple(sorted(by_id[c] for c in res.chosen))
            ids = [str(i) for i in res.problem.site_ids]
            priced[fac.value] = _Priced(res.problem, res.model, [by_id[i] for i in ids])
        for name, sites in alternatives.get(fac.value, {}).items():
            unknown = [str(x) for x in sites if str(x) not in by_id]
            resolved.setdefault(fac.value, {})[name] = (
                f"unknown site id(s) {', '.join(unknown)}"
                if unknown
                else tuple(sorted(by_id[str(x)] for x in sites))
            )
    return Solved(index, rows, plans, resolved, priced, outline=_outline(result.region))


def _outline(region: Any) -> str:
    """The members' land as one simplified EPSG:2039 polygon (WKT), "" without polygons."""
    import shapely
    from shapely.ops import unary_union

    from siting.layers import METRIC_CRS

    geoms = region.members.to_crs(METRIC_CRS).geometry
    polys = [g for g in geoms if g is not None and g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return ""
    land = unary_union(polys).simplify(OUTLINE_M)
    return str(shapely.to_wkt(land, rounding_precision=0))


def price_plans(
    solved: Solved, plans: Mapping[str, Sequence[tuple[Place, ...]]]
) -> dict[str, list[dict[str, Any]]]:
    """Each plan's figures on ``solved``'s problems (a task), or why it cannot be built there.

    Per facility, one dict per plan: ``cost_ils_per_year`` (station), ``mean_driver_km``
    (truck lots), ``score`` (weighted models) and ``infeasible`` (the reason, or "").
    """
    from siting.decide.plans import allocate, evaluate_plan

    out: dict[str, list[dict[str, Any]]] = {}
    for fac, todo in plans.items():
        pr = solved.priced.get(fac)
        if pr is None:
            continue
        col = {p: j for j, p in enumerate(pr.places)}
        p, m = pr.problem, pr.model
        eligible = np.asarray(m.eligible if m is not None else p.reasons == "", dtype=bool)
        rows: list[dict[str, Any]] = []
        for plan in todo:
            missing = [pl for pl in plan if pl not in col]
            if missing:
                rows.append({"infeasible": f"no candidate at {missing[0][0]} {missing[0][1]}"})
                continue
            cols = [col[pl] for pl in plan]
            bad = [j for j in cols if not eligible[j]]
            if bad:
                why = str(p.reasons[bad[0]]) or "not eligible"
                rows.append({"infeasible": f"{p.site_ids[bad[0]]} excluded: {why}"})
                continue
            cost = m.pair_cost() if m is not None else p.km
            assign = allocate(cost, cols)
            if not np.isfinite(cost[np.arange(len(assign)), assign]).all():
                rows.append({"infeasible": "some localities cannot reach the plan's sites"})
                continue
            if p.load is not None and p.capacity is not None:
                fitted, why = within_capacity(
                    cost, cols, assign, load=p.load, capacity=p.capacity, site_ids=p.site_ids
                )
                if fitted is None:
                    rows.append({"infeasible": why})
                    continue
                assign = fitted
            plan_eval = evaluate_plan(p, cols, assign, model=m)
            f = plan_eval.figures
            rows.append(
                {
                    "infeasible": "",
                    "cost_ils_per_year": f.get("total_cost_ils_per_year", np.nan),
                    "mean_driver_km": f.get("mean_driver_km", np.nan),
                    "score": plan_eval.score,
                    "sites": ";".join(str(p.site_ids[j]) for j in sorted(cols)),
                }
            )
        out[fac] = rows
    return out


def within_capacity(
    cost: np.ndarray,
    cols: Sequence[int],
    assign: np.ndarray,
    *,
    load: np.ndarray,
    capacity: np.ndarray,
    site_ids: np.ndarray,
) -> tuple[np.ndarray | None, str]:
    """The plan's allocation within its sites' capacities, as the solve would make it.

    Plans of one or two sites are solved with every locality at its nearest site (a plan
    whose nearest-site allocation overfills a site is not a plan there,
    :func:`siting.decide.optimise.best_plan`), so a plan whose nearest localities overfill
    a site is infeasible.  Larger plans may send localities elsewhere (the single-sourced
    capacitated model): the cheapest such allocation is solved exactly, and a plan with
    none is infeasible.  Returns the allocation, or ``None`` and the reason.
    """
    from siting import locate
    from siting.errors import SitingError

    cols = sorted(int(c) for c in cols)
    used = np.bincount(assign, weights=load, minlength=cost.shape[1])
    over = [j for j in cols if used[j] > capacity[j] * (1 + 1e-9)]
    if not over:
        return assign, ""
    j = over[0]
    why = (
        f"{site_ids[j]} over capacity: its nearest localities need {used[j]:,.0f} spaces, "
        f"it holds {capacity[j]:,.0f}"
    )
    if len(cols) <= 2:
        return None, why
    sub = cost[:, cols]
    try:
        sol = locate.fixed_charge(
            sub - np.min(sub, axis=1, keepdims=True),
            load,
            capacity[cols],
            np.zeros(len(cols)),
            p=len(cols),
            single_sourcing=True,
            cost_weights=np.ones(len(load)),
            fixed=range(len(cols)),
            time_limit_s=30.0,
        )
    except SitingError:
        return None, f"{why}, and no allocation within every capacity exists"
    return np.asarray(cols)[np.asarray(sol.assignment, dtype=int)], ""


# --------------------------------------------------------------------------- executors


class Executor:
    """The few calls a sweep makes of a Dask client; this one runs them in-process.

    ``--scheduler synchronous``: every task runs at once, in order, in this process (for
    debugging with a plain traceback and pdb).  :func:`executor` gives a Dask client's.
    """

    workers = 1

    def scatter(self, obj: Any) -> Any:
        return obj

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args)

    def results(self, futures: Sequence[Any], *, bar: Any = None) -> list[Any]:
        if bar is not None:
            bar.update(len(futures))
        return list(futures)

    def close(self) -> None:
        return None


class _Dask(Executor):
    def __init__(self, client: Any, cluster: Any = None) -> None:
        self.client = client
        self.cluster = cluster
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    def scatter(self, obj: Any) -> Any:
        # one copy on every worker, sent once: a task names it by key and never carries it
        return self.client.scatter(obj, broadcast=True, hash=False)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def results(self, futures: Sequence[Any], *, bar: Any = None) -> list[Any]:
        from distributed import as_completed

        for _ in as_completed(list(futures)):
            if bar is not None:
                bar.update()
        return list(self.client.gather(list(futures)))

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def executor(scheduler: str | None = None, *, workers: int | None = None) -> Executor:
    """Where the tasks run: ``None`` a local Dask cluster (``workers`` processes, default
    the machine's cores), ``"synchronous"`` in this process, else a scheduler's address."""
    if scheduler == "synchronous":
        return Executor()
    from distributed import Client

    if scheduler:
        return _Dask(Client(scheduler))
    n = workers or os.cpu_count() or 1
    for name in ("distributed", "distributed.scheduler", "distributed.nanny"):
        logging.getLogger(name).setLevel(logging.WARNING)
    import dask

    # the Active Memory Manager would drop the broadcast replicas (ReduceReplicas); the
    # nanny's MALLOC_TRIM_THRESHOLD_ turns off glibc's adaptive mmap threshold, so every
    # large NumPy temporary of the plan enumeration is a fresh mmap (measured: each
    # scenario 4-5x slower on a worker than in-process); one BLAS thread per worker stays
    environ = {
        k: v
        for k, v in dict(dask.config.get("distributed.nanny.pre-spawn-environ", {})).items()
        if k != "MALLOC_TRIM_THRESHOLD_"
    }
    settings = {
        "distributed.scheduler.active-memory-manager.start": False,
        "distributed.nanny.pre-spawn-environ": environ,
    }
    with dask.config.set(settings):
        cluster = _local_cluster(n)
    client = Client(cluster)
    client.run(_warm)  # each worker imports the pipeline now, not in its first task
    return _Dask(client, cluster)


def _warm() -> bool:
    import siting.decide.pipeline  # noqa: F401

    return True


def executor_soon(
    scheduler: str | None = None, *, workers: int | None = None
) -> concurrent.futures.Future[Executor]:
    """:func:`executor` started in a thread, so the workers start (and import) while the
    caller reads and validates the sweep file; ``.result()`` gives the executor."""
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="siting-sweep-start")
    fut = pool.submit(executor, scheduler, workers=workers)
    pool.shutdown(wait=False)
    return fut


def _local_cluster(n: int) -> Any:
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port, never 8787
        worker_dashboard_address=None,
        silence_logs=logging.ERROR,
    )


# --------------------------------------------------------------------------- the sweep


def run_tasks(
    sweep: Sweep, ex: Executor, *, progress: bool = False
) -> tuple[
    list[Solved],
    list[dict[str, list[dict[str, Any]]]],
    dict[tuple[str, str], list[tuple[str, tuple[Place, ...]]]],
]:
    """Solve every scenario, then price every group's plans in each of its scenarios.

    Returns the summaries (by scenario), the priced plans (by scenario) and the plans
    compared per (group, facility) as ``(name, places)``: the chosen plans by first
    scenario (name ``""``), then the named alternatives.
    """
    from tqdm.auto import tqdm

    shared: dict[str, Any] = {}
    keys: dict[int, str] = {}

    def once(obj: Any) -> Any:
        """One scatter per distinct content (scenarios of one membership share a region
        built separately for each of them)."""
        if id(obj) not in keys:
            keys[id(obj)] = hashlib.sha256(pickle.dumps(obj)).hexdigest()
        key = keys[id(obj)]
        if key not in shared:
            shared[key] = ex.scatter(obj)
        return shared[key]

    items = sweep.scenarios
    bar = tqdm(
        total=2 * len(items), desc=sweep.name, unit="task", disable=not progress, leave=False
    )
    futures = []
    for it in items:
        s = it.scenario
        stub = dataclasses.replace(s, region=cast(Any, None), cost_model=cast(Any, None))
        futures.append(
            ex.submit(
                solve_scenario,
                it.index,
                stub,
                once(s.region),
                once(s.cost_model),
                sweep.alternatives,
            )
        )
    summaries_f = [ex.submit(Solved.summary, f) for f in futures]
    summaries: list[Solved] = ex.results(summaries_f, bar=bar)
    compared: dict[tuple[str, str], list[tuple[str, tuple[Place, ...]]]] = {}
    for it, sm in zip(items, summaries, strict=True):
        for fac, plan in sm.plans.items():
            lst = compared.setdefault((it.group, fac), [])
            if all(plan != q for _, q in lst):
                lst.append(("", plan))
    first: dict[str, Solved] = {}
    for it, sm in zip(items, summaries, strict=True):
        first.setdefault(it.group, sm)
    for group, sm in first.items():  # named alternatives: site ids of the group's first scenario
        for fac, alts in sm.alternatives.items():
            lst = compared.setdefault((group, fac), [])
            for name, alt in alts.items():
                if isinstance(alt, tuple):
                    lst.append((name, alt))
    priced_f = []
    for it, f in zip(items, futures, strict=True):
        todo = {
            fac: [q for _, q in plans]
            for (group, fac), plans in compared.items()
            if group == it.group
        }
        priced_f.append(ex.submit(price_plans, f, todo))
    priced = ex.results(priced_f, bar=bar)
    bar.close()
    return summaries, priced, compared


def facility_order(facilities: Sequence[str]) -> list[str]:
    """Facilities in the package's order."""
    order = [f.value for f in Facility]
    return sorted(set(facilities), key=order.index)
