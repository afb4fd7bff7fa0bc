"""Archive and upload safety (towerplan.safety), resource guards (towerplan.resources), network timeouts."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS, Transformer

import towerplan
import towerplan.resources as resources
from towerplan.errors import ConfigError, InputError, RasterDataError, TowerplanError, UnreadableFileError
from towerplan.grid import Grid
from towerplan.safety import (
    MAX_UPLOAD_BYTES,
    UnsafeInputError,
    check_upload,
    read_zip_member,
    safe_extract,
    safe_upload_path,
    sanitised_suffix,
)

DATE = (2026, 1, 1, 0, 0, 0)


def make_zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=DATE) if isinstance(name, str) else name
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buffer.getvalue()


def symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=DATE)
    info.create_system = 3
    info.external_attr = 0o120777 << 16
    return info


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


# ----------------------------------------------------------------------------- safe_extract


def test_safe_extract_writes_plain_members(tmp_path: Path) -> None:
    data = make_zip([("doc.kml", b"<kml/>"), ("files/icon.png", b"png"), ("files/", b"")])
    written = safe_extract(data, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in written) == ["doc.kml", "files/icon.png"]
    assert (tmp_path / "out" / "files" / "icon.png").read_bytes() == b"png"


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("../evil.txt", "'..'"),
        ("a/../../evil.txt", "'..'"),
        ("..\\evil.txt", "'..'"),
        ("/etc/evil.txt", "absolute path"),
        ("\\\\server\\share\\evil.txt", "absolute path"),
        ("C:\\evil.txt", "absolute path"),
        ("c:evil.txt", "absolute path"),
    ],
)
def test_unsafe_names_are_refused_before_anything_is_written(tmp_path: Path, name: str, needle: str) -> None:
    data = make_zip([("first.txt", b"ok"), (name, b"evil")])
    with pytest.raises(UnsafeInputError, match=needle):
        safe_extract(data, tmp_path / "out")
    assert files_under(tmp_path) == []


def test_symlink_member_is_refused(tmp_path: Path) -> None:
    data = make_zip([(symlink("link"), b"/etc/passwd")])
    with pytest.raises(UnsafeInputError, match="symbolic link"):
        safe_extract(data, tmp_path / "out")
    with pytest.raises(UnsafeInputError, match="symbolic link"):
        read_zip_member(data, "link")
    assert files_under(tmp_path) == []


def test_too_many_members(tmp_path: Path) -> None:
    data = make_zip([(f"f{i}.txt", b"x") for i in range(11)])
    with pytest.raises(UnsafeInputError, match="11 members, more than the limit of 10"):
        safe_extract(data, tmp_path, max_members=10)
    assert len(safe_extract(data, tmp_path / "ok", max_members=11)) == 11


def test_bomb_by_ratio_is_refused_from_declared_sizes(tmp_path: Path) -> None:
    data = make_zip([("zeros.bin", bytes(8 * 1024 * 1024))])  # ~1000x
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        safe_extract(data, tmp_path)
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        read_zip_member(data, "zeros.bin")
    assert files_under(tmp_path) == []


def test_small_members_are_never_refused_for_their_ratio(tmp_path: Path) -> None:
    data = make_zip([("zeros.bin", bytes(512 * 1024))])  # ratio ~500 but only 512 KiB
    assert read_zip_member(data, "zeros.bin")[1] == bytes(512 * 1024)


def test_bomb_by_total_size_is_refused(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    block = rng.integers(0, 256, 200_000, dtype=np.uint8).tobytes()  # incompressible: ratio ~1
    data = make_zip([(f"part{i}.bin", block) for i in range(5)])
    with pytest.raises(UnsafeInputError, match="over the limit"):
        safe_extract(data, tmp_path, max_total_bytes=900_000)
    assert files_under(tmp_path) == []
    assert len(safe_extract(data, tmp_path / "ok", max_total_bytes=1_000_000)) == 5


def test_declared_sizes_that_lie_are_caught_while_reading(tmp_path: Path) -> None:
    """A header declaring fewer bytes than the data: zipfile stops at the declared size and the CRC fails."""
    data = bytearray(make_zip([("doc.kml", b"<kml>" + b"x" * 5000 + b"</kml>")]))
    for signature, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = data.find(signature)
        data[start + at : start + at + 4] = (10).to_bytes(4, "little")
    with pytest.raises(UnreadableFileError, match="damaged"):
        read_zip_member(bytes(data), "doc.kml")
    with pytest.raises(UnreadableFileError, match="damaged"):
        safe_extract(bytes(data), tmp_path)
    assert files_under(tmp_path) == []


def test_bytes_are_counted_while_unpacking(tmp_path: Path) -> None:
    data = make_zip([("a.bin", b"a" * 3000), ("b.bin", b"b" * 3000)])
    with pytest.raises(UnsafeInputError, match="over the limit"):
        read_zip_member(data, "a.bin", max_bytes=2000)
    # the per-member budget of safe_extract is what is left of the total
    with pytest.raises(UnsafeInputError, match="over the limit"):
        safe_extract(data, tmp_path, max_total_bytes=5000)
    assert files_under(tmp_path) == []


def test_nested_archives_are_not_unpacked(tmp_path: Path) -> None:
    inner = make_zip([("../evil.txt", b"evil")])
    written = safe_extract(make_zip([("inner.zip", inner)]), tmp_path / "out")
    assert [p.name for p in written] == ["inner.zip"]
    assert not (tmp_path / "evil.txt").exists()


def test_not_a_zip_and_missing_member(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="not a valid ZIP"):
        read_zip_member(b"hello", "x")
    with pytest.raises(UnreadableFileError, match="no member 'y'"):
        read_zip_member(make_zip([("x", b"1")]), "y")
    with pytest.raises(UnreadableFileError, match=r"no \.kml file inside"):
        read_zip_member(make_zip([("x", b"1")]), suffix=".kml")
    with pytest.raises(InputError):
        read_zip_member(make_zip([("x", b"1")]))
    path = tmp_path / "a.zip"
    path.write_bytes(make_zip([("A.KML", b"1"), ("doc.kml", b"2")]))
    assert read_zip_member(path, suffix=".kml", prefer="DOC.KML") == ("doc.kml", b"2")
    assert read_zip_member(path, suffix=".kml") == ("A.KML", b"1")


def test_two_members_with_one_target_are_refused(tmp_path: Path) -> None:
    data = make_zip([("a/x.txt", b"1"), ("a//x.txt", b"2")])
    with pytest.raises(UnsafeInputError, match="same file"):
        safe_extract(data, tmp_path / "out")
    assert files_under(tmp_path) == []


# ----------------------------------------------------------------------------- readers use it


def test_kmz_and_zipped_hgt_go_through_the_safety_checks(tmp_path: Path) -> None:
    from towerplan.stations import read_stations
    from towerplan.terrain import read_hgt

    kmz = tmp_path / "s.kmz"
    kmz.write_bytes(make_zip([("doc.kml", b"<kml/>"), ("/abs/x.png", b"x")]))
    with pytest.raises(UnsafeInputError, match="absolute path"):
        read_stations(kmz)
    tile = tmp_path / "N19E105.hgt.zip"
    tile.write_bytes(make_zip([("N19E105.hgt", bytes(1201 * 1201 * 2)), (symlink("x"), b"/etc/passwd")]))
    with pytest.raises(UnsafeInputError, match="symbolic link"):
        read_hgt(tile)
    # a flat (sea) tile compresses ~1000x and is still read: only exact SRTM sizes are ever unpacked
    tile.write_bytes(make_zip([("N19E105.hgt", bytes(1201 * 1201 * 2))]))
    assert read_hgt(tile).shape == (1201, 1201)


_PARSERS = {"parse", "fromstring", "iterparse", "XML", "XMLParser", "XMLPullParser", "parseString", "make_parser"}
_UNSAFE_XML = {"xml.etree.ElementTree", "xml.etree.cElementTree", "xml.dom.minidom", "xml.sax", "lxml.etree",
               "xml.dom.pulldom", "xml.parsers.expat"}  # fmt: skip


def _unsafe_xml_parsing(tree: ast.AST) -> list[int]:
    """Lines that parse XML with a stdlib or lxml parser (writing XML with ElementTree is fine)."""
    aliases: set[str] = set()
    direct: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            aliases |= {a.asname or a.name for a in node.names if a.name in _UNSAFE_XML}
        elif isinstance(node, ast.ImportFrom) and node.module in _UNSAFE_XML:
            direct |= {a.asname or a.name for a in node.names if a.name in _PARSERS}
        elif isinstance(node, ast.ImportFrom) and node.module in {"xml.etree", "xml.dom", "lxml", "xml"}:
            aliases |= {a.asname or a.name for a in node.names}
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            by_name = isinstance(f, ast.Name) and f.id in direct
            by_module = isinstance(f, ast.Attribute) and f.attr in _PARSERS and ast.unparse(f.value) in aliases
            if by_name or by_module:
                lines.append(node.lineno)
    return lines


def test_xml_is_parsed_with_defusedxml_only() -> None:
    """No module of towerplan parses XML with a stdlib or lxml parser: KML goes through defusedxml."""
    found = {}
    for path in Path(towerplan.__file__).parent.rglob("*.py"):
        if lines := _unsafe_xml_parsing(ast.parse(path.read_text(encoding="utf-8"))):
            found[path.name] = lines
    assert not found
    assert _unsafe_xml_parsing(ast.parse("import xml.etree.ElementTree as ET\nET.fromstring(b'')\nET.Element('a')"))
    reader = (Path(towerplan.__file__).parent / "stations" / "readers_geo.py").read_text(encoding="utf-8")
    assert "from defusedxml import ElementTree as SafeET" in reader
    assert "forbid_dtd=True" in reader


@pytest.mark.parametrize(
    "prolog",
    [
        '<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        '<!DOCTYPE kml SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ],
    ids=["external entity", "billion laughs", "external DTD"],
)
def test_kml_entities_and_dtds_are_refused(prolog: str) -> None:
    from towerplan.stations import read_stations

    name = "&xxe;" if "xxe" in prolog else "&c;" if "ENTITY c" in prolog else "K1"
    kml = (f'<?xml version="1.0"?>{prolog}<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark>'
           f"<name>{name}</name><Point><coordinates>105.7,19.8</coordinates></Point></Placemark></Document></kml>")
    with pytest.raises(UnreadableFileError, match="refused for safety"):
        read_stations(kml.encode(), name="a.kml")


# ----------------------------------------------------------------------------- uploads


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("stations.CSV", ".csv"),
        ("../../etc/passwd", ""),
        ("..\\..\\windows\\evil.xlsx", ".xlsx"),
        ("/abs/path/a.kmz", ".kmz"),
        ("a.c$v", ".cv"),
        ("noext", ""),
        (".hidden", ""),
        ("x.verylongsuffix", ".verylong"),
        ("tile.hgt.zip", ".zip"),
        ("evil.csv\x00.exe", ".exe"),
        ("Trạm.csv", ".csv"),
    ],
)
def test_sanitised_suffix(name: str, suffix: str) -> None:
    assert sanitised_suffix(name) == suffix


@pytest.mark.parametrize("name", ["../../x.csv", "/etc/passwd", "C:\\a\\b.csv", "a/../../../b.kmz", "..", "", "\x00"])
def test_upload_path_stays_inside_the_session_folder(tmp_path: Path, name: str) -> None:
    session = tmp_path / "session"
    path = safe_upload_path(session, name)
    assert path.parent == session.resolve()
    assert not path.exists()
    assert path.name.startswith("upload-")
    assert ".." not in path.name
    assert "/" not in path.name


def test_upload_paths_are_fresh_and_keep_srtm_tile_names(tmp_path: Path) -> None:
    paths = {safe_upload_path(tmp_path, "a.csv") for _ in range(50)}
    assert len(paths) == 50
    assert safe_upload_path(tmp_path, "n19e105.hgt").name.startswith("N19E105-")
    assert safe_upload_path(tmp_path, "N19E105.hgt.zip").suffix == ".zip"
    assert safe_upload_path(tmp_path, "../N19E105.hgt").name.startswith("N19E105-")
    assert safe_upload_path(tmp_path, "N19E105.hgt/../../x.csv").name.startswith("upload-")
    with pytest.raises(InputError):
        safe_upload_path(tmp_path, "a.csv", prefix="../x")


def test_check_upload() -> None:
    assert check_upload("A.CSV", 10) == ".csv"
    with pytest.raises(UnsafeInputError, match="empty"):
        check_upload("a.csv", 0)
    with pytest.raises(UnsafeInputError, match=r"over the upload limit of 200\.0 MiB"):
        check_upload("a.csv", MAX_UPLOAD_BYTES + 1)
    with pytest.raises(UnsafeInputError, match="expected one of"):
        check_upload("a.exe", 10, allowed_suffixes=(".csv", ".xlsx"))
    assert check_upload("a.xlsx", 10, max_bytes=10, allowed_suffixes=(".CSV", ".XLSX")) == ".xlsx"


# ----------------------------------------------------------------------------- memory guard


def test_available_memory_reads_meminfo(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       16000000 kB\nMemFree:         1000 kB\nMemAvailable:    2048 kB\n")
    assert resources.available_memory(meminfo=meminfo) == 2048 * 1024
    assert resources.available_memory() is None or resources.available_memory() > 0


def test_check_memory_message_names_size_limit_and_remedy() -> None:
    resources.check_memory(100, what="x", available=1000)
    with pytest.raises(ConfigError) as info:
        resources.check_memory(3 * 2**30, what="coverage on 9 x 9 cells", available=2**30)
    text = str(info.value)
    assert "coverage on 9 x 9 cells needs about 3.0 GiB" in text
    assert "819.2 MiB available (80% of 1.0 GiB free)" in text
    assert "coarser resolution" in text
    with pytest.raises(InputError):
        resources.check_memory(float("nan"), what="x")
    assert isinstance(info.value, TowerplanError)


def _tiny_dem() -> Grid:
    rows, cols = np.mgrid[0:30, 0:30]
    values = (20.0 + 2.0 * np.sin(rows / 5.0) + cols * 0.5).astype(np.float32)
    return Grid(values, Affine(30.0, 0, 500_010.0, 0, -30.0, 2_000_020.0), CRS.from_epsg(32648), None)


def _stations(dem: Grid, xy: list[tuple[float, float]]) -> pd.DataFrame:
    tr = Transformer.from_crs(dem.crs, "EPSG:4326", always_xy=True)
    lon, lat = tr.transform([p[0] for p in xy], [p[1] for p in xy])
    n = len(xy)
    return pd.DataFrame({"operator": ["Viettel"] * n, "technology": ["4G"] * n, "lon": lon, "lat": lat,
                         "antenna_height_m": [30.0] * n, "azimuth_deg": [np.nan] * n, "freq_mhz": [1800.0] * n,
                         "eirp_dbm": [60.0] * n})  # fmt: skip


def test_coverage_refuses_work_that_does_not_fit_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from towerplan.coverage.engine import coverage_bytes_needed, run_coverage

    dem = _tiny_dem()
    assert coverage_bytes_needed(dem.shape, 1, 1) == 900 * (2 * 32 + 24 + 4 * 6)
    monkeypatch.setattr(resources, "available_memory", lambda: 10_000)
    with pytest.raises(ConfigError, match=r"coverage on 30 x 30 cells needs about .* coarser --resolution-m"):
        run_coverage(dem, _stations(dem, [(500_400.0, 1_999_600.0)]))


def test_gap_analysis_refuses_work_that_does_not_fit_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from towerplan.planning.analysis import analyse_gaps

    dem = _tiny_dem()
    monkeypatch.setattr(resources, "available_memory", lambda: 1_000)
    with pytest.raises(ConfigError, match="the gap analysis on 30 x 30 cells needs about"):
        analyse_gaps({"viettel": dem.with_values(np.full(dem.shape, -80.0, np.float32))}, dem)


def test_population_alignment_refuses_huge_targets() -> None:
    from towerplan.population import align_population

    source = _tiny_dem()
    target = Grid(np.broadcast_to(np.float32(0), (30_000, 30_000)), Affine(1.0, 0, 500_000.0, 0, -1.0, 2_000_000.0),
                  CRS.from_epsg(32648), None)  # fmt: skip
    with pytest.raises(RasterDataError, match="over the limit"):
        align_population(source, target)


# ----------------------------------------------------------------------------- network timeouts


def _calls_without_timeout(tree: ast.AST) -> list[int]:
    """Line numbers of urlopen / opener.open / requests.* calls that pass no timeout."""
    bad = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        network = name == "urlopen" or (name == "open" and owner in {"opener", "urllib"}) or (
            owner == "requests" and name in {"get", "post", "head", "put", "request"}
        )
        if network and not any(k.arg == "timeout" for k in node.keywords):
            bad.append(node.lineno)
    return bad


def test_every_network_call_has_a_timeout() -> None:
    package = Path(towerplan.__file__).parent
    offenders = {}
    calls = 0
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        calls += text.count("opener.open(") + text.count("urlopen(")
        if lines := _calls_without_timeout(tree):
            offenders[str(path.relative_to(package))] = lines
    assert calls >= 2  # the audit looks at the real download code
    assert not offenders
    # the audit itself catches a call without a timeout
    assert _calls_without_timeout(ast.parse("opener.open(request)\nrequests.get(url)\n")) == [1, 2]


def test_osmnx_gets_a_requests_timeout() -> None:
    """osmnx's requests have no default timeout we rely on: the roads step sets ``requests_timeout``."""
    source = (Path(towerplan.__file__).parent / "sources" / "roads.py").read_text(encoding="utf-8")
    assert "requests_timeout=timeout_s" in source
    # tests/test_sources_roads.py::test_overpass_timeout_is_a_download_error checks it works on a slow server


def test_downloaded_zips_with_unsafe_members_are_refused(tmp_path: Path) -> None:
    from towerplan.sources.http import _format_problem

    path = tmp_path / "N19E105.SRTMGL3.hgt.zip"
    path.write_bytes(make_zip([("../N19E105.hgt", b"x")]))
    assert "refused" in (_format_problem(path, name=path.name) or "")
    path.write_bytes(make_zip([("N19E105.hgt", bytes(1201 * 1201 * 2))]))  # flat sea: a huge ratio is fine here
    assert _format_problem(path, name=path.name) is None
