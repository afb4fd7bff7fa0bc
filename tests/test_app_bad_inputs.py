"""The app's upload handling over the corpus of bad inputs (tests/data/bad/cases.toml).

Every corpus case that is a file a planner can upload (station lists, DEM, population, communes,
roads) goes through :func:`app_pages.uploads.handle_upload`, the function the Data page calls:
no exception escapes, the message the page shows contains the corpus's expected fragment, the
valid station rows are kept, and nothing unusable is left in the session folder. Level rasters
and scenario files are not uploaded in the app (they are the CLI's).
"""

from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from app_pages import uploads
from app_pages.uploads import Upload, handle_upload, sweep_session_dirs, upload_display

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BAD = HERE / "data" / "bad"
FILES = BAD / "files"
UPLOAD_KINDS = ("stations", "dem", "population", "communes", "roads")
CASES = [c for c in tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))["case"]
         if c["kind"] in UPLOAD_KINDS]
#: where the app answers before the library reads the file: an empty upload is refused by
#: ``safety.check_upload`` (the CLI, reading the path, says the raster is unreadable)
APP_MESSAGE = {"dem/empty.tif": "the file is empty",
               # the roads uploader takes GeoPackage and GeoJSON only: the KML is refused by its suffix first
               "vectors/roads_network_link.kml": "is not a file type this upload takes"}

pytestmark = pytest.mark.filterwarnings("ignore:GPKG. bad application_id:RuntimeWarning")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Generated files, the valid companions and the valid DEM (as the page reads it), once per module."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("make_bad_inputs", HERE.parent / "scripts" / "make_bad_inputs.py")
    assert spec is not None
    assert spec.loader is not None
    make_bad_inputs = sys.modules.setdefault("make_bad_inputs", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(make_bad_inputs)
    root = tmp_path_factory.mktemp("bad_app")
    make_bad_inputs.write_large(root / "generated")
    good = make_bad_inputs.write_good_inputs(root / "good")
    dem = handle_upload("dem", "dem.tif", good["dem"].read_bytes(), root / "session", "en")
    assert dem.ok, dem.messages
    return {**good, "generated": root / "generated", "dem": dem.value}


def _shown(up: Upload) -> str:
    """Every text the Data page shows for the upload (messages, and a station list's report table)."""
    texts = [text for _, text in upload_display(up)]
    if up.role == "stations" and up.ok:
        texts += [str(m) for m in up.value.report.to_frame()["message"]]
    return "\n".join(texts)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["file"])
def test_every_uploadable_bad_input_is_shown(case: dict[str, Any], corpus: dict[str, Any], tmp_path: Path) -> None:
    path = (corpus["generated"] if case.get("generated") else FILES) / case["file"]
    up = handle_upload(case["kind"], path.name, path.read_bytes(), tmp_path, "en", dem=corpus["dem"],
                       resolution_m=90.0)
    expected = APP_MESSAGE.get(case["file"], case["message"])
    assert expected in _shown(up), (up.messages, upload_display(up))
    assert str(tmp_path) not in _shown(up)  # the server's folders are never shown
    assert f"{case['kind']}-" not in " ".join(up.messages)  # nor the stored file's generated name
    stored = list((tmp_path / "uploads").glob("*")) if (tmp_path / "uploads").is_dir() else []
    if case["error"] or case["file"] in APP_MESSAGE:
        assert not up.ok
        assert upload_display(up)
        assert all(level == "error" for level, _ in upload_display(up))
        assert stored == [], "an unusable upload is removed from the session folder"
        return
    assert up.ok
    assert up.path is not None
    assert stored == [up.path]
    assert up.path.parent == tmp_path.resolve() / "uploads"
    assert path.name not in up.path.name or path.name.startswith(("N", "S"))  # the user's name is not the path
    if case["kind"] == "stations":
        assert len(up.value.stations) == case["kept"]


def test_corpus_has_uploadable_cases_of_every_kind() -> None:
    assert {c["kind"] for c in CASES} == set(UPLOAD_KINDS)
    assert len(CASES) >= 70


# ------------------------------------------------------------------ the checks before a byte is written
def test_file_names_never_become_paths(tmp_path: Path) -> None:
    data = b"site_id,operator,technology,lon,lat\nA1,Viettel,4G,105.78,19.81\n"
    up = handle_upload("stations", "../../../etc/cron.d/x.CSV", data, tmp_path, "en")
    assert up.ok, up.messages
    assert up.path is not None
    assert up.path.parent == (tmp_path / "uploads").resolve()
    assert up.path.name.startswith("stations-")
    assert up.path.suffix == ".csv"
    assert up.value.n_rows_read == 1


def test_wrong_type_and_too_large_are_refused_before_writing(tmp_path: Path, monkeypatch) -> None:
    up = handle_upload("dem", "dem.exe", b"MZ...", tmp_path, "en")
    assert not up.ok
    assert "not a file type this upload takes" in up.messages[0]
    assert ".tif" in up.messages[0]
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1000)
    up = handle_upload("stations", "big.csv", b"x" * 1001, tmp_path, "vi")
    assert not up.ok
    assert "vượt giới hạn tải lên" in up.messages[0]  # the UI language
    assert not (tmp_path / "uploads").exists() or not any((tmp_path / "uploads").iterdir())


def test_a_reader_crash_is_a_message_not_an_exception(tmp_path: Path, monkeypatch) -> None:
    def boom(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("a bug in a reader")

    monkeypatch.setattr("towerplan.vectors.read_roads", boom)
    up = handle_upload("roads", "roads.geojson", b"{}", tmp_path, "en")
    assert not up.ok
    assert "Unexpected error" in up.messages[0]
    assert "ZeroDivisionError" in up.messages[0]


def test_population_needs_a_dem(tmp_path: Path, corpus: dict[str, Any]) -> None:
    data = corpus["population"].read_bytes()
    assert not handle_upload("population", "pop.tif", data, tmp_path, "en").ok
    up = handle_upload("population", "pop.tif", data, tmp_path, "en", dem=corpus["dem"])
    assert up.ok, up.messages
    assert up.value.grid.same_lattice(corpus["dem"])


# ------------------------------------------------------------------ session folders
def test_sweep_removes_only_old_session_folders(tmp_path: Path) -> None:
    old = tmp_path / f"{uploads.SESSION_PREFIX}old"
    new = tmp_path / f"{uploads.SESSION_PREFIX}new"
    other = tmp_path / "something-else"
    for folder in (old, new, other):
        (folder / "uploads").mkdir(parents=True)
        (folder / "uploads" / "stations-1.csv").write_text("x")
    day_ago = time.time() - 25 * 3600
    os.utime(old, (day_ago, day_ago))
    os.utime(other, (day_ago, day_ago))
    link = tmp_path / f"{uploads.SESSION_PREFIX}link"
    link.symlink_to(other)
    assert sweep_session_dirs(max_age_h=24, root=tmp_path) == [old]
    assert not old.exists()
    assert new.is_dir()
    assert other.is_dir()
    assert link.is_symlink()


def test_ui_messages_exist_in_both_languages_with_the_same_placeholders() -> None:
    import re

    from towerplan.i18n import MESSAGES, placeholders

    used = set()
    for page in (REPO / "app_pages").glob("*.py"):
        used |= set(re.findall(r"\bui\(\s*[\"']([a-z0-9_]+)[\"']", page.read_text(encoding="utf-8")))
    used |= set(re.findall(r"\bui\(\s*[\"']([a-z0-9_]+)[\"']", (REPO / "app.py").read_text(encoding="utf-8")))
    assert {"upload_empty", "run_failed"} <= used
    for key in used:
        assert key in MESSAGES["vi"], key
        assert key in MESSAGES["en"], key
        assert placeholders(MESSAGES["vi"][key]) == placeholders(MESSAGES["en"][key]), key
