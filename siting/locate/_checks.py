"""Argument checks shared by the models of `siting.locate` (private).

Bad arguments raise ``ValueError`` naming the argument, the index and the bad
value; a well-formed model that cannot be satisfied raises
`siting.errors.InfeasibleError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike

from siting.errors import InfeasibleError

__all__ = [
    "check_columns",
    "check_cost",
    "check_count",
    "check_indices",
    "check_reachable",
    "check_threshold",
    "check_time_limit",
    "check_vector",
    "check_weights",
    "few",
]


def few(idx: Iterable[int], limit: int = 10) -> str:
    items = [int(i) for i in idx]
    shown = ", ".join(str(i) for i in items[:limit])
    return shown + (f", … ({len(items)} in all)" if len(items) > limit else "")


def check_cost(cost: ArrayLike, name: str = "cost") -> np.ndarray:
    try:
        c = np.array(cost, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be a numeric (n_demand × n_candidates) array: {exc}"
        raise ValueError(msg) from exc
    if c.ndim != 2 or c.shape[0] == 0 or c.shape[1] == 0:
        msg = f"{name} must be a non-empty 2-D (n_demand × n_candidates) array, got shape {c.shape}"
        raise ValueError(msg)
    bad = np.argwhere(np.isnan(c))
    if len(bad):
        i, j = bad[0]
        msg = (
            f"{name} has {len(bad)} NaN value(s), first at row {i}, column {j}; "
            "use inf for a demand–candidate pair that is not allowed"
        )
        raise ValueError(msg)
    bad = np.argwhere(c < 0)
    if len(bad):
        i, j = bad[0]
        msg = (
            f"{name} has {len(bad)} negative value(s), first {c[i, j]} at row {i}, column {j}; "
            "costs must be >= 0 (inf = not allowed)"
        )
        raise ValueError(msg)
    dead = np.flatnonzero(~np.isfinite(c).any(axis=1))
    if len(dead):
        msg = (
            f"{name} row(s) {few(dead)} are inf for every candidate: no site can serve them "
            "(fix the cost matrix or drop those demand rows)"
        )
        raise ValueError(msg)
    return c


def check_vector(values: ArrayLike, n: int, name: str, *, what: str = "demand rows") -> np.ndarray:
    try:
        v = np.array(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be numeric: {exc}"
        raise ValueError(msg) from exc
    if v.ndim == 0:
        v = np.full(n, float(v))
    if v.shape != (n,):
        msg = f"{name} must have one value per {what} ({n}), got shape {v.shape}"
        raise ValueError(msg)
    bad = np.flatnonzero(np.isnan(v) | (v < 0))
    if len(bad):
        msg = f"{name} must be >= 0 and not NaN; bad at index {few(bad)} (first {v[bad[0]]})"
        raise ValueError(msg)
    return v


def check_weights(weights: ArrayLike, n: int, name: str = "weights") -> np.ndarray:
    w = check_vector(weights, n, name)
    bad = np.flatnonzero(~np.isfinite(w))
    if len(bad):
        msg = f"{name} must be finite; inf at index {few(bad)}"
        raise ValueError(msg)
    return w


def check_indices(values: Iterable[int] | np.ndarray, m: int, name: str) -> np.ndarray:
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.ndim != 1 or not (
        np.issubdtype(arr.dtype, np.integer) and not np.issubdtype(arr.dtype, np.bool_)
    ):
        msg = f"{name} must be a sequence of integer candidate column indices, got {arr!r}"
        raise ValueError(msg)
    out = arr.astype(np.int64)
    bad = out[(out < 0) | (out >= m)]
    if len(bad):
        msg = f"{name} has column index {few(bad)} outside 0..{m - 1}"
        raise ValueError(msg)
    return np.unique(out)


def check_columns(
    m: int, fixed: Iterable[int], banned: Iterable[int], suffix: str = ""
) -> tuple[np.ndarray, np.ndarray]:
    fixed_idx = check_indices(fixed, m, "fixed" + suffix)
    banned_idx = check_indices(banned, m, "banned" + suffix)
    both = np.intersect1d(fixed_idx, banned_idx)
    if len(both):
        msg = f"column(s) {few(both)} are both fixed{suffix} and banned{suffix}"
        raise ValueError(msg)
    allowed = np.ones(m, dtype=bool)
    allowed[banned_idx] = False
    return fixed_idx, allowed


def check_count(p: int, allowed: np.ndarray, fixed: np.ndarray, name: str = "p") -> int:
    if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
        msg = f"{name} must be an integer, got {p!r}"
        raise ValueError(msg)
    p = int(p)
    usable = int(allowed.sum())
    if p < 1 or p > usable:
        msg = f"{name}={p} but must be between 1 and the {usable} usable (not banned) candidate(s)"
        raise ValueError(msg)
    if p < len(fixed):
        msg = f"{name}={p} is less than the {len(fixed)} fixed site(s)"
        raise ValueError(msg)
    return p


def check_time_limit(time_limit_s: float | None) -> float | None:
    if time_limit_s is None:
        return None
    t = float(time_limit_s)
    if not t > 0:
        msg = f"time_limit_s must be positive (or None for no limit), got {time_limit_s!r}"
        raise ValueError(msg)
    return t


def check_threshold(threshold: float) -> float:
    t = float(threshold)
    if math.isnan(t) or t < 0:
        msg = f"threshold must be a number >= 0, got {threshold!r}"
        raise ValueError(msg)
    return t


def check_reachable(c: np.ndarray, allowed: np.ndarray, rows: np.ndarray, model: str) -> None:
    ok = (np.isfinite(c[rows]) & allowed[None, :]).any(axis=1)
    if not ok.all():
        bad = rows[~ok]
        msg = (
            f"{model}: demand row(s) {few(bad)} can only be served by banned candidates; "
            "no feasible solution"
        )
        raise InfeasibleError(msg)
