"""Benchmark `siting.locate` on OR-Library instances (prints tables; not a test).

Sections
--------
1. p-median, pmed1–20: our objective vs the proven optimum, proven flag and
   seconds; and spopt 0.7 ``PMedian.from_cost_matrix`` solved with CBC on the same
   matrix in a subprocess killed after ``--spopt-cap`` seconds (default 120), with
   the time ratio spopt / siting where spopt finishes.
2. p-center, pmed1–20 against ``pcenter_optimal_values.csv``.
3. Capacitated p-median (Osman & Christofides), pmedcap01–15, through
   ``fixed_charge(..., p=p, open_cost=0, single_sourcing=True, cost_weights=1)``.

Run from the repository root::

    python bench/bench_locate.py                 # everything (spopt: up to ~40 min)
    python bench/bench_locate.py --no-spopt      # our figures only (~1-2 min)
    python bench/bench_locate.py --pmed 1-10 --spopt-cap 150

spopt's environment: ``pip install -r bench/requirements-locate.txt`` (spopt 0.7
with PuLP < 4, whose bundled CBC spopt uses; PuLP 4 breaks spopt 0.7).  When
spopt cannot be imported the spopt columns say so and our figures are still
printed.  Timings are wall-clock on whatever else the machine is running: the
load average is printed so contention is visible.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bench_locate_cases as cases  # noqa: E402

from siting import locate  # noqa: E402
from siting.locate.orlib import read_optima, read_pmed, read_pmedcap  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "benchmarks"

# The spopt run, in a child process so a hung CBC can be killed at the cap.
SPOPT_CHILD = """
import json, sys, time
import numpy as np
sys.path.insert(0, {root!r})
from siting.locate.orlib import read_pmed
import pulp
from spopt.locate import PMedian
inst = read_pmed({path!r})
t0 = time.perf_counter()
model = PMedian.from_cost_matrix(inst.cost, np.ones(inst.n), inst.p)
solver = pulp.PULP_CBC_CMD(msg=False)
model.solve(solver)
seconds = time.perf_counter() - t0
print(json.dumps({{
    "seconds": seconds,
    "objective": pulp.value(model.problem.objective),
    "status": pulp.LpStatus[model.problem.status],
    "sol_status": pulp.LpSolution[model.problem.sol_status],
}}))
"""


def _spopt_available() -> tuple[bool, str]:
    try:
        import pulp
        import spopt
    except ImportError as exc:
        return (
            False,
            f"spopt/pulp not importable here ({exc}); install bench/requirements-locate.txt",
        )
    solvers = pulp.listSolvers(onlyAvailable=True)
    if "PULP_CBC_CMD" not in solvers:
        return False, f"PuLP {pulp.__version__} has no bundled CBC (needs pulp<4)"
    return True, f"spopt {spopt.__version__}, PuLP {pulp.__version__}, CBC (PULP_CBC_CMD)"


def _run_spopt(path: Path, cap: float) -> dict:
    code = SPOPT_CHILD.format(root=str(ROOT), path=str(path))
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: CBC dies with it
    )
    try:
        out, err = proc.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return {"status": f">{cap:.0f} s (killed)"}
    if proc.returncode != 0:
        last = (err.strip().splitlines() or ["?"])[-1]
        return {"status": f"error: {last[:60]}"}
    return json.loads(out.strip().splitlines()[-1])


def _ranges(text: str) -> list[int]:
    out: list[int] = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            out += list(range(int(a), int(b) + 1))
        elif part:
            out.append(int(part))
    return out


def _fmt(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.3f}"


def bench_pmedian(
    data: Path, ks: list[int], spopt: bool, cap: float, *, pbp: bool, pbp_cap: float
) -> list[dict]:
    optima = read_optima(data / "orlib-pmed" / "optimal_values.csv")
    head = (
        f"{'instance':9} {'n':>4} {'p':>4} {'objective':>10} {'optimum':>8} {'proven':>6} "
        f"{'seconds':>8} {'cpu s':>6} {'check':>5} | {'pbp s':>7} {'pbp obj':>8} | "
        f"{'spopt+CBC s':>14} {'spopt obj':>9} {'ratio':>7}"
    )
    print(head)
    print("-" * len(head))
    rows = []
    for k in ks:
        path = data / "orlib-pmed" / f"pmed{k}.txt"
        inst = read_pmed(path)
        cpu0 = time.process_time()
        sol = locate.p_median(inst.cost, np.ones(inst.n), inst.p)
        # CPU seconds of this process: on a shared machine they follow the load less.
        cpu = time.process_time() - cpu0
        check = cases.recompute(inst.cost, np.ones(inst.n), sol.sites) == sol.objective
        pbp_cols = f"{'-':>7} {'-':>8}"
        if pbp:
            res_pbp = cases.run_pbp(inst.cost, np.ones(inst.n), inst.p, pbp_cap)
            obj = res_pbp["objective"]
            shown = res_pbp["status"][:8] if np.isnan(obj) else _fmt(obj)
            pbp_cols = f"{res_pbp['seconds']:>7.2f} {shown:>8}"
        row = {
            "name": inst.name,
            "n": inst.n,
            "p": inst.p,
            "objective": sol.objective,
            "optimum": optima[inst.name],
            "proven": sol.proven_optimal,
            "seconds": sol.solve_seconds,
            "cpu_seconds": cpu,
        }
        spopt_cols = f"{'-':>14} {'-':>9} {'-':>7}"
        if spopt:
            res = _run_spopt(path, cap)
            row["spopt"] = res
            if "seconds" in res:
                ratio = res["seconds"] / max(sol.solve_seconds, 1e-9)
                row["ratio"] = ratio
                label = f"{res['seconds']:.1f}" + (
                    "" if res["sol_status"] == "Optimal Solution Found" else "?"
                )
                spopt_cols = f"{label:>14} {_fmt(res['objective']):>9} {ratio:>6.0f}x"
            else:
                spopt_cols = f"{res['status']:>14} {'-':>9} {'-':>7}"
        print(
            f"{inst.name:9} {inst.n:>4} {inst.p:>4} {_fmt(sol.objective):>10} "
            f"{_fmt(optima[inst.name]):>8} {'yes' if sol.proven_optimal else 'NO':>6} "
            f"{sol.solve_seconds:>8.2f} {cpu:>6.2f} {'ok' if check else 'BAD':>5} | {pbp_cols} | "
            f"{spopt_cols}",
            flush=True,
        )
        rows.append(row)
    return rows


def bench_pcenter(data: Path, ks: list[int]) -> list[dict]:
    optima = read_optima(data / "orlib-pmed" / "pcenter_optimal_values.csv")
    head = (
        f"{'instance':9} {'n':>4} {'p':>4} {'objective':>10} {'optimum':>8} "
        f"{'proven':>6} {'seconds':>8}"
    )
    print(head)
    print("-" * len(head))
    rows = []
    for k in ks:
        inst = read_pmed(data / "orlib-pmed" / f"pmed{k}.txt")
        sol = locate.p_center(inst.cost, inst.p)
        rows.append(
            {
                "name": inst.name,
                "objective": sol.objective,
                "optimum": optima[inst.name],
                "proven": sol.proven_optimal,
                "seconds": sol.solve_seconds,
            }
        )
        print(
            f"{inst.name:9} {inst.n:>4} {inst.p:>4} {_fmt(sol.objective):>10} "
            f"{_fmt(optima[inst.name]):>8} {'yes' if sol.proven_optimal else 'NO':>6} "
            f"{sol.solve_seconds:>8.2f}",
            flush=True,
        )
    return rows


def bench_pmedcap(data: Path, ks: list[int], *, baseline: bool, limit: float) -> list[dict]:
    """pmedcap01–15: ours and, side by side, the plain strong model on HiGHS (baseline)."""
    optima = read_optima(data / "orlib-pmedcap" / "optimal_values.csv")
    cases.cap_header()
    rows = []
    for k in ks:
        inst = read_pmedcap(data / "orlib-pmedcap" / f"pmedcap{k:02d}.txt")
        sol = locate.fixed_charge(
            inst.cost,
            inst.demand,
            inst.capacity,
            0.0,
            p=inst.p,
            single_sourcing=True,
            cost_weights=np.ones(inst.n),
            time_limit_s=limit,
        )
        check = float(inst.cost[np.arange(inst.n), sol.assignment].sum())
        loads = np.bincount(sol.assignment, weights=inst.demand, minlength=inst.n)
        assert check == sol.objective, inst.name
        assert loads.max() <= inst.capacity, inst.name
        base = None
        if baseline:
            base = cases.baseline_fixed_charge(
                inst.cost,
                inst.demand,
                inst.capacity,
                0.0,
                p=inst.p,
                cost_weights=np.ones(inst.n),
                limit=limit,
            )
        row = cases._cap_row(f"{inst.name} n{inst.n} p{inst.p}", sol, base, optima[inst.name])
        row.update(name=inst.name, objective=sol.objective, optimum=optima[inst.name])
        if base is not None:
            row["base_seconds"] = base["seconds"]
            row["base_proven"] = base["proven"]
        rows.append(row)
    return rows


def _summary(label: str, rows: list[dict]) -> None:
    if not rows:
        return
    ok = sum(r["proven"] and r["objective"] == r["optimum"] for r in rows)
    worst = max(rows, key=lambda r: r["seconds"])
    print(
        f"{label}: {ok}/{len(rows)} at the known optimum and proven; "
        f"worst {worst['seconds']:.2f} s ({worst['name']})"
    )
    ratios = [r["ratio"] for r in rows if "ratio" in r]
    if ratios:
        finished = [r["name"] for r in rows if "ratio" in r]
        print(
            f"  spopt+CBC finished on {len(ratios)}/{len(rows)} ({', '.join(finished)}); "
            f"speed-up min {min(ratios):.0f}x, median {float(np.median(ratios)):.0f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="benchmarks folder")
    parser.add_argument("--pmed", default="1-20", help="pmed instances, e.g. 1-5,8")
    parser.add_argument("--pmedcap", default="1-15", help="pmedcap instances")
    parser.add_argument("--no-spopt", action="store_true", help="skip the spopt comparison")
    parser.add_argument("--spopt-cap", type=float, default=120.0, help="spopt seconds cap")
    parser.add_argument(
        "--skip",
        default="",
        help="sections to skip: pmedian,generated,pcenter,pmedcap,cluster,nationwide,resolve",
    )
    parser.add_argument("--no-pbp", action="store_true", help="skip the pbp-pmedian comparison")
    parser.add_argument("--pbp-cap", type=float, default=120.0, help="pbp-pmedian time limit")
    parser.add_argument("--gen-n", default="600,700,800,900", help="generated sizes")
    parser.add_argument("--gen-p", default="5,10,20", help="generated p values")
    parser.add_argument("--gen-seeds", type=int, default=2, help="seeds per generated (n, p)")
    parser.add_argument("--limit", type=float, default=60.0, help="our time limit (generated)")
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the plain-HiGHS capacitated baseline printed beside ours",
    )
    parser.add_argument(
        "--baseline",
        default="",
        help="a directory holding another siting/: its p-center times on the same rows",
    )
    parser.add_argument("--cap-limit", type=float, default=60.0, help="capacitated time limit")
    parser.add_argument("--cap-n", default="100,150,200", help="pmedcap-like sizes")
    args = parser.parse_args()
    if not (args.data / "orlib-pmed").exists():
        sys.exit(f"no OR-Library data at {args.data} (pass --data)")
    skip = set(args.skip.split(","))
    from importlib.metadata import version

    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"siting.locate benchmark — {platform.node()}, {os.cpu_count()} CPU(s), "
        f"Python {platform.python_version()}, highspy {version('highspy')}, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start "
        f"({time.strftime('%Y-%m-%d %H:%M:%S %Z')})"
    )
    spopt = not args.no_spopt
    if spopt:
        spopt, why = _spopt_available()
        print(("spopt comparison: " if spopt else "spopt comparison SKIPPED: ") + why)
        if spopt:
            print(f"  cap {args.spopt_cap:.0f} s per instance; '?' = CBC did not report optimal")
    else:
        print("spopt comparison skipped (--no-spopt)")
    pbp_version = None if args.no_pbp else cases.pbp_available()
    print(
        f"pbp-pmedian {pbp_version}, time limit {args.pbp_cap:g} s"
        if pbp_version
        else "pbp-pmedian comparison skipped (--no-pbp or not installed)"
    )
    pbp = pbp_version is not None
    pmed = _ranges(args.pmed)
    gen_n, gen_p = _ranges(args.gen_n), _ranges(args.gen_p)
    if "pmedian" not in skip:
        print("\n## p-median (OR-Library pmed)\n")
        _summary(
            "p-median",
            bench_pmedian(args.data, pmed, spopt, args.spopt_cap, pbp=pbp, pbp_cap=args.pbp_cap),
        )
    if "generated" not in skip:
        print(f"\n## p-median, generated pmed-like + weighted (limit {args.limit:g} s)\n")
        cases.bench_generated(
            cases.generated_cases(gen_n, gen_p, args.gen_seeds), args.limit, pbp, args.pbp_cap
        )
    if "nationwide" not in skip:
        print("\n## p-median, nationwide: 1,219 CBS localities x grid cells, crow-fly km\n")
        cases.bench_nationwide([(2000, 11, 120.0), (2000, 50, 120.0), (1000, 11, 300.0)])
    if "pcenter" not in skip:
        print("\n## p-center (vertex p-center on the pmed graphs)\n")
        _summary("p-center", bench_pcenter(args.data, pmed))
        print("\n## p-center, generated pmed-like\n")
        cases.bench_pcenter_generated(gen_n, gen_p, baseline=args.baseline)
    if "pmedcap" not in skip:
        print("\n## capacitated p-median, single sourcing (Osman & Christofides pmedcap)\n")
        rows = bench_pmedcap(
            args.data, _ranges(args.pmedcap), baseline=not args.no_baseline, limit=args.cap_limit
        )
        _summary("pmedcap", rows)
        if rows and "base_seconds" in rows[0]:
            worst = max(rows, key=lambda r: r["base_seconds"])
            print(
                f"  baseline (plain HiGHS): {sum(r['base_proven'] for r in rows)}/{len(rows)} "
                f"proven within {args.cap_limit:g} s; worst {worst['base_seconds']:.2f} s "
                f"({worst['name']})"
            )
        print("\n## capacitated, generated pmedcap-like (seeded; baseline = independent check)\n")
        cases.bench_pmedcap_like(
            _ranges(args.cap_n), 1, args.cap_limit, baseline=not args.no_baseline
        )
    if "cluster" not in skip:
        print("\n## the cluster's fixed-charge truck-lot case (default scenario)\n")
        cases.bench_cluster_fixed_charge(60.0, baseline=not args.no_baseline)
    if "resolve" not in skip:
        print("\n## warm re-solves (start=previous plan) vs cold\n")
        cases.bench_resolve("nationwide" not in skip)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"\nload average at end {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    main()
