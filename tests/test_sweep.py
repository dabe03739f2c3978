"""Scenario sweeps: the regret table against a brute-force recomputation, named alternatives,
infeasible plans, failed scenarios and bad sweep files."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from siting.decide import pipeline
from siting.decide.plans import allocate, evaluate_plan
from siting.errors import ScenarioError
from siting.sweep import load_sweep, run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "examples" / "mishor-hahof.toml"

SMALL = f"""
name = "small"
base = "{BASE}"

[set]
"sensitivity.enabled" = false

[axes."region.members_add"]
"10" = []
"12" = [1020, 628]

[axes]
"waste_station.transfer_vkm_cost_ratio" = [1.0, 1.5]
"""


def write_sweep_file(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def excluded_site() -> str:
    """A waste-station cell of the base scenario that its hard constraints exclude."""
    from siting.decide.config import scenario_from_file
    from siting.params import SensitivityParams

    s = dataclasses.replace(scenario_from_file(BASE), sensitivity=SensitivityParams(enabled=False))
    ranking = pipeline.run(s).results[next(iter(s.facilities))].ranking
    return str(sorted(ranking.loc[ranking["excluded"].astype(bool), "site_id"])[0])


@pytest.fixture(scope="module")
def small(tmp_path_factory, excluded_site) -> Path:
    text = SMALL + f'\n[alternatives.waste_station]\n"fenced" = ["{excluded_site}"]\n'
    return write_sweep_file(tmp_path_factory.mktemp("sweep"), text)


@pytest.fixture(scope="module")
def result(small):
    return run_sweep(small, scheduler="synchronous")


def _nearest(cand: pd.DataFrame, place: tuple[float, float], cell_m: float) -> int | None:
    """Row of the candidate whose (clipped) cell lies around ``place`` — found by distance,
    not by the sweep's lattice arithmetic."""
    c = cand.geometry.centroid
    d = np.hypot(c.x.to_numpy() - place[0], c.y.to_numpy() - place[1])
    j = int(np.argmin(d))
    return j if d[j] < cell_m / np.sqrt(3.0) else None


def test_sweep_table_has_every_scenario_and_facility(result):
    t = result.table
    assert len(t) == 4 * 2
    assert list(t["scenario_id"].unique()) == ["s001", "s002", "s003", "s004"]
    assert set(t["region.members_add"]) == {"10", "12"}
    assert (t["status"] == "ok").all()
    assert t.groupby("scenario_id")["members"].first().tolist() == [10, 10, 12, 12]
    station = t[t["facility"] == "waste_station"]
    assert station["total_cost_ils_per_year"].gt(0).all()
    assert station["proven_optimal"].all()
    # seeds come from the axis values: distinct per scenario, never the position alone
    assert station["seed"].nunique() == 4


def test_regret_table_matches_brute_force(result):
    """Re-run each scenario, find every compared plan's sites by distance, price them with
    evaluate_plan, and recompute regret, worst case, mean and the minimax plan."""
    sw = result.sweep
    robust = result.robust
    for fac in ("waste_station", "truck_lot"):
        rows = robust[robust["facility"] == fac].reset_index(drop=True)
        plans = [
            [tuple(float(v) for v in p.split()) for p in s.split(";")] for s in rows["plan_places"]
        ]
        values = np.full((len(rows), len(sw.scenarios)), np.nan)
        for i, it in enumerate(sw.scenarios):
            res = pipeline.run(it.scenario)
            r = next(v for f, v in res.results.items() if f.value == fac)
            p, m = r.problem, r.model
            cand = res.candidates.set_index(res.candidates["id"].astype(str))
            cand = cand.loc[[str(x) for x in p.site_ids]]
            chosen = [int(np.flatnonzero(p.site_ids == c)[0]) for c in r.chosen]
            for k, plan in enumerate(plans):
                cols = [_nearest(cand, pl, it.scenario.search.cell_m) for pl in plan]
                if any(c is None or not m.eligible[c] for c in cols):
                    continue
                ev = evaluate_plan(p, cols, allocate(m.pair_cost(), cols), model=m)
                values[k, i] = (
                    ev.figures["total_cost_ils_per_year"] if fac == "waste_station" else ev.score
                )
            best = evaluate_plan(p, chosen, allocate(m.pair_cost(), chosen), model=m)
            opt = best.figures["total_cost_ils_per_year"] if fac == "waste_station" else best.score
            if fac == "waste_station":  # one site: every eligible site's score, brute force
                scores = [
                    evaluate_plan(p, [j], allocate(m.pair_cost(), [j]), model=m).score
                    for j in np.flatnonzero(m.eligible)
                ]
                assert best.score == pytest.approx(max(scores), abs=1e-9)
            regret = values[:, i] - opt if fac == "waste_station" else opt - values[:, i]
            got = rows[f"regret_{it.id}"].to_numpy(dtype=float)
            np.testing.assert_allclose(got, regret, rtol=1e-9, atol=1e-6, equal_nan=True)
            np.testing.assert_allclose(
                rows[f"value_{it.id}"].to_numpy(dtype=float), values[:, i], rtol=1e-12
            )
        regrets = rows[[f"regret_{it.id}" for it in sw.scenarios]].to_numpy(dtype=float)
        feasible = ~np.isnan(regrets).any(axis=1)
        assert (rows["feasible_everywhere"].to_numpy(dtype=bool) == feasible).all()
        worst = np.where(feasible, np.nanmax(np.where(np.isnan(regrets), -np.inf, regrets), 1), 0)
        np.testing.assert_allclose(rows.loc[feasible, "max_regret"], worst[feasible])
        best_k = min(np.flatnonzero(feasible), key=lambda k: (worst[k], np.nanmean(regrets[k])))
        assert rows["robust"].tolist() == [k == best_k for k in range(len(rows))]
        # every plan optimal somewhere has regret 0 there
        for k, ids in enumerate(rows["optimal_in"]):
            for sid in filter(None, str(ids).split(";")):
                assert rows.loc[k, f"regret_{sid}"] == 0


def test_named_alternative_on_excluded_land_is_infeasible(result, excluded_site):
    rows = result.robust
    alt = rows[(rows["facility"] == "waste_station") & (rows["name"] == "fenced")]
    assert len(alt) == 1
    row = alt.iloc[0]
    assert not row["feasible_everywhere"]
    assert not row["robust"]
    assert row["n_infeasible"] >= 1
    assert "excluded" in row["infeasible_in"]
    assert excluded_site in row["infeasible_in"] or "no candidate" in row["infeasible_in"]


def test_site_shares_count_the_chosen_plans(result):
    s = result.shares
    for fac in ("waste_station", "truck_lot"):
        sub = s[s["facility"] == fac]
        n_sites = 1 if fac == "waste_station" else 2
        assert sub["n_chosen"].sum() == 4 * n_sites
        assert sub["share"].max() <= 1


def test_failed_scenario_is_a_row_and_others_go_on(tmp_path, monkeypatch):
    text = SMALL.replace('"12" = [1020, 628]\n', "")
    sw = load_sweep(write_sweep_file(tmp_path, text))
    real = pipeline.run

    def flaky(s, **kw):
        if s.waste.transfer_vkm_cost_ratio == 1.5:
            raise RuntimeError("boom in this future")
        return real(s, **kw)

    monkeypatch.setattr(pipeline, "run", flaky)
    res = run_sweep(sw, scheduler="synchronous")
    t = res.table
    bad = t[t["scenario_id"] == "s002"]
    assert (bad["status"] == "failed").all()
    assert bad["error"].str.contains("RuntimeError: boom in this future").all()
    assert (t.loc[t["scenario_id"] == "s001", "status"] == "ok").all()
    assert any("s002" in n for n in res.notes)
    assert res.robust["failed"].eq("s002").all()
    assert "regret_s002" not in res.robust.columns


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (
            '[axes]\n"waste_station.horizon_year" = [2030, 1800]\n',
            "axes.waste_station.horizon_year",
        ),
        ('[axes]\n"waste_station.no_such_key" = [1]\n', "axes.waste_station.no_such_key"),
        ('[set]\n"truck_lots.n_lots" = "two"\n', "truck_lots.n_lots"),
        ("[axes]\n", None),
    ],
)
def test_bad_sweep_file_is_one_line_naming_file_and_key(tmp_path, extra, needle, capsys):
    from siting.cli import main

    text = f'name = "bad"\nbase = "{BASE}"\n{extra}'
    if needle is None:
        text = 'name = "bad"\nbase = "missing.toml"\n'
        needle = "base (line 2): file not found"
    path = write_sweep_file(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_sweep(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(str(path))
    assert needle in msg
    with pytest.raises(SystemExit) as code:
        main(["sweep", str(path), "--scheduler", "synchronous", "--out", str(tmp_path / "o")])
    assert code.value.code == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert needle in lines[0]
    assert not (tmp_path / "o").exists()


def test_axis_line_is_named(tmp_path):
    text = f'name = "bad"\nbase = "{BASE}"\n[axes]\n"waste_station.horizon_year" = [1800]\n'
    with pytest.raises(ScenarioError, match=r"axes\.waste_station\.horizon_year \(line 4\)"):
        load_sweep(write_sweep_file(tmp_path, text))


CAPPED = f"""
name = "capped"
base = "{BASE}"

[set]
"sensitivity.enabled" = false

[axes]
"truck_lots.lot_capacity_spaces" = [5000, 450]
"""


def test_truck_lot_regret_prices_capacity_against_brute_force(tmp_path):
    """At 450 spaces a lot (the README's committee figure) the uncapacitated pair's larger
    lot overflows: priced there it is infeasible, not cheap.  Every value, regret and
    infeasibility is recomputed from each scenario's own run: nearest-site allocation, each
    lot's trucks against its spaces, score from the plan model."""
    res = run_sweep(load_sweep(write_sweep_file(tmp_path, CAPPED)), scheduler="synchronous")
    sw = res.sweep
    rows = res.robust[res.robust["facility"] == "truck_lot"].reset_index(drop=True)
    assert len(rows) == 2  # a different pair is optimal under each capacity
    plans = [
        [tuple(float(v) for v in p.split()) for p in s.split(";")] for s in rows["plan_places"]
    ]
    infeasible_seen = 0
    for it in sw.scenarios:
        run = pipeline.run(it.scenario)
        r = next(v for f, v in run.results.items() if f.value == "truck_lot")
        p, m = r.problem, r.model
        cand = run.candidates.set_index(run.candidates["id"].astype(str))
        cand = cand.loc[[str(x) for x in p.site_ids]]
        chosen = [int(np.flatnonzero(p.site_ids == c)[0]) for c in r.chosen]
        opt = evaluate_plan(p, chosen, allocate(m.pair_cost(), chosen), model=m).score
        for k, plan in enumerate(plans):
            cols = [_nearest(cand, pl, it.scenario.search.cell_m) for pl in plan]
            assert all(c is not None and m.eligible[c] for c in cols)
            a = allocate(m.pair_cost(), cols)
            spaces = {c: float(p.load[a == c].sum()) for c in cols}
            fits = all(spaces[c] <= p.capacity[c] + 1e-9 for c in cols)
            value = rows.loc[k, f"value_{it.id}"]
            if not fits:
                infeasible_seen += 1
                assert np.isnan(value)
                assert np.isnan(rows.loc[k, f"regret_{it.id}"])
                assert f"{it.id}: " in rows.loc[k, "infeasible_in"]
                assert "over capacity" in rows.loc[k, "infeasible_in"]
                assert not rows.loc[k, "feasible_everywhere"]
                assert not rows.loc[k, "robust"]
                continue
            score = evaluate_plan(p, cols, a, model=m).score
            assert value == pytest.approx(score, rel=1e-12)
            assert rows.loc[k, f"regret_{it.id}"] == pytest.approx(opt - score, abs=1e-9)
    assert infeasible_seen == 1  # the 5,000-space pair at 450 spaces
    assert rows["robust"].sum() == 1
    assert rows.loc[rows["robust"], "feasible_everywhere"].all()


@dataclasses.dataclass(frozen=True)
class Handle:
    """What a scattered object is to a task (a Dask future pickles to its key)."""

    key: int


def test_shared_inputs_are_sent_once_and_tasks_stay_small(tmp_path):
    """Regions and cost models are scattered once per distinct object; every task carries
    only keys to them and its scenario's parameters (measured by pickling each task's
    arguments, the scattered ones as the small handle a Dask future pickles to)."""
    import pickle

    from siting.sweep.engine import Executor

    class Recording(Executor):
        def __init__(self) -> None:
            self.scattered: list[int] = []
            self.objects: dict[int, object] = {}
            self.task_bytes: list[int] = []

        def scatter(self, obj):
            self.scattered.append(len(pickle.dumps(obj)))
            h = Handle(len(self.objects))
            self.objects[h.key] = obj
            return h

        def submit(self, fn, *args):
            if fn.__name__ == "solve_scenario":
                self.task_bytes.append(len(pickle.dumps(args)))
            real = [self.objects[a.key] if isinstance(a, Handle) else a for a in args]
            return fn(*real)

    ex = Recording()
    res = run_sweep(load_sweep(write_sweep_file(tmp_path, SMALL)), ex=ex)
    assert (res.table["status"] == "ok").all()
    # 4 scenarios on two memberships and one cost model: three scatters, not eight
    assert len(ex.scattered) == 3
    region_bytes = max(ex.scattered)
    assert region_bytes > 200_000  # the jurisdictions, localities and tables
    assert len(ex.task_bytes) == 4
    assert max(ex.task_bytes) < region_bytes / 10, ex.task_bytes
