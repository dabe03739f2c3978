"""The weights panel's data: the page's choice for given weights, computed in Python."""

from __future__ import annotations

import numpy as np
import pytest

from siting.decide import default_scenario, run
from siting.layers import Facility
from siting.present.maps import map_html
from siting.present.sliders import choose_for_weights, weight_data


@pytest.fixture(scope="module")
def result():
    return run(default_scenario())


def test_scenario_weights_choose_the_recommended_plan(result):
    for fac, res in result.results.items():
        got = choose_for_weights(result, fac, res.weights)
        assert got is not None
        assert tuple(got["sites"]) == tuple(sorted(res.chosen))
        assert got["score"] == pytest.approx(float(res.ranking["score"].max()), abs=1e-6)


def test_single_site_choice_is_exact_against_the_model(result):
    fac = Facility.WASTE_STATION
    res = result.results[fac]
    model, ids = res.model, [str(s) for s in res.problem.site_ids]
    ranked = res.ranking.loc[res.ranking["rank"].notna(), "site_id"].astype(str)
    n = len(res.problem.demand)
    for w in ([1, 0, 0, 0, 0], [0, 0, 0, 1, 0], [0.1, 0.6, 0.05, 0.05, 0.2]):
        weights = np.array(w, dtype=float) / sum(w)
        # independent recomputation: the model's own score of each single-site plan
        scores = {s: model.score(np.full(n, ids.index(s)), weights) for s in ranked}
        best = max(scores.values())
        got = choose_for_weights(result, fac, dict(zip(model.criteria, w, strict=True)))
        assert got["exact"] is True
        assert got["score"] == pytest.approx(best, abs=1e-6)
        assert scores[got["sites"][0]] == pytest.approx(best, abs=1e-6)
    # the cost-only choice differs from the recommendation: the panel has something to show
    cost_only = choose_for_weights(result, fac, {"cost": 1.0})
    assert tuple(cost_only["sites"]) != res.chosen


def test_multi_site_plans_are_labelled_approximate(result):
    data = weight_data(result, Facility.TRUCK_LOT)
    assert data is not None
    assert data["exact"] is False
    assert all(len(p["sites"]) == 2 for p in data["plans"])
    page = map_html(result, lang="en", self_contained=False)
    assert "approximate: precomputed plans" in page
    assert page.count('type="range"') == sum(len(r.model.criteria) for r in result.results.values())
