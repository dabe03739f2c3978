"""Sections of `bench_locate.py` beyond OR-Library: pbp-pmedian, generated and weighted
instances, the nationwide case, the cluster's fixed-charge case and warm re-solves.

Imported by ``bench/bench_locate.py``; not a test.  Every objective printed is
recomputed here from the returned sites (Σ weight × min over the open columns),
independently of the solver, and a mismatch is flagged ``MISMATCH``.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from siting import locate  # noqa: E402
from siting.locate.orlib import pmed_like  # noqa: E402

ISRAEL = ROOT.parent / "shared" / "data" / "israel"


def recompute(cost: np.ndarray, weights: np.ndarray, sites) -> float:
    """Σ_i w_i min_{j ∈ sites} cost_ij, computed here (not by the solver)."""
    sub = np.asarray(cost)[:, np.asarray(sorted(int(s) for s in sites))]
    return float(np.dot(weights, sub.min(axis=1)))


def _check(value: float, sol_objective: float) -> str:
    ok = math.isclose(value, sol_objective, rel_tol=1e-9, abs_tol=1e-6)
    return "ok" if ok else f"MISMATCH ({value:.6g})"


def pbp_available() -> str | None:
    try:
        import pbp_pmedian
    except ImportError:
        return None
    return str(pbp_pmedian.__version__)


def run_pbp(cost: np.ndarray, weights: np.ndarray, p: int, cap: float) -> dict:
    """pbp-pmedian's routed exact solve on the weighted matrix, timed here."""
    from pbp_pmedian import solve

    # pbp-pmedian takes facilities x clients (its cost_of(C, S) = C[S].min(axis=0).sum())
    wc = np.ascontiguousarray((np.asarray(weights, dtype=float)[:, None] * cost).T)
    t0 = time.perf_counter()
    value, sites, _, status, engine = solve(wc, p, time_limit=cap)
    seconds = time.perf_counter() - t0
    return {
        "seconds": seconds,
        "objective": recompute(cost, weights, sites) if sites is not None else math.nan,
        "reported": float(value) if value is not None else math.nan,
        "status": str(status),
        "engine": str(engine),
    }


# ----------------------------------------------------------------------------------------
# Generated and weighted instances
# ----------------------------------------------------------------------------------------


def generated_cases(ns: list[int], ps: list[int], seeds_per: int) -> list[tuple]:
    """(label, cost, weights, p): pmed-like unit-demand instances, then larger and weighted."""
    cases = []
    for n in ns:
        for p in ps:
            for k in range(seeds_per):
                seed = n + p + 1000 * k
                cases.append((f"gen n{n} p{p} s{seed}", n, p, seed, False))
    for n, p in ((1200, 10), (1200, 40), (1500, 15)):
        cases.append((f"weighted n{n} p{p}", n, p, n + p, True))
    return cases


def build_generated(n: int, seed: int, weighted: bool) -> tuple[np.ndarray, np.ndarray]:
    cost = pmed_like(n, n * n // 50, seed)
    if not weighted:
        return cost, np.ones(n)
    w = np.random.default_rng(seed + 7).integers(1, 101, n).astype(float)
    return cost, w


def bench_generated(cases: list[tuple], limit: float, pbp: bool, pbp_cap: float) -> list[dict]:
    head = (
        f"{'instance':24} {'objective':>10} {'proven':>6} {'bound':>10} {'s':>7} "
        f"{'check':>6} | {'pbp s':>8} {'pbp obj':>10} {'pbp status':>12}"
    )
    print(head)
    print("-" * len(head))
    rows = []
    for label, n, p, seed, weighted in cases:
        cost, w = build_generated(n, seed, weighted)
        sol = locate.p_median(cost, w, p, time_limit_s=limit)
        check = _check(recompute(cost, w, sol.sites), sol.objective)
        row = {"name": label, "seconds": sol.solve_seconds, "proven": sol.proven_optimal}
        extra = f"{'-':>8} {'-':>10} {'-':>12}"
        if pbp:
            res = run_pbp(cost, w, p, pbp_cap)
            row["pbp"] = res
            extra = f"{res['seconds']:>8.2f} {res['objective']:>10.0f} {res['status'][:12]:>12}"
        print(
            f"{label:24} {sol.objective:>10.0f} {'yes' if sol.proven_optimal else 'NO':>6} "
            f"{sol.bound:>10.0f} {sol.solve_seconds:>7.2f} {check:>6} | {extra}",
            flush=True,
        )
        rows.append(row)
    proven = sum(r["proven"] for r in rows)
    worst = max(rows, key=lambda r: r["seconds"]) if rows else None
    if worst:
        print(
            f"generated: {proven}/{len(rows)} proven within {limit:g} s; worst "
            f"{worst['seconds']:.2f} s ({worst['name']}); "
            f"{sum(r['seconds'] <= 10 for r in rows)}/{len(rows)} within 10 s"
        )
    return rows


def _pcenter_child(root: str, n: int, p: int) -> dict:
    """The same generated p-center solve with the ``siting`` package in ``root``."""
    import json
    import subprocess

    code = (
        "import json, sys, time; sys.path.insert(0, sys.argv[1]); import siting; "
        "from siting import locate; from siting.locate.orlib import pmed_like; "
        "n, p = int(sys.argv[2]), int(sys.argv[3]); c = pmed_like(n, n * n // 50, n + p); "
        "s = locate.p_center(c, p, time_limit_s=30.0); "
        "print(json.dumps({'radius': float(c[:, s.sites].min(axis=1).max()), "
        "'objective': s.objective, 'proven': s.proven_optimal, 'seconds': s.solve_seconds, "
        "'siting': siting.__file__}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, root, str(n), str(p)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_pcenter_generated(ns: list[int], ps: list[int], baseline: str = "") -> None:
    """Generated p-center instances; with ``baseline`` (a directory holding another
    ``siting/``) each is solved again there, in a child process, on the same row."""
    head = f"{'instance':20} {'radius':>7} {'proven':>6} {'seconds':>8}"
    if baseline:
        head += f" | {'baseline radius':>15} {'proven':>6} {'seconds':>8}"
    print(head)
    print("-" * len(head))
    worst = base_worst = 0.0
    for n in ns:
        for p in ps:
            cost = pmed_like(n, n * n // 50, n + p)
            sol = locate.p_center(cost, p, time_limit_s=30.0)
            radius = float(cost[:, sol.sites].min(axis=1).max())
            ok = "" if math.isclose(radius, sol.objective) else " MISMATCH"
            worst = max(worst, sol.solve_seconds)
            line = (
                f"gen n{n} p{p} s{n + p:<6} {sol.objective:>7.0f} "
                f"{'yes' if sol.proven_optimal else 'NO':>6} {sol.solve_seconds:>8.2f}{ok}"
            )
            if baseline:
                b = _pcenter_child(baseline, n, p)
                base_worst = max(base_worst, b["seconds"])
                bok = "" if math.isclose(b["radius"], b["objective"]) else " MISMATCH"
                line += (
                    f" | {b['objective']:>15.0f} {'yes' if b['proven'] else 'NO':>6} "
                    f"{b['seconds']:>8.2f}{bok}"
                )
            print(line, flush=True)
    tail = f"p-center generated: worst {worst:.2f} s"
    if baseline:
        tail += f"; baseline ({baseline}) worst {base_worst:.2f} s"
    print(tail)


# ----------------------------------------------------------------------------------------
# Nationwide: 1,219 populated CBS localities x a grid on MOIN jurisdiction land
# ----------------------------------------------------------------------------------------


def nationwide_matrix(step_m: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Crow-fly km (EPSG:2039) from every populated CBS locality to the centres of a
    ``step_m`` grid inside the union of the MOIN jurisdictions; weights = population."""
    from shapely import contains_xy

    from siting.sources import cbs, moin

    loc = cbs.read_cbs_localities(
        ISRAEL / "cbs_localities_2021.xlsx", include_unpopulated=False
    ).to_crs(2039)
    land = moin.read_moin_authorities(ISRAEL / "authorities_moin_2025.gpkg").to_crs(2039)
    union = land.union_all()
    x0, y0, x1, y1 = union.bounds
    xs = np.arange(math.floor(x0 / step_m) * step_m + step_m / 2, x1, step_m)
    ys = np.arange(math.floor(y0 / step_m) * step_m + step_m / 2, y1, step_m)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = contains_xy(union, gx, gy)
    gx, gy = gx[inside], gy[inside]
    lx, ly = loc.geometry.x.to_numpy(), loc.geometry.y.to_numpy()
    km = np.hypot(lx[:, None] - gx[None, :], ly[:, None] - gy[None, :]) / 1000.0
    return km, loc["population"].to_numpy(dtype=float), len(gx)


def _child_solve(path: str, p: int, limit: float, queue) -> None:  # pragma: no cover
    z = np.load(path)
    km, w = z["km"], z["w"]
    sol = locate.p_median(km, w, p, time_limit_s=limit)
    queue.put(
        {
            "objective": sol.objective,
            "check": recompute(km, w, sol.sites),
            "bound": sol.bound,
            "proven": sol.proven_optimal,
            "status": sol.status,
            "seconds": sol.solve_seconds,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "details": {k: v for k, v in sol.details.items() if "lagrangian" in k},
        }
    )


def bench_nationwide(cases: list[tuple[int, int, float]]) -> None:
    """Each solve in a fresh (spawned) process so its peak RSS is its own."""
    if not (ISRAEL / "cbs_localities_2021.xlsx").exists():
        print(f"SKIPPED: no {ISRAEL}")
        return
    head = (
        f"{'grid':5} {'cells':>6} {'p':>3} {'objective (person-km)':>22} {'proven':>6} "
        f"{'gap':>8} {'seconds':>8} {'peak MB':>8} {'check':>6}"
    )
    print(head)
    print("-" * len(head))
    ctx = mp.get_context("spawn")
    with tempfile.TemporaryDirectory() as tmp:
        built: dict[int, tuple[str, int]] = {}
        for step_m, p, limit in cases:
            if step_m not in built:
                km, w, cells = nationwide_matrix(step_m)
                path = str(Path(tmp) / f"nat{step_m}.npz")
                np.savez(path, km=km, w=w)
                built[step_m] = (path, cells)
                del km
            path, cells = built[step_m]
            queue = ctx.Queue()
            proc = ctx.Process(target=_child_solve, args=(path, p, limit, queue))
            proc.start()
            res = queue.get()
            proc.join()
            gap = 0.0 if res["proven"] else (res["objective"] - res["bound"]) / res["objective"]
            print(
                f"{step_m / 1000:>3.0f}km {cells:>6} {p:>3} {res['objective']:>22,.0f} "
                f"{'yes' if res['proven'] else 'NO':>6} {gap:>8.3%} {res['seconds']:>8.1f} "
                f"{res['peak_mb']:>8.0f} {_check(res['check'], res['objective']):>6}",
                flush=True,
            )


# ----------------------------------------------------------------------------------------
# The cluster's own fixed-charge truck-lot case, and warm re-solves
# ----------------------------------------------------------------------------------------


def cluster_fixed_charge_case() -> dict:
    """The matrices `siting.decide` hands to `locate.fixed_charge` for the default
    scenario with 450-space lots (794.5 spaces, single-sourced)."""
    from siting.decide import default_scenario, run
    from siting.layers import Facility
    from siting.params import TruckParams

    got: dict = {}
    real = locate.fixed_charge

    class CapturedError(Exception):
        pass

    def spy(cost, weights, capacity, open_cost, **kw):
        got.update(
            cost=np.asarray(cost, dtype=float),
            weights=np.asarray(weights, dtype=float),
            capacity=capacity,
            banned=list(kw.get("banned", [])),
        )
        raise CapturedError

    locate.fixed_charge = spy
    try:
        run(
            default_scenario(
                facilities=(Facility.TRUCK_LOT,),
                truck=TruckParams(
                    model="fixed-charge",
                    lot_capacity_spaces=450,
                    lot_cost_ils_per_year=1_500_000,
                    driver_cost_ils_per_km=3.0,
                ),
            )
        )
    except CapturedError:
        pass
    finally:
        locate.fixed_charge = real
    return got


def bench_cluster_fixed_charge(limit: float, baseline: bool = True) -> None:
    case = cluster_fixed_charge_case()
    c, w = case["cost"], case["weights"]
    usable = c.shape[1] - len(case["banned"])
    print(
        f"{c.shape[0]} localities x {usable} eligible candidates, {w.sum():.1f} spaces, "
        f"lots of {np.max(case['capacity']):g} spaces, single-sourced, limit {limit:g} s"
    )
    head = (
        f"{'lot ILS/yr':>11} {'lots':>4} {'objective':>14} {'proven':>6} {'gap':>7} {'s':>7}"
        f" | {'base objective':>14} {'proven':>6} {'base gap':>8} {'base s':>7}"
    )
    print(head)
    print("-" * len(head))
    for lot in (1_500_000.0, 8_000_000.0):
        sol = locate.fixed_charge(
            c,
            w,
            case["capacity"],
            lot,
            single_sourcing=True,
            banned=case["banned"],
            time_limit_s=limit,
        )
        # recomputed here: opening cost + Σ weight × cost of each row's site
        check = len(sol.sites) * lot + float((w * c[np.arange(len(w)), sol.assignment]).sum())
        loads = np.bincount(sol.assignment, weights=w, minlength=c.shape[1])
        ok = math.isclose(check, sol.objective, rel_tol=1e-9) and bool(
            (loads <= np.asarray(case["capacity"]) + 1e-9).all()
        )
        extra = ""
        if baseline:
            b = baseline_fixed_charge(
                c, w, case["capacity"], lot, banned=case["banned"], limit=limit
            )
            bgap = (b["objective"] - b["bound"]) / b["objective"] if not b["proven"] else 0.0
            extra = (
                f" | {b['objective']:>14,.0f} {'yes' if b['proven'] else 'NO':>6} "
                f"{bgap:>8.2%} {b['seconds']:>7.2f}"
            )
        print(
            f"{lot:>11,.0f} {len(sol.sites):>4} {sol.objective:>14,.0f} "
            f"{'yes' if sol.proven_optimal else 'NO':>6} {sol.gap:>7.2%} "
            f"{sol.solve_seconds:>7.2f}{extra}{'' if ok else '  MISMATCH'}",
            flush=True,
        )


def _resolve_pair(label: str, cost, w0, w1, *, p: int, fixed: list[int]) -> None:
    base = locate.p_median(cost, w0, p)
    cold = locate.p_median(cost, w1, p, fixed=fixed)
    warm = locate.p_median(cost, w1, p, fixed=fixed, start=base)
    same = math.isclose(cold.objective, warm.objective, rel_tol=1e-9)
    print(
        f"{label:42} {cold.solve_seconds:>8.2f} {warm.solve_seconds:>8.2f} "
        f"{warm.solve_seconds / max(cold.solve_seconds, 1e-9):>6.2f} "
        f"{'yes' if same and cold.proven_optimal and warm.proven_optimal else 'NO':>5}",
        flush=True,
    )


def _resolve_generated(n: int, p: int, seed: int, rng: np.random.Generator) -> None:
    """A generated instance: weights x U(0.9, 1.1), then its first closed site forced open."""
    cost = pmed_like(n, n * n // 50, seed)
    w0 = np.ones(n)
    w1 = w0 * rng.uniform(0.9, 1.1, n).round(2) * 100
    label = f"gen n{n} p{p}"
    _resolve_pair(f"{label}: weights x U(0.9, 1.1)", cost, w0 * 100, w1, p=p, fixed=[])
    base = locate.p_median(cost, w0, p)
    j = int(np.setdiff1d(np.arange(n), base.sites)[0])
    _resolve_pair(f"{label}: site {j} forced open", cost, w0, w0, p=p, fixed=[j])


def bench_resolve(with_nationwide: bool) -> None:
    head = f"{'change':42} {'cold s':>8} {'warm s':>8} {'ratio':>6} {'same':>5}"
    print(head)
    print("-" * len(head))
    rng = np.random.default_rng(17)
    _resolve_generated(800, 15, 815, rng)
    # a hard generated instance (a 400-node tree): what a warm start buys when the tree,
    # not the root, is the work
    _resolve_generated(700, 10, 710, rng)
    if with_nationwide and (ISRAEL / "cbs_localities_2021.xlsx").exists():
        km, pop, _ = nationwide_matrix(2000)
        pop1 = pop * rng.uniform(0.95, 1.05, len(pop))
        _resolve_pair(
            "nationwide 2 km p11: population x U(.95,1.05)", km, pop, pop1, p=11, fixed=[]
        )
        base = locate.p_median(km, pop, 11)
        # "the best plan containing this cell": a closed cell 10 km from the largest locality
        big = int(np.argmax(pop))
        closed = np.setdiff1d(np.arange(km.shape[1]), base.sites)
        j = int(closed[np.argmin(np.abs(km[big, closed] - 10.0))])
        _resolve_pair(f"nationwide 2 km p11: cell {j} forced open", km, pop, pop, p=11, fixed=[j])


# ----------------------------------------------------------------------------------------
# Capacitated: the plain strong formulation (the baseline), pmedcap-like instances
# ----------------------------------------------------------------------------------------


def baseline_fixed_charge(
    cost, weights, capacity, open_cost, *, p=None, cost_weights=None, banned=(), limit=60.0
) -> dict:
    """What `locate.fixed_charge` did before issue 17: the strong single-sourced model
    (``x_ij <= y_j``, aggregate capacity) handed to HiGHS with its own heuristics.
    Also the independent check of our optimum (a different code path)."""
    from siting.locate._highs import Deadline, new_highs, run_mip
    from siting.locate._mip import capacitated_model

    c = np.asarray(cost, dtype=float)
    m = c.shape[1]
    d = np.asarray(weights, dtype=float)
    cw = d if cost_weights is None else np.asarray(cost_weights, dtype=float)
    cap = np.broadcast_to(np.asarray(capacity, dtype=float), (m,)).copy()
    f = np.broadcast_to(np.asarray(open_cost, dtype=float), (m,)).copy()
    allowed = np.ones(m, dtype=bool)
    allowed[list(banned)] = False
    ok = np.isfinite(c) & allowed[None, :] & (d[:, None] <= cap[None, :])
    ii, jj = np.nonzero(ok)
    t0 = time.perf_counter()
    deadline = Deadline(limit)
    _, lp = capacitated_model(
        c,
        d,
        cw,
        cap,
        f,
        ii=ii,
        jj=jj,
        p=p,
        fixed=np.zeros(0, dtype=np.int64),
        allowed=allowed,
        single_sourcing=True,
    )
    h = new_highs(deadline, heuristics=True)
    h.passModel(lp)
    out = run_mip(h, deadline)
    return {
        "objective": out.objective,
        "bound": out.bound,
        "proven": out.optimal,
        "seconds": time.perf_counter() - t0,
    }


def pmedcap_like(n: int, seed: int, tightness: float = 0.9) -> tuple:
    """An Osman & Christofides-like instance: integer points in [1, 100]², demand
    1–20, p = n / 10, Q = total demand / (p × tightness) rounded up, cost =
    floor(Euclidean)."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(1, 101, (n, 2)).astype(float)
    demand = rng.integers(1, 21, n).astype(float)
    p = max(2, n // 10)
    q = float(math.ceil(demand.sum() / (p * tightness)))
    diff = xy[:, None, :] - xy[None, :, :]
    cost = np.floor(np.sqrt((diff**2).sum(axis=2)))
    return cost, demand, p, q


def _cap_row(label: str, sol, base: dict | None, optimum: float | None) -> dict:
    ref = f"{optimum:>9.0f}" if optimum is not None else f"{'-':>9}"
    extra = f"{'-':>10} {'-':>6} {'-':>8}"
    if base is not None:
        extra = (
            f"{base['objective']:>10.0f} {'yes' if base['proven'] else 'NO':>6} "
            f"{base['seconds']:>8.2f}"
        )
    print(
        f"{label:22} {sol.objective:>10.0f} {ref} {'yes' if sol.proven_optimal else 'NO':>6} "
        f"{sol.bound:>10.1f} {sol.solve_seconds:>8.2f} | {extra}",
        flush=True,
    )
    return {"name": label, "seconds": sol.solve_seconds, "proven": sol.proven_optimal}


def cap_header() -> None:
    head = (
        f"{'instance':22} {'objective':>10} {'optimum':>9} {'proven':>6} {'bound':>10} "
        f"{'s':>8} | {'base obj':>10} {'proven':>6} {'base s':>8}"
    )
    print(head)
    print("-" * len(head))


def bench_pmedcap_like(ns: list[int], seeds: int, limit: float, baseline: bool) -> list[dict]:
    """Generated pmedcap-like instances; the baseline (plain HiGHS) run is the
    independent check of the optimum where it finishes."""
    cap_header()
    rows = []
    for n in ns:
        for k in range(seeds):
            seed = 17_000 + n + k
            cost, demand, p, q = pmedcap_like(n, seed)
            sol = locate.fixed_charge(
                cost,
                demand,
                q,
                0.0,
                p=p,
                single_sourcing=True,
                cost_weights=np.ones(n),
                time_limit_s=limit,
            )
            loads = np.bincount(sol.assignment, weights=demand, minlength=n)
            assert loads.max() <= q + 1e-9, "capacity violated"
            check = float(cost[np.arange(n), sol.assignment].sum())
            assert math.isclose(check, sol.objective), "objective mismatch"
            base = None
            if baseline:
                base = baseline_fixed_charge(
                    cost, demand, q, 0.0, p=p, cost_weights=np.ones(n), limit=limit
                )
                if base["proven"] and sol.proven_optimal:
                    assert math.isclose(base["objective"], sol.objective), "optima differ"
            rows.append(_cap_row(f"gen n{n} p{p} Q{q:.0f} s{seed}", sol, base, None))
    return rows
