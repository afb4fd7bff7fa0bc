"""``towerplan fetch --villages``: OSM village points through a local Overpass and mirror (cache, offline)."""

from __future__ import annotations

import pytest
from test_sources_helpers import FakeHost, fake_host, hgt_zip  # noqa: F401  (fake_host is a fixture)
from test_villages import overpass_villages

from towerplan.cli import main
from towerplan.sources import HttpOptions, OfflineMissingError, prepare_study_area
from towerplan.sources.villages import villages_resource
from towerplan.terrain import area_geometry
from towerplan.villages.table import read_villages

FAST = HttpOptions(timeout_s=5.0, retries=1, backoff_s=0.0, proxy="")
TILE = "srtm3/N19E105.SRTMGL3.hgt.zip"
AREA = "105.70,19.75,105.80,19.85"


def _fetch(tmp_path, base, out="study", **kw):
    return prepare_study_area(AREA, tmp_path / out, cache_dir=tmp_path / "cache", mirror=base, resolution_m=500,
                              population="none", roads="none", boundaries="none", http=FAST, villages=True, **kw)


def _publish(host: FakeHost) -> None:
    host.add(TILE, hgt_zip(19, 105))
    host.add("overpass/interpreter", overpass_villages())  # Overpass answers the GET ?data=<query>


def test_villages_through_a_local_overpass_then_offline(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    _publish(host)
    result = _fetch(tmp_path, base)
    assert "villages.csv" in result.files
    villages = read_villages(result.files["villages.csv"]).villages
    # inside the box: the village, the hamlet and the dwelling; the town and the far village are not
    assert villages["village_id"].tolist() == ["osm-node-1", "osm-node-2", "osm-way-3"]
    assert villages["place"].tolist() == ["village", "hamlet", "isolated_dwelling"]
    asked = [h for h in host.hits if h.path.startswith("/overpass/interpreter")]
    assert len(asked) == 1
    assert "data=" in asked[0].path
    assert "isolated_dwelling" in asked[0].path.replace("%7C", "|")
    sources = (tmp_path / "study" / "SOURCES.md").read_text(encoding="utf-8")
    assert "villages" in sources
    assert "OpenStreetMap" in sources
    scenario = (tmp_path / "study" / "scenario.toml").read_text(encoding="utf-8")
    assert 'villages = "villages.csv"' in scenario

    seen = len(host.hits)
    again = _fetch(tmp_path, base, out="offline", offline=True)
    assert len(host.hits) == seen  # from the cache, not one request
    assert (tmp_path / "offline" / "villages.csv").read_bytes() == result.files["villages.csv"].read_bytes()
    assert "villages.csv" in again.files


def test_offline_with_an_empty_cache_lists_the_village_query(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    with pytest.raises(OfflineMissingError) as info:
        _fetch(tmp_path, base, offline=True)
    keys = {m.key for m in info.value.missing}
    assert any(k.startswith("osm/villages-") for k in keys)
    assert f"{base}/overpass/interpreter?data=" in str(info.value)
    assert host.hits == []


def test_cli_fetch_villages_from_a_mirror_file_before_the_overpass(fake_host, tmp_path, capsys):  # noqa: F811
    host, base = fake_host
    host.add(TILE, hgt_zip(19, 105))
    key = villages_resource(area_geometry((105.70, 19.75, 105.80, 19.85)), mirror=base).key
    host.add(key, overpass_villages())  # an office mirror made with DownloadCache.export_mirror
    args = ["fetch", "--area", AREA, "--out", str(tmp_path / "out"), "--mirror", base, "--cache-dir",
            str(tmp_path / "cache"), "--resolution-m", "500", "--population", "none", "--roads", "none",
            "--boundaries", "none", "--villages", "--timeout-s", "5", "--proxy", "", "--quiet"]
    assert main(args) == 0
    assert "villages.csv: OpenStreetMap village points" in capsys.readouterr().out
    assert len(read_villages(tmp_path / "out" / "villages.csv").villages) == 3
    assert not any(h.path.startswith("/overpass") for h in host.hits)
