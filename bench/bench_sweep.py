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
import dataclasses
import os
import pickle
import resource
import time
from pathlib import Path
from typing import Any

from siting.outputs import csv_text
from siting.sweep import load_sweep, run_sweep
from siting.sweep.engine import executor_soon

ROOT = Path(__file__).resolve().parents[1]
FUTURES = ROOT / "examples" / "sweeps" / "mishor-hahof-futures.toml"
NATION = ROOT / "examples" / "sweeps" / "israel-clusters.toml"
DATA = ROOT.parent / "shared" / "data" / "israel"


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def _load_avg() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _task_bytes(sw: Any) -> tuple[int, int]:
    """Pickled bytes of one solve task's own arguments and of the region it shares."""
    it = sw.scenarios[0]
    stub = dataclasses.replace(it.scenario, region=None, cost_model=None)
    return len(pickle.dumps((it.index, stub, sw.alternatives))), len(
        pickle.dumps(it.scenario.region)
    )


def futures() -> None:
    print(f"futures sweep ({_load_avg()} before)")
    t0 = time.perf_counter()
    sw = load_sweep(FUTURES)
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    seq = run_sweep(sw, scheduler="synchronous")
    t_seq = time.perf_counter() - t0
    # as `siting sweep --workers 2` does: the cluster starts while the sweep file loads
    t0 = time.perf_counter()
    starting = executor_soon(None, workers=2)
    load_sweep(FUTURES)
    t_load2 = time.perf_counter() - t0
    ex = starting.result()
    t_up = time.perf_counter() - t0
    t1 = time.perf_counter()
    two = run_sweep(sw, ex=ex)
    t_two = time.perf_counter() - t1
    t1 = time.perf_counter()
    run_sweep(sw, ex=ex)
    t_warm = time.perf_counter() - t1
    ex.close()
    same = csv_text(seq.table) == csv_text(two.table)
    own, big = _task_bytes(sw)
    print(f"  {len(sw.scenarios)} scenarios; a solve task carries {own:,} bytes, the region")
    print(f"  it shares {big:,} bytes (scattered once per worker, broadcast)")
    print(f"  sequential: load {t_load:5.1f} s + run {t_seq:5.1f} s = {t_load + t_seq:5.1f} s")
    print(
        f"  2 workers : load {t_load2:5.1f} s while the cluster starts ({t_up:.1f} s) + run "
        f"{t_two:5.1f} s = {t_up + t_two:5.1f} s; run again on warm workers {t_warm:5.1f} s"
    )
    print(
        f"  speed-up sequential / 2 workers, end to end : {(t_load + t_seq) / (t_up + t_two):5.2f}x"
    )
    print(f"  speed-up of the run alone (warm workers)    : {t_seq / t_warm:5.2f}x")
    print(f"  sweep.csv identical                         : {same}")
    print(f"  ({_load_avg()} after)")


def nationwide() -> None:
    if not DATA.exists():
        print(f"nationwide sweep: SKIPPED, {DATA} (the ../shared reference data) is absent")
        return
    print(f"nationwide sweep ({_load_avg()} before)")
    t0 = time.perf_counter()
    starting = executor_soon(None, workers=2)
    sw = load_sweep(NATION)
    t_load = time.perf_counter() - t0
    ex = starting.result()
    res = run_sweep(sw, ex=ex)
    ex.close()
    t_all = time.perf_counter() - t0
    ok = res.table.groupby("scenario_id")["status"].agg(lambda s: (s == "ok").all())
    own, kids = _peak_mb()
    print(f"  {len(sw.scenarios)} clusters, {int(ok.sum())} fully planned")
    print(f"  wall time   : {t_all:7.1f} s on 2 workers (loading the clusters {t_load:.1f} s)")
    print(f"  peak memory : {own:7.0f} MB this process, {kids:.0f} MB largest worker")
    for rec in res.table[res.table["status"] != "ok"].itertuples(index=False):
        print(f"  {rec.scenario_id} {rec.facility}: {rec.status}: {rec.error}")
    print(f"  ({_load_avg()} after)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--futures", action="store_true", help="only the futures sweep")
    args = ap.parse_args()
    futures()
    if not args.futures:
        nationwide()


if __name__ == "__main__":
    main()
