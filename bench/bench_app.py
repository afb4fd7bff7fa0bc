"""Benchmark the app: page load to the demo map visible, and a full demo run (coverage, gaps, placement).

    python bench/bench_app.py                    # both, 5 page loads, 3 full runs
    python bench/bench_app.py --loads 7 --runs 3
    python bench/bench_app.py --skip-browser     # only the full run (no Chromium needed)

Page load: one Streamlit server (started here, demo cache warm), headless Debian
Chromium (every request outside 127.0.0.1 refused), time from ``page.goto`` to the
Leaflet map, its relief image and its legend present inside the st_folium iframe.
The first load pays the server's imports and the demo's first read (reported
apart as "cold"); the median is over the following loads.

Full run: the functions the app's buttons call (``towerplan.study``) on the 90 m
demo, 4G only: ``run_coverage_step`` + ``run_gaps_step`` + ``run_placement_step``
(5 towers, greedy), median of ``--runs`` after one warm-up (numba compile, caches).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

from app_server import start_app

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CHROMIUM = "/usr/bin/chromium"


def bench_page_load(loads: int) -> tuple[float, list[float]]:
    """(cold seconds, warm seconds per load) from goto to the demo map visible."""
    from playwright.sync_api import sync_playwright

    from towerplan.demo import demo_dir

    demo_dir(Path.home() / ".cache" / "towerplan", resolution_m=90.0)  # warm demo cache, as on a used server
    proc, url = start_app(REPO, wait_s=60.0)
    times: list[float] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for _ in range(loads + 1):
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                page.route("**/*", lambda r: r.continue_() if "127.0.0.1" in r.request.url.split("/")[2]
                           or r.request.url.startswith(("data:", "blob:")) else r.abort())
                t0 = time.perf_counter()
                page.goto(url, wait_until="domcontentloaded")
                frame = page.frame_locator("iframe[title='streamlit_folium.st_folium']").first
                frame.locator(".leaflet-container").wait_for(timeout=120_000)
                frame.locator(".leaflet-image-layer").first.wait_for(state="attached", timeout=60_000)
                frame.locator(".towerplan-legend").wait_for(timeout=60_000)
                times.append(time.perf_counter() - t0)
                page.close()
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return times[0], times[1:]


def bench_full_run(runs: int) -> dict[str, list[float]]:
    """Seconds per step (coverage, gaps, placement, total) for ``runs`` runs after a warm-up."""
    from towerplan.coverage.config import CoverageConfig
    from towerplan.demo import demo_dir
    from towerplan.planning.shared_towers import PlacementSettings
    from towerplan.study import load_study_folder, run_coverage_step, run_gaps_step, run_placement_step

    inputs = load_study_folder(demo_dir(Path.home() / ".cache" / "towerplan", resolution_m=90.0))
    config = CoverageConfig()
    out: dict[str, list[float]] = {"coverage": [], "gaps": [], "placement": [], "total": []}
    for k in range(runs + 1):
        t0 = time.perf_counter()
        cov = run_coverage_step(inputs, config, technologies=("4G",))
        t1 = time.perf_counter()
        run_gaps_step(inputs, cov)
        t2 = time.perf_counter()
        run_placement_step(inputs, cov, PlacementSettings(max_sites=5), coverage_config=config)
        t3 = time.perf_counter()
        if k == 0:
            continue  # warm-up
        for name, seconds in (("coverage", t1 - t0), ("gaps", t2 - t1), ("placement", t3 - t2), ("total", t3 - t0)):
            out[name].append(seconds)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=5, help="page loads after the cold one")
    parser.add_argument("--runs", type=int, default=3, help="full demo runs after the warm-up")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--skip-run", action="store_true")
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()}")
    if not args.skip_browser:
        cold, warm = bench_page_load(args.loads)
        print(f"page load -> demo map visible: cold {cold:.2f} s; warm median {statistics.median(warm):.2f} s "
              f"(min {min(warm):.2f}, max {max(warm):.2f}, n={len(warm)}) [target < 5 s]")
    if not args.skip_run:
        steps = bench_full_run(args.runs)
        parts = ", ".join(f"{k} {statistics.median(v):.2f} s" for k, v in steps.items())
        print(f"full demo run (90 m, 4G, 5 towers greedy), medians of {args.runs}: {parts} [target total < 15 s]")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
