"""Truck-aware OSM road graphs and exact, fast travel-cost matrices.

Load a road network (:func:`load_osm` for local ``.osm``/``.osm.bz2``/
``.osm.pbf``/``.graphml`` files, :func:`graph_from_polygon` of a run's
:func:`haul_area` or :func:`graph_from_place` with internet; offline they fail
within seconds with a :class:`DownloadError`), apply a heavy-vehicle profile
(:class:`TruckProfile`: speeds per road class, ``hgv``/access/weight/height
restrictions, largest strongly connected component), then

* snap points to the nearest usable edge or node (:func:`snap_points`, far snaps flagged),
* compute dense matrices between nodes (:func:`travel_costs`, :func:`cost_matrices`) or
  between points joined to the nearest edge with an access leg
  (:func:`snapped_travel_costs`),
* draw routes (:func:`route_geometries`) and isochrones (:func:`isochrones`),
* or use :class:`NetworkCostModel`, the road-network :class:`~siting.costs.CostModel`
  (:meth:`NetworkCostModel.for_leg` prices each :class:`Leg` with its vehicle's profile,
  :data:`LEG_PROFILES`).

Graphs follow OSMnx's conventions: a ``networkx.MultiDiGraph`` with WGS84 node
``x``/``y``, edge ``length`` (m) and ``travel_time`` (s).

Examples
--------
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_edge("a", "b", travel_time=60.0)
0
>>> g.add_edge("a", "b", travel_time=30.0)  # parallel edge: the faster one counts
1
>>> g.add_edge("b", "c", travel_time=90.0)  # one-way
0
>>> travel_costs(g, ["a", "c"], ["c"])
array([[120.],
       [  0.]])
>>> travel_costs(g, ["c"], ["a"])
array([[inf]])
"""

from siting.network import _engine, _paths
from siting.network._access import ACCESS_SPEED_KMH
from siting.network._profile import (
    ARTICULATED_TRUCK,
    COMPACTOR_26T,
    MAX_TRUCK_SPEED_KMH,
    MIN_EDGE_TRAVEL_TIME_S,
    TRACK_GRADE_SPEEDS_KMH,
    TRUCK_SPEEDS_KMH,
    Restriction,
    TruckProfile,
    Vehicle,
)
from siting.network.download import (
    HAUL_AREA_BUFFER_M,
    OVERPASS_CHECK_TIMEOUT_S,
    DownloadError,
    areas_from_polygon,
    default_cache_dir,
    graph_from_place,
    graph_from_polygon,
    haul_area,
)
from siting.network.load import (
    PROFILES,
    apply_profile,
    load_osm,
    profile_report,
)
from siting.network.model import LEG_PROFILES, Leg, NetworkCostModel
from siting.network.routing import (
    MAX_FAR_SHARE,
    SNAP_EXCLUDE_HIGHWAYS,
    SNAP_THRESHOLD_M,
    FarSnap,
    PolygonSnap,
    SnapTo,
    cost_matrices,
    isochrones,
    route_geometries,
    snap_points,
    snapped_travel_costs,
    travel_costs,
)

__all__ = [
    "ACCESS_SPEED_KMH",
    "ARTICULATED_TRUCK",
    "COMPACTOR_26T",
    "HAUL_AREA_BUFFER_M",
    "LEG_PROFILES",
    "MAX_FAR_SHARE",
    "MAX_TRUCK_SPEED_KMH",
    "MIN_EDGE_TRAVEL_TIME_S",
    "OVERPASS_CHECK_TIMEOUT_S",
    "PROFILES",
    "SNAP_EXCLUDE_HIGHWAYS",
    "SNAP_THRESHOLD_M",
    "TRACK_GRADE_SPEEDS_KMH",
    "TRUCK_SPEEDS_KMH",
    "DownloadError",
    "FarSnap",
    "Leg",
    "NetworkCostModel",
    "PolygonSnap",
    "Restriction",
    "SnapTo",
    "TruckProfile",
    "Vehicle",
    "apply_profile",
    "areas_from_polygon",
    "clear_cache",
    "cost_matrices",
    "default_cache_dir",
    "graph_from_place",
    "graph_from_polygon",
    "haul_area",
    "isochrones",
    "load_osm",
    "profile_report",
    "route_geometries",
    "shutdown_workers",
    "snap_points",
    "snapped_travel_costs",
    "travel_costs",
]

clear_cache = _paths.clear_cache
shutdown_workers = _engine.shutdown_workers
