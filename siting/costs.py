"""Travel-cost models: origins × destinations → minutes and km.

Every model implements :class:`CostModel`: ``model.matrix(origins, destinations)``
returns a :class:`CostMatrix` that records which model produced it and whether
its figures are approximations.  :class:`CrowFlyModel` is the offline default;
``siting.network.NetworkCostModel`` computes the same matrices on an OSM road
network.

Examples
--------
>>> import geopandas as gpd
>>> from shapely.geometry import Point
>>> pts = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[Point(200000, 700000),
...                         Point(203000, 704000)], crs=2039)
>>> m = CrowFlyModel().matrix(pts, pts)
>>> float(m.km[0, 1])  # 5 km straight line × circuity 1.3
6.5
>>> round(float(m.minutes[0, 1]), 2)  # at 50 km/h
7.8
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import geopandas as gpd
import numpy as np

from siting.errors import LayerError
from siting.params import CrowFlyParams

__all__ = ["METRIC_CRS", "CostMatrix", "CostModel", "CrowFlyModel", "metric_points"]

METRIC_CRS = "EPSG:2039"  # Israel 1993 / Israeli TM Grid: all distances and areas
WGS84 = "EPSG:4326"


@dataclass(frozen=True)
class CostMatrix:
    """Travel costs from each origin (row) to each destination (column).

    Attributes
    ----------
    minutes, km : numpy.ndarray
        ``(n_origins, n_destinations)`` float arrays; ``inf`` where unreachable.
    origin_ids, destination_ids : numpy.ndarray
        The ids labelling rows and columns.
    model : str
        Short name of the model (``"crow-fly"``, ``"osm-network"``).
    description : str
        One sentence a map or report can print, including the parameters.
    approximate : bool
        True when the figures are approximations (e.g. crow-fly × circuity).
    details : dict
        Model-specific extras (snap distances, unreachable pairs …).
    """

    minutes: np.ndarray
    km: np.ndarray
    origin_ids: np.ndarray
    destination_ids: np.ndarray
    model: str
    description: str
    approximate: bool
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def n_unreachable(self) -> int:
        """Number of origin-destination pairs with no route."""
        return int(np.count_nonzero(~np.isfinite(self.minutes)))


@runtime_checkable
class CostModel(Protocol):
    """What every travel-cost model provides."""

    @property
    def name(self) -> str:
        """Short model name, e.g. ``"crow-fly"``."""
        ...

    @property
    def approximate(self) -> bool:
        """True when the model's figures are approximations."""
        ...

    def describe(self) -> str:
        """One sentence naming the model and its parameters."""
        ...

    def matrix(
        self,
        origins: gpd.GeoDataFrame,
        destinations: gpd.GeoDataFrame,
        *,
        origin_id: str = "id",
        destination_id: str = "id",
    ) -> CostMatrix:
        """Travel minutes and km from every origin to every destination."""
        ...


def metric_points(gdf: gpd.GeoDataFrame, layer: str) -> np.ndarray:
    """Return ``(n, 2)`` EPSG:2039 coordinates of each feature's representative point.

    Points stay as they are; polygons use their centroid when it lies inside,
    otherwise a point guaranteed to be inside (``representative_point``).

    Raises
    ------
    LayerError
        If the layer has no CRS (a distance on unknown units would be silent nonsense).
    """
    if gdf.crs is None:
        raise LayerError(
            layer,
            "no CRS: set one with `gdf.set_crs(...)` (e.g. EPSG:4326 for lon/lat or "
            "EPSG:2039 for Israeli TM Grid) before computing distances",
        )
    geom = gdf.geometry.to_crs(METRIC_CRS)
    pts = geom.copy()
    not_point = geom.geom_type != "Point"
    if not_point.any():
        cent = geom[not_point].centroid
        inside = cent.within(geom[not_point])
        rep = geom[not_point].representative_point()
        pts[not_point] = cent.where(inside, rep)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


@dataclass(frozen=True)
class CrowFlyModel:
    """Straight-line distance × circuity, driven at an average truck speed.

    An approximation: it ignores the road network, one-way streets, truck
    restrictions and terrain.  Outputs produced with it say so.
    """

    params: CrowFlyParams = field(default_factory=CrowFlyParams)
    name: str = "crow-fly"
    approximate: bool = True

    def describe(self) -> str:
        """One sentence naming the model and its parameters."""
        p = self.params
        return (
            f"crow-fly distance × circuity {p.circuity:g} at {p.speed_kmh:g} km/h "
            "(APPROXIMATE: no road network loaded)"
        )

    def matrix(
        self,
        origins: gpd.GeoDataFrame,
        destinations: gpd.GeoDataFrame,
        *,
        origin_id: str = "id",
        destination_id: str = "id",
    ) -> CostMatrix:
        """Travel minutes and km from every origin to every destination."""
        a = metric_points(origins, "origins")
        b = metric_points(destinations, "destinations")
        diff = a[:, None, :] - b[None, :, :]
        km = np.hypot(diff[..., 0], diff[..., 1]) / 1000.0 * self.params.circuity
        minutes = km / self.params.speed_kmh * 60.0
        return CostMatrix(
            minutes=minutes,
            km=km,
            origin_ids=_ids(origins, origin_id),
            destination_ids=_ids(destinations, destination_id),
            model=self.name,
            description=self.describe(),
            approximate=True,
        )


def _ids(gdf: gpd.GeoDataFrame, column: str) -> np.ndarray:
    if column in gdf.columns:
        return gdf[column].to_numpy()
    return gdf.index.to_numpy()
