"""AHP weights and consistency against published examples."""

from __future__ import annotations

import numpy as np
import pytest

from siting.errors import ScenarioError
from siting.weights import RANDOM_INDEX, WeightSet, ahp_weights, rescale

# Saaty, T.L. (1990), "How to make a decision: the analytic hierarchy process", European
# Journal of Operational Research 48(1), 9-26: the house-buying example, criteria (1) size of
# house, (2) transportation, (3) neighbourhood, (4) age, (5) yard space, (6) modern facilities,
# (7) general condition, (8) financing.  Published: priorities .173 .054 .188 .018 .031 .036
# .167 .333, λmax = 9.669, CI = 0.238, CR = 0.169 (RI = 1.41 for n = 8, as in DOMAIN M1).
_UPPER = {
    (0, 1): 5, (0, 2): 3, (0, 3): 7, (0, 4): 6, (0, 5): 6, (0, 6): 1 / 3, (0, 7): 1 / 4,
    (1, 2): 1 / 3, (1, 3): 5, (1, 4): 3, (1, 5): 3, (1, 6): 1 / 5, (1, 7): 1 / 7,
    (2, 3): 6, (2, 4): 3, (2, 5): 4, (2, 6): 6, (2, 7): 1 / 5,
    (3, 4): 1 / 3, (3, 5): 1 / 4, (3, 6): 1 / 7, (3, 7): 1 / 8,
    (4, 5): 1 / 2, (4, 6): 1 / 5, (4, 7): 1 / 6,
    (5, 6): 1 / 5, (5, 7): 1 / 6,
    (6, 7): 1 / 2,
}  # fmt: skip


def _house() -> np.ndarray:
    a = np.ones((8, 8))
    for (i, j), v in _UPPER.items():
        a[i, j], a[j, i] = v, 1 / v
    return a


def test_saaty_house_example():
    res = ahp_weights(_house())
    assert res.lambda_max == pytest.approx(9.669, abs=5e-4)
    assert res.ci == pytest.approx(0.238, abs=5e-4)
    assert res.cr == pytest.approx(0.169, abs=5e-4)
    assert res.ri == 1.41
    published = [0.173, 0.054, 0.188, 0.018, 0.031, 0.036, 0.167, 0.333]
    assert list(res.weights) == pytest.approx(published, abs=6e-4)
    assert not res.consistent
    assert "CR = 0.169 > 0.10" in res.warning()


def test_consistent_matrix_recovers_weights_with_cr_zero():
    w = np.array([0.5, 0.25, 0.15, 0.1])
    res = ahp_weights(w[:, None] / w[None, :], criteria=["a", "b", "c", "d"])
    assert list(res.weights) == pytest.approx(w)
    assert res.lambda_max == pytest.approx(4.0)
    assert res.cr == pytest.approx(0.0, abs=1e-9)
    assert res.consistent
    assert res.warning() is None


def test_three_by_three_by_hand():
    # λmax of [[1,3,5],[1/3,1,3],[1/5,1/3,1]] is 3.0385: CI = 0.0193, CR = 0.0193 / 0.58
    res = ahp_weights([[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]])
    assert res.lambda_max == pytest.approx(3.0385, abs=1e-4)
    assert res.cr == pytest.approx(0.0193 / 0.58, abs=2e-4)
    # rounded reciprocals are accepted
    assert ahp_weights([[1, 3], [0.333, 1]]).weights == pytest.approx((0.75, 0.25), abs=1e-3)


def test_random_index_table_matches_domain_m1():
    assert {n: RANDOM_INDEX[n] for n in range(3, 9)} == {
        3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41
    }  # fmt: skip


def test_bad_matrices_are_named():
    with pytest.raises(ValueError, match=r"a\[a, b\] = 3 but a\[b, a\] = 2"):
        ahp_weights([[1, 3], [2, 1]], criteria=["a", "b"])
    with pytest.raises(ValueError, match="square"):
        ahp_weights([[1, 2, 3]])
    with pytest.raises(ValueError, match="> 0"):
        ahp_weights([[1, -1], [-1, 1]])
    with pytest.raises(ValueError, match="pass ri="):
        ahp_weights(np.ones((9, 9)))
    assert ahp_weights(np.ones((9, 9)), ri=1.45).cr == pytest.approx(0.0, abs=1e-9)


def test_weight_sets():
    ws = WeightSet.direct({"cost": 3, "nuisance": 1})
    assert ws.as_dict() == {"cost": 0.75, "nuisance": 0.25}
    ahp = WeightSet.from_spec(
        {"ahp": {"criteria": ["cost", "equity"], "matrix": [[1, 4], [0.25, 1]]}},
        valid=["cost", "equity"],
    )
    assert ahp.method == "ahp"
    assert ahp.as_dict() == pytest.approx({"cost": 0.8, "equity": 0.2})
    with pytest.raises(ScenarioError, match=r"unknown criteria \['colour'\]; valid: cost"):
        WeightSet.from_spec({"colour": 1}, valid=["cost", "equity"])
    with pytest.raises(ScenarioError, match="at least one weight"):
        WeightSet.from_spec({"cost": 0}, valid=["cost"])
    assert rescale({"a": 1.0, "b": 0.0, "c": 3.0}, ["a", "b"]) == {"a": 1.0}
