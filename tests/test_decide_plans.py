"""Plans: anchored scores recomputed by hand, exact plans against brute force, the ranking of
the best plan containing each site, the Monte Carlo that re-solves plans, capacities."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.criteria import FacilityProblem
from siting.decide.optimise import Aggregate, best_plan, draws_in_plan, plan_value, rank_sites
from siting.decide.plans import build_model, evaluate_plan
from siting.errors import InfeasibleError
from siting.layers import Facility

ANCHOR_KW = {"far_enough_m": 1000.0, "area_ratio_cap": 2.0, "access_limit_m": 1000.0}


def _station(**kw) -> FacilityProblem:
    """3 localities (authorities 1, 1, 2) × 3 candidate sites, one status-quo destination."""
    km = np.array([[2.0, 6.0, 9.0], [4.0, 6.5, 9.0], [6.0, 2.0, 8.0]])
    base = {
        "facility": Facility.WASTE_STATION,
        "site_ids": np.array(["A", "B", "C"]),
        "km": km,
        "minutes": km * 2.0,
        "demand": np.array([100.0, 100.0, 200.0]),
        "authority": np.array([1, 1, 2]),
        "locality_names": np.array(["L1", "L2", "L3"]),
        "threshold_min": 10.0,
        "reasons": np.array(["", "", ""], dtype=object),
        "area_m2": np.array([30000.0, 50000.0, 20000.0]),
        "required_area_m2": 20000.0,
        "nearest_built_up_m": np.array([400.0, 1600.0, 700.0]),
        "access_m": np.full(3, np.nan),
        "cost_ils_per_tkm": 2.0,
        "transfer_cost_ils_per_tkm": 1.0,
        "transfer_share": 1.0,
        "destination": np.array([0, 0, 0]),
        "transfer_km": np.array([[30.0], [25.0], [20.0]]),
        "status_quo_km": np.array([32.0, 30.0, 24.0]),
        "buffer_m": 250.0,
        "reference_km": np.array([3.0, 3.0, 3.0]),
        "reference_transfer_km": np.array([24.0]),
    }
    base.update(kw)
    return FacilityProblem(**base)


def test_station_scores_on_fixed_anchors_by_hand():
    p = _station()
    w = {"cost": 0.5, "coverage": 0.2, "equity": 0.1, "nuisance": 0.2}
    model = build_model(p, w, eligible=np.ones(3, bool), **ANCHOR_KW)
    # today: 2 ILS/t·km × (100·32 + 100·30 + 200·24) = 26,000
    today = 2.0 * (100 * 32 + 100 * 30 + 200 * 24)
    # reference (centre of gravity): collection 2 × 400 × 3 = 2,400; transfer 1 × 400 × 24
    ref = 2.0 * 400 * 3 + 1.0 * 400 * 24
    assert model.anchors["cost"].zero == pytest.approx(today)
    assert model.anchors["cost"].one == pytest.approx(ref)
    # plan {B}: collection 2 × (600 + 650 + 400) = 3,300; transfer 1 × 400 × 25 = 10,000
    cost_b = 2.0 * (100 * 6 + 100 * 6.5 + 200 * 2) + 400 * 25
    n_cost = (today - cost_b) / (today - ref)
    n_cov = 200 / 400  # only L3 within 10 min (4 min); L1 12, L2 13 min
    # equity: authority 1 mean minutes (12 + 13) / 2 = 12.5; authority 2: 4 → mean 8.25
    n_eq = 1 - ((12.5 + 4.0) / 2) / 10.0
    n_nuis = min(1.0, (1600 - 250) / (1000 - 250))
    expect = 100 * (0.5 * n_cost + 0.2 * n_cov + 0.1 * n_eq + 0.2 * n_nuis)
    plan = evaluate_plan(p, [1], np.array([1, 1, 1]), model=model)
    assert plan.criteria["cost"] == pytest.approx(n_cost)
    assert plan.criteria["equity"] == pytest.approx(n_eq)
    assert plan.score == pytest.approx(expect)
    assert model.score(np.array([1, 1, 1])) == pytest.approx(expect)
    # figures of the plan, recomputed
    assert plan.figures["total_cost_ils_per_year"] == pytest.approx(cost_b)
    assert plan.figures["status_quo_cost_ils_per_year"] == pytest.approx(today)
    assert plan.figures["saving_ils_per_year"] == pytest.approx(today - cost_b)
    assert plan.figures["break_even_handling_ils_per_t"] == pytest.approx((today - cost_b) / 400)
    assert plan.figures["worst_authority_minutes"] == pytest.approx(12.5)


def test_scores_do_not_depend_on_the_other_candidates():
    """Anchors come from the region: dropping candidates changes no site's score."""
    p = _station()
    w = {"cost": 0.6, "coverage": 0.2, "nuisance": 0.2}
    full = build_model(p, w, eligible=np.ones(3, bool), **ANCHOR_KW)
    sub = build_model(p, w, eligible=np.array([True, True, False]), **ANCHOR_KW)
    for j in (0, 1):
        a = np.full(3, j)
        assert full.score(a) == pytest.approx(sub.score(a))


def test_a_criterion_that_cannot_separate_the_sites_is_kept_and_noted():
    """Kept, so scores stay comparable across candidate sets; it adds the same points to
    every plan and the note says so.  A criterion with no data at all is dropped."""
    p = _station(area_m2=np.array([1e6, 1e6, 1e6]))
    w = {"cost": 0.5, "area": 0.3, "access": 0.2}
    model = build_model(p, w, eligible=np.ones(3, bool), **ANCHOR_KW)
    assert model.criteria == ("cost", "area")
    assert model.weights.tolist() == pytest.approx([0.625, 0.375])
    assert any("cannot change the choice" in n for n in model.notes)
    assert any("'access' has no data" in n for n in model.notes)
    plans = [model.score(np.full(3, j)) for j in range(3)]
    only_cost = build_model(p, {"cost": 1.0}, eligible=np.ones(3, bool), **ANCHOR_KW)
    # the same order as with cost alone: area adds 100 · 0.375 · 1 to every plan
    costs = [only_cost.score(np.full(3, j)) for j in range(3)]
    np.testing.assert_allclose(np.array(plans) - 37.5, 0.625 * np.array(costs))


def _random(n: int, m: int, seed: int, *, floats: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.uniform(0, 100, (n, m)) if floats else rng.integers(0, 100, (n, m)).astype(float)
    c[rng.random((n, m)) < 0.1] = np.inf
    return c


def _brute(c, p, eligible, agg, *, load=None, cap=None, forced=None):
    best, arg = np.inf, None
    cols = [j for j in range(c.shape[1]) if eligible[j]]
    for sites in itertools.combinations(cols, p):
        if forced is not None and forced not in sites:
            continue
        sub = c[:, list(sites)]
        a = np.asarray(sites)[np.argmin(sub, axis=1)]
        if load is not None:
            used = np.bincount(a, weights=load, minlength=c.shape[1])
            if (used[list(sites)] > cap[list(sites)] + 1e-9).any():
                continue
        v = plan_value(c, sites, agg)
        if v < best - 1e-12:
            best, arg = v, sites
    return best, arg


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("agg", [Aggregate.SUM, Aggregate.MAX])
def test_best_plan_matches_brute_force(seed, p, agg):
    c = _random(9, 8, seed, floats=seed % 2 == 0)
    eligible = np.ones(8, bool)
    eligible[seed % 8] = False
    want, _ = _brute(c, p, eligible, agg)
    if not np.isfinite(want):
        with pytest.raises(InfeasibleError):
            best_plan(c, p, eligible, agg=agg)
        return
    sol = best_plan(c, p, eligible, agg=agg)
    assert sol.proven
    assert len(sol.sites) == p
    assert eligible[list(sol.sites)].all()
    assert sol.value == pytest.approx(want, rel=1e-9)
    assert plan_value(c, sol.sites, agg) == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("p", [1, 2])
def test_best_plan_containing_each_site_matches_brute_force(seed, p):
    c = _random(7, 7, seed)
    c[~np.isfinite(c)] = 50.0
    eligible = np.ones(7, bool)
    best = best_plan(c, p, eligible)
    ranking = rank_sites(c, p, eligible, best)
    for j in range(7):
        want, _ = _brute(c, p, eligible, Aggregate.SUM, forced=j)
        assert ranking.value[j] == pytest.approx(want)
    assert np.nanmin(ranking.value) == pytest.approx(best.value)


def test_a_lot_never_takes_more_than_its_plot_holds():
    """The uncapacitated best pair overfills one lot; the plan respects every capacity."""
    c = np.array([[1.0, 9.0, 9.0], [1.0, 9.0, 8.0], [1.0, 9.0, 7.0], [9.0, 1.0, 9.0]])
    load = np.array([10.0, 10.0, 10.0, 10.0])
    cap = np.array([20.0, 40.0, 40.0])
    free = best_plan(c, 2, np.ones(3, bool))
    used = np.bincount(free.assignment, weights=load, minlength=3)
    assert used[0] > cap[0]  # the uncapacitated plan would overfill site 0
    sol = best_plan(c, 2, np.ones(3, bool), load=load, capacity=cap)
    used = np.bincount(sol.assignment, weights=load, minlength=3)
    assert (used <= cap + 1e-9).all()
    want, _ = _brute(c, 2, np.ones(3, bool), Aggregate.SUM, load=load, cap=cap)
    # brute force with nearest-site allocation is a restriction: the exact plan is at least
    # as good, and every row is served within capacity
    assert float(c[np.arange(4), sol.assignment].sum()) <= want + 1e-9
    with pytest.raises(InfeasibleError, match="capacity short"):
        best_plan(c, 2, np.ones(3, bool), load=load * 3, capacity=cap)


def _brute_draws(terms, draws, p, eligible, chosen):
    """Per site the share of draws whose brute-force best plan contains it, and the share
    in which that plan is ``chosen``."""
    count = np.zeros(terms.shape[2])
    same = 0
    for w in draws:
        _, sites = _brute(-100 * np.tensordot(w, terms, axes=1), p, eligible, Aggregate.SUM)
        count[list(sites)] += 1
        same += tuple(sorted(sites)) == tuple(sorted(chosen))
    return count / len(draws), same / len(draws)


@pytest.mark.parametrize("p", [1, 2])
def test_monte_carlo_re_solves_the_plan_for_every_draw(p):
    rng = np.random.default_rng(3)
    k, n, m = 3, 6, 9
    terms = -rng.uniform(0, 1, (k, n, m)) / n
    const = np.ones(k)
    draws = rng.dirichlet(np.ones(k) * 5, size=40)
    eligible = np.ones(m, bool)
    base = best_plan(-100 * np.tensordot(draws.mean(0), terms, axes=1), p, eligible)
    in_plan, stays, _ = draws_in_plan(
        terms, const, draws, p=p, eligible=eligible, chosen=base.sites
    )
    want_in, want_stays = _brute_draws(terms, draws, p, eligible, base.sites)
    np.testing.assert_allclose(in_plan, want_in)
    assert stays == pytest.approx(want_stays)
    assert in_plan.sum() == pytest.approx(p)


def test_three_site_ranking_gives_real_plans_and_exact_values_for_the_best():
    from siting.decide.optimise import FORCED_TOP

    c = _random(10, 12, 7)
    c[~np.isfinite(c)] = 80.0
    eligible = np.ones(12, bool)
    best = best_plan(c, 3, eligible)
    ranking = rank_sites(c, 3, eligible, best)
    exact = 0
    for j in range(12):
        want, _ = _brute(c, 3, eligible, Aggregate.SUM, forced=j)
        plan = sorted({j, *ranking.partners[j]})
        assert len(plan) == 3
        # the value shown is the value of the plan shown, and never better than the best
        assert plan_value(c, plan, Aggregate.SUM) == pytest.approx(ranking.value[j])
        assert ranking.value[j] >= want - 1e-9
        exact += bool(np.isclose(ranking.value[j], want))
    assert exact >= min(12, 3 + FORCED_TOP)
    assert "swap" in ranking.method


def test_re_solves_start_from_the_previous_plan_and_keep_the_optimum(monkeypatch):
    """Monte Carlo draws and forced-site solves hand the last solver result on as a warm
    start; every re-solved plan is still the brute-force optimum."""
    from siting import locate
    from siting.locate.results import Solution

    real = locate.p_median
    starts = []

    def spy(*args, **kwargs):
        starts.append(kwargs.get("start"))
        return real(*args, **kwargs)

    monkeypatch.setattr(locate, "p_median", spy)
    rng = np.random.default_rng(5)
    k, n, m, p = 3, 9, 10, 3
    terms = -rng.uniform(0, 1, (k, n, m)) / n
    draws = rng.dirichlet(np.ones(k) * 5, size=12)
    eligible = np.ones(m, bool)
    base = best_plan(-100 * np.tensordot(draws.mean(0), terms, axes=1), p, eligible)
    assert isinstance(base.solution, Solution)
    starts.clear()
    in_plan, stays, _ = draws_in_plan(
        terms, np.ones(k), draws, p=p, eligible=eligible, chosen=base.sites
    )
    assert starts[0] is None
    assert all(isinstance(s, Solution) for s in starts[1:])
    assert len(starts) == len(draws)
    want_in, want_stays = _brute_draws(terms, draws, p, eligible, base.sites)
    np.testing.assert_allclose(in_plan, want_in)
    assert stays == pytest.approx(want_stays)
    # forced-site solves start from the recommended plan's result
    c = -100 * np.tensordot(draws.mean(0), terms, axes=1)
    starts.clear()
    ranking = rank_sites(c, p, eligible, base)
    assert starts
    assert all(s is base.solution for s in starts)
    # every site is in the recommended plan or solved forced (m - p < FORCED_TOP): exact
    for j in range(m):
        want, _ = _brute(c, p, eligible, Aggregate.SUM, forced=j)
        assert ranking.value[j] == pytest.approx(want)


def _full_pairs(c, agg, *, load=None, cap=None):
    """Every pair enumerated (the reference): value matrix with capacities applied."""
    from siting.decide.optimise import _mask_pairs, _pair_values

    f = _pair_values(c, agg)
    if load is not None:
        f = _mask_pairs(c, f, None, load, cap)
    k = int(np.argmin(f))
    i, j = divmod(k, f.shape[1])
    return (min(i, j), max(i, j)), float(f[i, j])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("agg", [Aggregate.SUM, Aggregate.MAX])
@pytest.mark.parametrize("capped", [False, True])
def test_bounded_pair_search_finds_the_enumerated_best_pair(seed, agg, capped):
    """The bounded search expands few sites and returns the full enumeration's pair."""
    from siting.decide.optimise import _best_pair

    rng = np.random.default_rng(seed)
    n, m = 15, 300
    pts = rng.uniform(0, 50, (n, 2))
    sites = rng.uniform(0, 50, (m, 2))
    c = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    if seed % 2:
        c = np.round(c)  # ties
    load = rng.uniform(1, 10, n) if capped else None
    cap = rng.uniform(0.2, 0.8, m) * load.sum() if capped else None
    want_pair, want = _full_pairs(c, agg, load=load, cap=cap)
    pair, value, expanded = _best_pair(c, agg, load=load, capacity=cap)
    assert value == want
    assert pair == want_pair
    if agg is Aggregate.SUM:
        assert expanded < m // 10  # the Lagrangian bounds leave few sites to expand
    # forced: the best pair containing site 7
    f = [min(c[:, [7, b]].min(axis=1).sum(), np.inf) if b != 7 else np.inf for b in range(m)]
    if agg is Aggregate.MAX:
        f = [c[:, [7, b]].min(axis=1).max() if b != 7 else np.inf for b in range(m)]
    if capped:
        f = [
            v
            if b != 7
            and _brute(c[:, [7, b]], 2, np.ones(2, bool), agg, load=load, cap=cap[[7, b]])[1]
            is not None
            else np.inf
            for b, v in enumerate(f)
        ]
    pair, value, expanded = _best_pair(c, agg, load=load, capacity=cap, forced=[7])
    assert expanded == 1
    assert value == pytest.approx(min(f))
    assert 7 in pair or not np.isfinite(value)


def test_large_capacitated_pair_is_exact_without_a_solver():
    """A shape like the Eastern Negev's truck lots: thousands of sites, p = 2, a few slivers
    of land too small for every truck, so capacity may bind. The plan comes from the bounded
    enumeration (no MIP, no time limit) and equals brute force over the pairs that can win."""
    rng = np.random.default_rng(11)
    n, m = 40, 3000
    pts = rng.uniform(0, 80, (n, 2))
    sites = rng.uniform(0, 80, (m, 2))
    c = np.hypot(*(pts[:, None, :] - sites[None, :, :]).transpose(2, 0, 1))
    load = rng.uniform(1, 30, n)
    cap = np.full(m, 10 * load.sum())
    cap[rng.choice(m, 50, replace=False)] = load.sum() * 0.05  # slivers
    sol = best_plan(c, 2, np.ones(m, bool), load=load, capacity=cap)
    assert sol.proven
    assert "enumeration" in sol.method
    used = np.bincount(sol.assignment, weights=load, minlength=m)
    assert (used <= cap + 1e-9).all()
    # brute force: every pair (a < b), each row at its cheaper site (ties to a)
    want = np.inf
    total = load.sum()
    for a in range(m - 1):
        ca, cb = c[:, a][:, None], c[:, a + 1 :]
        to_a = ca <= cb
        load_a = load @ to_a
        ok = (load_a <= cap[a] + 1e-9) & (total - load_a <= cap[a + 1 :] + 1e-9)
        vals = np.where(to_a, ca, cb).sum(axis=0)
        if ok.any():
            want = min(want, float(vals[ok].min()))
    assert sol.value == pytest.approx(want, rel=1e-12)
    assert sol.details["pairs_expanded"] < 50
