"""The road-network :class:`~siting.costs.CostModel`: :class:`NetworkCostModel`."""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd

from siting.costs import CostMatrix
from siting.errors import LayerError, ScenarioError
from siting.network import _access, _geo, _paths
from siting.network.routing import (
    MAX_FAR_SHARE,
    SNAP_EXCLUDE_HIGHWAYS,
    SNAP_THRESHOLD_M,
    FarSnap,
    PolygonSnap,
    SnapTo,
    _enum,
    _ids,
    cost_matrices,
    edge_frame,
    isochrones,
    route_geometries,
    snap_points,
)

__all__ = ["LEG_PROFILES", "Leg", "NetworkCostModel"]

log = logging.getLogger(__name__)


class Leg(StrEnum):
    """The trips a run prices, each driven by its own vehicle."""

    COLLECTION = "collection"  # compactors: localities → station (and → today's plant)
    TRANSFER = "transfer"  # transfer trailers: station → status-quo destination
    TRUCK_LOT = "truck_lot"  # drivers bringing their truck to a lot


#: The profile (a :data:`~siting.network.PROFILES` name) of each leg: the 26 t
#: compactor collects (V1, V2); the 40 t articulated truck hauls transfers (V4,
#: P10).  Truck-lot trips: assumption, the articulated truck, the largest vehicle
#: the lots are for (DOMAIN gives no fleet mix), so the lots stay reachable by it.
LEG_PROFILES: Mapping[Leg, str] = {
    Leg.COLLECTION: "compactor",
    Leg.TRANSFER: "articulated",
    Leg.TRUCK_LOT: "articulated",
}


class _LegGraphs:
    """The source file and, loaded once on first use, one graph per profile."""

    def __init__(self, path: Path, profiles: Mapping[Leg, Any]) -> None:
        self.path = path
        self.profiles = dict(profiles)
        self.graphs: dict[str, nx.MultiDiGraph] = {}
        self.lock = threading.Lock()

    def graph(self, leg: Leg) -> nx.MultiDiGraph:
        from siting.network.load import _resolve_profile, load_osm

        prof = _resolve_profile(self.profiles[leg])
        with self.lock:
            if prof.describe() not in self.graphs:
                log.info("loading %s with the %s profile (%s leg)", self.path, prof.name, leg)
                self.graphs[prof.describe()] = load_osm(self.path, prof, progress=False)
            return self.graphs[prof.describe()]


# --------------------------------------------------------------------------------------
# the cost model


@dataclass(frozen=True, eq=False)
class NetworkCostModel:
    """Truck travel times and distances on an OSM road graph.

    Implements :class:`siting.costs.CostModel`: exact shortest paths between
    the points where origins and destinations join the network.  By default
    (``snap_to="edge"``) a point joins the nearest usable edge, split at the
    projected point, and a straight access leg of ``snap_m`` at
    ``access_speed_kmh`` is added at each end (minutes and km); the snap
    distances are in ``details`` (the decision layer's access criterion reads
    ``destination_snap_m``).  ``snap_to="node"`` keeps the former behaviour:
    the nearest usable node, no access leg.

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
    snap_to : {"edge", "node"}
        What points join (see :class:`SnapTo`; default ``"edge"``).
    access_speed_kmh : float
        Speed on the straight access leg (default
        :data:`~siting.network._access.ACCESS_SPEED_KMH`, 20 km/h: ORS's
        ``service`` road speed, R3; assumption), edge snapping only.
    max_far_share : float
        When more than this share of a matrix's points (origins and destinations
        together) snap beyond ``snap_threshold_m``, :meth:`matrix` raises
        :class:`~siting.errors.LayerError`: the network does not cover the
        region (default :data:`MAX_FAR_SHARE`; 1 never refuses).
    n_jobs, max_memory_mb
        See :func:`travel_costs`.
    leg : Leg
        The trips this model prices (default ``"collection"``); reported in
        ``details`` with the graph's profile.  :meth:`from_file` builds a model
        whose :meth:`for_leg` loads each leg's own profile.

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
    snap_to: SnapTo | str = SnapTo.EDGE
    access_speed_kmh: float = _access.ACCESS_SPEED_KMH
    n_jobs: int = 1
    max_memory_mb: float = 512.0
    name: str = "osm-network"
    approximate: bool = False
    leg: Leg | str = Leg.COLLECTION
    _legs: _LegGraphs | None = field(default=None, repr=False)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        profiles: Mapping[Leg, Any] | Mapping[str, Any] | None = None,
        progress: bool | None = None,
        **options: Any,
    ) -> NetworkCostModel:
        """The collection-leg model of a road-network file, other legs loaded on demand.

        Parameters
        ----------
        path : path-like
            As :func:`~siting.network.load_osm`.
        profiles : mapping, optional
            Profile (a name in :data:`~siting.network.PROFILES` or a
            :class:`~siting.network.TruckProfile`) per leg, overriding
            :data:`LEG_PROFILES`.
        progress : bool or None
            Progress bar while loading the collection graph.
        **options
            Other :class:`NetworkCostModel` parameters.
        """
        from siting.network.load import _resolve_profile, load_osm

        chosen: dict[Leg, Any] = dict(LEG_PROFILES)
        for key, prof in (profiles or {}).items():
            chosen[_enum(Leg, key, "leg")] = _resolve_profile(prof)
        legs = _LegGraphs(Path(path), chosen)
        first = _resolve_profile(chosen[Leg.COLLECTION])
        graph = load_osm(path, first, progress=progress)
        legs.graphs[first.describe()] = graph
        return cls(graph, leg=Leg.COLLECTION, _legs=legs, **options)

    def for_leg(self, leg: Leg | str) -> NetworkCostModel:
        """The model pricing ``leg`` ("collection", "transfer", "truck_lot").

        From :meth:`from_file`: the same parameters on the graph loaded with the
        leg's profile (loaded once, on first use).  A model built on a graph
        has no other graph: it returns itself for every leg, and ``details``
        report the profile that priced the leg.
        """
        want = _enum(Leg, leg, "leg")
        if self._legs is None or want == self.leg:
            return self if want == self.leg else dataclasses.replace(self, leg=want)
        return dataclasses.replace(self, graph=self._legs.graph(want), leg=want)

    def leg_profiles(self) -> dict[str, str]:
        """Which profile prices which leg (for a run's manifest)."""
        if self._legs is None:
            own = str(self.graph.graph.get("profile", "edge travel_time as given"))
            return {str(leg): own for leg in Leg}
        from siting.network.load import _resolve_profile

        return {str(leg): _resolve_profile(p).describe() for leg, p in self._legs.profiles.items()}

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
        if not self.access_speed_kmh > 0:
            raise ScenarioError(f"access_speed_kmh must be > 0 (got {self.access_speed_kmh!r})")
        object.__setattr__(self, "snap_to", _enum(SnapTo, self.snap_to, "snap_to"))
        object.__setattr__(self, "leg", _enum(Leg, self.leg, "leg"))
        object.__setattr__(self, "far_snap", _enum(FarSnap, self.far_snap, "far_snap"))
        object.__setattr__(
            self, "polygon_snap", _enum(PolygonSnap, self.polygon_snap, "polygon_snap")
        )

    def describe(self) -> str:
        """One sentence naming the model and its parameters."""
        g = self.graph
        profile = g.graph.get("profile", "edge travel_time as given")
        n_nodes, n_edges = _paths.signature(g)  # number_of_edges() walks degree views
        if self.snap_to is SnapTo.EDGE:
            how = (
                "points joined to the nearest usable road (the edge split there) by a straight "
                f"access leg at {self.access_speed_kmh:g} km/h"
            )
        else:
            how = "points snapped to the nearest usable node (no access leg)"
        return (
            f"shortest truck travel time on the OSM road network ({profile}; "
            f"{n_nodes:,} nodes, {n_edges:,} edges); {how}, "
            f"snaps beyond {self.snap_threshold_m:g} m flagged"
        )

    def snap(self, gdf: gpd.GeoDataFrame, layer: str) -> pd.DataFrame:
        """Snap a layer to the graph (see :func:`snap_points`)."""
        return snap_points(
            self.graph,
            gdf,
            threshold_m=self.snap_threshold_m,
            polygons=self.polygon_snap,
            to=self.snap_to,
            layer=layer,
        )

    def _edge_matrix(
        self, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame
    ) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray, np.ndarray]:
        from siting.costs import METRIC_CRS, metric_points

        geo, table, key = _access.snap_context(self.graph, SNAP_EXCLUDE_HIGHWAYS)
        near = self.polygon_snap is PolygonSnap.NEAREST
        snapped, frames = [], []
        for gdf, layer in ((origins, "origins"), (destinations, "destinations")):
            xy = metric_points(gdf, layer)
            geoms = (
                np.asarray(gdf.geometry.to_crs(METRIC_CRS).to_numpy(), dtype=object)
                if near
                else None  # only polygons snapping from their boundary need the shapes
            )
            s = _access.snap_to_edges(table, geoms, xy, nearest_to_polygon=near)
            snapped.append(s)
            frames.append(edge_frame(s, table, geo, self.snap_threshold_m, gdf.index))
        so, sd = frames
        self._check_coverage(so, sd)
        seconds, metres = _access.snapped_costs(
            self.graph,
            table,
            geo,
            snapped[0],
            snapped[1],
            weight="travel_time",
            key=key,
            want_length=True,
            access_speed_kmh=self.access_speed_kmh,
            n_jobs=self.n_jobs,
            max_memory_mb=self.max_memory_mb,
        )
        assert metres is not None
        return so, sd, seconds / 60.0, metres / 1000.0

    def matrix(
        self,
        origins: gpd.GeoDataFrame,
        destinations: gpd.GeoDataFrame,
        *,
        origin_id: str = "id",
        destination_id: str = "id",
    ) -> CostMatrix:
        """Travel minutes and km from every origin to every destination.

        ``details`` holds ``origin_nodes``/``destination_nodes`` (the snapped
        node; with edge snapping the nearer end of the snapped edge),
        ``origin_snap_m``/``destination_snap_m`` (each point's distance to the
        road: the access legs), ``far_origins``/``far_destinations`` (ids
        snapped beyond the threshold), ``snap_threshold_m``, ``snap_to``,
        ``access_speed_kmh``, ``leg`` and ``profile`` (what priced the matrix),
        ``unreachable_pairs`` (``(origin id, destination id)`` pairs, at most
        1,000 listed) and ``n_unreachable``.

        Raises
        ------
        LayerError
            More than ``max_far_share`` of the points snap beyond
            ``snap_threshold_m``: the network does not cover the region.
        """
        if self.snap_to is SnapTo.EDGE:
            so, sd, minutes, km = self._edge_matrix(origins, destinations)
        else:
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
                "snap_to": str(self.snap_to),
                "leg": str(self.leg),
                "profile": self.graph.graph.get("profile", "edge travel_time as given"),
                "access_speed_kmh": self.access_speed_kmh if self.snap_to is SnapTo.EDGE else None,
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

        Each line starts at the origin's point (its representative point, the one
        the matrix uses), runs straight to its snapped node (with edge snapping,
        the nearer end of the point's edge), along the road path between the
        snapped nodes and straight on to the destination's point.  ``minutes``
        and ``km`` are the road path's between the nodes, so they can differ
        from the matrix's by the partial edges and the access legs; show the
        matrix's figures where a plan's are meant (the pipeline does).

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
        out["geometry"] = _with_end_legs(
            out, origins, destinations, pairs, origin_id=origin_id, destination_id=destination_id
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


def _with_end_legs(
    routes: gpd.GeoDataFrame,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    pairs: Sequence[tuple[Any, Any]],
    *,
    origin_id: str,
    destination_id: str,
) -> list[Any]:
    """Route lines extended from the origin's point and to the destination's point."""
    import shapely

    from siting.costs import metric_points

    def points(gdf: gpd.GeoDataFrame, column: str, layer: str) -> dict[Any, Any]:
        xy = metric_points(gdf, layer)
        wgs = gpd.GeoSeries(shapely.points(xy), crs="EPSG:2039").to_crs("EPSG:4326")
        return dict(zip(_ids(gdf, column), wgs, strict=True))

    o_pt = points(origins, origin_id, "origins")
    d_pt = points(destinations, destination_id, "destinations")
    out: list[Any] = []
    for (a, b), line in zip(pairs, routes.geometry, strict=True):
        if line is None:  # unreachable: nothing to draw
            out.append(None)
            continue
        coords = [o_pt[a].coords[0], *line.coords, d_pt[b].coords[0]]
        out.append(shapely.LineString(coords))
    return out
