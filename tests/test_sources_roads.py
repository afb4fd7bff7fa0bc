"""Road networks: graphs from road lines (real LegoCity layer) and OSM through osmnx against a local Overpass."""

from __future__ import annotations

import socket

import geopandas as gpd
import networkx as nx
import osmnx as ox
import pytest
from shapely.geometry import LineString, box
from test_sources_helpers import fake_host, overpass_answer  # noqa: F401  (fixture)

from towerplan.errors import VectorDataError
from towerplan.sources import DownloadError, osm_road_graph, road_graph_from_lines, write_road_network
from towerplan.sources.roads import osm_cache_key
from towerplan.vectors import read_roads


def _cross() -> gpd.GeoDataFrame:
    """A '+' of two 2 km roads in EPSG:32648, meeting mid-way, plus a railway over them."""
    x, y = 560_000.0, 2_200_000.0
    return gpd.GeoDataFrame(
        {"loai_duong": ["Đường chính", "Đường thứ cấp", "Đường sắt"], "ten": ["QL 1A", "TL 479", "Đường sắt Bắc Nam"]},
        geometry=[LineString([(x - 1000, y), (x + 1000, y)]), LineString([(x, y - 1000), (x, y + 1000)]),
                  LineString([(x - 1000, y - 500), (x + 1000, y + 500)])],
        crs=32648,
    )


def test_crossing_lines_become_a_junction():
    G = road_graph_from_lines(_cross())
    assert G.graph["crs"] == "EPSG:32648"
    assert G.number_of_nodes() == 5
    assert G.number_of_edges() == 8
    centre = next(n for n, d in G.nodes(data=True) if (d["x"], d["y"]) == (560_000.0, 2_200_000.0))
    assert G.nodes[centre]["street_count"] == 4
    assert sum(d["length"] for _, _, d in G.edges(data=True)) == pytest.approx(2 * 4000.0)
    assert {d["highway"] for _, _, d in G.edges(data=True)} == {"Đường chính", "Đường thứ cấp"}
    assert {d["name"] for _, _, d in G.edges(data=True)} == {"QL 1A", "TL 479"}
    assert nx.shortest_path_length(G, 0, 4, weight="length") > 0  # routable


def test_lines_in_degrees_are_projected_to_utm():
    lines = _cross().to_crs(4326)
    G = road_graph_from_lines(lines)
    assert G.graph["crs"] == "EPSG:32648"
    assert sum(d["length"] for _, _, d in G.edges(data=True)) == pytest.approx(8000.0, rel=1e-3)


def test_no_usable_lines_is_an_error():
    only_rail = _cross().iloc[[2]]
    with pytest.raises(VectorDataError, match="no road lines"):
        road_graph_from_lines(only_rail)


def test_real_road_lines_to_gpkg_and_graphml(shared_data, tmp_path):
    lines = read_roads(shared_data / "roads_legocity_giaothong" / "giaothong_thanhhoa_bbox.geojson")
    G = road_graph_from_lines(lines)
    edges = write_road_network(G, tmp_path / "roads.gpkg", tmp_path / "roads.graphml")
    back = read_roads(tmp_path / "roads.gpkg", layer="roads")
    assert back.crs.to_epsg() == 32648
    assert len(back) == len(edges) == G.number_of_edges() // 2
    # the railway is left out; overlapping duplicates are counted once: 1,111 km of road in the TH box
    assert back.length.sum() / 1000 == pytest.approx(1111, rel=0.01)
    loaded = ox.load_graphml(tmp_path / "roads.graphml")
    assert loaded.number_of_edges() == G.number_of_edges()
    assert loaded.graph["crs"] == "EPSG:32648"
    assert all(isinstance(d["length"], float) for _, _, d in loaded.edges(data=True))


def test_osm_roads_through_a_local_overpass(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.posts["/api/interpreter"] = overpass_answer()
    before = (ox.settings.overpass_url, ox.settings.cache_folder, ox.settings.requests_timeout,
              ox.settings.overpass_rate_limit, list(ox.settings.useful_tags_way))
    getaddrinfo = socket.getaddrinfo
    area = box(105.70, 19.75, 105.80, 19.85)
    G = osm_road_graph(area, cache_dir=tmp_path / "osmnx", overpass_url=f"{base}/api", timeout_s=5, rate_limit=False)
    assert G.number_of_nodes() == 5
    assert {d["highway"] for _, _, d in G.edges(data=True)} == {"track", "residential"}
    assert any(d.get("surface") == "dirt" for _, _, d in G.edges(data=True))  # rural tags kept
    post = next(h for h in host.hits if h.method == "POST")
    assert post.path == "/api/interpreter"
    # settings and the socket resolver are restored; osmnx's cache went where we said
    assert (ox.settings.overpass_url, ox.settings.cache_folder, ox.settings.requests_timeout,
            ox.settings.overpass_rate_limit, list(ox.settings.useful_tags_way)) == before
    assert socket.getaddrinfo is getaddrinfo
    assert any((tmp_path / "osmnx").iterdir())
    again = osm_road_graph(area, cache_dir=tmp_path / "osmnx", overpass_url=f"{base}/api", timeout_s=5,
                           rate_limit=False)  # same query (the timeout is part of it)
    assert again.number_of_edges() == G.number_of_edges()
    assert sum(h.method == "POST" for h in host.hits) == 1  # answered from osmnx's cache
    edges = write_road_network(ox.project_graph(G, to_crs="EPSG:32648"), tmp_path / "r.gpkg", tmp_path / "r.graphml")
    assert len(edges) == 4
    assert edges.crs.to_epsg() == 32648


def test_overpass_timeout_is_a_download_error(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.hang_s = 2.0
    host.posts["/api/interpreter"] = overpass_answer()
    host.script["/api/interpreter"] = ["hang"]
    with pytest.raises(DownloadError, match=r"Overpass API at http://127\.0\.0\.1:\d+/api failed"):
        osm_road_graph(box(105.7, 19.75, 105.8, 19.85), cache_dir=tmp_path, overpass_url=f"{base}/api",
                       timeout_s=0.3, rate_limit=False)


def test_osm_cache_key_is_stable():
    a = osm_cache_key(box(105.7, 19.75, 105.8, 19.85))
    assert a == osm_cache_key(box(105.7, 19.75, 105.8 + 1e-9, 19.85))
    assert a != osm_cache_key(box(105.7, 19.75, 105.9, 19.85))
    assert a.startswith("osm/roads-")
    assert a.endswith(".graphml")
