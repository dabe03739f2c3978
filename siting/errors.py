"""Exceptions raised by `siting`.

One small hierarchy so callers can catch everything from the package with
``except siting.SitingError`` or one kind of problem precisely.
"""

from __future__ import annotations

__all__ = ["InfeasibleError", "LayerError", "ScenarioError", "SitingError"]


class SitingError(Exception):
    """Base class of every error `siting` raises on purpose."""


class LayerError(SitingError, ValueError):
    """A layer (authorities, localities, candidates, exclusions…) is unusable.

    The message names the layer, the row id, the field and the bad value, one
    line per problem, so a planner can fix the input file directly.

    Attributes
    ----------
    layer : str
        The layer's name, e.g. ``"localities"``.
    problems : list of str
        Every problem found, each already formatted as ``row <id>, field <f>: …``.
    """

    def __init__(self, layer: str, problems: list[str] | str) -> None:
        self.layer = layer
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        shown = self.problems[:20]
        more = len(self.problems) - len(shown)
        lines = "\n  ".join(shown)
        tail = f"\n  … and {more} more" if more > 0 else ""
        super().__init__(f"layer '{layer}': {len(self.problems)} problem(s)\n  {lines}{tail}")


class ScenarioError(SitingError, ValueError):
    """A scenario file or its parameters are invalid (names the key and line)."""


class InfeasibleError(SitingError):
    """A location model has no feasible solution; the message says why."""
