"""Scenario sweeps: many futures of one decision on Dask, and the plan that stays good.

:func:`load_sweep` reads a sweep file (a base scenario and the axes that vary it),
:func:`run_sweep` runs every scenario as a Dask task and prices every plan chosen in any
scenario in all the others; :class:`SweepResult` holds ``sweep.csv``, ``robust.csv`` (the
regret table and the minimax-regret recommendation) and how often each site is chosen.
"""

from siting.sweep.result import SweepResult, run_sweep
from siting.sweep.spec import Sweep, SweepScenario, load_sweep

__all__ = ["Sweep", "SweepResult", "SweepScenario", "load_sweep", "run_sweep"]
