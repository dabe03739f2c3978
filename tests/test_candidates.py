"""Hexagonal site search, land attribution and hard constraints, recomputed independently."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree
from shapely.geometry import Point, box

from siting.candidates import (
    allow_land,
    apply_constraints,
    attribute_land,
    built_up_radius_m,
    cell_centre,
    hex_grid,
    hex_search,
    region_land,
    resolve_land,
    search_origin,
)
from siting.errors import SitingError
from siting.layers import METRIC_CRS, WGS84, Facility, Region
from siting.sources.embedded import default_region
from tests.conftest import require_shared

BUFFERS = {Facility.WASTE_STATION: 250, Facility.TRUCK_LOT: 100}


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


def lattice_places(geoms: gpd.GeoSeries, origin, cell_m: float) -> np.ndarray:
    """Brute force, independent of siting's lattice code: the centre of the hexagon each
    geometry lies in (the lattice centre nearest its centroid; a hexagon is its centre's
    Voronoi cell, so a cell clipped to a border still finds its own centre)."""
    ox, oy = origin
    dx, dy = 1.5 * cell_m / np.sqrt(3.0), cell_m
    cent = np.column_stack([geoms.centroid.x, geoms.centroid.y])
    (x0, y0), (x1, y1) = cent.min(axis=0), cent.max(axis=0)
    centres = [
        (ox + k * dx, oy + (dy / 2 if k % 2 else 0.0) + j * dy)
        for k in range(int((x0 - ox) // dx) - 2, int((x1 - ox) // dx) + 3)
        for j in range(int((y0 - oy) // dy) - 2, int((y1 - oy) // dy) + 3)
    ]
    lattice = np.asarray(centres)
    _, nearest = cKDTree(lattice).query(cent)
    return lattice[nearest]


def test_a_cells_id_is_its_place_whatever_else_changes():
    """Hadera and Ma'ale Iron joining widen the search area west and east (counted ids
    would all shift); other buffers and plot sizes exclude other cells.  Every cell of the
    10-member search is in the wider one, at the same place with the same id."""
    region = default_region()
    wider = region.with_members([6500, 1327])
    origin = search_origin(region)
    assert search_origin(wider) == origin  # joining members does not move the lattice
    kw = {"cell_m": 1000, "density_per_km2": 4000, "min_radius_m": 300}
    a = hex_search(region, **kw, buffers_m=BUFFERS)
    b = hex_search(
        wider,
        **kw,
        buffers_m={Facility.WASTE_STATION: 600, Facility.TRUCK_LOT: 0},
        min_area_m2={Facility.WASTE_STATION: 500_000},
    )
    assert len(b) > len(a) + 50
    assert a["id"].is_unique
    assert b["id"].is_unique
    pa, pb = lattice_places(a.geometry, origin, 1000), lattice_places(b.geometry, origin, 1000)
    ka, kb = (np.round(p).astype(int).tolist() for p in (pa, pb))
    # counting cells would have named the same place differently
    pos_b = {tuple(p): i for i, p in enumerate(kb)}
    assert any(pos_b[tuple(p)] != i for i, p in enumerate(ka))
    by_place_b = dict(zip(map(tuple, kb), b["id"], strict=True))
    assert len(by_place_b) == len(b)  # one cell per place
    # every cell of the smaller search: same place in the wider one, same id
    assert [by_place_b.get(tuple(p)) for p in ka] == a["id"].tolist()
    # the id says where: cell_centre gives the hexagon's centre, column and row ~ ITM
    for frame, places in ((a, pa), (b, pb)):
        back = np.array([cell_centre(i, origin=origin, cell_m=1000) for i in frame["id"]])
        assert np.abs(back - places).max() < 1e-6
        parts = frame["id"].str.extract(r"^H1k-(\d+)-(\d+)$").astype(int).to_numpy()
        assert (np.abs(parts[:, 0] * 1000 * 1.5 / np.sqrt(3) - places[:, 0]) <= 867).all()
        assert (np.abs(parts[:, 1] * 1000 - places[:, 1]) <= 1000).all()
    assert (a["name"] == "cell " + a["id"].str.removeprefix("H1k-")).all()


def test_cell_ids_of_other_grid_sizes_do_not_collide():
    region = default_region()
    kw = {"density_per_km2": 4000, "min_radius_m": 300, "buffers_m": BUFFERS}
    coarse = hex_search(region, cell_m=1000, **kw)
    fine = hex_search(region, cell_m=500, **kw)
    assert fine["id"].is_unique
    assert fine["id"].str.startswith("H500-").all()
    assert not set(fine["id"]) & set(coarse["id"])
    origin = search_origin(region)
    assert cell_centre(fine["id"].iloc[0], origin=origin, cell_m=1000) is None
    places = lattice_places(fine.geometry, origin, 500)
    back = np.array([cell_centre(i, origin=origin, cell_m=500) for i in fine["id"]])
    assert np.abs(back - places).max() < 1e-6


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
    on_land = cand["reason_truck_lot"].str.startswith("within") | ~cand["excluded_truck_lot"]
    assert set(cand.loc[on_land, "authority_id"].astype(int)) <= set(region.members["id"])
    # independent recomputation of the distance to the nearest built-up edge, measured from
    # the cell's centre (a point inside a clipped cell when its centroid falls outside)
    loc = region.localities.to_crs(METRIC_CRS)
    r = built_up_radius_m(loc["population"].to_numpy(), density_per_km2=4000, min_radius_m=300)
    centre = cand.centroid.where(cand.centroid.within(cand), cand.representative_point())
    cx, cy = centre.x.to_numpy(), centre.y.to_numpy()
    gap = np.hypot(cx[:, None] - loc.geometry.x.to_numpy(), cy[:, None] - loc.geometry.y.to_numpy())
    gap = (gap - r).min(axis=1)
    np.testing.assert_allclose(cand["nearest_built_up_m"], gap, atol=0.06)
    ws = cand["excluded_waste_station"].to_numpy()
    land_ok = on_land.to_numpy()
    assert (ws[land_ok] == ((gap < 250) | (cand["area_m2"] < 20_000))[land_ok]).all()
    assert (cand["excluded_truck_lot"].to_numpy()[land_ok] == (gap < 100)[land_ok]).all()
    near = land_ok & (gap < 250)
    assert cand.loc[near, "reason_waste_station"].str.startswith("within 250 m buffer").all()
    assert 0 < ws.sum() < len(cand)


def _inside(region: Region, authority: int) -> Point:
    """A point inside an authority's polygon (EPSG:2039)."""
    auth = region.authorities.to_crs(METRIC_CRS).set_index("id")
    return auth.geometry[authority].representative_point()


def test_user_plots_measured_from_their_edge_and_offered_types():
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
        geometry=[centre.buffer(100, cap_style="square"), _inside(region, 14)],
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


# --------------------------------------------------------------------------- land


def _toy_region(*, with_context: bool) -> Region:
    """Members A (id 1) and B (id 2), neighbour C (id 3): three 1 km × 2 km strips side by
    side (x 0–3000 m); optionally a no-jurisdiction strip D east of C and an extent."""
    polys = [box(0, 0, 1000, 2000), box(1000, 0, 2000, 2000), box(2000, 0, 3000, 2000)]
    auth = gpd.GeoDataFrame(
        {
            "id": [1, 2, 3],
            "name_he": ["א", "ב", "ג"],
            "name_en": ["A", "B", "C"],
            "population": [10.0, 10.0, 10.0],
            "msw_kg_per_capita_day": [1.5, 1.5, 1.5],
            "member": [True, True, False],
            "kind": ["city", "city", "city"],
        },
        geometry=polys,
        crs=METRIC_CRS,
    ).to_crs(WGS84)
    loc = gpd.GeoDataFrame(
        {
            "id": [11, 12, 13],
            "name": ["a", "b", "c"],
            "authority_id": [1, 2, 3],
            "population": [10.0, 10.0, 10.0],
        },
        geometry=[Point(100, 1900), Point(1900, 1900), Point(2900, 1900)],
        crs=METRIC_CRS,
    ).to_crs(WGS84)
    extra = {}
    if with_context:
        land = auth[["id", "name_he", "name_en", "kind", "geometry"]].to_crs(METRIC_CRS)
        d = gpd.GeoDataFrame(
            {
                "id": [-9900],
                "name_he": ["ללא שיפוט"],
                "name_en": ["No Jurisdiction - D Area"],
                "kind": ["no_jurisdiction"],
            },
            geometry=[box(3000, 0, 3500, 2000)],
            crs=METRIC_CRS,
        )
        land = gpd.GeoDataFrame(pd.concat([land, d], ignore_index=True), crs=METRIC_CRS)
        extra = {
            "jurisdictions": land.to_crs(WGS84),
            "jurisdictions_extent": box(-500, -500, 4500, 2500),
        }
    return Region(name="toy", authorities=auth, localities=loc, extra=extra).validated()


def _cells(*boxes: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    geoms = [box(*b) for b in boxes]
    return gpd.GeoDataFrame(
        {
            "id": [f"c{i}" for i in range(len(geoms))],
            "name": [f"c{i}" for i in range(len(geoms))],
            "area_m2": [g.area for g in geoms],
            "facilities": "waste_station;truck_lot",
        },
        geometry=geoms,
        crs=METRIC_CRS,
    )


def test_a_cell_straddling_two_members_goes_to_the_larger_share_with_the_split():
    region = _toy_region(with_context=False)
    cells = _cells((600, 500, 1600, 1500), (1300, 500, 1700, 900))
    out = attribute_land(cells, region, clip=True)
    # 400 m of the first cell lies in A, 600 m in B (computed by hand from the boxes)
    assert out.loc[0, "authority_id"] == 2
    assert out.loc[0, "authority_name_en"] == "B"
    assert out.loc[0, "authority_share"] == pytest.approx(0.6)
    assert out.loc[0, "land_shares"] == "B 60%; A 40%"
    assert out.loc[0, "area_m2"] == pytest.approx(1e6)  # all on member land: not clipped
    assert out.loc[0, "land_reason"] == ""
    assert out.loc[1, "land_shares"] == "B 100%"


def test_a_cell_half_on_a_neighbour_is_clipped_to_member_land():
    region = _toy_region(with_context=False)
    cells = _cells((1500, 500, 2500, 1500), (2200, 500, 2800, 1000), (2800, 0, 3800, 1000))
    out = attribute_land(cells, region, clip=True)
    assert out.loc[0, "authority_id"] == 2
    assert out.loc[0, "area_m2"] == pytest.approx(500 * 1000)
    # the member part exactly (up to the region's WGS84 storage: < 1 m²)
    assert out.geometry[0].symmetric_difference(box(1500, 500, 2000, 1500)).area < 1.0
    assert out.loc[0, "land_shares"] == "B 50%; C 50%"
    assert out.loc[1, "land_reason"] == "on C land (not a member)"
    assert out.loc[1, "authority_id"] == 3
    assert out.loc[1, "area_m2"] == pytest.approx(600 * 500)  # not clipped: excluded whole
    # a region with only its authorities' polygons cannot say whose the rest is
    assert out.loc[2, "land_reason"] == "outside the region's authorities"
    assert pd.isna(out.loc[2, "authority_id"])


def test_land_outside_any_or_every_jurisdiction_is_named():
    region = _toy_region(with_context=True)
    cells = _cells((3050, 100, 3450, 500), (3600, 100, 4000, 500), (2600, 100, 3300, 300))
    out = attribute_land(cells, region, clip=True)
    assert out.loc[0, "land_reason"] == "outside any municipal jurisdiction (D Area)"
    assert pd.isna(out.loc[0, "authority_id"])
    assert out.loc[1, "land_reason"] == "outside Israeli jurisdiction"
    assert out.loc[2, "land_reason"] == "on C land (not a member)"  # C 57 %, D 43 %
    assert out.loc[2, "land_shares"] == "C 57%; No Jurisdiction - D Area 43%"
    # the neighbour allowed: the same cells become candidates on C's land
    out = attribute_land(cells, region, clip=True, allow_land_of=["C"])
    assert out.loc[2, "land_reason"] == ""
    assert out.loc[2, "authority_id"] == 3
    assert out.loc[2, "area_m2"] == pytest.approx(400 * 200, abs=1.0)


def test_user_plots_off_member_land_are_excluded_naming_the_land():
    region = default_region()
    land = region.extra["jurisdictions"].to_crs(METRIC_CRS).set_index("id")
    megiddo = land.geometry[13].representative_point()
    hanadiv = land.geometry[-9939].representative_point()  # Ramat Hanadiv: no jurisdiction
    umm = land.geometry[2710]
    # 1 km east of Umm al-Fahm's easternmost point: across the Green Line, in no polygon
    east = Point(umm.bounds[2] + 1000, umm.centroid.y)
    assert not land.geometry.intersects(east.buffer(1)).any()
    menashe = _inside(region, 14)
    # a plot straddling Menashe (70 %) and Megiddo (30 %) along their shared border
    border = land.geometry[14].boundary.intersection(land.geometry[13].boundary)
    on_border = border.interpolate(0.5, normalized=True)
    straddle = on_border.buffer(150)
    plots = gpd.GeoDataFrame(
        {
            "id": ["meg", "han", "east", "men", "both"],
            "name": ["a", "b", "c", "d", "e"],
            "area_m2": [50_000.0] * 5,
            "facilities": "waste_station;truck_lot",
        },
        geometry=[megiddo.buffer(100), hanadiv, east, menashe.buffer(100), straddle],
        crs=METRIC_CRS,
    )
    kw = {"density_per_km2": 4000, "min_radius_m": 300, "buffers_m": BUFFERS}
    out = apply_constraints(plots, region, **kw).set_index("id")
    assert out.loc["meg", "reason_waste_station"] == "on Megiddo land (not a member)"
    assert out.loc["meg", "reason_truck_lot"] == "on Megiddo land (not a member)"
    assert out.loc["han", "reason_waste_station"] == (
        "outside any municipal jurisdiction (Ramat Hanadiv Area)"
    )
    assert out.loc["east", "reason_waste_station"] == "outside Israeli jurisdiction"
    assert out.loc["men", "authority_id"] == 14
    assert not out.loc["men", "reason_waste_station"].startswith(("on ", "outside"))
    # the straddling plot: both shares recorded, attributed to the larger one
    text = out.loc["both", "land_shares"]
    shares = {p.rsplit(" ", 1)[0]: int(p.rsplit(" ", 1)[1][:-1]) for p in text.split("; ")}
    assert set(shares) >= {"Menashe", "Megiddo"}
    assert sum(shares.values()) == pytest.approx(100, abs=2)
    largest = max(shares, key=shares.__getitem__)
    assert out.loc["both", "authority_name_en"] == largest
    assert out.loc["both", "authority_share"] == pytest.approx(shares[largest] / 100, abs=0.006)
    excluded = out.loc["both", "reason_waste_station"] == "on Megiddo land (not a member)"
    assert excluded == (largest == "Megiddo")
    # allowed by the scenario: the Megiddo plot becomes a candidate attributed to Megiddo
    allowed = allow_land(region, ["Megiddo"])
    out = apply_constraints(plots, allowed, **kw).set_index("id")
    assert out.loc["meg", "authority_id"] == 13
    assert out.loc["meg", "authority_name_en"] == "Megiddo"
    assert not out.loc["meg", "reason_waste_station"].startswith("on Megiddo")
    assert "Megiddo (13)" in allowed.notes[-1]


def test_allow_land_of_opens_a_neighbours_land_to_the_search():
    region = default_region()
    kw = {"cell_m": 1000, "density_per_km2": 4000, "min_radius_m": 300, "buffers_m": BUFFERS}
    base = hex_search(region, **kw)
    wider = hex_search(allow_land(region, [13]), **kw)
    ok = ~base["excluded_truck_lot"]
    assert not (base.loc[ok, "authority_id"] == 13).any()
    assert (base["reason_truck_lot"] == "on Megiddo land (not a member)").sum() > 20
    ok = ~wider["excluded_truck_lot"]
    on_megiddo = wider[ok & (wider["authority_id"] == 13)]
    assert len(on_megiddo) > 20
    assert set(wider.loc[ok, "authority_id"].astype(int)) <= set(region.members["id"]) | {13}
    assert not (wider["reason_truck_lot"] == "on Megiddo land (not a member)").any()


def test_resolve_land_names_ids_and_errors():
    land, extent, complete = region_land(default_region())
    assert complete
    assert extent is not None
    assert resolve_land(["Megiddo", "Megido", "מגידו", "13", 13], land) == [13]
    assert resolve_land(["Hadera", 5514], land) == [6500, 14]  # MOIN code of Menashe
    with pytest.raises(SitingError, match=r"no land named 'Atlantis'.*known: .*Megiddo"):
        resolve_land(["Atlantis"], land)
    assert allow_land(default_region(), []).extra.get("allow_land_of") is None


# ------------------------------------------------- against the official layer (../shared)


@pytest.fixture(scope="module")
def moin_layer() -> gpd.GeoDataFrame:
    """Every official jurisdiction (authorities and no-jurisdiction areas), EPSG:2039."""
    path = require_shared("israel", "authorities_moin_2025.gpkg")
    raw = gpd.read_file(path, layer="authorities").to_crs(METRIC_CRS)
    raw["geometry"] = raw.geometry.make_valid()
    return raw


@pytest.fixture(scope="module")
def default_run():
    from siting import default_scenario, run
    from siting.params import SensitivityParams

    return run(default_scenario(sensitivity=SensitivityParams(enabled=False, n_draws=50)))


def _official_id(raw: gpd.GeoDataFrame) -> pd.Series:
    """The project's authority id of each official feature (CBS code; regional councils
    CR_PNIM − 5500), computed here from the raw fields, not by siting.sources."""
    code = pd.to_numeric(raw["CR_LAMAS"], errors="coerce")
    regional = raw["Sug_Muni"] == "מועצה אזורית"
    return code.where(~regional, pd.to_numeric(raw["CR_PNIM"]) - 5500)


def test_default_run_searches_only_member_land(default_run, moin_layer):
    """Done-when of issue 12, checked against the Ministry of Interior layer itself."""
    from siting.costs import metric_points

    raw = moin_layer.assign(pid=_official_id(moin_layer))
    members = raw[raw["Eshkol_MPn"].fillna("").str.contains("מישור החוף")]
    assert len(members) == 10
    member_land = members.union_all()
    israel = raw.union_all()
    cand = default_run.candidates.to_crs(METRIC_CRS)
    eligible = ~(cand["excluded_waste_station"] & cand["excluded_truck_lot"])
    ok = cand[eligible]
    assert len(ok) > 400
    # each eligible candidate lies on official member land (all but the 15 m simplification)
    inside = ok.geometry.intersection(member_land).area / ok.area
    assert inside.min() > 0.97, ok.loc[inside.idxmin(), ["id", "land_shares"]].tolist()
    # its point (the one costs are measured from) lies in Israel, on member land
    pts = gpd.GeoSeries(shapely.points(metric_points(ok, "candidates")), crs=METRIC_CRS)
    assert pts.within(israel.buffer(1)).all()
    assert pts.within(member_land.buffer(30)).all()  # 2 × the simplification tolerance
    # its authority is the official member holding the largest share of it (ties of
    # within 2 points, where the simplified border decides, are not checked)
    polys = members.set_index("pid").geometry
    share = pd.DataFrame(
        {aid: ok.geometry.intersection(g).area / ok.area for aid, g in polys.items()}
    )
    top2 = np.sort(share.to_numpy(), axis=1)[:, -2:]
    clear = (top2[:, 1] - top2[:, 0]) > 0.02
    expected = share.idxmax(axis=1)
    got = ok["authority_id"].astype(int)
    assert (got[clear] == expected[clear]).all(), ok.loc[clear & (got != expected), "id"]
    assert clear.mean() > 0.95
    # every chosen site carries the authority it lies in, with its names
    for fac, res in default_run.results.items():
        rk = res.ranking.set_index(res.ranking["site_id"].astype(str))
        for sid in res.chosen:
            i = int(np.flatnonzero(ok["id"].to_numpy() == sid)[0])
            aid = int(rk.loc[sid, "authority_id"])
            assert aid == int(expected.iloc[i]), (fac, sid)
            name_he = members.set_index("pid").loc[aid, "Muni_Heb"]
            assert (
                rk.loc[sid, "authority_name_he"].replace("-", " ").split()[0]
                == (name_he.replace("-", " ").split()[0])
            )
            assert (
                rk.loc[sid, "authority_name_en"]
                == default_run.region.authorities.set_index("id").loc[aid, "name_en"]
            )


def test_embedded_and_official_routes_give_the_same_candidate_land():
    from siting.sources import region_from_cluster

    israel = require_shared("israel")
    embedded = default_region()
    official = region_from_cluster(
        "mishor-hahof",
        data_dir=israel,
        neighbours=sorted(set(embedded.authorities["id"]) - set(embedded.members["id"])),
    )
    kw = {"cell_m": 1000, "density_per_km2": 4000, "min_radius_m": 300, "buffers_m": BUFFERS}
    a, b = hex_search(embedded, **kw), hex_search(official, **kw)

    def land_by_authority(c: gpd.GeoDataFrame) -> pd.Series:
        on_land = c["reason_truck_lot"].str.startswith("within") | ~c["excluded_truck_lot"]
        sub = c[on_land]
        return sub.groupby(sub["authority_id"].astype(int))["area_m2"].sum()

    la, lb = land_by_authority(a), land_by_authority(b)
    assert set(la.index) == set(lb.index) == set(embedded.members["id"])
    np.testing.assert_allclose(la.sort_index(), lb.sort_index(), rtol=0.005)
    # and the same reasons for the land around
    ra = a["reason_truck_lot"].str.extract(r"^(on .* land|outside [a-zA-Z ]+|in the sea)")[0]
    rb = b["reason_truck_lot"].str.extract(r"^(on .* land|outside [a-zA-Z ]+|in the sea)")[0]
    assert set(ra.dropna()) >= {"on Megiddo land", "outside Israeli jurisdiction"}
    assert abs(ra.value_counts() - rb.value_counts()).max() <= 3
