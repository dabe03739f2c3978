"""The road-network :class:`~siting.costs.CostModel`: :class:`NetworkCostModel`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting.costs import CostMatrix
from siting.errors import LayerError, ScenarioError
from siting.network import _geo
from siting.network.routing import (
    MAX_FAR_SHARE,
    SNAP_THRESHOLD_M,
    FarSnap,
    PolygonSnap,
    _enum,
    _ids,
    cost_matrices,
    isochrones,
    route_geometries,
    snap_points,
)

__all__ = ["NetworkCostModel"]

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------------------
# the cost model


@dataclass(frozen=True, eq=False)
class NetworkCostModel:
    """Truck travel times and distances on an OSM road graph.

    Implements :class:`siting.costs.CostModel`: exact shortest paths between the
    nodes the origins and destinations snap to.  The snap legs are not added;
    their lengths are in ``details``.

    Parameters
    ----------
    graph : networkx.MultiDiGraph
        A routable graph (:func:`load_osm`).
    snap_threshold_m : float
        Snaps farther than this are flagged (default :data:`SNAP_THRESHOLD_M`).
    far_snap : {"flag", "unreachable"}
        Keep far-snapped points' figures and list them (default), or make
        their rows/columns ``inf``.
    polygon_snap : {"centroid", "nearest"}
        How polygon destinations join the network (see :class:`PolygonSnap`).
    max_far_share : float
        When more than this share of a matrix's points (origins and destinations
        together) snap beyond ``snap_threshold_m``, :meth:`matrix` raises
        :class:`~siting.errors.LayerError`: the network does not cover the
        region (default :data:`MAX_FAR_SHARE`; 1 never refuses).
    n_jobs, max_memory_mb
        See :func:`travel_costs`.

    Examples
    --------
    >>> import geopandas as gpd, networkx as nx
    >>> from shapely.geometry import Point
    >>> g = nx.MultiDiGraph(crs="epsg:4326", profile="demo")
    >>> g.add_node(1, x=35.00, y=31.80); g.add_node(2, x=35.01, y=31.80)
    >>> _ = g.add_edge(1, 2, length=950.0, travel_time=114.0)
    >>> _ = g.add_edge(2, 1, length=950.0, travel_time=114.0)
    >>> pts = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[Point(35.0, 31.8),
    ...                         Point(35.01, 31.8)], crs=4326)
    >>> m = NetworkCostModel(g).matrix(pts, pts)
    >>> m.minutes.tolist(), m.km.tolist()
    ([[0.0, 1.9], [1.9, 0.0]], [[0.0, 0.95], [0.95, 0.0]])
    """

    graph: nx.MultiDiGraph
    snap_threshold_m: float = SNAP_THRESHOLD_M
    far_snap: FarSnap | str = FarSnap.FLAG
    polygon_snap: PolygonSnap | str = PolygonSnap.CENTROID
    max_far_share: float = MAX_FAR_SHARE
    n_jobs: int = 1
    max_memory_mb: float = 512.0
    name: str = "osm-network"
    approximate: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.graph, nx.Graph) or not self.graph.is_directed():
            raise LayerError(
                "road network",
                "NetworkCostModel needs a directed networkx graph "
                f"(got {type(self.graph).__name__}); load one with siting.network.load_osm",
            )
        if self.graph.number_of_nodes() == 0:
            raise LayerError("road network", "the graph has no nodes")
        _geo.check_coordinates(self.graph, "graph")
        if not 0.0 <= self.max_far_share <= 1.0:
            raise ScenarioError(f"max_far_share must be in [0, 1] (got {self.max_far_share!r})")
        object.__setattr__(self, "far_snap", _enum(FarSnap, self.far_snap, "far_snap"))
        object.__setattr__(
            self, "polygon_snap", _enum(PolygonSnap, self.polygon_snap, "polygon_snap")
        )

    def describe(self) -> str:
        """One sentence naming the model and its parameters."""
        g = self.graph
        profile = g.graph.get("profile", "edge travel_time as given")
        return (
            f"shortest truck travel time on the OSM road network ({profile}; "
            f"{g.number_of_nodes():,} nodes, {g.number_of_edges():,} edges); points snapped "
            f"to the nearest usable node, snaps beyond {self.snap_threshold_m:g} m flagged"
        )

    def snap(self, gdf: gpd.GeoDataFrame, layer: str) -> pd.DataFrame:
        """Snap a layer to the graph (see :func:`snap_points`)."""
        return snap_points(
            self.graph,
            gdf,
            threshold_m=self.snap_threshold_m,
            polygons=self.polygon_snap,
            layer=layer,
        )

    def matrix(
        self,
        origins: gpd.GeoDataFrame,
        destinations: gpd.GeoDataFrame,
        *,
        origin_id: str = "id",
        destination_id: str = "id",
    ) -> CostMatrix:
        """Travel minutes and km from every origin to every destination.

        ``details`` holds ``origin_nodes``/``destination_nodes``,
        ``origin_snap_m``/``destination_snap_m``, ``far_origins``/
        ``far_destinations`` (ids snapped beyond the threshold),
        ``snap_threshold_m``, ``unreachable_pairs`` (``(origin id, destination
        id)`` pairs, at most 1,000 listed) and ``n_unreachable``.
        """
        so = self.snap(origins, "origins")
        sd = self.snap(destinations, "destinations")
        self._check_coverage(so, sd)
        minutes, km = cost_matrices(
            self.graph,
            so["node"].tolist(),
            sd["node"].tolist(),
            n_jobs=self.n_jobs,
            max_memory_mb=self.max_memory_mb,
        )
        oid, did = _ids(origins, origin_id), _ids(destinations, destination_id)
        far_o, far_d = so["far"].to_numpy(), sd["far"].to_numpy()
        if far_o.any() or far_d.any():
            log.warning(
                "%d origin(s) and %d destination(s) are more than %g m from a usable node: %s",
                int(far_o.sum()),
                int(far_d.sum()),
                self.snap_threshold_m,
                list(oid[far_o][:10]) + list(did[far_d][:10]),
            )
            if self.far_snap is FarSnap.UNREACHABLE:
                for arr in (minutes, km):
                    arr[far_o, :] = np.inf
                    arr[:, far_d] = np.inf
        bad = np.argwhere(~np.isfinite(minutes))
        if len(bad):
            log.warning("%d origin-destination pair(s) have no route", len(bad))
        return CostMatrix(
            minutes=minutes,
            km=km,
            origin_ids=oid,
            destination_ids=did,
            model=self.name,
            description=self.describe(),
            approximate=False,
            details={
                "origin_nodes": so["node"].to_numpy(),
                "destination_nodes": sd["node"].to_numpy(),
                "origin_snap_m": so["snap_m"].to_numpy(),
                "destination_snap_m": sd["snap_m"].to_numpy(),
                "far_origins": oid[far_o].tolist(),
                "far_destinations": did[far_d].tolist(),
                "snap_threshold_m": self.snap_threshold_m,
                "unreachable_pairs": [(oid[i], did[j]) for i, j in bad[:1000]],
                "n_unreachable": len(bad),
            },
        )

    def _check_coverage(self, so: pd.DataFrame, sd: pd.DataFrame) -> None:
        """Refuse a network most points snap far from (it misses the region)."""
        n = len(so) + len(sd)
        far = int(so["far"].sum() + sd["far"].sum())
        if n == 0 or far <= self.max_far_share * n:
            return
        snap_km = np.concatenate([so["snap_m"].to_numpy(), sd["snap_m"].to_numpy()]) / 1000.0
        source = self.graph.graph.get("source", "the graph")
        raise LayerError(
            "road network",
            f"{source} does not cover the region: {far} of {n} points "
            f"({int(so['far'].sum())} of {len(so)} origins, {int(sd['far'].sum())} of "
            f"{len(sd)} destinations) lie more than {self.snap_threshold_m:g} m from a usable "
            f"road (median {np.median(snap_km):.1f} km, max {snap_km.max():.1f} km; more than "
            f"{self.max_far_share:.0%} refuses it); load a network that covers the haul area "
            "(`siting network fetch <scenario>` or a larger .osm.pbf extract)",
        )

    def routes(
        self,
        origins: gpd.GeoDataFrame,
        destinations: gpd.GeoDataFrame,
        assignment: Mapping[Any, Any] | pd.Series,
        *,
        origin_id: str = "id",
        destination_id: str = "id",
    ) -> gpd.GeoDataFrame:
        """Route lines for an assignment ``{origin id: destination id}``.

        Returns
        -------
        geopandas.GeoDataFrame
            WGS84: ``origin_id``, ``destination_id``, ``minutes``, ``km``,
            LineString ``geometry`` (see :func:`route_geometries`).
        """
        so = self.snap(origins, "origins")
        sd = self.snap(destinations, "destinations")
        o_node = dict(zip(_ids(origins, origin_id), so["node"], strict=True))
        d_node = dict(zip(_ids(destinations, destination_id), sd["node"], strict=True))
        pairs = list(dict(assignment).items())
        unknown = [f"origin id {a!r}: not in origins" for a, _ in pairs if a not in o_node]
        unknown += [
            f"destination id {b!r}: not in destinations" for _, b in pairs if b not in d_node
        ]
        if unknown:
            raise LayerError("assignment", unknown)
        out = route_geometries(
            self.graph, [o_node[a] for a, _ in pairs], [d_node[b] for _, b in pairs]
        )
        out.insert(0, "origin_id", [a for a, _ in pairs])
        out.insert(1, "destination_id", [b for _, b in pairs])
        return out.drop(columns=["cost"])

    def isochrones(
        self,
        sites: gpd.GeoDataFrame,
        minutes: Sequence[float] = (10.0, 20.0, 30.0),
        *,
        site_id: str = "id",
        direction: str = "to",
        buffer_m: float = 100.0,
    ) -> gpd.GeoDataFrame:
        """Drive-time polygons around each site (see :func:`isochrones`)."""
        snapped = self.snap(sites, "sites")
        out = isochrones(
            self.graph,
            snapped["node"].tolist(),
            minutes=minutes,
            direction=direction,
            buffer_m=buffer_m,
        )
        ids = np.repeat(_ids(sites, site_id), len(minutes))
        out.insert(0, "site_id", ids)
        return out
