"""Benchmark: page load to the demo's maps in headless Chromium, with what the map frame holds.

    python bench/bench_map_load.py                 # 5 warm loads of each page after a cold one
    python bench/bench_map_load.py --loads 7

One Streamlit server of the app (started here; the 90 m demo generated beforehand, as on a
used server), Debian's headless Chromium through Playwright, every request outside
127.0.0.1 refused.

* **Overview**: ``page.goto`` of the app's first page until the map is complete inside the
  st_folium frame: Leaflet container, relief image, legend, and every sector wedge drawn
  (the wedges are drawn by the page's script from compact arrays: ``towerplan.maps.sectors``).
  A new page (new session) each time.
* **Coverage**: in one session, coverage is computed once (4G, the page's defaults; not
  timed), then each load goes to the Overview page and back to Coverage through the sidebar
  and times the click until the coverage map is complete (legend, best-signal image, layer
  control), as a user switching pages sees it.

Target (issue 20): <= 2 s warm. ``--repo PATH`` serves another checkout's app (e.g. main, for
a before/after comparison on the same machine load). ``--against PATH`` serves a second checkout
beside the first and alternates the overview's loads between the two (A, B, A, B, ...), so that
both see the same machine load load by load (on a shared machine the load changes within a
minute); it prints each one's median and the median of the paired differences (B - A).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from app_server import start_app

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CHROMIUM = "/usr/bin/chromium"
IFRAME = "iframe[title='streamlit_folium.st_folium']"
_POLYGONS = """() => { const m = Object.values(window).find(v => v instanceof L.Map); if (!m) return -1;
                      let n = 0; m.eachLayer(l => { if (l instanceof L.Polygon) n += 1; }); return n; }"""


def _map_frame(page):
    return next(f for f in page.frames if "st_folium" in f.url or "streamlit_folium" in f.url)


def _cpu_s(proc) -> float:
    """CPU seconds (user + system) of a process and its children so far (psutil)."""
    import psutil

    total = 0.0
    try:
        procs = [psutil.Process(proc if isinstance(proc, int) else proc.pid)]
        procs += procs[0].children(recursive=True)
    except psutil.NoSuchProcess:
        return 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


class CpuMeter:
    """CPU seconds spent by the app server and by the browser (its whole process tree) between marks."""

    def __init__(self, server_pid: int, browser_pid: int | None) -> None:
        self.server_pid, self.browser_pid = server_pid, browser_pid
        self.mark()

    def mark(self) -> None:
        self._s0 = _cpu_s(self.server_pid)
        self._b0 = _cpu_s(self.browser_pid) if self.browser_pid else 0.0

    def since(self) -> tuple[float, float]:
        b = _cpu_s(self.browser_pid) - self._b0 if self.browser_pid else float("nan")
        return _cpu_s(self.server_pid) - self._s0, b


def _browser_pid(server_pid: int) -> int | None:
    """The headless Chromium launched by Playwright (a child of this process, not of the server)."""
    import psutil

    for child in psutil.Process().children(recursive=True):
        if child.pid != server_pid and "chrom" in child.name().lower() and child.parent() is not None \
                and "chrom" not in child.parent().name().lower():
            return child.pid
    return None


def _guard(page) -> None:
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(("data:", "blob:", "about:"))
               or "127.0.0.1" in r.request.url.split("/")[2] else r.abort())


def overview_loads(browser, url: str, loads: int, n_sectors: int,
                   meter: CpuMeter | None = None) -> list[tuple[float, float, int]]:
    """(seconds to the Leaflet container, seconds to the complete map, polygons drawn) per load of the
    first page, the cold one first; ``meter`` prints the server's and the browser's CPU per load."""
    out = []
    for _ in range(loads + 1):
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        _guard(page)
        if meter:
            meter.mark()
        t0 = time.perf_counter()
        page.goto(url, wait_until="domcontentloaded")
        frame = page.frame_locator(IFRAME).first
        frame.locator(".leaflet-container").wait_for(timeout=180_000)
        container_s = time.perf_counter() - t0
        frame.locator(".leaflet-image-layer").first.wait_for(state="attached", timeout=60_000)
        frame.locator(".towerplan-legend").first.wait_for(timeout=60_000)
        f = _map_frame(page)
        f.wait_for_function(f"() => ({_POLYGONS})() >= {n_sectors}", timeout=60_000)
        seconds = time.perf_counter() - t0
        out.append((container_s, seconds, int(f.evaluate(_POLYGONS))))
        if meter:
            server_cpu, browser_cpu = meter.since()
            print(f"  overview load {seconds:.2f} s wall; CPU: server {server_cpu:.2f} s, browser "
                  f"{browser_cpu:.2f} s; load {os.getloadavg()[0]:.1f}", flush=True)
        page.close()
    return out


def coverage_loads(browser, url: str, loads: int, meter: CpuMeter | None = None) -> tuple[float, list[float]]:
    """(seconds of the coverage run, [seconds per switch back to the coverage page])."""
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    _guard(page)
    page.goto(f"{url}/coverage?lang=en", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Coverage").first.wait_for(timeout=180_000)
    t0 = time.perf_counter()
    page.get_by_role("button", name="Compute coverage").click()
    page.get_by_text("sectors.", exact=False).first.wait_for(timeout=600_000)
    run_s = time.perf_counter() - t0
    out = []
    for _ in range(loads + 1):
        page.locator("[data-testid='stSidebarNav'] a", has_text="Overview").first.click()
        page.get_by_role("heading", name="Overview").first.wait_for(timeout=120_000)
        page.frame_locator(IFRAME).first.locator(".towerplan-legend").first.wait_for(timeout=60_000)
        if meter:
            meter.mark()
        t0 = time.perf_counter()
        page.locator("[data-testid='stSidebarNav'] a", has_text="Coverage").first.click()
        frame = page.frame_locator(IFRAME).first
        frame.locator(".towerplan-legend", has_text="Best signal (RSRP, dBm)").wait_for(timeout=120_000)
        frame.locator(".leaflet-image-layer").first.wait_for(state="attached", timeout=60_000)
        frame.locator(".leaflet-control-layers", has_text="Best server").wait_for(timeout=60_000)
        seconds = time.perf_counter() - t0
        out.append(seconds)
        if meter:
            server_cpu, browser_cpu = meter.since()
            print(f"  coverage switch {seconds:.2f} s wall; CPU: server {server_cpu:.2f} s, browser "
                  f"{browser_cpu:.2f} s; load {os.getloadavg()[0]:.1f}", flush=True)
    page.close()
    return run_s, out


def compare(browser, runs: list[tuple[Path, subprocess.Popen, str]], loads: int, n_sectors: int) -> None:
    """Alternate warm overview loads between two servers (after a cold load of each); print both medians."""
    meters = [CpuMeter(proc.pid, _browser_pid(proc.pid)) for _, proc, _ in runs]
    for (_, _, url), meter in zip(runs, meters, strict=True):
        overview_loads(browser, url, 0, n_sectors, meter)  # the cold load of each: not counted
    walls: list[list[float]] = [[], []]
    for _ in range(loads):
        for k, ((_, _, url), meter) in enumerate(zip(runs, meters, strict=True)):
            print(f"  [{'AB'[k]}]", end="", flush=True)
            walls[k].append(overview_loads(browser, url, 0, n_sectors, meter)[0][1])
    for k, (repo, _, _) in enumerate(runs):
        print(f"{'AB'[k]} = {repo}: warm median {statistics.median(walls[k]):.2f} s (min {min(walls[k]):.2f}, "
              f"max {max(walls[k]):.2f}, n={len(walls[k])})")
    diffs = [b - a for a, b in zip(*walls, strict=True)]
    print(f"B - A, load by load: median {statistics.median(diffs):+.2f} s (min {min(diffs):+.2f}, max "
          f"{max(diffs):+.2f}) [target <= 2 s warm]", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=5, help="warm loads of each page after the cold one")
    parser.add_argument("--repo", type=Path, default=REPO, help="the checkout whose app is served")
    parser.add_argument("--overview-only", action="store_true", help="skip the coverage page (its run takes minutes)")
    parser.add_argument("--against", type=Path, default=None,
                        help="a second checkout: alternate the overview's loads between --repo (A) and it (B)")
    args = parser.parse_args()
    repo = args.repo.resolve()

    from playwright.sync_api import sync_playwright

    from towerplan.demo import demo_dir
    from towerplan.study import default_cache_dir, load_study_folder

    folder = demo_dir(default_cache_dir(), resolution_m=90.0)
    n_sectors = len(load_study_folder(folder).stations)
    repos = [repo] if args.against is None else [repo, args.against.resolve()]
    started = [(r, *start_app(r)) for r in repos]
    proc, url = started[0][1], started[0][2]
    print(f"app of {', '.join(map(str, repos))}; load average at start: {os.getloadavg()}")
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            if args.against is not None:
                compare(browser, started, args.loads, n_sectors)
                browser.close()
                return
            meter = CpuMeter(proc.pid, _browser_pid(proc.pid))
            over = overview_loads(browser, url, args.loads, n_sectors, meter)
            warm = [s for _, s, _ in over[1:]]
            print(f"overview: cold {over[0][1]:.2f} s; warm median {statistics.median(warm):.2f} s (min "
                  f"{min(warm):.2f}, max {max(warm):.2f}, n={len(warm)}; Leaflet container at "
                  f"{statistics.median([c for c, _, _ in over[1:]]):.2f} s); {over[-1][2]} polygons drawn "
                  f"({n_sectors} sectors) [target <= 2 s warm]", flush=True)
            if args.overview_only:
                browser.close()
                return
            run_s, cov = coverage_loads(browser, url, args.loads, meter)
            warm = cov[1:]
            print(f"coverage (run {run_s:.1f} s, not counted): first switch back {cov[0]:.2f} s; warm median "
                  f"{statistics.median(warm):.2f} s (min {min(warm):.2f}, max {max(warm):.2f}, n={len(warm)}) "
                  "[target <= 2 s warm]", flush=True)
            browser.close()
    finally:
        for _, p, _ in started:
            p.terminate()
            p.wait(timeout=10)
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
