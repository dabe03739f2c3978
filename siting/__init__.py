"""siting: where a cluster of local authorities should build shared facilities."""

from __future__ import annotations

import logging

from siting import costs, layers, sources
from siting.errors import InfeasibleError, LayerError, ScenarioError, SitingError
from siting.sources import list_clusters, region_from_cluster
from siting.sources.embedded import default_region

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "InfeasibleError",
    "LayerError",
    "ScenarioError",
    "SitingError",
    "__version__",
    "costs",
    "default_region",
    "layers",
    "list_clusters",
    "region_from_cluster",
    "sources",
]
