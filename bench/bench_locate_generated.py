"""Benchmark `siting.locate.p_median` on generated pmed-like instances (prints a table).

OR-Library pmed1–20 are in ``../shared/data``; pmed21–40 (n = 500–900) are not.
This script builds instances like them so the engine is measured where the
shipped ones stop: a random spanning tree plus random edges (``n² / 50`` edges
in all, as in OR-Library, i.e. 12n–18n for n = 600–900), integer edge weights
uniform in 1–100, all-pairs shortest paths, unit demand, every node a candidate.
Each instance is fixed by ``(n, p, seed)``; the default seeds are ``n + p`` and
``n + p + 1000``.

Per instance it prints n, p, seed, the objective, whether optimality was proven,
the certified gap and seconds (``solve_seconds`` of the call).  Not a test: the
timings are wall-clock on whatever else the machine runs (the load average is
printed).

Run from the repository root::

    python bench/bench_locate_generated.py                       # n 600-900, p 5/10/20
    python bench/bench_locate_generated.py --n 700 --p 10 --seeds 710
    python bench/bench_locate_generated.py --time-limit 120
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from siting import locate  # noqa: E402
from siting.locate.orlib import pmed_like  # noqa: E402


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


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
    args = ap.parse_args()
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(
        f"# Python {platform.python_version()}, highspy {version('highspy')}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.2f}; time limit {args.time_limit:g} s"
    )
    print("| n | p | seed | objective | proven | gap | seconds |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    unproven = 0
    for n in _ints(args.n):
        for p in _ints(args.p):
            seeds = _ints(args.seeds) or [n + p, n + p + 1000]
            for seed in seeds:
                cost = pmed_like(n, n * n // 50, seed)
                sol = locate.p_median(cost, np.ones(n), p, time_limit_s=args.time_limit)
                worst = max(worst, sol.solve_seconds)
                unproven += not sol.proven_optimal
                print(
                    f"| {n} | {p} | {seed} | {sol.objective:.0f} | "
                    f"{'yes' if sol.proven_optimal else 'NO'} | {sol.gap:.2%} | "
                    f"{sol.solve_seconds:.2f} |",
                    flush=True,
                )
    print(f"\nworst {worst:.2f} s; {unproven} not proven within {args.time_limit:g} s")


if __name__ == "__main__":
    main()
