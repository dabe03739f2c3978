"""Criterion weights: given directly or derived from an AHP pairwise-comparison matrix.

AHP (Saaty; DOMAIN 6, source M1): the weights are the principal eigenvector of
the reciprocal pairwise matrix ``A`` (``a_ij`` = how much more important
criterion *i* is than *j* on the 1–9 scale, ``a_ji = 1 / a_ij``), scaled to sum
to 1.  Consistency: ``CI = (λmax − n) / (n − 1)`` and ``CR = CI / RI(n)`` with
the random index ``RI`` from M1; ``CR > 0.10`` is reported as a warning (the
weights are still usable — some authors find the 0.10 rule too strict for 3–4
criteria).

Examples
--------
Saaty's (1990) house-buying example, 8 criteria: λmax = 9.669, CI = 0.238, CR = 0.169.

>>> a = ahp_weights([[1, 3, 5], [1/3, 1, 3], [1/5, 1/3, 1]])
>>> [round(w, 3) for w in a.weights], round(a.cr, 3), a.consistent
([0.637, 0.258, 0.105], 0.033, True)
>>> w = WeightSet.direct({"cost": 2, "nuisance": 1, "equity": 1})
>>> dict(w.weights)
{'cost': 0.5, 'nuisance': 0.25, 'equity': 0.25}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from siting.errors import ScenarioError

__all__ = [
    "CR_THRESHOLD",
    "RANDOM_INDEX",
    "AHPResult",
    "WeightSet",
    "ahp_weights",
    "rescale",
]

#: Saaty's random consistency index by matrix size (M1).  n ≤ 2 is always consistent.
RANDOM_INDEX: dict[int, float] = {
    1: 0.0,
    2: 0.0,
    3: 0.58,
    4: 0.90,
    5: 1.12,
    6: 1.24,
    7: 1.32,
    8: 1.41,
}

#: Accept an AHP matrix as consistent when CR ≤ 0.10 (M1).
CR_THRESHOLD = 0.10


@dataclass(frozen=True)
class AHPResult:
    """Weights and consistency of one pairwise-comparison matrix.

    Attributes
    ----------
    criteria : tuple of str
        Criterion names in matrix order.
    weights : tuple of float
        Principal-eigenvector weights, summing to 1.
    lambda_max : float
        Principal eigenvalue.
    ci, ri, cr : float
        Consistency index, random index, consistency ratio (``cr = ci / ri``; 0 when n ≤ 2).
    """

    criteria: tuple[str, ...]
    weights: tuple[float, ...]
    lambda_max: float
    ci: float
    ri: float
    cr: float

    @property
    def consistent(self) -> bool:
        """True when ``cr <= 0.10`` (M1)."""
        return self.cr <= CR_THRESHOLD

    def warning(self) -> str | None:
        """A one-line warning when the matrix is inconsistent, else ``None``."""
        if self.consistent:
            return None
        return (
            f"AHP consistency ratio CR = {self.cr:.3f} > {CR_THRESHOLD:.2f} for criteria "
            f"{', '.join(self.criteria)}: the pairwise judgements contradict each other; "
            "revisit them (weights used as derived)"
        )


def ahp_weights(
    matrix: Sequence[Sequence[float]] | np.ndarray,
    *,
    criteria: Sequence[str] | None = None,
    ri: float | None = None,
    rtol: float = 1e-2,
) -> AHPResult:
    """Principal-eigenvector weights and consistency ratio of a pairwise matrix.

    Parameters
    ----------
    matrix : (n, n) array-like
        Positive reciprocal matrix; entries such as ``1/3`` may be rounded (``0.333``):
        reciprocity is checked with relative tolerance ``rtol``.
    criteria : sequence of str, optional
        Names in matrix order (default ``c1 … cn``).
    ri : float, optional
        Random index to use instead of the M1 table (required for n > 8).
    rtol : float
        Tolerance of the reciprocity check ``a_ij × a_ji ≈ 1``.

    Returns
    -------
    AHPResult

    Raises
    ------
    ValueError
        If the matrix is not square, not positive, not reciprocal (naming the cell), or
        n > 8 without ``ri``.
    """
    a = np.asarray(matrix, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] == 0:
        raise ValueError(f"AHP matrix must be square and non-empty, got shape {a.shape}")
    n = a.shape[0]
    names = tuple(criteria) if criteria is not None else tuple(f"c{i + 1}" for i in range(n))
    if len(names) != n:
        raise ValueError(f"{len(names)} criteria names for a {n}×{n} matrix")
    if not (np.isfinite(a).all() and (a > 0).all()):
        raise ValueError("AHP matrix entries must be finite and > 0")
    prod = a * a.T
    bad = np.argwhere(~np.isclose(prod, 1.0, rtol=rtol, atol=0.0))
    if len(bad):
        i, j = (int(x) for x in bad[0])
        raise ValueError(
            f"AHP matrix is not reciprocal: a[{names[i]}, {names[j]}] = {a[i, j]:g} but "
            f"a[{names[j]}, {names[i]}] = {a[j, i]:g} (should be {1 / a[i, j]:g})"
        )
    if ri is None:
        if n not in RANDOM_INDEX:
            raise ValueError(f"no random index for n = {n} in the M1 table (n ≤ 8); pass ri=")
        ri = RANDOM_INDEX[n]
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values.real[k])
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ci = max(0.0, (lam - n) / (n - 1)) if n > 2 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(
        criteria=names,
        weights=tuple(float(x) for x in w),
        lambda_max=lam,
        ci=ci,
        ri=float(ri),
        cr=cr,
    )


def rescale(weights: Mapping[str, float], keep: Iterable[str]) -> dict[str, float]:
    """Keep the criteria in ``keep`` with weight > 0 and rescale them to sum to 1.

    Examples
    --------
    >>> rescale({"a": 3.0, "b": 2.0, "c": 1.0}, ["a", "c"])
    {'a': 0.75, 'c': 0.25}
    """
    kept = {k: float(v) for k, v in weights.items() if k in set(keep) and v > 0}
    total = sum(kept.values())
    if total <= 0:
        return {}
    return {k: v / total for k, v in kept.items()}


@dataclass(frozen=True)
class WeightSet:
    """Weights for one facility's criteria, and where they came from.

    Attributes
    ----------
    weights : tuple of (str, float)
        (criterion, weight) pairs summing to 1, in the order given.
    method : str
        ``"direct"``, ``"ahp"`` or ``"default"``.
    ahp : AHPResult, optional
        The AHP derivation (with its consistency ratio) when ``method == "ahp"``.
    """

    weights: tuple[tuple[str, float], ...]
    method: str = "direct"
    ahp: AHPResult | None = None

    @classmethod
    def direct(cls, weights: Mapping[str, float], *, method: str = "direct") -> WeightSet:
        """Weights given directly (any positive scale; rescaled to sum to 1)."""
        bad = {k: v for k, v in weights.items() if not (np.isfinite(v) and v >= 0)}
        if bad:
            raise ValueError(f"weights must be finite and >= 0, got {bad}")
        total = float(sum(weights.values()))
        if total <= 0:
            raise ValueError("at least one weight must be > 0")
        return cls(tuple((str(k), float(v) / total) for k, v in weights.items()), method)

    @classmethod
    def from_ahp(
        cls, criteria: Sequence[str], matrix: Sequence[Sequence[float]] | np.ndarray
    ) -> WeightSet:
        """Weights from an AHP pairwise matrix over ``criteria`` (see :func:`ahp_weights`)."""
        res = ahp_weights(matrix, criteria=criteria)
        return cls(tuple(zip(res.criteria, res.weights, strict=True)), "ahp", res)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any], *, valid: Sequence[str]) -> WeightSet:
        """Build from a scenario file's ``[weights.<facility>]`` table.

        Either ``{criterion = weight, ...}`` or ``{ahp = {criteria = [...], matrix = [[...]]}}``.

        Raises
        ------
        ScenarioError
            Naming unknown criteria (and listing the valid ones) or a bad matrix.
        """
        try:
            if "ahp" in spec:
                ahp = spec["ahp"]
                ws = cls.from_ahp(list(ahp["criteria"]), ahp["matrix"])
            else:
                ws = cls.direct({str(k): float(v) for k, v in spec.items()})
        except (KeyError, TypeError, ValueError) as err:
            raise ScenarioError(f"weights: {err}") from None
        unknown = sorted(set(ws.as_dict()) - set(valid))
        if unknown:
            raise ScenarioError(f"weights: unknown criteria {unknown}; valid: {', '.join(valid)}")
        return ws

    def as_dict(self) -> dict[str, float]:
        """``{criterion: weight}``."""
        return dict(self.weights)
