"""The foundation's exact enumeration against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from siting._enumerate import _brute, best_sites, single_site_objectives


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("p", [1, 2])
def test_matches_brute_force(seed, p):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 100, size=(15, 9))
    w = rng.uniform(0, 5, size=15)
    cols, obj = best_sites(cost, w, p, np.ones(9, bool))
    assert obj == pytest.approx(_brute(cost, w, p))
    assert obj == pytest.approx(float(w @ cost[:, cols].min(axis=1)))


def test_allowed_mask_and_unreachable():
    cost = np.array([[1.0, 5.0, np.inf], [1.0, 5.0, 0.0]])
    w = np.array([1.0, 1.0])
    assert np.isinf(single_site_objectives(cost, w)[2])
    assert best_sites(cost, w, 1, np.array([False, True, True]))[0] == [1]
    with pytest.raises(ValueError, match="p=4"):
        best_sites(cost, w, 4, np.ones(3, bool))
