"""The project store's behaviour, the same on both backends (SQLite/GeoPackage and PostgreSQL+PostGIS)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from store_project import FAST, PASSWORDS, make_project, station_csv

from towerplan.errors import InputError
from towerplan.store import (
    LATEST_VERSION,
    LoginThrottledError,
    NotAllowedError,
    NotFoundError,
    StoreError,
    open_store,
)


@pytest.fixture
def project(store_location, tmp_path):
    return make_project(store_location, tmp_path)


def test_schema_is_created_once_and_upgraded_from_v1(store_location):
    store = open_store(store_location, policy=FAST)
    assert store.version == 0
    assert store.init(target_version=1) == 1
    store.bootstrap_admin("first-admin", "first-admin-pw")
    with pytest.raises(StoreError, match="schema version 1"):
        store.check_ready()
    assert store.init() == LATEST_VERSION
    assert store.init() == LATEST_VERSION  # idempotent
    store.check_ready()
    session = store.login("first-admin", "first-admin-pw")  # v1 data, v2 sessions
    assert store.authenticate(session.token).username == "first-admin"
    with store.db.transaction() as tx:
        steps = [r[0] for r in tx.execute("SELECT version FROM schema_version ORDER BY version").fetchall()]
    assert steps == list(range(1, LATEST_VERSION + 1))


def test_passwords_are_argon2_hashes_and_sessions_expire(store_location):
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = open_store(store_location, clock=lambda: now[0], policy=FAST)
    store.init()
    store.bootstrap_admin("admin", PASSWORDS["admin"])
    with store.db.transaction() as tx:
        stored = tx.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$")
    assert PASSWORDS["admin"] not in stored
    session = store.login("admin", PASSWORDS["admin"])
    with store.db.transaction() as tx:
        kept = tx.execute("SELECT token_sha256 FROM sessions").fetchone()[0]
    assert kept == hashlib.sha256(session.token.encode()).hexdigest()
    assert session.token not in kept
    assert store.authenticate(session.token).role == "admin"
    now[0] += timedelta(hours=8, seconds=1)
    with pytest.raises(NotAllowedError, match="expired"):
        store.authenticate(session.token)
    other = store.login("admin", PASSWORDS["admin"])
    store.logout(other.token)
    with pytest.raises(NotAllowedError):
        store.authenticate(other.token)


def test_repeated_login_failures_are_slowed_down(store_location):
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    store = open_store(store_location, clock=lambda: now[0], policy=FAST)
    store.init()
    store.bootstrap_admin("admin", PASSWORDS["admin"])
    for _ in range(3):
        with pytest.raises(StoreError, match="wrong user name or password"):
            store.login("admin", "not-the-password")
    # the third failure locks the account for 2 s; then even the right password waits
    with pytest.raises(LoginThrottledError) as caught:
        store.login("admin", PASSWORDS["admin"])
    assert caught.value.retry_after_s == pytest.approx(2.0)
    now[0] += timedelta(seconds=2.5)
    with pytest.raises(StoreError):
        store.login("admin", "still-wrong")  # 4th failure: 4 s
    now[0] += timedelta(seconds=3)
    with pytest.raises(LoginThrottledError):
        store.login("admin", PASSWORDS["admin"])
    now[0] += timedelta(seconds=1.5)
    assert store.login("admin", PASSWORDS["admin"]).actor.username == "admin"
    # an unknown user reads exactly like a wrong password
    with pytest.raises(StoreError, match=r"^wrong user name or password$"):
        store.login("nobody", "whatever-pw")


def test_admin_manages_users_and_others_cannot(project):
    store = project.store
    users = {u.username: u for u in store.list_users(project.admin)}
    assert users["vt"].operator == "Viettel"
    assert users["mb"].operator == "MobiFone"
    assert users["planner"].role == "planner"
    for actor in (project.vt, project.planner):
        with pytest.raises(NotAllowedError):
            store.create_user(actor, "eve", "eve-password", "admin")
        with pytest.raises(NotAllowedError):
            store.list_users(actor)
    store.disable_user(project.admin, "mb")
    with pytest.raises(NotAllowedError):  # the live actor stops at once
        store.station_versions(project.mb)
    with pytest.raises(StoreError):
        store.login("mb", PASSWORDS["mb"])
    store.set_role(project.admin, "vt", "planner")
    with pytest.raises(NotAllowedError, match="role changed"):
        store.current_versions(project.vt)


def test_an_external_identity_opens_a_session_only_for_an_enabled_account(project):
    store = project.store
    store.create_user(project.admin, "An.Nguyen@ThanhHoa.example", "unused-password-1", "operator", operator="VNPT")
    session = store.login_external("an.nguyen@thanhhoa.example", provider="Sở KH&CN")  # e-mail case ignored
    assert store.authenticate(session.token) == session.actor
    assert (session.actor.role, session.actor.operator) == ("operator", "VNPT-VinaPhone")
    with pytest.raises(StoreError, match="has no enabled account"):
        store.login_external("stranger@example.org", provider="Sở KH&CN")
    with pytest.raises(StoreError, match="no usable e-mail"):
        store.login_external("  ", provider="Sở KH&CN")
    store.disable_user(project.admin, "An.Nguyen@ThanhHoa.example")
    with pytest.raises(NotAllowedError):
        store.authenticate(session.token)
    with pytest.raises(StoreError, match="has no enabled account"):
        store.login_external("an.nguyen@thanhhoa.example", provider="Sở KH&CN")
    actions = [(e.action, e.target) for e in store.audit_log(project.admin)]
    assert ("login.external", "user An.Nguyen@ThanhHoa.example") in actions
    assert ("login.external.refused", "user stranger@example.org") in actions
    assert all(u.username != "stranger@example.org" for u in store.list_users(project.admin))


def test_upload_keeps_versions_report_checksum_and_restores(project, tmp_path):
    store, vt = project.store, project.vt
    first = store.upload_stations(vt, project.files["Viettel"])
    assert (first.operator, first.number, first.n_sectors, first.uploaded_by) == ("Viettel", 1, 9, "vt")
    assert first.sha256 == hashlib.sha256(project.files["Viettel"].read_bytes()).hexdigest()
    bigger = station_csv(tmp_path / "viettel-v2.csv", "Viettel", n_sites=5)
    bad = bigger.read_text().replace("VT-SECRET-004-1,Viettel,4G,105.54", "VT-SECRET-004-1,Viettel,4G,999")
    bigger.write_text(bad)
    second = store.upload_stations(vt, bigger)
    assert (second.number, second.n_sectors, second.n_rejected) == (2, 14, 1)
    assert second.report["summary"]["errors"] >= 1
    assert any(i["row"] is not None and i["severity"] == "error" for i in second.report["issues"])
    versions = store.station_versions(vt)
    assert [(v.number, v.current) for v in versions] == [(1, False), (2, True)]
    assert len(store.load_stations(vt)) == 14
    restored = store.restore_version(vt, first.version_id)
    assert (restored.number, restored.restored_from, restored.n_sectors) == (3, first.version_id, 9)
    again = store.load_stations(vt)
    assert sorted(again["cell_id"]) == sorted(store.load_stations(vt, [first.version_id])["cell_id"])
    assert len(store.load_stations(vt, [second.version_id])) == 14  # the old version is kept
    actions = [e.action for e in store.audit_log(project.admin)]
    assert actions.count("stations.upload") == 2
    assert "stations.restore" in actions


def test_station_rows_keep_values_and_geometry(project):
    store = project.store
    store.upload_stations(project.vt, project.files["Viettel"])
    rows = store.load_stations(project.planner)
    assert rows.crs.to_epsg() == 4326
    first = rows.iloc[0]
    assert (first["site_id"], first["cell_id"], first["azimuth_deg"]) == ("VT-SECRET-000", "VT-SECRET-000-1", 0.0)
    assert first.geometry.x == pytest.approx(105.5)
    assert first.geometry.y == pytest.approx(19.8)
    assert rows["eirp_dbm"].tolist() == [59.0] * 9


def test_a_plan_uses_the_versions_it_started_with(project, tmp_path):
    store = project.store
    v1 = store.upload_stations(project.vt, project.files["Viettel"])
    store.upload_stations(project.mb, project.files["MobiFone"])
    snapshot = store.current_versions(project.planner)
    assert snapshot == {"MobiFone": 2, "Viettel": 1} or set(snapshot) == {"MobiFone", "Viettel"}
    # an upload lands while the plan runs
    store.upload_stations(project.vt, station_csv(tmp_path / "v2.csv", "Viettel", n_sites=7))
    running = store.load_stations(project.planner, snapshot)
    assert len(running) == 18
    assert set(running.loc[running.operator == "Viettel", "version_id"]) == {v1.version_id}
    plan = store.record_plan(project.planner, "plan A", scenario="[coverage]\n", settings={"budget_towers": 5},
                             station_versions=snapshot, summary={"people_covered": 1234}, package_path="/plans/a")
    assert store.plan(project.planner, plan.plan_id).station_versions == snapshot
    assert store.current_versions(project.planner)["Viettel"] != snapshot["Viettel"]


def test_upload_rules(project, tmp_path):
    store = project.store
    with pytest.raises(NotAllowedError):
        store.upload_stations(project.vt, project.files["MobiFone"], operator="MobiFone")
    with pytest.raises(InputError, match="not Viettel's"):
        store.upload_stations(project.vt, project.files["MobiFone"])
    with pytest.raises(NotAllowedError):
        store.upload_stations(project.admin, project.files["Viettel"])
    planner_version = store.upload_stations(project.planner, project.files["MobiFone"])  # its single operator
    assert planner_version.operator == "MobiFone"
    assert planner_version.uploaded_by == "planner"
    empty = tmp_path / "empty.csv"
    empty.write_text("site_id,lon,lat,operator\nX,999,999,Viettel\n")
    with pytest.raises(InputError):
        store.upload_stations(project.vt, empty)
    assert store.station_versions(project.vt) == []


def test_inputs_by_reference_and_checksum(project, tmp_path):
    store = project.store
    dem = tmp_path / "dem.tif"
    dem.write_bytes(b"not really a tiff but bytes all the same")
    ref = store.register_input(project.planner, "dem", dem)
    assert ref.sha256 == hashlib.sha256(dem.read_bytes()).hexdigest()
    remote = store.register_input(project.planner, "roads", "https://example.org/roads.gpkg", sha256="a" * 64)
    assert remote.reference == "https://example.org/roads.gpkg"
    with pytest.raises(InputError):
        store.register_input(project.planner, "dem", dem, sha256="b" * 64)
    with pytest.raises(NotAllowedError):
        store.register_input(project.vt, "dem", dem)
    assert [i.kind for i in store.inputs(project.vt)] == ["dem", "roads"]


def test_sql_in_names_and_values_is_stored_and_shown_as_text(project, tmp_path):
    store = project.store
    evil_user = "x');DROP_TABLE_users;--"
    evil_operator = "Robert'); DROP TABLE stations;--"
    store.create_user(project.admin, evil_user, "evil-password-1", "operator", operator=evil_operator)
    evil = store.login(evil_user, "evil-password-1").actor
    assert evil.operator == evil_operator
    assert {u.username: u.operator for u in store.list_users(project.admin)}[evil_user] == evil_operator
    path = station_csv(tmp_path / "x'; DELETE FROM audit; --.csv", "Viettel", prefix="'); DROP TABLE stations; --")
    version = store.upload_stations(project.vt, path)
    assert version.filename == "x'; DELETE FROM audit; --.csv"
    rows = store.load_stations(project.vt)
    assert rows["site_id"].iloc[0] == "'); DROP TABLE stations; --000"
    plan = store.record_plan(project.planner, "plan'; DROP TABLE plans; --", scenario="x", settings={},
                             station_versions={}, summary={"note": "' OR 1=1 --"})
    assert store.plan(project.planner, plan.plan_id).name == "plan'; DROP TABLE plans; --"
    assert store.plan(project.planner, plan.plan_id).summary == {"note": "' OR 1=1 --"}
    # nothing was dropped or deleted, and the SQL-named operator sees nothing of the others
    assert len(store.audit_log(project.admin)) > 5
    assert {u.username for u in store.list_users(project.admin)} >= {"admin", "vt", evil_user}
    assert store.station_versions(evil) == []
    assert store.current_versions(evil) == {}
    assert len(store.load_stations(project.planner)) == 9
    with pytest.raises(NotFoundError):
        store.load_stations(evil, [version.version_id])


def test_a_failure_mid_upload_leaves_nothing(project, monkeypatch):
    store = project.store
    store.upload_stations(project.vt, project.files["Viettel"])

    def fail(*args, **kwargs):
        raise RuntimeError("disk full (injected)")

    monkeypatch.setattr(type(store), "audit", fail)
    with pytest.raises(RuntimeError, match="injected"):
        store.upload_stations(project.vt, project.files["Viettel"])
    monkeypatch.undo()
    assert [v.number for v in store.station_versions(project.vt)] == [1]
    with store.db.transaction() as tx:
        assert tx.execute("SELECT COUNT(*) FROM stations").fetchone()[0] == 9
        assert tx.execute("SELECT next_number FROM station_lists").fetchone()[0] == 2


def test_text_values_round_trip_exactly(project):
    """Tabs, newlines, backslashes, a literal \\N, quotes and Vietnamese survive the bulk load and read."""
    import pandas as pd

    weird = ["tab\there", "new\nline", "back\\slash", "\\N", 'quote"\'', "Trạm Sầm Sơn 1", "", "\\\\t"]
    table = pd.DataFrame({
        "site_id": weird, "cell_id": [f"c{i}" for i in range(len(weird))], "operator": "Viettel", "technology": "4G",
        "lon": [105.5 + i / 100 for i in range(len(weird))], "lat": 19.8, "azimuth_deg": [float("nan")] + [90.0] * 7,
        "band": [None] * len(weird), "source_row": range(2, 2 + len(weird)),
    })
    store = project.store
    version = store.put_stations(project.vt, "Viettel", table, sha256="0" * 64, filename="weird.csv")
    back = store.load_stations(project.planner, [version.version_id])
    assert back["site_id"].tolist() == weird
    assert back["band"].isna().all()
    assert pd.isna(back["azimuth_deg"].iloc[0])
    assert back["lon"].tolist() == table["lon"].tolist()
    assert [int(v) for v in back["source_row"]] == list(range(2, 2 + len(weird)))
