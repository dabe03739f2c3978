"""Land use for users with internet: ``network.areas_from_polygon`` and ``network fetch --landuse``.

No test touches the internet: ``requests`` (as OSMnx calls it) answers with a small
Overpass response built here, and the same areas written as an ``.osm`` file are read
by pyosmium for an independent check of what the downloaded layer excludes.
"""

from __future__ import annotations

import json
import socket

import geopandas as gpd
import numpy as np
import pytest
import requests
from shapely.geometry import Polygon

from siting import network
from siting.cli import main
from siting.errors import LayerError
from siting.landuse import landuse_tag_keys, read_landuse
from siting.network import download

AREA = Polygon([(35.0, 32.5), (35.02, 32.5), (35.02, 32.52), (35.0, 32.52)])

# closed ways: a cemetery, a park, a building; an untagged-for-us way; a school as a point
NODES = {
    1: (35.001, 32.501),
    2: (35.004, 32.501),
    3: (35.004, 32.504),
    4: (35.001, 32.504),
    5: (35.010, 32.510),
    6: (35.013, 32.510),
    7: (35.013, 32.514),
    8: (35.0152, 32.5152),
    9: (35.0158, 32.5152),
    10: (35.0158, 32.5156),
    11: (35.005, 32.515),
    12: (35.007, 32.515),
    13: (35.007, 32.517),
}
WAYS = {
    101: ([1, 2, 3, 4, 1], {"landuse": "cemetery", "name": "Old cemetery"}),
    102: ([5, 6, 7, 5], {"leisure": "park"}),
    103: ([8, 9, 10, 8], {"building": "yes"}),
    104: ([11, 12, 13, 11], {"landuse": "farmland"}),
}
SCHOOL = (200, 35.008, 32.508, {"amenity": "school"})


def _overpass_json() -> bytes:
    elements = [{"type": "node", "id": i, "lon": x, "lat": y} for i, (x, y) in NODES.items()]
    nid, x, y, tags = SCHOOL
    elements.append({"type": "node", "id": nid, "lon": x, "lat": y, "tags": tags})
    for wid, (refs, tags) in WAYS.items():
        elements.append({"type": "way", "id": wid, "nodes": refs, "tags": tags})
    return json.dumps({"version": 0.6, "elements": elements}).encode()


def _osm_xml() -> str:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", "<osm version='0.6'>"]
    for i, (x, y) in NODES.items():
        lines.append(f"<node id='{i}' version='1' lat='{y}' lon='{x}'/>")
    nid, x, y, tags = SCHOOL
    lines.append(f"<node id='{nid}' version='1' lat='{y}' lon='{x}'>")
    lines += [f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()] + ["</node>"]
    for wid, (refs, tags) in WAYS.items():
        lines.append(f"<way id='{wid}' version='1'>")
        lines += [f"<nd ref='{r}'/>" for r in refs]
        lines += [f"<tag k='{k}' v='{v}'/>" for k, v in tags.items()] + ["</way>"]
    lines.append("</osm>")
    return "\n".join(lines)


def _response(url: str, status: int, body: bytes) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.url = url
    r._content = body
    return r


@pytest.fixture
def overpass(monkeypatch):
    import osmnx as ox

    posted: list[str] = []

    def fake_post(url, data=None, **kwargs):
        posted.append(data["data"])
        return _response(url, 200, _overpass_json())

    status = "Connected as: 1\nRate limit: 2\n2 slots available now.\n"
    monkeypatch.setattr(requests, "post", fake_post)
    monkeypatch.setattr(requests, "get", lambda url, **kw: _response(url, 200, status.encode()))
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    monkeypatch.setattr(ox._overpass.time, "sleep", lambda s: None)
    monkeypatch.setattr(download, "_check_reachable", lambda url, timeout_s: None)
    return posted


def test_downloaded_areas_exclude_what_the_same_extract_excludes(overpass, tmp_path):
    keys = landuse_tag_keys()
    areas = network.areas_from_polygon(AREA, keys, cache_dir=tmp_path / "cache")
    (query,) = overpass
    for key in keys:  # every rule's key asked for, inside the area
        assert f"['{key}'](poly:" in query
    # land only: the school point is not an area; the four closed ways are
    assert sorted(areas["osm_id"]) == [101, 102, 103, 104]
    assert set(areas["osm_type"]) == {"way"}
    assert areas.crs.to_epsg() == 4326
    gpkg = tmp_path / "landuse.gpkg"
    areas.to_file(gpkg, driver="GPKG", layer="landuse")

    got = read_landuse(gpkg).sort_values("kind").reset_index(drop=True)
    osm = tmp_path / "same.osm"
    osm.write_text(_osm_xml())
    want = read_landuse(osm).sort_values("kind").reset_index(drop=True)
    assert got["kind"].tolist() == ["building", "cemetery", "park"]  # farmland is no rule's
    assert got["reason"].tolist() == want["reason"].tolist()
    assert got["name"].tolist() == want["name"].tolist() == ["", "Old cemetery", ""]
    np.testing.assert_allclose(got.area, want.area, rtol=1e-9)
    cemetery = got.loc[got["kind"] == "cemetery"].iloc[0]
    assert cemetery["reason"] == "on a cemetery (OSM landuse=cemetery)"
    assert cemetery["buffer_m"] == want.loc[want["kind"] == "cemetery", "buffer_m"].iloc[0]
    # ≈ 0.003° × 0.003° at 32.5° N
    assert 8.0e4 < cemetery.geometry.area < 1.0e5


def test_a_layer_without_any_rule_key_is_refused_naming_the_file(tmp_path):
    other = gpd.GeoDataFrame({"colour": ["red"]}, geometry=[AREA], crs=4326)
    path = tmp_path / "other.geojson"
    other.to_file(path, driver="GeoJSON")
    with pytest.raises(LayerError, match=r"(?s)other\.geojson.*no OSM tag column"):
        read_landuse(path)


def test_offline_land_use_download_is_one_line_naming_the_local_way(monkeypatch, tmp_path):
    import osmnx as ox

    def unreachable(url, timeout_s):
        raise socket.gaierror(-2, "Name or service not known")

    def no_network(*args, **kwargs):
        raise requests.ConnectionError("Max retries exceeded (NameResolutionError)")

    monkeypatch.setattr(download, "_check_reachable", unreachable)
    monkeypatch.setattr(requests, "post", no_network)
    monkeypatch.setattr(requests, "get", no_network)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    with pytest.raises(network.DownloadError) as info:
        network.areas_from_polygon(AREA, landuse_tag_keys(), cache_dir=tmp_path)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("land use download failed: ")
    assert "is unreachable (name resolution failed)" in msg
    assert '[candidates] landuse = "<file>.osm.pbf"' in msg


def _siting(capsys, *args):
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out = capsys.readouterr()
    return info.value.code, out.out, out.err


def test_network_fetch_landuse_writes_the_members_areas(capsys, tmp_path, monkeypatch):
    """`siting network fetch --landuse F.gpkg`: the roads as before, then the members'
    land buffered by the largest rule buffer, written as a GeoPackage read_landuse reads."""
    from pathlib import Path

    from siting.landuse import LANDUSE_RULES
    from siting.sources.embedded import default_region

    mini = Path(__file__).parent / "data" / "network" / "mini.osm"
    seen = {}

    def fake_graph(polygon, *, profile, buffer_m, cache_dir):
        return network.load_osm(mini, profile, progress=False)

    real_areas = network.areas_from_polygon

    def fake_areas(polygon, keys, *, buffer_m, cache_dir):
        seen["area"] = polygon.to_crs(2039).union_all()
        seen["buffer_m"] = buffer_m
        seen["keys"] = list(keys)
        return real_areas(AREA, keys, cache_dir=tmp_path / "cache")

    monkeypatch.setattr(network, "graph_from_polygon", fake_graph)
    monkeypatch.setattr(network, "areas_from_polygon", fake_areas)
    monkeypatch.setattr(
        requests, "post", lambda url, data=None, **kw: _response(url, 200, _overpass_json())
    )
    monkeypatch.setattr(download, "_check_reachable", lambda url, timeout_s: None)
    import osmnx as ox

    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)
    monkeypatch.setattr(ox._overpass.time, "sleep", lambda s: None)
    monkeypatch.setattr(
        requests,
        "get",
        lambda url, **kw: _response(url, 200, b"Rate limit: 2\n2 slots available now.\n"),
    )
    target = tmp_path / "nets" / "lu.gpkg"
    code, out, err = _siting(
        capsys,
        "network",
        "fetch",
        "--out",
        str(tmp_path / "nets" / "r.graphml"),
        "--landuse",
        str(target),
    )
    assert code == 0, err
    region = default_region("mishor-hahof")
    members = region.authorities[region.authorities["id"].isin(region.members["id"])]
    np.testing.assert_allclose(seen["area"].area, members.to_crs(2039).union_all().area, rtol=1e-9)
    assert seen["buffer_m"] == max(max(r.buffers_m.values()) for r in LANDUSE_RULES) == 250.0
    assert seen["keys"] == landuse_tag_keys()
    assert f"wrote {target}: 4 OSM areas (building 1, cemetery 1, park 1)" in out
    assert f'[candidates] landuse = "{target}"' in out
    assert not list(target.parent.glob("*.part*"))
    assert read_landuse(target)["kind"].tolist() == ["cemetery", "park", "building"]


def test_network_fetch_landuse_needs_a_gpkg_name_before_downloading(capsys, tmp_path, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("downloaded before checking the arguments")

    monkeypatch.setattr(network, "graph_from_polygon", never)
    code, _, err = _siting(capsys, "network", "fetch", "--landuse", str(tmp_path / "lu.shp"))
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "--landuse" in err
    assert ".gpkg" in err
    assert list(tmp_path.iterdir()) == []
