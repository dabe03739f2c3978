"""Readers of the official Israeli files (siting.sources) on the real data in ../shared.

Each big file is read once per module (fixtures below); region builds reuse the
readers' cache, so the whole file runs in a few seconds.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Polygon

import siting.sources.cbs
import siting.sources.download
import siting.sources.moin
import siting.sources.region
from siting.errors import LayerError, SitingError
from siting.sources import (
    CLUSTERS,
    OFFICIAL_FILES,
    authority_id,
    cluster_name,
    decode_cbs_coordinates,
    join_authority_stats,
    list_clusters,
    read_cbs_authority_stats,
    read_cbs_localities,
    read_moin_authorities,
    region_from_cluster,
)
from tests.conftest import require_shared

MISHOR = "אשכול רשויות מישור החוף"
MISHOR_MEMBERS = {14, 15, 45, 537, 541, 654, 2710, 7800, 9300, 9800}
MISHOR_NEIGHBOURS = {
    1020: "Or Akiva",
    628: "Jatt",
    6500: "Hadera",
    1327: "Ma'ale Iron",
    6000: "Baqa al-Gharbiyye",
}
# members whose figures cannot come from the CBS 2021 workbook: Migdal Tefen is an
# industrial local council (no residents), not listed by CBS
NOT_IN_CBS_WORKBOOK = {1722}


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def israel() -> Path:
    return require_shared("israel")


@pytest.fixture(scope="module")
def moin(israel: Path) -> gpd.GeoDataFrame:
    return read_moin_authorities(israel / "authorities_moin_2025.gpkg")


@pytest.fixture(scope="module")
def stats(israel: Path) -> pd.DataFrame:
    return read_cbs_authority_stats(israel / "cbs_local_authorities_2021.xlsx")


@pytest.fixture(scope="module")
def loc_csv(israel: Path) -> gpd.GeoDataFrame:
    return read_cbs_localities(israel / "localities_cbs_2021.csv")


@pytest.fixture(scope="module")
def loc_xlsx(israel: Path) -> gpd.GeoDataFrame:
    return read_cbs_localities(israel / "cbs_localities_2021.xlsx")


@pytest.fixture(scope="module")
def mishor(israel: Path):
    return region_from_cluster(MISHOR, data_dir=israel, neighbours=sorted(MISHOR_NEIGHBOURS))


@pytest.fixture(scope="module")
def mishor_stats(israel: Path) -> pd.DataFrame:
    df = pd.read_csv(israel / "mishor_hahof_authority_stats_cbs_2021.csv", dtype={"cbs_code": str})
    df["cbs_code"] = df["cbs_code"].astype(int)  # zero-padded text: compare as integers
    return df.set_index("cbs_code")


# --------------------------------------------------------------------------- offline


def test_doctests_of_readers_run() -> None:
    for module in (
        siting.sources.cbs,
        siting.sources.moin,
        siting.sources.region,
        siting.sources.download,
    ):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__


def test_authority_id_rule_and_coordinate_decoding() -> None:
    assert authority_id(14, regional=True) == 14
    assert authority_id(28, regional=True) == 5528  # Brenner; 28 is also Mazkeret Batya
    assert authority_id(28, regional=False) == 28
    assert decode_cbs_coordinates(2105263481) == (210520, 634810)
    with pytest.raises(ValueError, match="ten-digit"):
        decode_cbs_coordinates(12345)


def test_cluster_names_and_aliases() -> None:
    assert len(CLUSTERS) == 11
    assert cluster_name("mishor-hahof") == MISHOR
    assert cluster_name("Mishor HaHof") == MISHOR
    assert cluster_name("מישור החוף") == MISHOR
    assert cluster_name(MISHOR) == MISHOR
    assert cluster_name("western_galilee") == "אשכול רשויות גליל מערבי"
    with pytest.raises(SitingError, match=r"unknown cluster 'atlantis'.*mishor-hahof"):
        cluster_name("atlantis")


def test_download_table_names_the_sources() -> None:
    # never downloads: only the URLs are checked
    urls = {name: f.url() for name, f in OFFICIAL_FILES.items()}
    assert urls["cbs_local_authorities_2021.xlsx"].endswith(
        "matanhakim/il.cbs.muni/HEAD/inst/extdata/p_libud_2021.xlsx"
    )
    assert "arikw/israeli-localities" in urls["localities_cbs_2021.csv"]
    assert "tzagim/geojson-israel" in urls["all_municipalities.geojson"]
    assert all(u.startswith("https://raw.githubusercontent.com/") for u in urls.values())


def _write_stats_workbook(path: Path, *, with_msw: bool = True) -> None:
    """A tiny workbook shaped like CBS p_libud: title rows, header in row 3, data from row 5."""
    book = openpyxl.Workbook()
    book.active.title = "תוכן עניינים"
    sheet = book.create_sheet("נתונים פיזיים ונתוני אוכלוסייה ")  # trailing space, as CBS
    headers = [
        'סה"כ  אוכלוסייה בסוף השנה',  # columns deliberately out of the CBS order
        "שם  הרשות",
        "סמל הרשות",
        "מחוז ",
        "מעמד מוניציפלי",
        "שנת קבלת מעמד מוניציפלי  ",
        'כלי רכב מנועיים\nסה"כ',
        'כלי רכב פרטיים\nסה"כ',
        "אחוז מחזור מתוך פסולת מוצקה ביתית, מסחרית וגזם",
    ]
    if with_msw:
        headers.append('פסולת מוצקה ביתית, מסחרית וגזם\n(ק"ג ליום לנפש)')
    sheet.append([None, "רשויות מקומיות 2021"])
    sheet.append([None, "כללי"])
    sheet.append(["שנת עדכון: 2021"])
    sheet.append(headers)
    sheet.append([None] * len(headers))
    rows = [
        [15315, "ג'סר א-זרקא", "0541", "חיפה", "מועצה מקומית", "1992", 3712, 3296, 27.9, 1.47],
        [21820, "מנשה", "14", "חיפה", "מועצה אזורית", "1950", 9199, 7944, "..", "-"],
        [8046, "ברנר", "28", "המרכז", "מועצה אזורית", "1950", 1, 1, 1.0, 2.0],
        [15424, "מזכרת בתיה", "0028", "המרכז", "מועצה מקומית", "1950", 1, 1, 1.0, 2.0],
    ]
    for row in rows:
        sheet.append(row[: len(headers)])
    book.save(path)


def test_stats_reader_finds_columns_by_header_text(tmp_path: Path) -> None:
    path = tmp_path / "p_libud.xlsx"
    _write_stats_workbook(path)
    stats = read_cbs_authority_stats(path).set_index("id")
    assert list(stats.index) == [541, 14, 5528, 28]
    assert stats.loc[541, "cbs_code"] == 541  # "0541" compared as an integer
    assert stats.loc[541, "population"] == 15315
    assert stats.loc[541, "msw_kg_per_capita_day"] == pytest.approx(1.47)
    assert np.isnan(stats.loc[14, "msw_kg_per_capita_day"])  # "-" → NaN
    assert np.isnan(stats.loc[14, "msw_recycling_pct"])  # ".." → NaN
    assert stats.loc[5528, "cbs_code"] == 28
    assert stats.loc[5528, "kind"] == "regional_council"
    assert stats.loc[28, "name_he"] == "מזכרת בתיה"


def test_stats_reader_names_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "p_libud.xlsx"
    _write_stats_workbook(path, with_msw=False)
    with pytest.raises(LayerError, match=r"p_libud\.xlsx.*field 'msw_kg_per_capita_day'"):
        read_cbs_authority_stats(path)


def test_readers_name_a_missing_file(tmp_path: Path) -> None:
    for reader in (read_moin_authorities, read_cbs_localities, read_cbs_authority_stats):
        with pytest.raises(LayerError, match=r"file not found: .*nope"):
            reader(tmp_path / "nope.gpkg")


def test_region_names_missing_files_and_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(SitingError) as info:
        region_from_cluster("mishor-hahof", data_dir=tmp_path)
    message = str(info.value)
    assert str(tmp_path / "authorities_moin_2025.gpkg") in message
    assert "download_official_data" in message


def test_moin_reader_names_a_missing_field(tmp_path: Path) -> None:
    square = Polygon([(35.0, 32.5), (35.01, 32.5), (35.01, 32.51), (35.0, 32.51)])
    gdf = gpd.GeoDataFrame(
        {
            "Muni_Heb": ["מנשה"],
            "Muni_Eng": ["Menashe"],
            "Sug_Muni": ["מועצה אזורית"],
            "CR_LAMAS": [""],
            "Eshkol_MPn": [MISHOR],
        },
        geometry=[square],
        crs=4326,
    )
    path = tmp_path / "no_code.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(LayerError, match=r"no_code\.geojson: field 'CR_PNIM': missing column"):
        read_moin_authorities(path)
    gdf["CR_PNIM"] = "5514"
    gdf.to_file(path, driver="GeoJSON")
    out = read_moin_authorities(path)  # and with it, the CBS code is derived
    expected = [14, 14, 5514, "regional_council"]
    assert out.loc[0, ["id", "cbs_code", "moin_code", "kind"]].tolist() == expected


def test_localities_csv_reader_names_a_missing_field(tmp_path: Path, israel: Path) -> None:
    raw = pd.read_csv(israel / "localities_cbs_2021.csv", encoding="utf-8-sig", nrows=5)
    path = tmp_path / "localities.csv"
    raw.drop(columns=["population"]).to_csv(path, index=False)
    with pytest.raises(LayerError, match=r"localities\.csv: field 'population': missing column"):
        read_cbs_localities(path)


# --------------------------------------------------------------------------- MOIN layer


def test_moin_authorities(moin: gpd.GeoDataFrame) -> None:
    assert moin.crs.to_epsg() == 4326
    assert set(moin.geom_type) == {"MultiPolygon"}
    assert moin["id"].is_unique
    assert not moin["name_he"].str.startswith("ללא שיפוט").any()  # no-jurisdiction areas dropped
    # 282 features − 48 "ללא שיפוט" − Drom HaSharon's stray 9959 piece merged into 20
    assert len(moin) == 233
    drom = moin[moin["name_he"] == "דרום השרון"]
    assert drom[["id", "moin_code"]].to_numpy().tolist() == [[20, 5520]]
    rc = moin.set_index("name_en")
    for name, code in {"Menashe": 14, "Hof Hacarmel": 15, "Alona": 45}.items():
        assert rc.loc[name, "id"] == code
        assert rc.loc[name, "moin_code"] == 5500 + code
        assert rc.loc[name, "kind"] == "regional_council"
    assert sorted(c for c in moin["cluster"].unique() if c) == sorted(CLUSTERS.values())


def test_undissolved_layer_dissolves_to_the_same_authorities(
    israel: Path, moin: gpd.GeoDataFrame
) -> None:
    raw = gpd.read_file(israel / "local_committees_moin_2025.gpkg")
    undissolved = read_moin_authorities(israel / "local_committees_moin_2025.gpkg")
    assert len(raw) > 3 * len(undissolved)  # really dissolved (1,656 features)
    assert set(undissolved["id"]) == set(moin["id"])
    a = moin[moin["cluster"] == MISHOR].set_index("id")
    b = undissolved[undissolved["cluster"] == MISHOR].set_index("id")
    assert sorted(a.index) == sorted(b.index) == sorted(MISHOR_MEMBERS)
    area_a = a.geometry.to_crs(2039).area
    area_b = b.geometry.to_crs(2039).area.reindex(area_a.index)
    assert ((area_b / area_a - 1).abs() < 0.005).all()
    cols = ["cbs_code", "moin_code", "name_he", "name_en", "kind", "cluster"]
    pd.testing.assert_frame_equal(a[cols].sort_index(), b[cols].sort_index())


def test_derived_geojson_subset_agrees(israel: Path) -> None:
    path = israel / "mishor_hahof_authorities_moin_2025.geojson"
    sub = read_moin_authorities(path).set_index("id")
    ref = gpd.read_file(path)
    ref = ref.set_index(ref["cbs_authority_code"].astype(int))
    assert set(sub.index) == set(ref.index) == MISHOR_MEMBERS | set(MISHOR_NEIGHBOURS)
    assert set(ref.index[ref["role"] == "core"]) == set(sub.index[sub["cluster"] == MISHOR])
    km2 = (sub.geometry.to_crs(2039).area / 1e6).sort_index()
    assert np.allclose(km2, ref["area_km2"].sort_index(), rtol=0.02)


# --------------------------------------------------------------------------- CBS tables


def test_stats_workbook(stats: pd.DataFrame, mishor_stats: pd.DataFrame) -> None:
    assert stats["id"].is_unique
    assert len(stats) == 255
    by_id = stats.set_index("id")
    # the six regional councils whose CBS number is also a local council's
    for code in (26, 28, 29, 31, 41, 65):
        assert by_id.loc[5500 + code, "kind"] == "regional_council"
        assert by_id.loc[5500 + code, "cbs_code"] == code
        assert by_id.loc[code, "kind"] != "regional_council"
    for code, row in mishor_stats.iterrows():
        ours = by_id.loc[code]
        assert ours["population"] == row["population_end_2021"]
        assert ours["msw_kg_per_capita_day"] == pytest.approx(row["msw_kg_per_capita_per_day"])
        assert ours["msw_recycling_pct"] == pytest.approx(row["msw_recycling_pct"])
        assert ours["motor_vehicles"] == row["motor_vehicles_total"]
        assert ours["private_cars"] == row["private_cars_total"]


def test_localities_csv(loc_csv: gpd.GeoDataFrame) -> None:
    assert len(loc_csv) == 1228
    assert loc_csv["id"].is_unique
    assert loc_csv.crs.to_epsg() == 4326
    assert set(loc_csv.geom_type) == {"Point"}
    assert str(loc_csv["authority_id"].dtype) == "Int64"
    by_id = loc_csv.set_index("id")
    assert by_id.loc[2710, "authority_id"] == 2710  # Umm al-Fahm: city, own code
    assert by_id.loc[213, "authority_id"] == 14  # Mishmarot: Menashe regional council
    # no municipal status ("חסר מעמד מוניציפלי") → NA
    assert by_id["authority_id"].isna().sum() == 4
    assert pd.isna(by_id.loc[926, "authority_id"])
    # blank population → 0, flagged
    assert (~loc_csv["population_reported"]).sum() == 9
    assert (loc_csv.loc[~loc_csv["population_reported"], "population"] == 0).all()


def test_locality_authority_codes_match_the_authority_list(
    loc_csv: gpd.GeoDataFrame, stats: pd.DataFrame
) -> None:
    """Every derived authority code is a CBS authority, and its localities add up to it."""
    aid = loc_csv["authority_id"].dropna().astype(int)
    assert set(aid) <= set(stats["id"])
    assert set(stats["id"]) <= set(aid)  # every authority has localities
    sums = loc_csv.groupby(loc_csv["authority_id"].astype("Int64"))["population"].sum()
    ratio = sums.reindex(stats["id"]).to_numpy() / stats["population"].to_numpy()
    # regional councils also count residents outside their localities; never more
    assert (ratio <= 1.001).all()
    assert (ratio > 0.9).mean() > 0.98


def test_localities_csv_and_xlsx_agree(
    israel: Path, loc_csv: gpd.GeoDataFrame, loc_xlsx: gpd.GeoDataFrame
) -> None:
    assert list(loc_xlsx.columns) == list(loc_csv.columns)
    assert set(loc_csv["id"]) <= set(loc_xlsx["id"])
    x = loc_xlsx.set_index("id").loc[loc_csv["id"]]
    c = loc_csv.set_index("id")
    assert (x["name"] == c["name"]).all()
    assert (x["name_en"] == c["name_en"]).all()
    assert x["authority_id"].equals(c["authority_id"])
    assert np.array_equal(x["population"], c["population"])
    # WGS84: the CSV used the older Israel 1993 → WGS 84 (1) Helmert, pyproj uses (2): ~10 m
    dist = x.geometry.to_crs(2039).distance(c.geometry.to_crs(2039), align=False)
    assert dist.max() < 15
    # the decoded ITM coordinates are exactly the CSV's
    raw = pd.read_csv(israel / "localities_cbs_2021.csv", encoding="utf-8-sig").set_index("id")
    itm = x.geometry.to_crs(2039)
    assert np.allclose(itm.x, raw.loc[c.index, "coordinates_itm_east"], atol=0.01)
    assert np.allclose(itm.y, raw.loc[c.index, "coordinates_itm_north"], atol=0.01)
    # without the unpopulated rows both files hold the same localities
    populated = loc_xlsx[loc_xlsx["population_reported"]]
    assert set(populated["id"]) == set(loc_csv.loc[loc_csv["population_reported"], "id"])


# --------------------------------------------------------------------------- regions


def test_mishor_hahof_region(mishor, mishor_stats: pd.DataFrame) -> None:
    auth = mishor.authorities.set_index("id")
    assert mishor.name == MISHOR
    assert mishor.slug == "mishor-hahof"
    assert set(auth.index[auth["member"]]) == MISHOR_MEMBERS
    assert set(auth.index[~auth["member"]]) == set(MISHOR_NEIGHBOURS)
    assert (auth["population_source"] == "CBS Local Authorities 2021").all()
    assert auth["population"].notna().all()
    assert auth["msw_kg_per_capita_day"].notna().all()
    assert auth.loc[[14, 15, 45], "moin_code"].tolist() == [5514, 5515, 5545]
    assert auth.loc[[14, 15, 45], "name_he"].tolist() == ["מנשה", "חוף הכרמל", "אלונה"]
    cbs_total = mishor_stats.loc[sorted(MISHOR_MEMBERS), "population_end_2021"].sum()
    assert auth.loc[auth["member"], "population"].sum() == pytest.approx(cbs_total, rel=0.01)
    for code, row in mishor_stats.iterrows():
        assert auth.loc[code, "msw_kg_per_capita_day"] == pytest.approx(
            row["msw_kg_per_capita_per_day"]
        )
    assert set(mishor.authorities.geom_type) == {"MultiPolygon"}
    assert mishor.authorities.crs.to_epsg() == 4326
    assert any("tzagim/geojson-israel" in s for s in mishor.sources)
    assert any("p_libud_2021" in s for s in mishor.sources)


def test_mishor_hahof_localities(mishor) -> None:
    loc = mishor.localities.set_index("id")
    auth = mishor.authorities.set_index("id")
    aid = loc["authority_id"].astype(int)
    assert set(aid) == set(auth.index)  # every authority has localities, all in the region
    ratio = loc.groupby(aid)["population"].sum().reindex(auth.index) / auth["population"]
    assert ratio.between(0.9, 1.001).all()
    # Neve Avot has no municipal status in CBS 2021; it lies inside Pardes Hanna-Karkur
    assert aid[926] == 7800
    assert loc.loc[926, "authority_source"] == "location"
    assert any("926" in n and "by location" in n for n in mishor.notes)
    assert loc.loc[213, "name_en"] == "Mishmarot"
    assert aid[213] == 14


def test_neighbours_by_name_and_unknown(israel: Path) -> None:
    region = region_from_cluster(
        "mishor-hahof", data_dir=israel, neighbours=["Hadera", "אור עקיבא", "5514"]
    )
    auth = region.authorities.set_index("id")
    assert set(auth.index[~auth["member"]]) == {6500, 1020}  # 5514 = Menashe, a member
    with pytest.raises(SitingError, match="no authority named 'Atlantis'"):
        region_from_cluster("mishor-hahof", data_dir=israel, neighbours=["Atlantis"])


def test_data_dir_from_environment(israel: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITING_DATA_DIR", str(israel))
    region = region_from_cluster("mishor-hahof")
    assert region.extra["data_dir"] == str(israel)


@pytest.mark.parametrize("slug", sorted(CLUSTERS))
def test_every_cluster_builds_a_region(israel: Path, slug: str) -> None:
    region = region_from_cluster(slug, data_dir=israel)  # validated: raises on any problem
    members = region.members
    assert len(members) >= 8
    assert set(members["cluster"]) == {CLUSTERS[slug]}
    assert set(members.geom_type) == {"MultiPolygon"}
    assert members.is_valid.all()
    assert len(region.localities) > 20
    not_joined = members[members["population_source"] != "CBS Local Authorities 2021"]
    assert set(not_joined["id"]) <= NOT_IN_CBS_WORKBOOK
    for aid in not_joined["id"]:
        assert any(n.startswith(f"authority {aid} ") for n in region.notes)
    residential = members[~members["id"].isin(NOT_IN_CBS_WORKBOOK)]
    assert set(residential["id"]) <= set(region.localities["authority_id"].astype(int))


def test_id_clash_cluster_keeps_both_authorities(israel: Path) -> None:
    region = region_from_cluster("southern-sorek", data_dir=israel)
    auth = region.authorities.set_index("id")
    assert auth.loc[28, "name_he"] == "מזכרת בתיה"
    assert auth.loc[28, "kind"] == "local_council"
    assert auth.loc[5528, "name_he"] == "ברנר"
    assert auth.loc[5528, "cbs_code"] == 28
    loc = region.localities
    assert loc.loc[loc["id"] == 28, "authority_id"].astype(int).tolist() == [28]
    assert (loc.loc[loc["municipal_status"] == "מועצה אזורית ברנר", "authority_id"] == 5528).all()


def test_list_clusters(israel: Path) -> None:
    table = list_clusters(israel)
    assert list(table["slug"]) == sorted(CLUSTERS)
    row = table.set_index("slug").loc["mishor-hahof"]
    assert row["n_authorities"] == 10
    assert set(row["authority_ids"]) == MISHOR_MEMBERS


def test_join_reports_authorities_missing_from_cbs(
    moin: gpd.GeoDataFrame, stats: pd.DataFrame, loc_csv: gpd.GeoDataFrame
) -> None:
    joined, notes = join_authority_stats(moin, stats, loc_csv)
    missing = joined[joined["population_source"] != "CBS Local Authorities 2021"]
    # Tsur Hadasa (local council since 2021) and the two industrial local councils
    assert set(missing["id"]) == {1113, 1722, 1770}
    assert len(notes) == 3
    assert joined.set_index("id").loc[1113, "population"] > 10_000


# ------------------------------------------------------------ embedded boundaries


def test_embedded_region_has_polygons_and_the_land_around_offline() -> None:
    from siting.sources.embedded import default_region

    region = default_region()
    assert set(region.authorities.geom_type) == {"MultiPolygon"}
    land = region.extra["jurisdictions"]
    kinds = set(land["kind"])
    assert {"regional_council", "no_jurisdiction", "sea"} <= kinds
    assert set(region.authorities["id"]) <= set(land["id"])
    assert not any("not embedded" in n for n in region.notes)
    # one coverage: neighbouring jurisdictions share their borders (no gaps, no overlaps)
    m = land.to_crs(2039)
    menashe, alona = (m.set_index("id").geometry[i] for i in (14, 45))
    assert menashe.intersection(alona).area < 1.0  # m²
    assert menashe.boundary.intersection(alona.boundary).length > 5_000  # a shared border


def test_embedded_data_found_in_an_installed_wheel_layout(tmp_path: Path) -> None:
    """The wheel ships data/ as siting/_data (pyproject force-include): load from there."""
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    pkg = tmp_path / "site" / "siting"
    shutil.copytree(root / "siting", pkg, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(root / "data", pkg / "_data", ignore=shutil.ignore_patterns("*.py"))
    code = (
        "import siting.sources.embedded as e; r = e.default_region(); "
        "print(e.embedded_data_dir()); print(sorted(set(r.authorities.geom_type)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path / "site"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert out[0] == str(pkg / "_data")
    assert out[1] == "['MultiPolygon']"


def test_embedded_boundaries_match_the_official_layer(moin: gpd.GeoDataFrame) -> None:
    """Each of the 15 embedded jurisdictions within 0.5 % of its official area."""
    from siting.sources.embedded import default_region

    region = default_region()
    emb = region.authorities.to_crs(2039).set_index("id")
    off = moin.to_crs(2039).set_index("id").loc[emb.index]
    rel = (emb.area - off.area).abs() / off.area
    assert (rel < 0.005).all(), rel.sort_values().tail(3).to_dict()
    # and in the same place: symmetric difference small against the area
    sym = emb.geometry.symmetric_difference(off.geometry, align=True).area / off.area
    assert (sym < 0.02).all(), sym.sort_values().tail(3).to_dict()
    assert set(region.members["id"]) == set(moin.loc[moin["cluster"] == MISHOR, "id"])
