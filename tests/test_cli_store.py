"""``towerplan store ...`` end to end on the file store: init, users, upload, list, restore, snapshot, plans."""

from __future__ import annotations

import functools
import json

import pytest
from store_project import FAST, PASSWORDS, SECRET, station_csv

from towerplan.cli import main
from towerplan.cli import store as cli_store
from towerplan.store import open_store


def _json(out: str):
    return json.loads(out[out.index("["):])


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_store, "open_store", functools.partial(open_store, policy=FAST))
    monkeypatch.setenv("TOWERPLAN_STORE", str(tmp_path / "project.gpkg"))
    monkeypatch.delenv("TOWERPLAN_DATABASE_URL", raising=False)

    def run(user: str | None, *args: str, new_password: str | None = None) -> int:
        if user:
            monkeypatch.setenv("TOWERPLAN_PASSWORD", PASSWORDS.get(user, "x"))
        if new_password:
            monkeypatch.setenv("TOWERPLAN_NEW_PASSWORD", new_password)
        return main(["store", *(["--user", user] if user else []), *args])

    return run


def test_store_cli_from_init_to_a_published_plan(cli, tmp_path, capsys):
    assert cli("admin", "init", "--admin", "admin") == 0
    assert cli("admin", "init") == 0  # again: nothing to do
    assert cli("admin", "user", "add", "vt", "--role", "operator", "--operator", "Viettel",
               new_password=PASSWORDS["vt"]) == 0
    assert cli("admin", "user", "add", "mb", "--role", "operator", "--operator", "MobiFone",
               new_password=PASSWORDS["mb"]) == 0
    assert cli("admin", "user", "add", "planner", "--role", "planner", new_password=PASSWORDS["planner"]) == 0
    assert cli("admin", "user", "add", "short", "--role", "planner", new_password="short") != 0
    viettel = station_csv(tmp_path / "viettel.csv", "Viettel")
    assert cli("vt", "upload", str(viettel)) == 0
    assert cli("vt", "upload", str(station_csv(tmp_path / "v2.csv", "Viettel", n_sites=4))) == 0
    assert cli("mb", "upload", str(station_csv(tmp_path / "mobifone.csv", "MobiFone"))) == 0
    out = capsys.readouterr().out
    assert "stored Viettel version 2" in out
    assert "12 sectors" in out
    assert cli("vt", "restore", "1") == 0
    assert cli("vt", "list", "--json") == 0
    versions = _json(capsys.readouterr().out)
    assert [(v["version"], v["current"]) for v in versions] == [(1, False), (2, False), (3, True)]
    # a planner's run on a snapshot, recorded and published
    assert cli("planner", "snapshot", "--out", str(tmp_path / "run")) == 0
    snapshot = json.loads((tmp_path / "run" / "snapshot.json").read_text())
    assert set(snapshot["station_versions"]) == {"Viettel", "MobiFone"}
    package = tmp_path / "package"
    package.mkdir()
    (package / "summary.json").write_text(json.dumps({"people_newly_covered": 4321}))
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('[placement]\nbudget_towers = 5\n')
    assert cli("vt", "upload", str(viettel)) == 0  # lands after the snapshot
    assert cli("planner", "plan", "record", "--name", "Plan 2027", "--snapshot",
               str(tmp_path / "run" / "snapshot.json"), "--scenario", str(scenario), "--package", str(package)) == 0
    assert cli("vt", "plan", "publish", "1") != 0  # operators do not publish
    assert cli("planner", "plan", "publish", "1") == 0
    capsys.readouterr()
    assert cli("vt", "list", "plans", "--json") == 0
    plans = _json(capsys.readouterr().out)
    assert plans[0]["summary"] == {"people_newly_covered": 4321}
    assert plans[0]["station_versions"] == {"Viettel": snapshot["station_versions"]["Viettel"]}
    assert SECRET["MobiFone"] not in json.dumps(plans)
    assert cli("admin", "list", "audit") == 0
    audit = capsys.readouterr().out
    for action in ("user.create", "stations.upload", "stations.restore", "stations.export", "plan.record",
                   "plan.publish"):
        assert action in audit
    # wrong password: refused with one line, exit 1
    capsys.readouterr()
    assert cli("planner", "--user", "vt", "list") != 0  # planner's password for vt
    assert "wrong user name or password" in capsys.readouterr().err
