"""Readers of official data: Ministry of Interior jurisdictions and CBS tables.

* :mod:`siting.sources.moin` — the jurisdiction layer, one polygon per authority,
  and the 11 regional clusters;
* :mod:`siting.sources.cbs` — CBS localities (CSV or official xlsx) and the CBS
  Local Authorities 2021 workbook;
* :mod:`siting.sources.region` — :func:`region_from_cluster`, a whole region from
  those files, and :func:`list_clusters`;
* :mod:`siting.sources.download` — fetch the same files where there is internet.
"""

from __future__ import annotations

from siting.sources.cbs import (
    REGIONAL_CODE_CLASHES,
    authority_id,
    decode_cbs_coordinates,
    read_cbs_authority_stats,
    read_cbs_localities,
)
from siting.sources.download import OFFICIAL_FILES, default_cache_dir, download_official_data
from siting.sources.moin import CLUSTERS, cluster_name, cluster_slug, read_moin_authorities
from siting.sources.region import (
    join_authority_stats,
    list_clusters,
    region_from_cluster,
    resolve_data_dir,
)

__all__ = [
    "CLUSTERS",
    "OFFICIAL_FILES",
    "REGIONAL_CODE_CLASHES",
    "authority_id",
    "cluster_name",
    "cluster_slug",
    "decode_cbs_coordinates",
    "default_cache_dir",
    "download_official_data",
    "join_authority_stats",
    "list_clusters",
    "read_cbs_authority_stats",
    "read_cbs_localities",
    "read_moin_authorities",
    "region_from_cluster",
    "resolve_data_dir",
]
