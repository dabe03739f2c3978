"""OSM land-use exclusions (siting.landuse) on the real Jerusalem extract in ../shared."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from siting.candidates import exclusion_reasons, hex_grid
from siting.errors import LayerError, ScenarioError
from siting.landuse import LANDUSE_RULES, landuse_summary, read_landuse
from siting.layers import METRIC_CRS, WGS84, Facility
from tests.conftest import require_shared

RULES = {r.name: r for r in LANDUSE_RULES}
WS = Facility.WASTE_STATION


@pytest.fixture(scope="module")
def jerusalem() -> Path:
    return require_shared("osm", "jerusalem_2016.osm.pbf")


@pytest.fixture(scope="module")
def landuse(jerusalem: Path) -> gpd.GeoDataFrame:
    return read_landuse(jerusalem)


@pytest.fixture(scope="module")
def grid() -> gpd.GeoDataFrame:
    """500 m hexagons over the extract's bounding box (35.14–35.29 E, 31.73–31.87 N)."""
    bbox = gpd.GeoSeries([box(35.14, 31.73, 35.29, 31.87)], crs=WGS84).to_crs(METRIC_CRS)
    g = hex_grid(bbox.iloc[0], 500)
    return g.assign(id=[f"J{i}" for i in range(len(g))])


def _point(lon: float, lat: float) -> gpd.GeoDataFrame:
    pt = gpd.GeoSeries([Point(lon, lat)], crs=WGS84).to_crs(METRIC_CRS).iloc[0]
    return gpd.GeoDataFrame({"id": ["p"]}, geometry=[pt.buffer(250)], crs=METRIC_CRS)


def test_rules_match_their_documented_tags_in_order():
    assert RULES["cemetery"].match({"landuse": "cemetery"}) == "landuse=cemetery"
    assert RULES["cemetery"].match({"amenity": "grave_yard"}) == "amenity=grave_yard"
    assert RULES["military"].match({"military": "barracks"}) == "military=barracks"
    assert RULES["building"].match({"building": "yes"}) == "building=yes"
    assert RULES["park"].match({"leisure": "pitch"}) is None
    # a school building is a sensitive use before it is a building
    order = [r.name for r in LANDUSE_RULES]
    assert order.index("sensitive") < order.index("building")
    names = {"residential", "nature_reserve", "forest", "water", "wetland", "cemetery"}
    assert names | {"military", "building"} <= set(order)
    # every rule has a source or says it is an assumption, and a buffer per facility
    for r in LANDUSE_RULES:
        assert r.source
        assert set(r.buffers_m) == set(Facility)
    assert RULES["residential"].buffers_m[WS] == 250.0  # T8, as the homes buffer
    assert RULES["nature_reserve"].buffers_m[WS] == 200.0  # T8 conservation sites
    assert RULES["water"].buffers_m[WS] == 10.0  # T8 watercourse


def test_reader_refuses_what_is_not_an_osm_extract(tmp_path: Path):
    with pytest.raises(LayerError, match="file not found"):
        read_landuse(tmp_path / "none.osm.pbf")
    bad = tmp_path / "plots.shp"
    bad.write_bytes(b"x")
    with pytest.raises(LayerError, match="not an OSM extract or a layer of OSM areas"):
        read_landuse(bad)
    broken = tmp_path / "plots.gpkg"  # a layer of OSM areas by its name, but not readable
    broken.write_bytes(b"x")
    with pytest.raises(LayerError, match=r"(?s)plots\.gpkg: cannot be read"):
        read_landuse(broken)


def test_jerusalem_areas_per_rule(landuse: gpd.GeoDataFrame):
    assert landuse.crs == METRIC_CRS
    summary = landuse_summary(landuse).set_index("kind")
    # the 2016 extract maps these rules (it has no wetland)
    for kind in (
        "residential",
        "sensitive",
        "nature_reserve",
        "park",
        "forest",
        "water",
        "cemetery",
        "military",
        "building",
    ):
        assert summary.loc[kind, "n_areas"] > 0, kind
    assert summary.loc["building", "n_areas"] > 20_000
    assert landuse.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    assert landuse["reason"].str.match(r"^on .+ \(OSM [a-z_:]+=.+\)$").all()
    assert (landuse["buffer_m"] >= landuse[f"buffer_m_{WS.value}"]).all()


def test_share_of_a_grid_each_rule_removes(landuse: gpd.GeoDataFrame, grid: gpd.GeoDataFrame):
    """Each rule on its own, through the site search's test, against a plain spatial join."""
    centres = gpd.GeoDataFrame(geometry=grid.centroid, crs=METRIC_CRS)
    shares = {}
    for kind, part in landuse.groupby("kind"):
        reasons = exclusion_reasons(grid, part, WS)
        hit = reasons != ""
        # independent: cell centres within the rule's buffer of one of its areas
        buf = float(RULES[str(kind)].buffers_m[WS])
        zone = part.set_geometry(part.buffer(buf) if buf > 0 else part.geometry)
        joined = gpd.sjoin(centres, zone[["geometry"]], predicate="intersects")
        expected = np.zeros(len(grid), dtype=bool)
        expected[np.unique(joined.index.to_numpy())] = True
        assert (hit.to_numpy() == expected).all(), kind
        assert reasons[hit].str.startswith("on ").all()
        shares[str(kind)] = float(hit.mean())
    # every mapped rule removes some of the city, none the whole of it
    assert all(0 < s < 0.9 for s in shares.values()), shares
    # buildings and homes' 250 m buffers remove far more than cemeteries and water
    assert shares["residential"] > shares["cemetery"] > 0
    assert shares["building"] > shares["water"]
    # all rules together, first rule wins: at least the largest single rule
    together = exclusion_reasons(grid, landuse, WS) != ""
    assert together.mean() >= max(shares.values())


@pytest.mark.parametrize(
    ("place", "lon", "lat", "reason"),
    [
        # Har HaMenuchot, Jerusalem's largest cemetery, at the city's western entrance
        ("Har HaMenuchot", 35.1786, 31.7980, "on a cemetery (OSM landuse=cemetery)"),
        # Sacher Park, between the Knesset and Nahlaot
        ("Sacher Park", 35.2075, 31.7800, "on a park (OSM leisure=park)"),
    ],
)
def test_known_places_are_excluded_with_their_reason(landuse, place, lon, lat, reason):
    cell = _point(lon, lat)
    assert exclusion_reasons(cell, landuse, WS).iloc[0] == reason, place


def test_user_exclusions_keep_working_beside_land_use(landuse: gpd.GeoDataFrame):
    cemetery = _point(35.1786, 31.7980)
    user_zone = _point(35.2300, 31.8400)  # a user's own polygon somewhere else
    user = gpd.GeoDataFrame(
        {"kind": ["planned road"], "buffer_m": [0.0]}, geometry=user_zone.geometry, crs=METRIC_CRS
    )
    both = pd.concat([user, landuse], ignore_index=True)
    cells = pd.concat([cemetery, user_zone], ignore_index=True).assign(id=["a", "b"])
    reasons = exclusion_reasons(gpd.GeoDataFrame(cells, crs=METRIC_CRS), both, WS)
    assert reasons.tolist() == [
        "on a cemetery (OSM landuse=cemetery)",
        "inside exclusion 'planned road'",
    ]


def test_scenario_reads_land_use_from_the_candidates_section(jerusalem: Path, tmp_path: Path):
    from siting.decide.config import load_and_build

    text = (
        'name = "t"\n[region]\nembedded = "mishor-hahof"\n'
        f'[candidates]\nlanduse = "{jerusalem.as_posix()}"\nallow_land_of = ["Megiddo"]\n'
    )
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    _, scenario = load_and_build(path)
    assert str(jerusalem) in scenario.inputs
    # Jerusalem is nowhere near Mishor HaHof: the extract is read, none of it applies
    assert scenario.exclusions is not None
    assert len(scenario.exclusions) == 0
    assert scenario.region.extra["allow_land_of"] == (13,)
    path.write_text(text.replace(f'"{jerusalem.as_posix()}"', "true"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="needs \\[costs\\] model = 'network'"):
        load_and_build(path)
