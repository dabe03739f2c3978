"""siting: where a cluster of local authorities should build shared facilities."""

from __future__ import annotations

import logging

from siting.errors import InfeasibleError, LayerError, ScenarioError, SitingError

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "InfeasibleError",
    "LayerError",
    "ScenarioError",
    "SitingError",
    "__version__",
]
