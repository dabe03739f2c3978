"""Crow-fly × circuity model against hand-computed distances."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, box

from siting.costs import CostModel, CrowFlyModel
from siting.errors import LayerError
from siting.params import CrowFlyParams


def test_hand_computed_itm_distances():
    o = gpd.GeoDataFrame(
        {"id": ["a", "b"]}, geometry=[Point(200_000, 700_000), Point(210_000, 700_000)], crs=2039
    )
    d = gpd.GeoDataFrame({"id": ["s"]}, geometry=[Point(203_000, 704_000)], crs=2039)
    m = CrowFlyModel(CrowFlyParams(circuity=1.25, speed_kmh=60)).matrix(o, d)
    # a: 3-4-5 km triangle; b: sqrt(7^2 + 4^2) km
    assert m.km[:, 0] == pytest.approx([5 * 1.25, np.hypot(7, 4) * 1.25])
    assert m.minutes[0, 0] == pytest.approx(6.25)  # 6.25 km at 60 km/h
    assert list(m.origin_ids) == ["a", "b"]
    assert m.approximate
    assert "crow-fly" in m.description
    assert "1.25" in m.description
    assert isinstance(CrowFlyModel(), CostModel)


def test_lonlat_is_projected_not_used_as_metres():
    # two points 0.01° of latitude apart near Zikhron Ya'akov: ≈ 1.109 km on the ground
    o = gpd.GeoDataFrame(geometry=[Point(34.95, 32.57)], crs=4326)
    d = gpd.GeoDataFrame(geometry=[Point(34.95, 32.58)], crs=4326)
    m = CrowFlyModel(CrowFlyParams(circuity=1.0)).matrix(o, d)
    assert m.km[0, 0] == pytest.approx(1.109, abs=0.003)


def test_polygon_destinations_use_their_centroid():
    o = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs=2039)
    d = gpd.GeoDataFrame(geometry=[box(3000, 3000, 5000, 5000)], crs=2039)
    m = CrowFlyModel(CrowFlyParams(circuity=1.0)).matrix(o, d)
    assert m.km[0, 0] == pytest.approx(np.hypot(4, 4))


def test_missing_crs_raises_with_fix():
    o = gpd.GeoDataFrame(geometry=[Point(0, 0)])
    with pytest.raises(LayerError, match="set_crs"):
        CrowFlyModel().matrix(o, o)


def test_bad_parameters():
    with pytest.raises(ValueError, match="circuity"):
        CrowFlyParams(circuity=0.9)
    with pytest.raises(ValueError, match="speed_kmh"):
        CrowFlyParams(speed_kmh=0)
