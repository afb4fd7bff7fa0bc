"""A small project in a store, shared by the store tests: an admin, two operators, a planner, station files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from towerplan.store import Actor, AuthPolicy, Store, open_store

PASSWORDS = {"admin": "admin-pass-1", "vt": "viettel-pass-1", "mb": "mobifone-pass-1", "planner": "planner-pass-1"}
#: Argon2id with small parameters: the tests check behaviour, not hashing cost
FAST = AuthPolicy(hash_time_cost=1, hash_memory_kib=1024, hash_parallelism=1)
#: every site id of an operator starts with this, so a leak is easy to find in any output
SECRET = {"Viettel": "VT-SECRET-", "MobiFone": "MB-SECRET-"}


def station_csv(path: Path, operator: str, *, n_sites: int = 3, lon0: float = 105.5, lat0: float = 19.8,
                prefix: str | None = None) -> Path:
    """A valid station list of ``operator``: ``n_sites`` three-sector 4G sites."""
    prefix = prefix if prefix is not None else SECRET[operator]
    rows = []
    for i in range(n_sites):
        for k, azimuth in enumerate((0, 120, 240)):
            rows.append({
                "site_id": f"{prefix}{i:03d}", "cell_id": f"{prefix}{i:03d}-{k + 1}", "operator": operator,
                "technology": "4G", "lon": lon0 + 0.01 * (i % 20), "lat": lat0 + 0.01 * (i // 20),
                "antenna_height_m": 30 + i % 20,
                "azimuth_deg": azimuth, "tilt_deg": 4, "h_beamwidth_deg": 65, "v_beamwidth_deg": 7,
                "freq_mhz": 1842.5, "eirp_dbm": 59.0,
            })
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@dataclass
class Project:
    store: Store
    admin: Actor
    vt: Actor
    mb: Actor
    planner: Actor
    files: dict[str, Path]


def make_project(location: str, folder: Path) -> Project:
    store = open_store(location, policy=FAST)
    store.init()
    store.bootstrap_admin("admin", PASSWORDS["admin"])
    admin = store.login("admin", PASSWORDS["admin"]).actor
    store.create_user(admin, "vt", PASSWORDS["vt"], "operator", operator="viettel")
    store.create_user(admin, "mb", PASSWORDS["mb"], "operator", operator="Mobifone")
    store.create_user(admin, "planner", PASSWORDS["planner"], "planner")
    actors = {name: store.login(name, PASSWORDS[name]).actor for name in ("vt", "mb", "planner")}
    files = {
        "Viettel": station_csv(folder / "viettel.csv", "Viettel"),
        "MobiFone": station_csv(folder / "mobifone.csv", "MobiFone", lon0=105.6),
    }
    return Project(store, admin, actors["vt"], actors["mb"], actors["planner"], files)
