"""Downloading a road network: the haul area, a recorded Overpass response, fast offline failure.

No test touches the internet: ``requests`` (as OSMnx calls it) answers from the recorded
response ``tests/data/network/overpass_mini.json`` (the ways of ``mini.osm`` that the
truck filter selects, in Overpass JSON), and the reachability check is replaced.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import requests
from shapely.geometry import Point, Polygon

from siting import network
from siting.errors import SitingError
from siting.network import download
from siting.params import WasteParams
from siting.sources.embedded import default_region

DATA = Path(__file__).parent / "data" / "network"
RECORDED = DATA / "overpass_mini.json"
AREA = Polygon([(35.199, 31.7770), (35.226, 31.7770), (35.226, 31.7905), (35.199, 31.7905)])
STATUS = (
    "Connected as: 1\nCurrent time: 2026-11-30T00:00:00Z\n"
    "Announced endpoint: gall.openstreetmap.de/\nRate limit: 2\n2 slots available now.\n"
)


def _response(url: str, status: int, body: bytes) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.reason = "OK" if status == 200 else "Bad Request"
    r.url = url
    r._content = body
    return r


@pytest.fixture
def http(monkeypatch):
    """Replace the HTTP layer OSMnx uses; records the POSTed queries and any sleep."""
    import osmnx as ox

    calls: dict[str, list] = {"post": [], "get": [], "sleep": []}
    state = {"post": lambda url, data: _response(url, 200, RECORDED.read_bytes())}

    def fake_post(url, data=None, **kwargs):
        calls["post"].append(data)
        return state["post"](url, data)

    def fake_get(url, **kwargs):
        calls["get"].append(url)
        return _response(url, 200, STATUS.encode())

    monkeypatch.setattr(requests, "post", fake_post)
    monkeypatch.setattr(requests, "get", fake_get)
    monkeypatch.setattr(ox._http, "_config_dns", lambda url: None)  # no DNS pinning
    monkeypatch.setattr(ox._overpass.time, "sleep", calls["sleep"].append)
    monkeypatch.setattr(download, "_check_reachable", lambda url, timeout_s: None)
    return calls, state


def test_download_parses_a_recorded_overpass_response_and_caches_it(http, tmp_path):
    calls, state = http
    g = network.graph_from_polygon(AREA, buffer_m=0, cache_dir=tmp_path, progress=False)
    (query,) = calls["post"]
    assert '["highway"~"^(' in query["data"]
    assert "track" not in query["data"]
    assert "poly:" in query["data"]  # the area, as an Overpass polygon filter
    # same graph as the local file with the same ways
    local = network.load_osm(DATA / "mini.osm", progress=False)
    assert sorted(g.nodes) == sorted(local.nodes)
    got = sorted((u, v, round(d["travel_time"], 6)) for u, v, d in g.edges(data=True))
    want = sorted((u, v, round(d["travel_time"], 6)) for u, v, d in local.edges(data=True))
    assert got == want
    assert g.graph["source"] == "OpenStreetMap (Overpass)"

    # the second call is answered from the cache: a failing server is never asked
    def fail(url, data):
        raise requests.ConnectionError("offline")

    state["post"] = fail
    again = network.graph_from_polygon(AREA, buffer_m=0, cache_dir=tmp_path, progress=False)
    assert again.number_of_edges() == g.number_of_edges()
    assert len(calls["post"]) == 1


def test_offline_download_fails_at_once_with_one_line(http, monkeypatch, tmp_path):
    calls, state = http

    def unreachable(url, timeout_s):
        raise socket.gaierror(-2, "Name or service not known")

    def fail(url, data):
        raise requests.ConnectionError(
            "HTTPSConnectionPool(host='overpass-api.de', port=443): Max retries exceeded "
            "(Caused by NameResolutionError(...))"
        )

    monkeypatch.setattr(download, "_check_reachable", unreachable)
    state["post"] = fail
    with pytest.raises(network.DownloadError) as info:
        network.graph_from_polygon(AREA, buffer_m=0, cache_dir=tmp_path, progress=False)
    msg = str(info.value)
    assert "\n" not in msg
    assert "overpass-api.de is unreachable (name resolution failed)" in msg
    box = re.search(r"osmium extract -b ([-0-9.,]+)`", msg)  # the area tried, lon/lat
    w, s, e, n = map(float, box.group(1).split(","))
    assert w <= 35.199
    assert s <= 31.777
    assert e >= 35.226
    assert n >= 31.7905
    assert e - w < 0.03
    assert n - s < 0.02
    assert 'network = "<file>.osm.pbf"' in msg
    assert isinstance(info.value, SitingError)
    assert calls["get"] == []  # no rate-limit status check (it waits 60 s offline)
    assert all(s == 0 for s in calls["sleep"])


def test_server_errors_become_one_line_download_errors(http, tmp_path):
    _, state = http
    state["post"] = lambda url, data: _response(url, 400, b"<html>bad query</html>")
    with pytest.raises(network.DownloadError, match=r"^road network download failed: ") as info:
        network.graph_from_polygon(AREA, buffer_m=0, cache_dir=tmp_path, progress=False)
    assert "\n" not in str(info.value)
    empty = json.dumps({"version": 0.6, "elements": []}).encode()
    state["post"] = lambda url, data: _response(url, 200, empty)
    with pytest.raises(network.DownloadError, match="no usable roads"):
        network.graph_from_polygon(AREA, buffer_m=0, cache_dir=tmp_path / "b", progress=False)


def test_reachability_check_against_local_sockets():
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    try:
        download._check_reachable(f"http://127.0.0.1:{port}/api/interpreter", 2.0)
    finally:
        server.close()
    with pytest.raises(ConnectionRefusedError):
        download._check_reachable(f"http://127.0.0.1:{port}/api/interpreter", 2.0)


def test_haul_area_covers_localities_candidates_and_destinations():
    region = default_region("mishor-hahof")
    waste = WasteParams()
    bare = network.haul_area(region, buffer_m=0).iloc[0]
    assert bare.contains(region.localities.to_crs(2039).union_all())
    afula = Point(waste.status_quo_x_itm, waste.status_quo_y_itm)
    assert not bare.buffer(1).contains(afula)  # the localities' hull alone misses it
    full = network.haul_area(region, waste=waste, buffer_m=0).iloc[0]
    assert full.buffer(1).contains(afula)
    other = WasteParams(status_quo_by_authority=((1, 200_000.0, 650_000.0),))
    assert (
        network.haul_area(region, waste=other, buffer_m=0)
        .iloc[0]
        .buffer(1)
        .contains(Point(200_000, 650_000))
    )
    plot = gpd.GeoDataFrame(geometry=[Point(35.6, 33.0).buffer(0.001)], crs=4326)
    with_plot = network.haul_area(region, waste=waste, candidates=plot, buffer_m=0).iloc[0]
    assert with_plot.contains(plot.to_crs(2039).geometry.iloc[0])
    buffered = network.haul_area(region, waste=waste).iloc[0]
    np.testing.assert_allclose(
        buffered.area, full.buffer(network.HAUL_AREA_BUFFER_M).area, rtol=1e-9
    )


def test_graph_from_place_geocodes_then_downloads_the_buffered_place(http, monkeypatch, tmp_path):
    import inspect

    import osmnx as ox

    calls, _ = http
    real_geocode = ox.geocode_to_gdf
    saved_tags = list(ox.settings.useful_tags_way)

    def fake_geocode(*args, **kwargs):
        inspect.signature(real_geocode).bind(*args, **kwargs)
        assert Path(ox.settings.cache_folder) == tmp_path
        assert {"hgv", "maxweight", "oneway:hgv"} <= set(ox.settings.useful_tags_way)
        return gpd.GeoDataFrame(geometry=[Point(35.205, 31.7825)], crs=4326)

    monkeypatch.setattr(ox, "geocode_to_gdf", fake_geocode)
    g = network.graph_from_place("Somewhere", cache_dir=tmp_path, progress=False)
    assert g.number_of_edges() > 0
    (query,) = calls["post"]
    assert "poly:" in query["data"]
    assert list(ox.settings.useful_tags_way) == saved_tags  # settings restored

    def fail(*args, **kwargs):
        raise requests.ConnectionError("offline")

    monkeypatch.setattr(ox, "geocode_to_gdf", fail)
    with pytest.raises(network.DownloadError, match="geocoding 'Somewhere' failed"):
        network.graph_from_place("Somewhere", cache_dir=tmp_path, progress=False)
