"""Helpers for the download tests: a scriptable HTTP server on 127.0.0.1 and small synthetic data files.

No test here touches the internet: every URL points at a server started by the test.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine


@dataclass
class Hit:
    """One request the server saw."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass
class FakeHost:
    """What the server serves.

    ``files`` maps a path ("/srtm3/N19E105.SRTMGL3.hgt.zip") to its bytes; ``script``
    maps a path to a queue of behaviours applied to successive GETs of it:
    ``drop`` (close the socket half-way through the body), ``corrupt`` (flip bytes),
    ``hang`` (sleep before answering), ``stall`` (send half, then sleep),
    ``ignore-range`` (answer 200 with the whole file to a Range request),
    ``503`` (Service Unavailable with Retry-After: 0), ``html`` (an error page with 200).
    ``posts`` maps a path to the JSON answered to POSTs (a canned Overpass answer).
    """

    files: dict[str, bytes] = field(default_factory=dict)
    script: dict[str, list[str]] = field(default_factory=dict)
    posts: dict[str, bytes] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    hang_s: float = 3.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, path: str, data: bytes) -> str:
        self.files["/" + path.lstrip("/")] = data
        return "/" + path.lstrip("/")

    def gets(self, path: str) -> list[Hit]:
        return [h for h in self.hits if h.method == "GET" and h.path == "/" + path.lstrip("/")]

    def next_behaviour(self, path: str) -> str:
        with self.lock:
            queue = self.script.get(path)
            return queue.pop(0) if queue else ""


class _Handler(BaseHTTPRequestHandler):
    host: FakeHost  # set on the subclass made per server

    def log_message(self, format: str, *args: object) -> None:  # silence
        return

    def _record(self) -> None:
        with self.host.lock:
            self.host.hits.append(Hit(self.command, self.path, dict(self.headers.items())))

    def do_POST(self) -> None:
        self._record()
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        behaviour = self.host.next_behaviour(self.path)
        if behaviour == "hang":
            time.sleep(self.host.hang_s)
            return
        body = self.host.posts.get(self.path)
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._record()
        path = self.path.split("?", 1)[0]
        data = self.host.files.get(path)
        behaviour = self.host.next_behaviour(path)
        if behaviour == "hang":
            time.sleep(self.host.hang_s)
            return
        if data is None:
            self.send_error(404, "Not Found")
            return
        if behaviour == "503":
            self.send_response(503)
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if behaviour == "html":
            data = b"<html><body>Service temporarily unavailable</body></html>"
        etag = '"' + hashlib.sha1(data).hexdigest() + '"'
        start = 0
        wanted = self.headers.get("Range", "")
        if wanted.startswith("bytes=") and behaviour != "ignore-range":
            start = int(wanted[6:].split("-")[0])
            if_range = self.headers.get("If-Range")
            if if_range and if_range != etag:
                start = 0
        body = data[start:]
        if behaviour == "corrupt":
            body = bytes(b ^ 0x5A for b in body)
        if start:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        if behaviour in ("drop", "stall"):
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            if behaviour == "stall":
                time.sleep(self.host.hang_s)
            self.close_connection = True
            return
        self.wfile.write(body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False


@pytest.fixture
def fake_host() -> Iterator[tuple[FakeHost, str]]:
    """A FakeHost served on 127.0.0.1 (random port); yields (host, base URL)."""
    host = FakeHost()
    handler = type("Handler", (_Handler,), {"host": host})
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield host, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------ data
def plane_height(lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
    """Heights of the synthetic DEM: a plane rising east and north (metres)."""
    return 100.0 + 400.0 * (np.asarray(lon) - 105.0) + 200.0 * (np.asarray(lat) - 19.0)


def hgt_zip(lat: int, lon: int, *, samples: int = 1201) -> bytes:
    """A zipped SRTM 3" tile (N..E.. only) of :func:`plane_height`, rounded to whole metres."""
    step = 1.0 / (samples - 1)
    lats = lat + 1 - np.arange(samples) * step
    lons = lon + np.arange(samples) * step
    values = np.rint(plane_height(lats[:, None], lons[None, :])).astype(">i2")
    name = f"N{lat:02d}E{lon:03d}.hgt"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, values.tobytes())
    return buf.getvalue()


def population_tif(
    path: Path, *, west: float = 105.5, north: float = 20.1, cols: int = 60, rows: int = 60, cell_deg: float = 1 / 120
) -> float:
    """A WorldPop-like GeoTIFF (float32 people per cell, EPSG:4326, nodata -99999); returns its total."""
    rng = np.random.default_rng(7)
    values = rng.uniform(0, 50, size=(rows, cols)).astype(np.float32)
    values[0, 0] = -99999.0
    profile = {
        "driver": "GTiff", "width": cols, "height": rows, "count": 1, "dtype": "float32", "crs": "EPSG:4326",
        "transform": Affine(cell_deg, 0, west, 0, -cell_deg, north), "nodata": -99999.0,
    }
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(values, 1)
    return float(values[values >= 0].sum())


def box_feature(name: str, bounds: tuple[float, float, float, float], **props: str) -> dict:
    w, s, e, n = bounds
    return {
        "type": "Feature",
        "properties": {"shapeName": name, **props},
        "geometry": {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]},
    }


def geojson(*features: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()


def overpass_answer(lat0: float = 19.8, lon0: float = 105.75) -> bytes:
    """A canned Overpass JSON: a track and a residential road crossing at one node."""
    d = 0.01
    nodes = [
        (1, lat0, lon0 - d), (2, lat0, lon0), (3, lat0, lon0 + d),
        (4, lat0 - d, lon0), (5, lat0 + d, lon0),
    ]
    elements = [{"type": "node", "id": i, "lat": la, "lon": lo} for i, la, lo in nodes]
    elements += [
        {"type": "way", "id": 100, "nodes": [1, 2, 3], "tags": {"highway": "track", "surface": "dirt"}},
        {"type": "way", "id": 101, "nodes": [4, 2, 5], "tags": {"highway": "residential", "name": "Bản Lát"}},
    ]
    return json.dumps({"version": 0.6, "generator": "test", "elements": elements}).encode()
