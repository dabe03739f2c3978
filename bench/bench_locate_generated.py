"""Benchmark `siting.locate.p_median` on generated pmed-like instances (prints a table).

OR-Library pmed1–20 are in ``../shared/data``; pmed21–40 (n = 500–900) are not.
This script builds instances like them so the engine is measured where the
shipped ones stop: a random spanning tree plus random edges (``n² / 50`` edges
in all, as in OR-Library, i.e. 12n–18n for n = 600–900), integer edge weights
uniform in 1–100, all-pairs shortest paths, unit demand, every node a candidate.
Each instance is fixed by ``(n, p, seed)``; the default seeds are ``n + p`` and
``n + p + 1000``.

Per instance it prints n, p, seed, the objective, whether optimality was proven,
the certified gap, seconds (``solve_seconds`` of the call), CPU seconds of the
process during the call (less sensitive to other work on the machine than
wall-clock), the engine's branch-and-bound nodes, and ``check``: ``ok`` when the
objective recomputed here from the returned sites and the cost matrix (each row
to its nearest open site, independent of the solver) equals the reported one.
``--variant weighted-float`` multiplies every cost by a factor uniform in
1-1.3 (float, non-metric) and gives each row a weight uniform in 0.5-3, so the
engine runs without the integer-data cutoff.  ``--baseline DIR`` solves each
instance a second time, in a child process, with the ``siting`` package found in
``DIR`` (e.g. a checkout of ``main``), and prints its figures on the same row.
Not a test: the timings are wall-clock on whatever else the machine runs (the
load average is printed before and after).

Run from the repository root::

    python bench/bench_locate_generated.py                       # n 600-900, p 5/10/20
    python bench/bench_locate_generated.py --n 700 --p 10 --seeds 710
    python bench/bench_locate_generated.py --time-limit 120
    python bench/bench_locate_generated.py --time-limit 60 --baseline /work/main
    python bench/bench_locate_generated.py --variant weighted-float --seeds 7,8
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if "siting" not in sys.modules:  # --baseline children import another siting first
    sys.path.insert(0, str(ROOT))

from siting import locate  # noqa: E402
from siting.locate.orlib import pmed_like  # noqa: E402


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def instance(n: int, seed: int, variant: str) -> tuple[np.ndarray, np.ndarray]:
    """Cost matrix and weights of one generated instance."""
    cost = pmed_like(n, n * n // 50, seed)
    if variant == "unit":
        return cost, np.ones(n)
    rng = np.random.default_rng(seed + 77)
    return cost * rng.uniform(1.0, 1.3, cost.shape), np.round(rng.uniform(0.5, 3.0, n), 4)


def solve(n: int, p: int, seed: int, variant: str, limit: float) -> dict[str, object]:
    """Solve one instance with the ``siting`` on ``sys.path``; figures as a dict."""
    cost, w = instance(n, seed, variant)
    c0 = time.process_time()
    sol = locate.p_median(cost, w, p, time_limit_s=limit)
    cpu = time.process_time() - c0
    # Independent of the solver: each row to its nearest open site.
    again = float(w @ cost[:, sol.sites].min(axis=1))
    ok = abs(again - sol.objective) <= 1e-9 * max(1.0, abs(again))
    nodes = sol.details.get("bnb_nodes", sol.details.get("mip_nodes", 0))
    return {
        "objective": sol.objective,
        "proven": bool(sol.proven_optimal),
        "gap": float(sol.gap),
        "seconds": float(sol.solve_seconds),
        "cpu": cpu,
        "nodes": int(nodes),  # type: ignore[call-overload]
        "check": ok,
    }


def _baseline(root: str, args: list[str]) -> dict:
    """The same solve (``n p seed variant limit``) with the ``siting`` package in
    ``root``, in a child process."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import siting; "
        "sys.path.insert(1, sys.argv[2]); import bench_locate_generated as b; "
        "r = b.solve(*map(int, sys.argv[3:6]), sys.argv[6], float(sys.argv[7])); "
        "r['siting'] = siting.__file__; print(json.dumps(r))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, root, str(Path(__file__).parent), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _cols(r: dict) -> str:
    return (
        f"{r['objective']:.6g} | {'yes' if r['proven'] else 'NO'} | {r['gap']:.2%} | "
        f"{r['seconds']:.2f} | {r['cpu']:.2f} | {r['nodes']} | {'ok' if r['check'] else 'BAD'}"
    )


def main() -> None:
    """Parse the options and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", default="600,700,800,900", help="comma-separated sizes")
    ap.add_argument("--p", default="5,10,20", help="comma-separated p values")
    ap.add_argument(
        "--seeds",
        default="",
        help="comma-separated seeds (default: n + p and n + p + 1000 per instance)",
    )
    ap.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--variant", choices=["unit", "weighted-float"], default="unit")
    ap.add_argument("--baseline", default="", help="a directory holding another siting/")
    args = ap.parse_args()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"# Python {platform.python_version()}, highspy {version('highspy')}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f}; time limit {args.time_limit:g} s; "
        f"variant {args.variant}"
    )
    head = "objective | proven | gap | seconds | cpu s | nodes | check"
    if args.baseline:
        print(f"| n | p | seed | {head} | baseline {head.replace(' | ', ' | baseline ')} |")
        print("|---" * 17 + "|")
    else:
        print(f"| n | p | seed | {head} |")
        print("|---" * 10 + "|")
    worst = 0.0
    unproven = 0
    bad = 0
    for n in _ints(args.n):
        for p in _ints(args.p):
            seeds = _ints(args.seeds) or [n + p, n + p + 1000]
            for seed in seeds:
                r = solve(n, p, seed, args.variant, args.time_limit)
                worst = max(worst, float(r["seconds"]))  # type: ignore[arg-type]
                unproven += not r["proven"]
                bad += not r["check"]
                row = f"| {n} | {p} | {seed} | {_cols(r)} |"
                if args.baseline:
                    what = [str(n), str(p), str(seed), args.variant, str(args.time_limit)]
                    base = _baseline(args.baseline, what)
                    if n == _ints(args.n)[0] and p == _ints(args.p)[0] and seed == seeds[0]:
                        print(f"# baseline siting: {base['siting']}")
                    row += f" {_cols(base)} |"
                print(row, flush=True)
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"\nworst {worst:.2f} s; {unproven} not proven within {args.time_limit:g} s; "
        f"{bad} objectives that do not recompute; load average at the end {load[0]:.2f}"
    )


if __name__ == "__main__":
    main()
