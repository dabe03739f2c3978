"""The decision: a scenario (``scenario``, read from TOML by ``config``) runs through the
pipeline (``pipeline``) to one choice per facility (``choose``), scored (``scoring``),
stress-tested (``sensitivity``), annotated (``notes``) and compared (``compare``)."""

from siting.decide.compare import compare_runs
from siting.decide.pipeline import run
from siting.decide.scenario import RunResult, Scenario, default_scenario

__all__ = ["RunResult", "Scenario", "compare_runs", "default_scenario", "run"]
