"""An operator tries to reach another operator's stations through every store call, error and CLI command.

Both backends; on PostgreSQL also by raw SQL, through a database login and through the store's
own connection, where row-level security must stop it (PostgreSQL 15 manual, §5.8).
"""

from __future__ import annotations

import functools

import pytest
from store_project import FAST, PASSWORDS, SECRET, make_project

from towerplan.cli import main
from towerplan.cli import store as cli_store
from towerplan.errors import TowerplanError
from towerplan.store import NotAllowedError, NotFoundError, open_store


@pytest.fixture
def uploaded(store_location, tmp_path):
    """Viettel (vt) and MobiFone (mb) have uploaded; the planner has a published and a draft plan."""
    project = make_project(store_location, tmp_path)
    store = project.store
    project.vt_version = store.upload_stations(project.vt, project.files["Viettel"])
    project.mb_version = store.upload_stations(project.mb, project.files["MobiFone"])
    snapshot = store.current_versions(project.planner)
    project.published = store.record_plan(
        project.planner, "published plan", scenario="[stations]\nfiles = ['mobifone.csv', 'viettel.csv']\n",
        settings={"budget_towers": 3}, station_versions=snapshot, summary={"people_covered": 1000},
        package_path=str(tmp_path / "package-with-every-site"))
    store.publish_plan(project.planner, project.published.plan_id)
    project.draft = store.record_plan(project.planner, "draft plan", scenario="x", settings={},
                                      station_versions=snapshot, summary={})
    return project


def _no_leak(text: object) -> None:
    assert SECRET["MobiFone"] not in str(text)
    assert "MobiFone" not in str(text)
    assert "mobifone.csv" not in str(text)


def test_store_calls_give_an_operator_nothing_of_another(uploaded, tmp_path):
    store, vt, mb_id = uploaded.store, uploaded.vt, uploaded.mb_version.version_id
    assert [v.operator for v in store.station_versions(vt)] == ["Viettel"]
    assert store.station_versions(vt, operator="MobiFone") == []
    assert store.current_versions(vt) == {"Viettel": uploaded.vt_version.version_id}
    assert set(store.load_stations(vt)["operator"]) == {"Viettel"}
    # asking by id reads exactly like asking for a version that does not exist
    errors = []
    for call in (
        lambda: store.load_stations(vt, [mb_id]),
        lambda: store.load_stations(vt, {"MobiFone": mb_id}),
        lambda: store.load_stations(vt, [uploaded.vt_version.version_id, mb_id]),
        lambda: store.restore_version(vt, mb_id),
        lambda: store.export_stations(vt, tmp_path / "x.csv", version_id=mb_id),
        lambda: store.export_stations(vt, tmp_path / "x.csv", operator="MobiFone"),
        lambda: store.plan(vt, uploaded.draft.plan_id),
    ):
        with pytest.raises(NotFoundError) as caught:
            call()
        errors.append(str(caught.value))
    with pytest.raises(NotFoundError) as missing:
        store.load_stations(vt, [999_999])
    assert errors[0].replace(str(mb_id), "N") == str(missing.value).replace("999999", "N")
    for call in (
        lambda: store.put_stations(vt, "MobiFone", store.load_stations(vt), sha256="0" * 64, filename="x.csv"),
        lambda: store.upload_stations(vt, uploaded.files["Viettel"], operator="MobiFone"),
        lambda: store.list_users(vt),
    ):
        with pytest.raises(NotAllowedError) as caught:
            call()
        errors.append(str(caught.value))
    _no_leak(errors)
    assert not (tmp_path / "x.csv").exists()
    # its own export holds its own sectors only
    out = store.export_stations(vt, tmp_path / "own.csv")
    _no_leak(out.read_text())
    # a published plan, without the others' versions, the scenario or the package; no draft
    plans = store.plans(vt)
    assert [p.name for p in plans] == ["published plan"]
    assert plans[0].station_versions == {"Viettel": uploaded.vt_version.version_id}
    assert plans[0].package_path is None
    assert plans[0].scenario == ""
    assert plans[0].summary == {"people_covered": 1000}
    _no_leak(plans)
    # the audit log: its own lines only
    log = store.audit_log(vt)
    assert log
    assert all(e.username == "vt" or "Viettel" in e.target for e in log)
    _no_leak(log)
    # the planner sees both
    assert set(store.load_stations(uploaded.planner)["operator"]) == {"Viettel", "MobiFone"}


def test_cli_gives_an_operator_nothing_of_another(uploaded, store_location, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli_store, "open_store", functools.partial(open_store, policy=FAST))
    monkeypatch.setenv("TOWERPLAN_PASSWORD", PASSWORDS["vt"])
    monkeypatch.setenv("TOWERPLAN_STORE", store_location)
    monkeypatch.delenv("TOWERPLAN_DATABASE_URL", raising=False)
    mb_id = str(uploaded.mb_version.version_id)
    base = ["store", "--user", "vt"]
    runs = {
        "versions": main([*base, "list", "--json"]),
        "versions-mb": main([*base, "list", "versions", "--operator", "MobiFone"]),
        "current": main([*base, "list", "current"]),
        "plans": main([*base, "list", "plans", "--json"]),
        "audit": main([*base, "list", "audit"]),
        "inputs": main([*base, "list", "inputs"]),
        "users": main([*base, "list", "users"]),
        "export-mb": main([*base, "export", "--out", str(tmp_path / "mb.csv"), "--operator", "MobiFone"]),
        "export-id": main([*base, "export", "--out", str(tmp_path / "mb.gpkg"), "--version", mb_id]),
        "export-all": main([*base, "export", "--out", str(tmp_path / "all.geojson")]),
        "restore": main([*base, "restore", mb_id]),
        "upload-as-mb": main([*base, "upload", str(uploaded.files["MobiFone"]), "--operator", "MobiFone"]),
        "upload-mb-file": main([*base, "upload", str(uploaded.files["MobiFone"])]),
        "user-add": main([*base, "user", "add", "eve", "--role", "admin"]),
    }
    out = capsys.readouterr()
    _no_leak(out.out + out.err)
    assert runs["versions"] == 0
    assert "Viettel" in out.out
    assert [k for k, v in runs.items() if v == 0] == ["versions", "versions-mb", "current", "plans", "audit",
                                                      "inputs", "export-all"]
    assert not (tmp_path / "mb.csv").exists()
    assert not (tmp_path / "mb.gpkg").exists()
    _no_leak((tmp_path / "all.geojson").read_text())
    # the planner, by contrast, gets MobiFone's list
    monkeypatch.setenv("TOWERPLAN_PASSWORD", PASSWORDS["planner"])
    assert main(["store", "--user", "planner", "export", "--out", str(tmp_path / "mb.csv"), "--operator",
                 "MobiFone"]) == 0
    assert SECRET["MobiFone"] in (tmp_path / "mb.csv").read_text()


@pytest.mark.parametrize("store_location", ["postgresql"], indirect=True)
def test_postgres_row_level_security_stops_raw_sql(uploaded, store_location):
    import psycopg

    store = uploaded.store
    role = "vt_login_" + store_location.split("?")[0].rsplit("_", 1)[-1]  # roles are per cluster
    store.grant_db_login(uploaded.admin, "vt", db_role=role, password="vt-db-password")
    url = f"postgresql://{role}:vt-db-password@{store_location.split('@', 1)[1]}"
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT DISTINCT operator FROM stations").fetchall()
        assert rows == [("Viettel",)]
        # claiming another operator through the session setting changes nothing for a database login
        conn.execute("SET towerplan.operator = 'MobiFone'")
        assert conn.execute("SELECT DISTINCT operator FROM station_versions").fetchall() == [("Viettel",)]
        assert conn.execute("SELECT COUNT(*) FROM stations WHERE site_id LIKE 'MB-%'").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM plans").fetchone() == (1,)  # the published one
        assert conn.execute("SELECT COUNT(*) FROM plan_station_versions").fetchone() == (1,)
        for forbidden in ("SELECT * FROM users", "SELECT * FROM sessions", "SELECT package_path FROM plans",
                          "SELECT scenario FROM plans", "SELECT * FROM db_logins"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(forbidden)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # WITH CHECK: rows of another operator
            conn.execute("INSERT INTO stations (version_id, operator, lon, lat) VALUES (%s, 'MobiFone', 105, 20)",
                         (uploaded.mb_version.version_id,))
        assert conn.execute("UPDATE station_lists SET current_version_id = NULL WHERE operator = 'MobiFone'"
                            ).rowcount == 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("DELETE FROM stations")
    assert store.current_versions(uploaded.planner)["MobiFone"] == uploaded.mb_version.version_id


@pytest.mark.parametrize("store_location", ["postgresql"], indirect=True)
def test_postgres_store_connection_runs_operators_under_rls(uploaded, store_location):
    """Even a store query that forgot the operator filter returns only the operator's rows."""
    with uploaded.store.transaction(uploaded.vt) as tx:
        assert tx.execute("SELECT DISTINCT operator FROM stations").fetchall() == [("Viettel",)]
        assert tx.execute("SELECT current_user").fetchone() == ("towerplan_operator",)
    with uploaded.store.transaction(uploaded.planner) as tx:
        operators = {r[0] for r in tx.execute("SELECT DISTINCT operator FROM stations").fetchall()}
    assert operators == {"Viettel", "MobiFone"}
    with uploaded.store.db.transaction() as tx:
        srid, kind = tx.execute("SELECT ST_SRID(geom), GeometryType(geom) FROM stations LIMIT 1").fetchone()
    assert (srid, kind) == (4326, "POINT")
    with pytest.raises(TowerplanError):
        uploaded.store.grant_db_login(uploaded.vt, "vt", db_role="x", password="whatever-pw")
