"""siting: where a cluster of local authorities should build shared facilities.

The planner's entry points (imported lazily, so ``import siting`` stays light)::

    import siting
    scenario = siting.default_scenario()            # or siting.scenario_from_file("x.toml")
    result = siting.run(scenario)
    result.ranking                                  # one row per candidate and facility
    siting.build_map(result)                        # the committee map, inline in Jupyter
    siting.write_outputs(result, "maps/my-run")     # map.html, report.html, ranking.csv, ...

The package's rooms, in the order data flows through them:
:mod:`siting.sources` (official MOIN/CBS files, the embedded default region) →
:mod:`siting.layers` (validated layers) → :mod:`siting.costs` and :mod:`siting.network`
(travel costs) → :mod:`siting.demand` → :mod:`siting.candidates` → :mod:`siting.criteria`
and :mod:`siting.weights` → :mod:`siting.locate` (location models) → :mod:`siting.decide`
(scenario, pipeline, scoring, sensitivity) → :mod:`siting.present` (map, figures, report)
→ :mod:`siting.outputs` → :mod:`siting.cli`.  :mod:`siting.facility` describes what
differs between facility types; :mod:`siting.params` holds every sourced default.
"""

import os as _os
import signal as _signal
import sys as _sys

# Ctrl-C while the command line is still importing (before siting.cli installs its own
# handler): one line and exit 130, never a traceback from deep inside an import.
# ("-m" is argv[0] while ``python -m siting.cli`` imports the package itself)
_ARGV0 = _sys.argv[0] if _sys.argv else ""
if (_os.path.basename(_ARGV0) == "siting" or _ARGV0 == "-m") and (
    _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler
):
    _signal.signal(_signal.SIGINT, lambda *_: (_os.write(2, b"interrupted\n"), _os._exit(130)))

import importlib as _importlib  # noqa: E402
import logging as _logging  # noqa: E402

from siting import costs, layers, sources  # noqa: E402
from siting.costs import CrowFlyModel  # noqa: E402
from siting.errors import InfeasibleError, LayerError, ScenarioError, SitingError  # noqa: E402
from siting.layers import Facility  # noqa: E402
from siting.sources import list_clusters, region_from_cluster  # noqa: E402
from siting.sources.embedded import default_region  # noqa: E402
from siting.weights import WeightSet  # noqa: E402

__version__ = "0.1.0"

_logging.getLogger(__name__).addHandler(_logging.NullHandler())

# name -> (module, attribute or None for the module itself), imported on first use
_LAZY: dict[str, tuple[str, str | None]] = {
    "config": ("siting.decide.config", None),
    "criteria": ("siting.criteria", None),
    "decide": ("siting.decide", None),
    "demand": ("siting.demand", None),
    "locate": ("siting.locate", None),
    "maps": ("siting.present.maps", None),
    "network": ("siting.network", None),
    "outputs": ("siting.outputs", None),
    "present": ("siting.present", None),
    "weights": ("siting.weights", None),
    "Scenario": ("siting.decide.scenario", "Scenario"),
    "RunResult": ("siting.decide.scenario", "RunResult"),
    "NetworkCostModel": ("siting.network", "NetworkCostModel"),
    "load_osm": ("siting.network", "load_osm"),
    "default_scenario": ("siting.decide.scenario", "default_scenario"),
    "run": ("siting.decide.pipeline", "run"),
    "scenario_from_file": ("siting.decide.config", "scenario_from_file"),
    "build_map": ("siting.present.maps", "build_map"),
    "write_outputs": ("siting.outputs", "write_outputs"),
    "compare_runs": ("siting.decide.compare", "compare_runs"),
}


def __getattr__(name: str) -> object:
    try:
        module, attr = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'siting' has no attribute {name!r}") from None
    mod = _importlib.import_module(module)
    value = mod if attr is None else getattr(mod, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CrowFlyModel",
    "Facility",
    "InfeasibleError",
    "LayerError",
    "NetworkCostModel",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SitingError",
    "WeightSet",
    "__version__",
    "build_map",
    "compare_runs",
    "config",
    "costs",
    "criteria",
    "decide",
    "default_region",
    "default_scenario",
    "demand",
    "layers",
    "list_clusters",
    "load_osm",
    "locate",
    "maps",
    "network",
    "outputs",
    "present",
    "region_from_cluster",
    "run",
    "scenario_from_file",
    "sources",
    "weights",
    "write_outputs",
]
