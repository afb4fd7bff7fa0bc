"""Concurrency and crash safety of the store, on both backends, with real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from store_project import PASSWORDS, make_project, station_csv

REPO = Path(__file__).resolve().parents[1]

_UPLOADER = textwrap.dedent("""
    import os, signal, sys
    sys.path.insert(0, {tests!r})
    from store_project import FAST
    from towerplan.store import Store, open_store
    location, user, password, path, repeats, crash = sys.argv[1:7]
    store = open_store(location, policy=FAST)
    actor = store.login(user, password).actor
    if crash == "kill":
        # the process dies inside the upload's transaction, after its station rows are written
        Store.audit = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
    for _ in range(int(repeats)):
        store.upload_stations(actor, path, operator="Viettel" if user == "planner" else None)
""")


def _start(script: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, str(script), *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.fixture
def uploader(tmp_path) -> Path:
    script = tmp_path / "uploader.py"
    script.write_text(_UPLOADER.format(tests=str(REPO / "tests")))
    return script


@pytest.mark.slow
def test_operators_uploading_at_once_in_processes(store_location, tmp_path, uploader):
    project = make_project(store_location, tmp_path)
    big = station_csv(tmp_path / "viettel-big.csv", "Viettel", n_sites=400)
    runs = [
        _start(uploader, store_location, "vt", PASSWORDS["vt"], str(big), "3", "no"),
        _start(uploader, store_location, "mb", PASSWORDS["mb"], str(project.files["MobiFone"]), "3", "no"),
        _start(uploader, store_location, "planner", PASSWORDS["planner"], str(project.files["Viettel"]), "3", "no"),
    ]
    for run in runs:
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    store = project.store
    versions = store.station_versions(project.planner)
    numbers = {op: sorted(v.number for v in versions if v.operator == op) for op in ("Viettel", "MobiFone")}
    assert numbers == {"Viettel": [1, 2, 3, 4, 5, 6], "MobiFone": [1, 2, 3]}
    with store.db.transaction() as tx:
        for v in versions:
            count = tx.execute("SELECT COUNT(*) FROM stations WHERE version_id = ?", (v.version_id,)).fetchone()[0]
            assert count == v.n_sectors == (1200 if v.filename == "viettel-big.csv" else 9)
    assert store.current_versions(project.planner)["Viettel"] == max(
        v.version_id for v in versions if v.operator == "Viettel")
    assert len([e for e in store.audit_log(project.admin) if e.action == "stations.upload"]) == 9


def test_a_process_killed_mid_upload_leaves_nothing(store_location, tmp_path, uploader):
    project = make_project(store_location, tmp_path)
    store = project.store
    first = store.upload_stations(project.vt, project.files["Viettel"])
    big = station_csv(tmp_path / "viettel-big.csv", "Viettel", n_sites=300)
    run = _start(uploader, store_location, "vt", PASSWORDS["vt"], str(big), "1", "kill")
    run.communicate(timeout=300)
    assert run.returncode == -signal.SIGKILL
    assert [v.version_id for v in store.station_versions(project.vt)] == [first.version_id]
    with store.db.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) FROM stations").fetchone()[0] == 9
        assert tx.execute("SELECT COUNT(*) FROM station_versions").fetchone()[0] == 1
    # the store works on: the next upload is version 2
    assert store.upload_stations(project.vt, big).number == 2
