"""Store benchmark: write 100,000 sectors as one station-list version and read them back for a run.

    python bench/bench_store.py                       # PostGIS (throw-away cluster) and SQLite, 100,000 sectors
    python bench/bench_store.py --sectors 20000 --repeat 1
    python bench/bench_store.py --url postgresql://...  # an existing PostGIS database (schema created if empty)

Times, medians over ``--repeat`` runs:

* ``write``: :meth:`Store.put_stations` as the operator (validated rows in; PostgreSQL: ``COPY`` into a
  temporary table then one ``INSERT ... SELECT`` checked by the row-level security policies;
  SQLite: ``executemany`` with GeoPackage point blobs), one transaction, committed;
* ``read``: :meth:`Store.load_stations` as the planner on the current versions (rows + Point
  geometry in EPSG:4326), i.e. what a plan run starts with;
* ``upload``: :meth:`Store.upload_stations` of the same rows as a CSV file: read, validate
  (towerplan.stations) and write (once, not repeated).

Each figure is given as wall seconds and as CPU seconds of this process plus the throw-away
cluster (its postmaster, exited and live backends, from /proc): on a shared, overloaded machine the
wall time mostly measures waiting for a core, and the CPU time is what the work costs (on an idle
machine the two agree, the work being single-threaded on each side).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from towerplan.store import AuthPolicy, Store, open_store
from towerplan.store.pgcluster import TemporaryCluster

FAST = AuthPolicy(hash_time_cost=1, hash_memory_kib=1024, hash_parallelism=1)


def sectors(n: int, *, seed: int = 23) -> pd.DataFrame:
    """``n`` Viettel 4G sectors on three-sector sites spread over Thanh Hóa (seeded)."""
    rng = np.random.default_rng(seed)
    sites = (n + 2) // 3
    lon = np.repeat(rng.uniform(104.5, 106.0, sites), 3)[:n]
    lat = np.repeat(rng.uniform(19.4, 20.6, sites), 3)[:n]
    site = np.repeat(np.arange(sites), 3)[:n]
    return pd.DataFrame({
        "site_id": [f"VT{s:06d}" for s in site], "cell_id": [f"VT{s:06d}-{k % 3 + 1}" for k, s in enumerate(site)],
        "operator": "Viettel", "technology": "4G", "lon": lon, "lat": lat,
        "antenna_height_m": np.repeat(rng.uniform(20, 60, sites), 3)[:n].round(1),
        "azimuth_deg": np.tile([0.0, 120.0, 240.0], sites)[:n], "tilt_deg": 4.0, "h_beamwidth_deg": 65.0,
        "v_beamwidth_deg": 7.0, "freq_mhz": 1842.5, "eirp_dbm": 59.0, "band": "B3",
        "source_row": np.arange(2, n + 2), "source_file": "bench.csv",
    })


def cluster_cpu_s(cluster: TemporaryCluster | None) -> float:
    """CPU seconds used so far by a throw-away cluster: the postmaster, its reaped children (exited
    backends) and its live children, from /proc (Linux). 0 without a cluster."""
    if cluster is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")
    master = int((cluster.data / "postmaster.pid").read_text().split()[0])
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if pid == master:
            total += sum(int(v) for v in fields[11:15]) / tick  # utime stime cutime cstime
        elif ppid == master:
            total += sum(int(v) for v in fields[11:13]) / tick
    return total


def _timed(work: Any, cluster: TemporaryCluster | None) -> tuple[Any, float, float]:
    """``work()``'s result, wall seconds, and CPU seconds (this process + the cluster)."""
    wall, cpu, server = time.perf_counter(), time.process_time(), cluster_cpu_s(cluster)
    result = work()
    return (result, time.perf_counter() - wall,
            time.process_time() - cpu + cluster_cpu_s(cluster) - server)


def bench(store: Store, table: pd.DataFrame, repeat: int, folder: Path,
          cluster: TemporaryCluster | None = None) -> dict[str, float]:
    store.init()
    store.bootstrap_admin("admin", "bench-admin-pw")
    admin = store.login("admin", "bench-admin-pw").actor
    store.create_user(admin, "vt", "bench-vt-pw1", "operator", operator="Viettel")
    store.create_user(admin, "planner", "bench-planner-pw", "planner")
    vt = store.login("vt", "bench-vt-pw1").actor
    planner = store.login("planner", "bench-planner-pw").actor
    writes, reads, write_cpu, read_cpu = [], [], [], []
    for _ in range(repeat):
        _, wall, cpu = _timed(lambda: store.put_stations(vt, "Viettel", table, sha256="0" * 64,
                                                         filename="bench.csv"), cluster)
        writes.append(wall)
        write_cpu.append(cpu)
        back, wall, cpu = _timed(lambda: store.load_stations(planner), cluster)
        reads.append(wall)
        read_cpu.append(cpu)
        assert len(back) == len(table)
    csv = folder / "bench.csv"
    table.drop(columns=["source_row", "source_file"]).to_csv(csv, index=False)
    version, upload, upload_cpu = _timed(lambda: store.upload_stations(vt, csv), cluster)
    assert version.n_sectors == len(table), version.report["summary"]
    return {"write": statistics.median(writes), "read": statistics.median(reads), "upload": upload,
            "write_cpu": statistics.median(write_cpu), "read_cpu": statistics.median(read_cpu),
            "upload_cpu": upload_cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sectors", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--url", help="an existing PostGIS database instead of a throw-away cluster")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args(argv)
    table = sectors(args.sectors)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.url:
            results["postgis"] = bench(open_store(args.url, policy=FAST), table, args.repeat, folder)
        else:
            with TemporaryCluster() as cluster:
                results["postgis"] = bench(open_store(cluster.create_database(), policy=FAST), table, args.repeat,
                                           folder, cluster)
        if not args.skip_sqlite:
            results["sqlite"] = bench(open_store(folder / "bench.gpkg", policy=FAST), table, args.repeat, folder)
    print(f"{args.sectors:,} sectors, median of {args.repeat}; wall seconds (CPU seconds: client + database server)")
    for backend, f in results.items():
        print(f"  {backend:8s} write {f['write']:6.2f} ({f['write_cpu']:5.2f})   read {f['read']:6.2f} "
              f"({f['read_cpu']:5.2f})   upload: read+validate+write {f['upload']:6.2f} ({f['upload_cpu']:5.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
