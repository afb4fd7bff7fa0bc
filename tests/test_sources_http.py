"""Downloads and the cache: resume with Range, checksum retries, 404s, timeouts, offline, file:// mirrors."""

from __future__ import annotations

import hashlib
import os
import time

import pytest
from test_sources_helpers import fake_host  # noqa: F401  (fixture)

from towerplan.errors import ConfigError, UnreadableFileError
from towerplan.sources import (
    ChecksumError,
    DownloadCache,
    DownloadError,
    HttpOptions,
    Progress,
    Resource,
    ResourceNotFoundError,
    fetch,
)

FAST = HttpOptions(timeout_s=2.0, retries=3, backoff_s=0.0, chunk_bytes=4096, proxy="")
PAYLOAD = bytes(range(256)) * 800  # 204,800 bytes
PAYLOAD_SHA = hashlib.sha256(PAYLOAD).hexdigest()


def _resource(base: str, path: str = "data/tile.bin", **kw) -> Resource:
    return Resource(key=path, urls=(f"{base}/{path}",), licence="srtm", **kw)


def test_dropped_connection_is_resumed_with_range(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.add("data/tile.bin", PAYLOAD)
    host.script["/data/tile.bin"] = ["drop"]
    events: list[Progress] = []
    got = fetch(_resource(base), cache=DownloadCache(tmp_path), options=FAST, progress=events.append)
    assert got is not None
    assert got.path.read_bytes() == PAYLOAD
    assert got.sha256 == PAYLOAD_SHA
    assert got.size_bytes == len(PAYLOAD)
    assert not got.from_cache
    first, second = host.gets("data/tile.bin")
    assert "Range" not in first.headers
    assert second.headers["Range"] == f"bytes={len(PAYLOAD) // 2}-"  # only the rest was asked for
    assert second.headers.get("If-Range")  # and only if the file did not change
    assert events[-1] == Progress("download", "tile.bin", len(PAYLOAD), len(PAYLOAD))
    assert not any(DownloadCache(tmp_path).partial_path("data/tile.bin").parent.glob("*.part"))


def test_stalled_body_times_out_then_resumes(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.hang_s = 1.5
    host.add("data/tile.bin", PAYLOAD)
    host.script["/data/tile.bin"] = ["stall"]
    options = HttpOptions(timeout_s=0.3, retries=2, backoff_s=0.0, proxy="")
    got = fetch(_resource(base), cache=DownloadCache(tmp_path), options=options)
    assert got is not None
    assert got.sha256 == PAYLOAD_SHA
    assert host.gets("data/tile.bin")[1].headers["Range"].startswith("bytes=")


def test_server_that_ignores_range_restarts_cleanly(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.add("data/tile.bin", PAYLOAD)
    host.script["/data/tile.bin"] = ["drop", "ignore-range"]
    got = fetch(_resource(base), cache=DownloadCache(tmp_path), options=FAST)
    assert got is not None
    assert got.path.read_bytes() == PAYLOAD


def test_corrupt_file_fails_checksum_and_is_fetched_again(fake_host, tmp_path, caplog):  # noqa: F811
    host, base = fake_host
    host.add("data/tile.bin", PAYLOAD)
    host.script["/data/tile.bin"] = ["corrupt"]
    got = fetch(_resource(base, sha256=PAYLOAD_SHA), cache=DownloadCache(tmp_path), options=FAST)
    assert got is not None
    assert got.path.read_bytes() == PAYLOAD
    assert len(host.gets("data/tile.bin")) == 2
    assert "sha256" in caplog.text
    assert "deleted" in caplog.text


def test_persistently_corrupt_file_raises_and_leaves_nothing(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.add("data/tile.bin", PAYLOAD)
    host.script["/data/tile.bin"] = ["corrupt"] * 5
    cache = DownloadCache(tmp_path)
    with pytest.raises(ChecksumError, match=r"failed its check 3 times .*127\.0\.0\.1.*/data/tile\.bin") as info:
        fetch(_resource(base, sha256=PAYLOAD_SHA), cache=cache, options=FAST)
    assert info.value.url == f"{base}/data/tile.bin"
    assert len(host.gets("data/tile.bin")) == 3  # bounded
    assert cache.lookup("data/tile.bin") is None
    assert not cache.partial_path("data/tile.bin").exists()


def test_error_page_instead_of_zip_is_refetched(fake_host, tmp_path):  # noqa: F811
    import io
    import zipfile

    host, base = fake_host
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("N19E105.hgt", b"\0" * 10)
    host.add("srtm3/N19E105.SRTMGL3.hgt.zip", buf.getvalue())
    host.script["/srtm3/N19E105.SRTMGL3.hgt.zip"] = ["html"]
    got = fetch(_resource(base, "srtm3/N19E105.SRTMGL3.hgt.zip"), cache=DownloadCache(tmp_path), options=FAST)
    assert got is not None
    assert zipfile.is_zipfile(got.path)
    assert len(host.gets("srtm3/N19E105.SRTMGL3.hgt.zip")) == 2


def test_404_is_reported_with_the_url(fake_host, tmp_path):  # noqa: F811
    _, base = fake_host
    res = Resource(key="worldpop/x.tif", urls=(f"{base}/a/x.tif", f"{base}/b/x.tif"), licence="worldpop",
                   description="WorldPop raster")
    with pytest.raises(ResourceNotFoundError) as info:
        fetch(res, cache=DownloadCache(tmp_path), options=FAST)
    message = str(info.value)
    assert "WorldPop raster not found (HTTP 404)" in message
    assert f"{base}/a/x.tif" in message
    assert f"{base}/b/x.tif" in message
    assert isinstance(info.value, UnreadableFileError)  # the CLI exits 2


def test_optional_404_is_remembered_for_offline_runs(fake_host, tmp_path):  # noqa: F811
    _, base = fake_host
    cache = DownloadCache(tmp_path)
    res = _resource(base, "srtm3/N19E106.SRTMGL3.hgt.zip", optional=True)
    assert fetch(res, cache=cache, options=FAST) is None
    assert cache.is_absent(res.key)
    assert cache.lookup(res.key) is None


def test_second_candidate_url_is_used_after_a_404(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.add("b/x.bin", PAYLOAD)
    res = Resource(key="x/x.bin", urls=(f"{base}/a/x.bin", f"{base}/b/x.bin"), licence="user")
    got = fetch(res, cache=DownloadCache(tmp_path), options=FAST)
    assert got is not None
    assert got.url == f"{base}/b/x.bin"


def test_unanswered_request_times_out_with_the_url(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.hang_s = 2.0
    host.add("data/tile.bin", PAYLOAD)
    host.script["/data/tile.bin"] = ["hang", "hang"]
    options = HttpOptions(timeout_s=0.2, retries=1, backoff_s=0.0, proxy="")
    sleeps: list[float] = []
    start = time.monotonic()
    with pytest.raises(DownloadError, match=r"giving up on http://127\.0\.0\.1:\d+/data/tile\.bin after 1 retries"):
        fetch(_resource(base), cache=DownloadCache(tmp_path), options=options, sleep=sleeps.append)
    assert time.monotonic() - start < 1.5  # two 0.2 s timeouts, not the server's 2 s
    assert sleeps == [0.0]


def test_503_is_retried_with_exponential_backoff(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.add("data/tile.bin", PAYLOAD)
    host.script["/data/tile.bin"] = ["503", "503"]
    sleeps: list[float] = []
    options = HttpOptions(timeout_s=2.0, retries=3, backoff_s=0.5, max_backoff_s=10.0, proxy="")
    got = fetch(_resource(base), cache=DownloadCache(tmp_path), options=options, sleep=sleeps.append)
    assert got is not None
    assert sleeps == [0.0, 0.0]  # Retry-After: 0 wins over the backoff
    assert options.backoff(0) == 0.5
    assert options.backoff(3) == 4.0
    assert options.backoff(10) == 10.0


def test_cache_hit_needs_no_network_and_damage_is_repaired(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.add("data/tile.bin", PAYLOAD)
    cache = DownloadCache(tmp_path)
    first = fetch(_resource(base), cache=cache, options=FAST)
    again = fetch(_resource(base), cache=cache, options=FAST)
    assert again is not None
    assert again.from_cache
    assert again.path == first.path
    assert len(host.gets("data/tile.bin")) == 1
    assert first.path.parent.name == PAYLOAD_SHA  # content-addressed
    os.chmod(first.path, 0o644)
    first.path.write_bytes(b"x" * len(PAYLOAD))  # bit rot
    repaired = fetch(_resource(base), cache=cache, options=FAST)
    assert repaired is not None
    assert not repaired.from_cache
    assert repaired.path.read_bytes() == PAYLOAD


def test_offline_uses_only_the_cache(fake_host, tmp_path):  # noqa: F811
    host, base = fake_host
    host.add("data/tile.bin", PAYLOAD)
    cache = DownloadCache(tmp_path)
    assert fetch(_resource(base), cache=cache, options=FAST, offline=True) is None
    assert host.hits == []
    fetch(_resource(base), cache=cache, options=FAST)
    hit = fetch(_resource(base), cache=cache, options=FAST, offline=True)
    assert hit is not None
    assert hit.from_cache
    assert len(host.hits) == 1


def test_file_url_mirror(tmp_path):
    mirror = tmp_path / "mirror" / "data"
    mirror.mkdir(parents=True)
    (mirror / "tile.bin").write_bytes(PAYLOAD)
    base = (tmp_path / "mirror").as_uri()
    got = fetch(_resource(base, sha256=PAYLOAD_SHA), cache=DownloadCache(tmp_path / "cache"), options=FAST)
    assert got is not None
    assert got.path.read_bytes() == PAYLOAD
    with pytest.raises(ResourceNotFoundError, match="not found"):
        fetch(_resource(base, "data/none.bin"), cache=DownloadCache(tmp_path / "cache"), options=FAST)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"key": "../etc/passwd"}, "invalid resource key"),
        ({"key": "a//b"}, "invalid resource key"),
        ({"urls": ("ftp://host/x",)}, "not an http"),
        ({"urls": ()}, "no URL"),
        ({"sha256": "abc"}, "not a sha256"),
    ],
)
def test_resource_is_validated(kwargs, message):
    base = {"key": "a/b.tif", "urls": ("https://example.org/b.tif",), "licence": "user"}
    with pytest.raises(ConfigError, match=message):
        Resource(**{**base, **kwargs})


def test_http_options_are_validated():
    with pytest.raises(ConfigError):
        HttpOptions(timeout_s=0)
    with pytest.raises(ConfigError):
        HttpOptions(checksum_attempts=0)
