"""Validation of the four layer kinds: each bad-input case names layer, row and field."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from siting.errors import LayerError
from siting.layers import (
    Region,
    read_layer,
    validate_authorities,
    validate_candidates,
    validate_exclusions,
    validate_localities,
)


def _auth(**over):
    data = {
        "id": [1, 2],
        "name_he": ["א", "ב"],
        "name_en": ["A", "B"],
        "population": [1000, 2000],
        "msw_kg_per_capita_day": [1.5, None],
        "member": [True, "false"],
    }
    data.update(over)
    return gpd.GeoDataFrame(data, geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=2039)


def _loc(geoms=None, **over):
    data = {"id": [11, 12], "name": ["x", "y"], "authority_id": [1, 2], "population": [10, 20]}
    data.update(over)
    return gpd.GeoDataFrame(data, geometry=geoms or [Point(5, 5), Point(15, 5)], crs=2039)


def _problems(excinfo) -> str:
    return str(excinfo.value)


def test_valid_layers_pass_and_are_coerced():
    a = validate_authorities(_auth())
    assert a["member"].tolist() == [True, False]
    assert a["population"].dtype == float
    loc = validate_localities(_loc(), a)
    assert len(loc) == 2


def test_missing_crs():
    g = _auth().set_crs(None, allow_override=True)
    with pytest.raises(LayerError, match=r"(?s)layer 'authorities'.*no CRS"):
        validate_authorities(g)


def test_wrong_geometry_type_names_row_and_field():
    with pytest.raises(LayerError) as ei:
        validate_localities(_loc(geoms=[Point(5, 5), LineString([(0, 0), (1, 1)])]))
    assert "row 12 (index 1), field 'geometry': LineString, expected Point" in _problems(ei)


def test_invalid_and_empty_geometry():
    bowtie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    g = _auth()
    g.loc[0, "geometry"] = bowtie
    g.loc[1, "geometry"] = Polygon()
    with pytest.raises(LayerError) as ei:
        validate_authorities(g)
    msg = _problems(ei)
    assert "row 1 (index 0), field 'geometry': invalid (Self-intersection" in msg
    assert "row 2 (index 1), field 'geometry': empty or missing geometry" in msg


def test_missing_column():
    with pytest.raises(LayerError, match=r"field 'population': missing column"):
        validate_localities(_loc().drop(columns="population"))


def test_non_numeric_value_names_the_value():
    with pytest.raises(LayerError) as ei:
        validate_localities(_loc(population=[10, "many"]))
    assert "row 12 (index 1), field 'population': not a number 'many'" in _problems(ei)


def test_negative_population():
    with pytest.raises(LayerError, match=r"row 2 \(index 1\), field 'population': negative"):
        validate_authorities(_auth(population=[5, -1]))


def test_duplicate_id():
    with pytest.raises(LayerError, match=r"row 11 \(index 1\), field 'id': duplicate id 11"):
        validate_localities(_loc(id=[11, 11]))


def test_locality_outside_every_authority():
    a = validate_authorities(_auth())
    with pytest.raises(LayerError) as ei:
        validate_localities(_loc(geoms=[Point(5, 5), Point(500, 500)]), a)
    assert "row 12 (index 1), field 'geometry': point lies outside every authority" in _problems(ei)


def test_locality_with_unknown_authority():
    a = validate_authorities(_auth())
    with pytest.raises(LayerError, match=r"field 'authority_id': 7 is not an authority"):
        validate_localities(_loc(authority_id=[1, 7]), a)


def test_every_problem_reported_at_once():
    with pytest.raises(LayerError) as ei:
        validate_localities(_loc(id=[11, 11], population=[-1, "x"]))
    assert len(ei.value.problems) == 3


def test_bad_waste_rate_and_member_flag():
    with pytest.raises(LayerError) as ei:
        validate_authorities(_auth(msw_kg_per_capita_day=[0, 1.2], member=["maybe", True]))
    msg = _problems(ei)
    assert "field 'msw_kg_per_capita_day': must be > 0 or empty, got 0" in msg
    assert "field 'member': not a boolean 'maybe'" in msg


def test_candidates_facilities_parsed_and_checked():
    g = gpd.GeoDataFrame(
        {
            "id": ["a", "b"],
            "name": ["A", "B"],
            "area_m2": [3e4, 1e4],
            "facilities": ["truck_lot, waste_station", ""],
        },
        geometry=[box(0, 0, 1, 1), Point(3, 3)],
        crs=2039,
    )
    out = validate_candidates(g)
    assert out["facilities"].tolist() == ["truck_lot;waste_station", "truck_lot;waste_station"]
    g.loc[1, "facilities"] = "landfill"
    with pytest.raises(
        LayerError,
        match=r"row b \(index 1\), field 'facilities': unknown "
        r"facility 'landfill'; valid: waste_station, truck_lot",
    ):
        validate_candidates(g)


def test_exclusions_need_polygons_and_buffer():
    g = gpd.GeoDataFrame(
        {"kind": ["reserve"], "buffer_m": [-5]}, geometry=[box(0, 0, 1, 1)], crs=2039
    )
    with pytest.raises(LayerError, match=r"field 'buffer_m': negative value -5"):
        validate_exclusions(g)


def test_read_layer_from_file(tmp_path):
    path = tmp_path / "loc.geojson"
    _loc(population=[10, -3]).to_crs(4326).to_file(path)
    with pytest.raises(LayerError, match="negative value"):
        read_layer(path, "localities")
    with pytest.raises(LayerError, match="file not found"):
        read_layer(tmp_path / "nope.gpkg", "localities")


def test_region_membership():
    r = Region(name="t", authorities=_auth(), localities=_loc()).validated()
    assert r.members["id"].tolist() == [1]
    assert r.member_localities()["id"].tolist() == [11]
    r2 = r.with_members([2])
    assert r2.member_localities()["id"].tolist() == [11, 12]
    with pytest.raises(LayerError, match="unknown authority"):
        r.with_members([99])
