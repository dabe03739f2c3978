"""Hexagonal site search and its hard constraints, recomputed independently."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from siting.candidates import built_up_radius_m, hex_grid, hex_search
from siting.layers import METRIC_CRS, Facility
from siting.sources.embedded import default_region


def test_hex_grid_geometry():
    g = hex_grid(box(0, 0, 20_000, 10_000), 1000)
    assert g.area.round(0).unique().tolist() == [866025.0]  # (√3/2)·s²
    # neighbouring centres are exactly one cell apart
    c = np.column_stack([g.centroid.x, g.centroid.y])
    d = np.hypot(*(c[:, None, :] - c[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert d.min(axis=1) == pytest.approx(np.full(len(c), 1000.0))
    # about area / cell area cells
    assert len(g) == pytest.approx(2e8 / 866025, rel=0.1)
    with pytest.raises(ValueError, match="cell_m"):
        hex_grid(box(0, 0, 1, 1), 0)


def test_built_up_radius():
    r = built_up_radius_m(np.array([31_415.9265, 10]), density_per_km2=1000, min_radius_m=300)
    assert r == pytest.approx([3162.28, 300], rel=1e-5)


def test_hex_search_on_default_region_respects_buffers():
    region = default_region()
    cand = hex_search(
        region,
        cell_m=1000,
        density_per_km2=4000,
        min_radius_m=300,
        buffers_m={Facility.WASTE_STATION: 250, Facility.TRUCK_LOT: 100},
        min_area_m2={Facility.WASTE_STATION: 20_000},
    )
    assert len(cand) > 300
    assert cand.crs == METRIC_CRS
    assert set(cand["authority_id"]) <= set(region.members["id"])
    # independent recomputation of the distance to the nearest built-up edge
    loc = region.localities.to_crs(METRIC_CRS)
    r = built_up_radius_m(loc["population"].to_numpy(), density_per_km2=4000, min_radius_m=300)
    cx, cy = cand.centroid.x.to_numpy(), cand.centroid.y.to_numpy()
    gap = np.hypot(cx[:, None] - loc.geometry.x.to_numpy(), cy[:, None] - loc.geometry.y.to_numpy())
    gap = (gap - r).min(axis=1)
    np.testing.assert_allclose(cand["nearest_built_up_m"], gap, atol=0.06)
    ws = cand["excluded_waste_station"].to_numpy()
    assert (ws == (gap < 250)).all()
    assert (cand["excluded_truck_lot"].to_numpy() == (gap < 100)).all()
    assert cand.loc[ws, "reason_waste_station"].str.startswith("within 250 m buffer").all()
    assert 0 < ws.sum() < len(cand)


def test_user_plots_measured_from_their_edge_and_offered_types():
    import geopandas as gpd
    from shapely.geometry import Point

    from siting.candidates import apply_constraints

    region = default_region()
    loc = region.localities.to_crs(METRIC_CRS)
    zy = loc[loc["id"] == 9300].geometry.iloc[0]  # Zikhron Ya'akov centre
    r = built_up_radius_m(np.array([23858.0]), density_per_km2=4000, min_radius_m=300)[0]
    # a 200 m-wide square plot whose centre is r + 300 m away but whose edge is r + 200 m away
    centre = Point(zy.x + r + 300, zy.y)
    plots = gpd.GeoDataFrame(
        {
            "id": ["A", "B"],
            "name": ["a", "b"],
            "area_m2": [40_000.0, 40_000.0],
            "facilities": ["waste_station;truck_lot", "truck_lot"],
        },
        geometry=[centre.buffer(100, cap_style="square"), Point(zy.x, zy.y - 20_000)],
        crs=METRIC_CRS,
    )
    out = apply_constraints(
        plots,
        region,
        density_per_km2=4000,
        min_radius_m=300,
        buffers_m={Facility.WASTE_STATION: 250, Facility.TRUCK_LOT: 100},
    )
    assert out.loc[0, "nearest_built_up_m"] == pytest.approx(200, abs=0.2)
    assert out.loc[0, "reason_waste_station"].startswith("within 250 m buffer of homes")
    assert not out.loc[0, "excluded_truck_lot"]
    assert out.loc[1, "reason_waste_station"] == "not offered for waste_station"
    assert out["facilities"].tolist() == ["truck_lot", "truck_lot"]
