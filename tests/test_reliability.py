"""Reliability round 2 (issue 19): what the corpus (tests/data/bad) cannot hold.

A live listener that must receive nothing (SSRF), special files (named pipes,
``/dev/zero``), symbolic links out of a study folder, a memory limit before a
sparse 22,000 x 22,000 raster is read, capped workers, repeated inputs, an
output over an input, and two real processes writing the same ``--out``.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from towerplan.errors import ConfigError, InputError, UnreadableFileError
from towerplan.safety import UnsafeInputError

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def _script(name: str) -> Any:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "scripts" / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


make_bad_inputs = _script("make_bad_inputs")
round2 = _script("bad_inputs_round2")


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_bad_inputs.write_good_inputs(tmp_path_factory.mktemp("good"))


# ----------------------------------------------------------------------------- SSRF: a listener that must hear nothing


class Listener:
    """A TCP server on 127.0.0.1 that counts connections (and answers none)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dem.tif"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def _reaching_files(folder: Path, url: str) -> dict[str, Path]:
    files = {
        "dem_vrt.tif": round2.vrt_raster(f"/vsicurl/{url}"),
        "communes_crs_link.geojson": round2.crs_link_geojson(url),
        "roads_network_link.kml": round2.kml_network_link(url),
        "communes_ogr_vrt.geojson": round2.ogr_vrt(f"/vsicurl/{url}"),
    }
    out = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        out[name] = folder / name
    return out


def test_the_listener_hears_gdal_when_nothing_guards_it(listener: Listener, tmp_path: Path) -> None:
    """The check below can fail: GDAL opening the VRT by itself does connect to the listener."""
    import rasterio

    path = tmp_path / "dem_vrt.tif"
    path.write_bytes(round2.vrt_raster(f"/vsicurl/{listener.url}"))
    with (pytest.raises(rasterio.errors.RasterioError), rasterio.Env(GDAL_HTTP_MAX_RETRY="0", GDAL_HTTP_TIMEOUT="2"),
          rasterio.open(path) as ds):
        ds.read(1)
    deadline = time.monotonic() + 5
    while listener.hits == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.hits >= 1


def test_inputs_that_reach_elsewhere_send_nothing(listener: Listener, tmp_path: Path, good: dict[str, Path]) -> None:
    from app_pages.uploads import handle_upload
    from towerplan.cli import main as cli_main
    from towerplan.rasters import read_grid
    from towerplan.terrain import read_dem
    from towerplan.vectors import read_communes, read_roads

    files = _reaching_files(tmp_path, listener.url)
    for reader, name in ((read_grid, "dem_vrt.tif"), (lambda p: read_dem(p, resolution_m=90), "dem_vrt.tif"),
                         (read_communes, "communes_crs_link.geojson"), (read_roads, "roads_network_link.kml"),
                         (read_communes, "communes_ogr_vrt.geojson")):  # fmt: skip
        with pytest.raises(UnsafeInputError, match="refused for safety"):
            reader(files[name])
    code = cli_main(["coverage", "--dem", str(files["dem_vrt.tif"]), "--stations", str(good["stations"]),
                     "--out", str(tmp_path / "o1"), "--resolution-m", "90"])  # fmt: skip
    assert code == 2
    code = cli_main(["gaps", "--coverage", str(good["coverage"]), "--population", str(good["population"]),
                     "--communes", str(files["communes_crs_link.geojson"]), "--out", str(tmp_path / "o2")])
    assert code == 2
    up = handle_upload("dem", "dem.tif", files["dem_vrt.tif"].read_bytes(), tmp_path / "session", "en")
    assert not up.ok
    assert "refused for safety" in " ".join(up.messages)
    time.sleep(0.5)
    assert listener.hits == 0


@pytest.mark.parametrize("path", ["/vsicurl/http://127.0.0.1:9/x.tif", "/vsizip//tmp/x.zip/a.tif",
                                  "http://127.0.0.1:9/x.tif", "a/vsimem/x.tif"])
def test_virtual_paths_and_urls_are_refused(path: str) -> None:
    from towerplan.rasters import read_grid
    from towerplan.vectors import read_communes

    with pytest.raises(UnsafeInputError, match="GDAL virtual path or a URL"):
        read_grid(path)
    with pytest.raises(UnsafeInputError, match="GDAL virtual path or a URL"):
        read_communes(path)


def test_a_file_named_tif_is_opened_only_as_geotiff(tmp_path: Path) -> None:
    """A PNG (another GDAL format) named .tif is refused by its bytes, not opened by whichever driver matches."""
    import rasterio
    from rasterio.io import MemoryFile

    with MemoryFile() as mem:
        with mem.open(driver="PNG", width=4, height=4, count=1, dtype="uint8") as dst:
            dst.write(np.zeros((4, 4), dtype=np.uint8), 1)
        (tmp_path / "x.tif").write_bytes(mem.read())
    assert rasterio.open(tmp_path / "x.tif").driver == "PNG"  # GDAL alone would read it
    from towerplan.rasters import read_grid

    with pytest.raises(UnreadableFileError, match="not a readable raster"):
        read_grid(tmp_path / "x.tif")


# ----------------------------------------------------------------------------- special files


CLI_RUNS = """
import contextlib, io, json, sys
from towerplan.cli import main
out = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(argv)
    out.append((code, err.getvalue()))
print(json.dumps(out))
"""


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes need POSIX")
def test_named_pipes_and_devices_are_refused_at_once(tmp_path: Path, good: dict[str, Path]) -> None:
    """Run in a child process with a timeout: reading a pipe or /dev/zero would never end."""
    fifo_csv = _fifo(tmp_path, "stations.csv")
    fifo_tif = _fifo(tmp_path, "dem.tif")
    fifo_geojson = _fifo(tmp_path, "communes.geojson")
    fifo_toml = _fifo(tmp_path, "plan.toml")
    runs = [
        (["validate", str(fifo_csv)], "is a named pipe (FIFO), not a regular file"),
        (["validate", "/dev/zero"], "is a device, not a regular file"),
        (["coverage", "--dem", str(fifo_tif), "--stations", str(good["stations"]), "--out", str(tmp_path / "c")],
         "is a named pipe (FIFO)"),
        (["coverage", "--dem", "/dev/zero", "--stations", str(good["stations"]), "--out", str(tmp_path / "d")],
         "is a device"),
        (["gaps", "--coverage", str(good["coverage"]), "--population", str(good["population"]),
          "--communes", str(fifo_geojson), "--out", str(tmp_path / "g")], "is a named pipe (FIFO)"),
        (["run", str(fifo_toml), "--out", str(tmp_path / "r")], "is a named pipe (FIFO)"),
        (["run", "/dev/zero", "--out", str(tmp_path / "z")], "is a device"),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", CLI_RUNS, json.dumps([argv for argv, _ in runs])],
                          capture_output=True, text=True, timeout=180, env=env)  # fmt: skip
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for (argv, message), (code, err) in zip(runs, results, strict=True):
        assert code == 2, (argv, err)
        assert message in err, (argv, err)
        assert "Traceback" not in err


def test_nul_in_a_path_is_a_clear_error(tmp_path: Path, capsys: Any) -> None:
    from towerplan.cli import main as cli_main
    from towerplan.input_files import checked_path

    with pytest.raises(InputError, match="holds a NUL character"):
        checked_path("a\x00b.csv")
    assert cli_main(["validate", "a\x00b.csv"]) in (1, 2)
    err = capsys.readouterr().err
    assert "a\\x00b.csv holds a NUL character" in err


# ----------------------------------------------------------------------------- folders and links


def test_a_study_file_linking_outside_its_folder_is_refused(tmp_path: Path, good: dict[str, Path]) -> None:
    from towerplan.workflow import load_study_folder

    study = tmp_path / "study"
    study.mkdir()
    for role in ("dem", "population"):
        (study / good[role].name).write_bytes(good[role].read_bytes())
    outside = tmp_path / "secret" / "list.csv"
    outside.parent.mkdir()
    outside.write_bytes(good["stations"].read_bytes())
    (study / "stations.csv").symlink_to(outside)
    with pytest.raises(UnreadableFileError, match=r"a symbolic link to .*outside the study folder"):
        load_study_folder(study, resolution_m=90)


def test_a_report_over_its_input_is_refused(tmp_path: Path, good: dict[str, Path], capsys: Any) -> None:
    from towerplan.cli import main as cli_main

    path = tmp_path / "x.csv"
    path.write_bytes(good["stations"].read_bytes())
    before = path.read_bytes()
    assert cli_main(["validate", str(path), "--report-csv", str(path)]) == 2
    assert "is the input file" in capsys.readouterr().err
    assert path.read_bytes() == before
    os.chdir(tmp_path)
    assert cli_main(["validate", "x.csv", "--report-csv", "./x.csv"]) == 2


# ----------------------------------------------------------------------------- size before reading


def _sparse_tif(path: Path, size: int) -> Path:
    import rasterio
    from affine import Affine

    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=1, dtype="float32",
                       crs="EPSG:32648", transform=Affine(30.0, 0, 400_000.0, 0, -30.0, 2_400_000.0),
                       tiled=True, blockxsize=512, blockysize=512, sparse_ok=True, compress="deflate"):
        pass  # fmt: skip
    return path


def test_a_sparse_22000_square_raster_is_refused_before_it_is_read(tmp_path: Path, monkeypatch: Any) -> None:
    """60 kB on disk, 1.9 GB in memory: the memory guard answers before any pixel is read."""
    import towerplan.resources as resources
    from towerplan.rasters import read_grid
    from towerplan.terrain import read_dem

    path = _sparse_tif(tmp_path / "sparse.tif", 22_000)
    assert path.stat().st_size < 2_000_000
    monkeypatch.setattr(resources, "available_memory", lambda **_: 1_000_000_000)
    t0 = time.perf_counter()
    with pytest.raises(ConfigError, match=r"reading sparse\.tif"):
        read_grid(path)
    with pytest.raises(ConfigError, match="reading the DEM onto"):
        read_dem(path, resolution_m=60)
    assert time.perf_counter() - t0 < 10


def test_workers_are_capped_to_the_machine(caplog: Any) -> None:
    from towerplan.coverage.executors import cap_workers

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with caplog.at_level(logging.WARNING):
        assert cap_workers(100_000) == cpus
    assert "workers = 100,000 capped" in caplog.text
    assert cap_workers(1) == 1
    assert cap_workers(100_000, executor="serial") == 100_000


def test_an_input_listed_twice_is_read_once(tmp_path: Path, good: dict[str, Path], caplog: Any) -> None:
    from towerplan.stations import read_many, read_stations
    from towerplan.terrain import read_dem

    once = read_stations(good["stations"])
    twice = read_many([good["stations"], good["stations"]])
    assert len(twice.stations) == len(once.stations)
    assert "duplicate_file" in {i.code for i in twice.report.issues}
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        read_dem([good["dem"]] * 200, resolution_m=90)
    repeats = [r for r in caplog.records if "listed more than once" in r.getMessage()]
    assert len(repeats) == 1
    assert "(200 times)" in repeats[0].getMessage()


# ----------------------------------------------------------------------------- one writer per output folder


HOLDER = """
import sys, time
from towerplan.outlock import output_lock
with output_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_run_into_a_busy_out_is_refused(tmp_path: Path) -> None:
    """Two real processes: one holds --out, `towerplan run` into it is refused at once, naming the owner."""
    scenario = tmp_path / "plan.toml"
    scenario.write_text('[scenario]\nname = "x"\n[inputs]\ndemo = true\n', encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(out), "120"], stdout=subprocess.PIPE, text=True,
                              env=env)  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        done = subprocess.run([sys.executable, "-m", "towerplan", "run", str(scenario), "--out", str(out), "--force"],
                              capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 2, done.stderr
    assert f"is being written by another towerplan run (pid {holder.pid}" in done.stderr
    assert not out.exists()
    # the holder is gone (killed): the kernel released its lock
    from towerplan.outlock import output_lock

    with output_lock(out):
        pass


def test_staging_folders_are_swept_only_when_their_owner_is_gone(tmp_path: Path) -> None:
    from towerplan.outlock import owner_gone, staging_prefix

    out = tmp_path / "plan"
    mine = tmp_path / (staging_prefix(out) + "abc")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        alive = tmp_path / staging_prefix(out).replace(f"-{os.getpid()}-", f"-{child.pid}-")
        assert not owner_gone(alive)
        assert not owner_gone(mine)
    finally:
        child.kill()
        child.wait()
    assert owner_gone(alive)  # its process has ended
    assert owner_gone(tmp_path / ".plan.tmp-k2j3h4")  # the old ownerless form
    assert not owner_gone(tmp_path / ".plan.tmp-otherhost-1-abc")  # another host: never swept from here


def test_the_lock_is_reentrant_and_exclusive_across_descriptors(tmp_path: Path) -> None:
    from towerplan.outlock import OutputBusyError, output_lock

    out = tmp_path / "o"
    with output_lock(out), output_lock(out):  # the CLI, then the package writer, in one process
        code = ("import sys\nfrom towerplan.outlock import output_lock, OutputBusyError\n"
                "try:\n    output_lock(sys.argv[1]).__enter__()\nexcept OutputBusyError as e:\n    print(e)\n")
        done = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
        assert "is being written by another towerplan run" in done.stdout
    assert issubclass(OutputBusyError, ConfigError)


# ----------------------------------------------------------------------------- plans that cannot be right


def _write_tif(path: Path, values: np.ndarray, nodata: float | None = None) -> Path:
    path.write_bytes(make_bad_inputs._tif(values.astype(np.float32), nodata=nodata))
    return path


def _commune(lon0: float, lat0: float, size: float = 0.01) -> Any:
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame({"name": ["A"]}, geometry=[shapely.box(lon0, lat0, lon0 + size, lat0 + size)], crs=4326)


def test_absurd_people_counts_are_refused(tmp_path: Path, good: dict[str, Path]) -> None:
    from towerplan.errors import RasterDataError
    from towerplan.workflow import load_study_inputs

    people = np.full((40, 40), 5.0)
    people[7, 9] = 3e38
    pop = _write_tif(tmp_path / "pop.tif", people)
    with pytest.raises(RasterDataError, match=r"holds 3e\+38 people in one cell \(row 8, column 10\)"):
        load_study_inputs(dem=good["dem"], population=pop, stations=good["stations"])


def test_missing_people_reach_the_summary_and_meaningless_studies_fail(tmp_path: Path, good: dict[str, Path]) -> None:
    from towerplan.workflow import load_study_inputs

    people = np.full((40, 40), 5.0)
    people[:, :8] = -1.0  # a fifth of the cells without data
    pop = _write_tif(tmp_path / "pop.tif", people, nodata=-1.0)
    inputs = load_study_inputs(dem=good["dem"], population=pop, stations=good["stations"])
    assert any("20% of the study grid's land cells have no data in the population raster" in w
               for w in inputs.warnings)
    # communes far from the study: refused; some of them outside: a warning
    far = tmp_path / "far.gpkg"
    _commune(107.5, 21.0).to_file(far, driver="GPKG", engine="pyogrio")
    with pytest.raises(ConfigError, match="none of the 1 communes overlaps the study grid"):
        load_study_inputs(dem=good["dem"], population=good["population"], stations=good["stations"], communes=far)
    import pandas as pd

    both = tmp_path / "both.gpkg"
    pd.concat([_commune(107.5, 21.0), _commune(105.585, 19.87)]).to_file(both, driver="GPKG", engine="pyogrio")
    inputs = load_study_inputs(dem=good["dem"], population=good["population"], stations=good["stations"],
                               communes=both)  # fmt: skip
    assert "1 of 2 communes lie wholly outside the study grid" in " ".join(inputs.warnings)
    empty = _write_tif(tmp_path / "empty.tif", np.zeros((40, 40)))
    with pytest.raises(ConfigError, match="puts no people on the study grid"):
        load_study_inputs(dem=good["dem"], population=empty, stations=good["stations"])


def test_input_warnings_are_written_into_the_report() -> None:
    import dataclasses

    from export_sample import sample_package

    from towerplan.export.report_html import render_html
    from towerplan.export.report_model import build_report

    package = sample_package(optional_layers=False)
    warned = dataclasses.replace(package, summary={**package.summary, "warnings": ["20% of the cells have no data"]})
    page = render_html(build_report(warned, figures={}, lang="en"))
    assert "Input warning: 20% of the cells have no data" in page


# ----------------------------------------------------------------------------- short, clear messages


@pytest.mark.parametrize(("area", "message"), [
    ("nan,nan,nan,nan", "looks like a box but 'nan' is not a finite number"),
    ("105,19,inf,20", "looks like a box but 'inf' is not a finite number"),
    ("-180,-90,180,90", "spans 360 x 180 degrees, more than the 20 x 20 a study area may"),
])  # fmt: skip
def test_impossible_areas_get_one_short_message(area: str, message: str, tmp_path: Path, capsys: Any) -> None:
    from towerplan.cli import main as cli_main

    assert cli_main(["fetch", f"--area={area}", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.splitlines()) <= 3
    assert not (tmp_path / "s").exists()


def test_control_and_bidi_characters_in_names_are_shown_as_codes(tmp_path: Path, capsys: Any) -> None:
    from towerplan.cli import main as cli_main

    name = "st\u202eations\x1b[31m.csv"
    assert cli_main(["validate", str(tmp_path / name)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\u202e" not in err
    assert "st\\u202eations\\x1b[31m.csv" in err


def test_escape_codes_in_cells_are_not_sent_to_the_terminal(tmp_path: Path, capsys: Any) -> None:
    from towerplan.cli import main as cli_main

    path = tmp_path / "s.csv"
    path.write_text("site_id,lon,lat,operator\nA\u202e,105.7,abc\x1b[2J,Viettel\n", encoding="utf-8")
    cli_main(["validate", str(path)])
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "\\x1b[2J" in out
