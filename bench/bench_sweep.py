"""Scenario sweeps: the futures sweep sequentially vs on 2 Dask workers, and the nationwide
sweep's wall time and peak memory.  One run prints every figure:

    .venv/bin/python bench/bench_sweep.py            # both parts
    .venv/bin/python bench/bench_sweep.py --futures  # the futures part only

The nationwide part needs ../shared/data/israel and is skipped, saying so, without it.
Peak memory is the largest resident set of this process and of its child processes
(the Dask workers), from ``resource.getrusage``.
"""

from __future__ import annotations

import argparse
import resource
import time
from pathlib import Path

from siting.outputs import csv_text
from siting.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
FUTURES = ROOT / "examples" / "sweeps" / "mishor-hahof-futures.toml"
NATION = ROOT / "examples" / "sweeps" / "israel-clusters.toml"
DATA = ROOT.parent / "shared" / "data" / "israel"


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def futures() -> None:
    sw = load_sweep(FUTURES)
    t0 = time.perf_counter()
    seq = run_sweep(sw, scheduler="synchronous")
    t_seq = time.perf_counter() - t0
    t0 = time.perf_counter()
    two = run_sweep(sw, workers=2)
    t_two = time.perf_counter() - t0
    same = csv_text(seq.table) == csv_text(two.table)
    print(f"futures sweep: {len(sw.scenarios)} scenarios")
    print(f"  sequential (synchronous) : {t_seq:7.1f} s")
    print(f"  2 Dask workers           : {t_two:7.1f} s (cluster start-up included)")
    print(f"  speed-up sequential / 2  : {t_seq / t_two:7.2f}x")
    print(f"  sweep.csv identical      : {same}")


def nationwide() -> None:
    if not DATA.exists():
        print(f"nationwide sweep: SKIPPED, {DATA} (the ../shared reference data) is absent")
        return
    t0 = time.perf_counter()
    sw = load_sweep(NATION)
    t_load = time.perf_counter() - t0
    res = run_sweep(sw, workers=2)
    t_all = time.perf_counter() - t0
    ok = res.table.groupby("scenario_id")["status"].agg(lambda s: (s == "ok").all())
    own, kids = _peak_mb()
    print(f"nationwide sweep: {len(sw.scenarios)} clusters, {int(ok.sum())} fully planned")
    print(f"  wall time                : {t_all:7.1f} s (loading the clusters {t_load:.1f} s)")
    print(f"  peak memory              : {own:7.0f} MB this process, {kids:.0f} MB largest worker")
    for rec in res.table[res.table["status"] != "ok"].itertuples(index=False):
        print(f"  {rec.scenario_id} {rec.facility}: {rec.status}: {rec.error}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--futures", action="store_true", help="only the futures sweep")
    args = ap.parse_args()
    futures()
    if not args.futures:
        nationwide()


if __name__ == "__main__":
    main()
