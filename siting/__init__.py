"""siting: where a cluster of local authorities should build shared facilities.

The planner's entry points (imported lazily, so ``import siting`` stays light)::

    import siting
    scenario = siting.default_scenario()            # or siting.scenario_from_file("x.toml")
    result = siting.run(scenario)
    result.ranking                                  # one row per candidate and facility
    siting.build_map(result)                        # the committee map, inline in Jupyter
    siting.write_outputs(result, "maps/my-run")     # map.html, report.html, ranking.csv, ...

Modules: :mod:`siting.layers` (validated layers), :mod:`siting.sources` (official
MOIN/CBS files), :mod:`siting.costs` and :mod:`siting.network` (travel costs),
:mod:`siting.locate` (location models), :mod:`siting.scenario`, :mod:`siting.config`
(TOML scenarios), :mod:`siting.maps`, :mod:`siting.outputs`.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from siting import costs, layers, sources
from siting.errors import InfeasibleError, LayerError, ScenarioError, SitingError
from siting.sources import list_clusters, region_from_cluster
from siting.sources.embedded import default_region

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# name -> (module, attribute or None for the module itself), imported on first use
_LAZY: dict[str, tuple[str, str | None]] = {
    "config": ("siting.config", None),
    "criteria": ("siting.criteria", None),
    "demand": ("siting.demand", None),
    "locate": ("siting.locate", None),
    "maps": ("siting.maps", None),
    "network": ("siting.network", None),
    "outputs": ("siting.outputs", None),
    "scenario": ("siting.scenario", None),
    "sensitivity": ("siting.sensitivity", None),
    "weights": ("siting.weights", None),
    "Scenario": ("siting.scenario", "Scenario"),
    "RunResult": ("siting.scenario", "RunResult"),
    "default_scenario": ("siting.scenario", "default_scenario"),
    "run": ("siting.scenario", "run"),
    "scenario_from_file": ("siting.config", "scenario_from_file"),
    "build_map": ("siting.maps", "build_map"),
    "write_outputs": ("siting.outputs", "write_outputs"),
    "compare_runs": ("siting.sensitivity", "compare_runs"),
}


def __getattr__(name: str) -> Any:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'siting' has no attribute {name!r}") from None
    mod = importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "InfeasibleError",
    "LayerError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SitingError",
    "__version__",
    "build_map",
    "compare_runs",
    "config",
    "costs",
    "criteria",
    "default_region",
    "default_scenario",
    "demand",
    "layers",
    "list_clusters",
    "locate",
    "maps",
    "network",
    "outputs",
    "region_from_cluster",
    "run",
    "scenario",
    "scenario_from_file",
    "sensitivity",
    "sources",
    "weights",
    "write_outputs",
]
