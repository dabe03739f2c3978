"""The p-center decision step: "a cover of at most k columns?" by row generation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from siting.locate._highs import Deadline
from siting.locate._mip import cover_at_most


def _min_cover(covers: np.ndarray) -> int:
    m = covers.shape[1]
    for k in range(m + 1):
        for cols in itertools.combinations(range(m), k):
            if covers[:, list(cols)].any(axis=1).all():
                return k
    return m + 1


@pytest.mark.parametrize("seed", range(30))
def test_cover_at_most_against_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(5, 40)), int(rng.integers(4, 11))
    covers = rng.random((n, m)) < rng.uniform(0.1, 0.5)
    best = _min_cover(covers)
    for upper in range(m + 1):
        out = cover_at_most(covers, upper, Deadline(None))
        if best > m:  # some row has no column at all
            assert out.status == "infeasible"
            continue
        if best <= upper:
            assert out.sites is not None
            assert len(out.sites) <= upper
            assert covers[:, out.sites].any(axis=1).all()
        else:
            assert out.sites is None or len(out.sites) > upper
            assert out.bound > upper  # the "no" is certified
