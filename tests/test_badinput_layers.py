"""Bad input layers: candidate plots, exclusions and region files (authorities, localities).

Each case writes a small layer into the sandbox, points a scenario at it and asserts that
``siting run`` refuses it with exit 1 and one message naming the layer, the row and the
field (or the file), with no traceback and nothing new on disk.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from tests.test_badinput import BASE, assert_refused, make_sandbox, siting, snapshot

# writing the broken layers makes GDAL warn (no CRS, an infinite value): that is the point
pytestmark = pytest.mark.filterwarnings(
    "ignore:'crs' was not provided:UserWarning", "ignore:NaN of Infinity:RuntimeWarning"
)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return make_sandbox(tmp_path, monkeypatch)


# three plots near Binyamina, Kafr Qara and Zikhron Ya'akov (ITM metres)
PLOTS_XY = [(196_500.0, 717_000.0), (204_500.0, 711_000.0), (198_000.0, 723_000.0)]


def plots(**changes: Any) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {
            "id": ["P1", "P2", "P3"],
            "name": ["north", "east", "south"],
            "area_m2": [30_000.0, 25_000.0, 40_000.0],
            "facilities": ["waste_station;truck_lot"] * 3,
        },
        geometry=[Point(x, y).buffer(100) for x, y in PLOTS_XY],
        crs=2039,
    )
    for col, values in changes.items():
        if col == "crs":
            gdf = gdf.set_crs(values, allow_override=True)
        else:
            gdf[col] = values
    return gdf


def _write(gdf: gpd.GeoDataFrame, path: Path) -> None:
    if path.suffix == ".geojson":
        gdf.to_file(path, driver="GeoJSON")
    else:
        gdf.to_file(path, driver="GPKG")


CANDIDATE_CASES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("duplicate-id", plots(id=["P1", "P1", "P3"]), ("candidates", "row P1", "'id'", "duplicate")),
    ("negative-area", plots(area_m2=[30_000, -5, 1]), ("row P2", "'area_m2'", "negative")),
    ("text-area", plots(area_m2=["big", "1", "2"]), ("row P1", "'area_m2'", "not a number")),
    ("inf-area", plots(area_m2=[np.inf, 1.0, 2.0]), ("row P1", "'area_m2'")),  # GeoJSON: null
    ("missing-area", plots(area_m2=[np.nan, 1.0, 2.0]), ("row P1", "'area_m2'", "missing")),
    (
        "line-geometry",
        plots(geometry=[LineString([(196_000, 717_000), (197_000, 718_000)])] * 3),
        ("row P1", "'geometry'", "LineString"),
    ),
    (
        "bowtie-polygon",
        plots(
            geometry=[Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])] + [box(1, 1, 2, 2)] * 2,
        ),
        ("row P1", "'geometry'", "invalid"),
    ),
    (
        "itm-labelled-4326",
        plots(crs=4326),
        ("candidates", "row P1", "'geometry'", "not degrees", "EPSG:2039"),
    ),
    (
        "lonlat-labelled-2039",
        gpd.GeoDataFrame(
            {"id": ["P1"], "name": ["x"], "area_m2": [1e5], "facilities": ["waste_station"]},
            geometry=[Point(34.95, 32.5).buffer(0.001)],
            crs=2039,
        ),
        ("candidates", "row P1", "'geometry'", "outside Israel"),
    ),
    (
        "325-km-away",
        plots(
            geometry=[Point(200_000, 400_000).buffer(100)] + [Point(PLOTS_XY[1]).buffer(100)] * 2
        ),
        ("candidates", "row P1", "'geometry'", "km from every member locality"),
    ),
    (
        "facility-unknown",
        plots(facilities=["spaceport", "waste_station", "truck_lot"]),
        ("candidates", "row P1", "facilities", "spaceport"),
    ),
    ("empty-layer", plots().iloc[0:0], ("candidates", "no rows")),
]


@pytest.mark.parametrize(
    ("gdf", "needles"), [pytest.param(g, n, id=i) for i, g, n in CANDIDATE_CASES]
)
@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_bad_candidate_layer(capsys, sandbox, gdf, needles, suffix):
    if suffix == ".geojson" and gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.copy()  # GeoJSON writes the CRS it is given (GDAL keeps a non-4326 crs)
    _write(gdf, sandbox / f"plots{suffix}")
    (sandbox / "bad.toml").write_text(
        BASE + f'[candidates]\nsource = "file"\nfile = "plots{suffix}"\n', encoding="utf-8"
    )
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "bad.toml", "--out", "out", "-q")
    assert_refused(r, *needles, before=before, root=sandbox.parent)
    assert "plots" in r.err or "bad.toml" in r.err  # the file is named


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        pytest.param(b"not a geopackage at all", ("candidates", "cannot read"), id="garbage"),
        pytest.param(b"", ("candidates", "cannot read"), id="empty-file"),
        pytest.param(b'{"type": "FeatureCollection", "features": [', ("cannot read",), id="cut"),
        pytest.param(
            b'{"type": "FeatureCollection", "features": []}', ("candidates",), id="no-features"
        ),
    ],
)
def test_unreadable_candidate_file(capsys, sandbox, content, needles):
    (sandbox / "plots.geojson").write_bytes(content)
    (sandbox / "bad.toml").write_text(
        BASE + '[candidates]\nsource = "file"\nfile = "plots.geojson"\n', encoding="utf-8"
    )
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "bad.toml", "--out", "out", "-q")
    assert_refused(r, *needles, before=before, root=sandbox.parent)


def test_candidate_path_is_a_folder(capsys, sandbox):
    (sandbox / "plots.geojson").mkdir()
    (sandbox / "bad.toml").write_text(
        BASE + '[candidates]\nsource = "file"\nfile = "plots.geojson"\n', encoding="utf-8"
    )
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "bad.toml", "--out", "out", "-q")
    assert_refused(r, "candidates", "plots.geojson", before=before, root=sandbox.parent)


def reserve(**changes: Any) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {"kind": ["nature reserve"], "buffer_m": [0.0]},
        geometry=[box(196_000, 716_000, 197_000, 717_000)],
        crs=2039,
    )
    for col, values in changes.items():
        if col == "crs" and values is None:
            gdf = gpd.GeoDataFrame(gdf.drop(columns="geometry"), geometry=list(gdf.geometry))
        elif col == "crs":
            gdf = gdf.set_crs(values, allow_override=True)
        elif col == "drop":
            gdf = gdf.drop(columns=values)
        else:
            gdf[col] = values
    return gdf


EXCLUSION_CASES: list[tuple[str, Any, tuple[str, ...]]] = [
    ("negative-buffer", reserve(buffer_m=[-50.0]), ("exclusions", "'buffer_m'", "negative")),
    ("text-buffer", reserve(buffer_m=["wide"]), ("exclusions", "'buffer_m'", "not a number")),
    ("missing-buffer-column", reserve(drop=["buffer_m"]), ("exclusions", "'buffer_m'", "missing")),
    (
        "point-geometry",
        reserve(geometry=[Point(196_500, 716_500)]),
        ("exclusions", "'geometry'", "Point"),
    ),
    ("itm-labelled-4326", reserve(crs=4326), ("exclusions", "'geometry'", "not degrees")),
    ("no-crs", reserve(crs=None), ("exclusions", "no CRS")),
    (
        "lonlat-labelled-2039",
        reserve(geometry=[box(34.9, 32.5, 34.95, 32.55)]),
        ("exclusions",),
    ),
]


@pytest.mark.parametrize(
    ("gdf", "needles"), [pytest.param(g, n, id=i) for i, g, n in EXCLUSION_CASES]
)
def test_bad_exclusion_layer(capsys, sandbox, gdf, needles):
    _write(gdf, sandbox / "reserve.gpkg")
    (sandbox / "bad.toml").write_text(
        BASE + '[candidates]\nexclusions = ["reserve.gpkg"]\n', encoding="utf-8"
    )
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "bad.toml", "--out", "out", "-q")
    assert_refused(r, *needles, "reserve.gpkg", before=before, root=sandbox.parent)


def _authorities(**changes: Any) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {
            "id": [1, 2],
            "name_he": ["צפון", "דרום"],
            "name_en": ["North", "South"],
            "population": [20_000.0, 10_000.0],
            "msw_kg_per_capita_day": [1.7, 1.5],
            "member": [True, True],
        },
        geometry=[box(190_000, 715_000, 200_000, 725_000), box(190_000, 705_000, 200_000, 715_000)],
        crs=2039,
    )
    for col, values in changes.items():
        if col == "crs":
            gdf = gdf.set_crs(values, allow_override=True)
        else:
            gdf[col] = values
    return gdf


def _localities(**changes: Any) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(
        {
            "id": [11, 12, 21],
            "name": ["a", "b", "c"],
            "authority_id": [1, 1, 2],
            "population": [12_000.0, 8_000.0, 10_000.0],
        },
        geometry=[Point(195_000, 720_000), Point(192_000, 717_000), Point(195_000, 710_000)],
        crs=2039,
    )
    for col, values in changes.items():
        if col == "crs":
            gdf = gdf.set_crs(values, allow_override=True)
        else:
            gdf[col] = values
    return gdf


REGION_CASES: list[tuple[str, Any, Any, tuple[str, ...]]] = [
    (
        "negative-population",
        _authorities(population=[-5.0, 10.0]),
        _localities(),
        ("authorities", "row 1", "'population'", "negative"),
    ),
    (
        "member-not-boolean",
        _authorities(member=["perhaps", "yes"]),
        _localities(),
        ("authorities", "row 1", "'member'", "perhaps"),
    ),
    (
        "kg-zero",
        _authorities(msw_kg_per_capita_day=[0.0, 1.5]),
        _localities(),
        ("authorities", "row 1", "'msw_kg_per_capita_day'"),
    ),
    (
        "locality-unknown-authority",
        _authorities(),
        _localities(authority_id=[1, 1, 7]),
        ("localities", "row 21", "'authority_id'", "7"),
    ),
    (
        "locality-outside-authorities",
        _authorities(),
        _localities(
            geometry=[Point(195_000, 720_000), Point(192_000, 717_000), Point(250_000, 700_000)]
        ),
        ("localities", "row 21", "'geometry'", "outside every authority"),
    ),
    (
        "locality-polygon",
        _authorities(),
        _localities(geometry=[box(194_000, 719_000, 195_000, 720_000)] * 3),
        ("localities", "row 11", "'geometry'", "Polygon"),
    ),
    (
        "localities-itm-labelled-4326",
        _authorities(),
        _localities(crs=4326),
        ("localities", "row 11", "'geometry'", "not degrees"),
    ),
    (
        "authorities-itm-labelled-4326",
        _authorities(crs=4326),
        _localities(),
        ("authorities", "row 1", "'geometry'", "not degrees"),
    ),
    (
        "locality-population-text",
        _authorities(),
        _localities(population=["many", "1", "2"]),
        ("localities", "row 11", "'population'", "not a number"),
    ),
    (
        "duplicate-locality",
        _authorities(),
        _localities(id=[11, 11, 21]),
        ("localities", "row 11", "'id'", "duplicate"),
    ),
    (
        "zero-demand",
        _authorities(population=[0.0, 0.0]),
        _localities(population=[0.0, 0.0, 0.0]),
        ("bad.toml", "total waste is 0 t/day", "population"),
    ),
]


@pytest.mark.parametrize(
    ("auth", "loc", "needles"), [pytest.param(a, lo, n, id=i) for i, a, lo, n in REGION_CASES]
)
def test_bad_region_layers(capsys, sandbox, auth, loc, needles):
    _write(auth, sandbox / "authorities.gpkg")
    _write(loc, sandbox / "localities.gpkg")
    (sandbox / "bad.toml").write_text(
        'name = "bad"\n[region]\nauthorities = "authorities.gpkg"\n'
        'localities = "localities.gpkg"\n[candidates]\ncell_m = 2000\n',
        encoding="utf-8",
    )
    before = snapshot(sandbox.parent)
    r = siting(capsys, "run", "bad.toml", "--out", "out", "-q")
    assert_refused(r, *needles, before=before, root=sandbox.parent)
