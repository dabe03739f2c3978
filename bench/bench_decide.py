"""Benchmark: the weight Monte Carlo that re-solves the plan per draw, on the default scenario.

Target (issue "Plans, not single cells"): 1,000 draws for the default scenario within 60 s on
the 2-core development machine.  Prints, from one run, per facility: the candidates, the
sites per plan, the time of the draws themselves (each draw an exact plan: the best site,
or the best pair of lots), the same draws re-solved one by one by brute-force enumeration
(the baseline: every pair evaluated per draw) and the answers' agreement, then the whole
default run's time.

    python bench/bench_decide.py [--draws 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from siting.decide import default_scenario, run
from siting.decide.choose import solve_facility
from siting.decide.optimise import best_plan, draws_in_plan
from siting.params import SensitivityParams


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument(
        "--baseline-draws",
        type=int,
        default=100,
        help="draws re-solved by the brute-force baseline (it is slow)",
    )
    args = ap.parse_args()
    print(f"siting plan Monte Carlo — {platform.node()}, {os.cpu_count()} CPU(s)")
    s = default_scenario(sensitivity=SensitivityParams(n_draws=args.draws))
    t0 = time.perf_counter()
    result = run(s)
    whole = time.perf_counter() - t0
    print(f"default run with {args.draws} draws per facility, sweeps and ranking: {whole:.1f} s")
    rng = np.random.default_rng(0)
    header = (
        f"{'facility':<14} {'cands':>5} {'p':>2} {'draws':>6} {'ours s':>8} "
        f"{'brute s/draw':>12} {'brute est. s':>12} {'ratio':>7} {'agree':>6}"
    )
    print(header)
    for fac, res in result.results.items():
        prob = res.problem
        eligible = ~res.ranking["excluded"].to_numpy(dtype=bool)
        ch = solve_facility(s, fac, prob, eligible, s.weight_set(fac).as_dict())
        model = res.model
        draws = rng.dirichlet(model.weights * 50.0, size=args.draws)
        t = time.perf_counter()
        _in_plan, stays, _ = draws_in_plan(
            model.terms, model.const, draws, p=ch.p, eligible=eligible, chosen=ch.plan.sites
        )
        ours = time.perf_counter() - t
        k = min(args.baseline_draws, args.draws)
        t = time.perf_counter()
        count = np.zeros(len(eligible))
        for w in draws[:k]:
            c = -100.0 * np.tensordot(w, model.terms, axes=1)
            c[~np.isfinite(c)] = np.inf
            sol = best_plan(c, ch.p, eligible)
            count[list(sol.sites)] += 1
        brute = (time.perf_counter() - t) / k
        same, _, _ = draws_in_plan(
            model.terms, model.const, draws[:k], p=ch.p, eligible=eligible, chosen=ch.plan.sites
        )
        agree = "yes" if np.allclose(same, count / k) else "NO"
        print(
            f"{fac.value:<14} {int(eligible.sum()):>5} {ch.p:>2} {args.draws:>6} {ours:>8.2f} "
            f"{brute:>12.3f} {brute * args.draws:>12.1f} {brute * args.draws / ours:>6.1f}x "
            f"{agree:>6} (first {k} draws)"
        )
        print(f"{'':<14} recommended plan stays optimal in {100 * stays:.1f}% of the draws")
    print(
        "target: 1,000 draws within 60 s per default run — "
        f"{'met' if whole <= 60 else 'NOT met'} ({whole:.1f} s for the whole run)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
