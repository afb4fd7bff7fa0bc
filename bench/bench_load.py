"""Load test: N simultaneous browser sessions on one Streamlit server (default 10), run by hand.

    python bench/bench_load.py                 # 10 sessions, the demo's 4G coverage at 90 m
    python bench/bench_load.py --sessions 3    # a quick check

One Streamlit server (headless, 127.0.0.1, a free port, the user's demo cache warmed
first) and one headless Debian Chromium with one browser context per session (separate
cookies: separate Streamlit sessions), all driven at once by asyncio (bounded: N
contexts, one process). Every request outside 127.0.0.1 is refused. Each session:

1. **open**: the Data page (English) until its heading shows;
2. **upload**: its own station list: the demo's list with every site id prefixed with
   the session's marker (``LOADTEST03-DM0001``) and the session's number of 4G sectors left out
   (session k drops k), saved as ``stations_LOADTEST03.csv``; waits for
   "<n> sector(s) kept" with its own n;
3. **use**: "Use the uploaded data" until "Using uploaded data: stations_LOADTEST03.csv";
4. **coverage**: the Coverage page, 4G at 90 m (the defaults), "Compute coverage" until the
   map's RSRP legend shows and the "Done in ... sectors." line is there;
5. **gaps**: the Gaps page until its gap table and map legend show.

Checks: no step fails or times out; at every step the page shows no other session's file
name or row count, and from "use" on its own data label (its file name, in the sidebar);
the coverage line's sector counts differ between sessions exactly by the rows each dropped
(each computed on its own stations); after the run, every new session folder on the server
holds the upload of exactly one session.
Recorded: per-step times (median, p90, max over sessions), the server's peak RSS (psutil,
server and children, sampled every 0.25 s), ``uptime`` before, at the peak and after.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from app_server import start_app

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CHROMIUM = "/usr/bin/chromium"
STEPS = ("open", "upload", "use", "coverage", "gaps")
FOLIUM_IFRAME = "iframe[title='streamlit_folium.st_folium']"
STEP_TIMEOUT_MS = 300_000  # --step-timeout


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def marker(k: int) -> str:
    return f"LOADTEST{k:02d}"


def session_csv(demo_csv: bytes, k: int) -> tuple[bytes, int]:
    """The demo list with the session's marker on every site id and k 4G sectors dropped; (bytes, rows)."""
    rows = list(csv.DictReader(io.StringIO(demo_csv.decode("utf-8-sig"))))
    fourg = [i for i, r in enumerate(rows) if r["technology"] == "4G"]
    drop = set(fourg[:k])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    kept = 0
    for i, r in enumerate(rows):
        if i in drop:
            continue
        r = {**r, "site_id": f"{marker(k)}-{r['site_id']}", "cell_id": f"{marker(k)}-{r['cell_id']}"}
        writer.writerow(r)
        kept += 1
    return out.getvalue().encode("utf-8"), kept


class ServerWatch(threading.Thread):
    """Samples the server's RSS (with children) and the load average until stopped."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.proc = psutil.Process(pid)
        self.peak_rss = 0
        self.peak_load = 0.0
        self.uptime_at_peak = ""
        self._halt = threading.Event()

    def run(self) -> None:
        import psutil

        while not self._halt.is_set():
            try:
                procs = [self.proc, *self.proc.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs)
            except psutil.Error:
                rss = 0
            if rss > self.peak_rss:
                self.peak_rss = rss
            load = os.getloadavg()[0]
            if load > self.peak_load:
                self.peak_load = load
                self.uptime_at_peak = _uptime()
            self._halt.wait(0.25)

    def stop(self) -> None:
        self._halt.set()
        if self.is_alive():
            self.join(timeout=5)


async def one_session(browser, url: str, k: int, csv_path: Path, n_rows: int, all_rows: list[int],
                      result: dict) -> None:
    """One user's walk through the app; fills ``result`` (times, leaks, error)."""
    me = marker(k)
    others = {marker(j): n for j, n in enumerate(all_rows) if j != k}
    ctx = await browser.new_context(viewport={"width": 1400, "height": 1000})
    external: list[str] = []

    async def guard(route) -> None:
        u = route.request.url
        host = u.split("/")[2].split(":")[0] if "://" in u else ""
        if u.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            await route.continue_()
        else:
            external.append(u)
            await route.abort()

    await ctx.route("**/*", guard)
    page = await ctx.new_page()
    times: dict[str, float] = {}
    leaks: list[str] = []

    async def check_isolation(step: str) -> None:
        text = await page.locator("body").inner_text()
        for other, n_other in others.items():
            if f"stations_{other}.csv" in text or f"{n_other:,} sector(s) kept" in text:
                leaks.append(f"{step}: sees {other}'s upload")
        if step in ("use", "coverage", "gaps") and f"stations_{me}.csv" not in text:
            leaks.append(f"{step}: its own data label (file name) is not shown")

    async def timed(step: str, coro) -> None:
        t0 = time.perf_counter()
        await coro
        times[step] = time.perf_counter() - t0
        await check_isolation(step)

    try:
        async def open_page() -> None:
            await page.goto(f"{url}/data?lang=en", wait_until="domcontentloaded")
            await page.get_by_role("heading", name="Data").first.wait_for(timeout=STEP_TIMEOUT_MS)

        async def upload() -> None:
            await page.locator("input[type='file']").first.set_input_files(str(csv_path))
            await page.get_by_text(f"{n_rows:,} sector(s) kept from 1 file(s)").wait_for(timeout=STEP_TIMEOUT_MS)

        async def use() -> None:
            await page.get_by_role("button", name="Use the uploaded data").click()
            await page.get_by_text(f"Using uploaded data: stations_{me}.csv").wait_for(timeout=STEP_TIMEOUT_MS)

        async def coverage() -> None:
            await page.locator("[data-testid='stSidebarNav'] a", has_text="Coverage").first.click()
            await page.get_by_role("heading", name="Coverage").first.wait_for(timeout=STEP_TIMEOUT_MS)
            await page.get_by_role("button", name="Compute coverage").click()
            done = page.get_by_text(re.compile(r"Done in [0-9.]+ s: [0-9,]+ sites, [0-9,]+ sectors\."))
            await done.first.wait_for(timeout=STEP_TIMEOUT_MS)
            m = re.search(r"Done in ([0-9.]+) s: ([0-9,]+) sites, ([0-9,]+) sectors", await done.first.inner_text())
            assert m is not None
            result["compute_s"] = float(m.group(1))
            result["sectors"] = int(m.group(3).replace(",", ""))
            legend = page.frame_locator(FOLIUM_IFRAME).first.locator(".towerplan-legend",
                                                                       has_text="Best signal (RSRP, dBm)")
            await legend.wait_for(timeout=STEP_TIMEOUT_MS)

        async def gaps() -> None:
            await page.locator("[data-testid='stSidebarNav'] a", has_text="Gaps").first.click()
            await page.get_by_role("heading", name="Gaps").first.wait_for(timeout=STEP_TIMEOUT_MS)
            await page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=STEP_TIMEOUT_MS)
            await page.frame_locator(FOLIUM_IFRAME).first.locator(".towerplan-legend", has_text="Gaps").wait_for(
                timeout=STEP_TIMEOUT_MS)

        for step, fn in zip(STEPS, (open_page, upload, use, coverage, gaps), strict=True):
            await timed(step, fn())
        if await page.locator("[data-testid='stException']").count():
            raise AssertionError("a traceback is shown")
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        if not page.is_closed():
            result["page_tail"] = (await page.locator("body").inner_text())[-600:]
            shot = csv_path.with_name(f"failed_{me}.png")
            await page.screenshot(path=str(shot), full_page=True)
            result["screenshot"] = str(shot)
    finally:
        result["times"] = times
        result["leaks"] = leaks
        result["external"] = external
        await ctx.close()


def _stats(values: list[float]) -> tuple[float, float, float]:
    values = sorted(values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return statistics.median(values), p90, values[-1]


async def run_sessions(url: str, files: list[tuple[Path, int]], *, stagger_s: float) -> list[dict]:
    from playwright.async_api import async_playwright

    results: list[dict] = [{} for _ in files]
    rows = [n for _, n in files]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"],
        )
        try:
            async def start(k: int) -> None:
                await asyncio.sleep(k * stagger_s)
                t0 = time.perf_counter()
                await one_session(browser, url, k, files[k][0], files[k][1], rows, results[k])
                results[k]["total_s"] = time.perf_counter() - t0

            await asyncio.gather(*(start(k) for k in range(len(files))))
        finally:
            await browser.close()
    return results


def session_folders_isolated(before: set[Path], n: int) -> tuple[int, list[str]]:
    """(new session folders, problems): each new folder must hold the upload of exactly one session."""
    tmp = Path(tempfile.gettempdir())
    new = sorted(set(tmp.glob("towerplan-session-*")) - before)
    problems = []
    seen: set[str] = set()
    for folder in new:
        found = set()
        for f in (folder / "uploads").glob("*"):
            found |= set(re.findall(r"LOADTEST\d{2}", f.read_text(encoding="utf-8", errors="replace")))
        if len(found) != 1:
            problems.append(f"{folder.name}: markers {sorted(found)}")
        seen |= found
    if len(seen) != n:
        problems.append(f"{len(seen)} distinct sessions' uploads on disk, expected {n}")
    return len(new), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--stagger", type=float, default=0.0, help="seconds between session starts (default 0)")
    parser.add_argument("--step-timeout", type=float, default=300.0, help="seconds per step (default 300)")
    args = parser.parse_args(argv)
    global STEP_TIMEOUT_MS
    STEP_TIMEOUT_MS = int(args.step_timeout * 1000)

    from towerplan.demo import demo_dir

    demo = demo_dir(Path.home() / ".cache" / "towerplan", resolution_m=90.0)  # warm cache, as on a used server
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    files = []
    for k in range(args.sessions):
        data, n = session_csv((demo / "stations.csv").read_bytes(), k)
        path = work / f"stations_{marker(k)}.csv"
        path.write_bytes(data)
        files.append((path, n))

    before = set(Path(tempfile.gettempdir()).glob("towerplan-session-*"))
    log = work / "streamlit.log"
    try:
        proc, url = start_app(REPO, wait_s=120.0, log=log, extra_args=("--browser.gatherUsageStats", "false"))
    except RuntimeError as exc:
        print(exc)
        return 2
    watch = ServerWatch(proc.pid)
    try:
        uptime_before = _uptime()
        watch.start()
        t0 = time.perf_counter()
        results = asyncio.run(run_sessions(url, files, stagger_s=args.stagger))
        wall = time.perf_counter() - t0
        watch.stop()
        uptime_after = _uptime()
        n_folders, folder_problems = session_folders_isolated(before, args.sessions)
        for folder in set(Path(tempfile.gettempdir()).glob("towerplan-session-*")) - before:
            shutil.rmtree(folder, ignore_errors=True)  # this server's sessions: removed like the sweep would
    finally:
        watch.stop()
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()

    failures = [(k, r["error"]) for k, r in enumerate(results) if r.get("error")]
    leaks = [(k, x) for k, r in enumerate(results) for x in r.get("leaks", [])]
    external = sum(len(r.get("external", [])) for r in results)
    # each session computed its own stations: session k dropped k 4G sectors
    sectors = {k: r["sectors"] for k, r in enumerate(results) if "sectors" in r}
    if 0 in sectors:
        leaks += [(k, f"coverage of {s} sectors, expected {sectors[0] - k}") for k, s in sectors.items()
                  if s != sectors[0] - k]
    leaks += [(-1, p) for p in folder_problems]

    print(f"{args.sessions} sessions, wall {wall:.1f} s; {os.cpu_count()} CPUs")
    print(f"{'step':<10} {'median':>8} {'p90':>8} {'max':>8}  n")
    for step in (*STEPS, "total"):
        vals = [r["total_s"] if step == "total" else r["times"][step] for r in results
                if (step == "total" and "total_s" in r and not r.get("error")) or step in r.get("times", {})]
        if vals:
            med, p90, mx = _stats(vals)
            print(f"{step:<10} {med:8.1f} {p90:8.1f} {mx:8.1f}  {len(vals)}")
    computes = [r["compute_s"] for r in results if "compute_s" in r]
    if computes:
        med, p90, mx = _stats(computes)
        print(f"coverage compute (the page's own 'Done in'): median {med:.1f} s, p90 {p90:.1f}, max {mx:.1f}")
    print(f"sectors per session: {sectors}")
    print(f"failures: {len(failures)} {failures}")
    print(f"cross-session leaks: {len(leaks)} {leaks}")
    print(f"requests outside 127.0.0.1: {external}")
    print(f"session folders created: {n_folders}")
    print(f"server peak RSS: {watch.peak_rss / 2**20:,.0f} MiB; peak 1-min load {watch.peak_load:.1f}")
    print(f"uptime before: {uptime_before}")
    print(f"uptime at peak: {watch.uptime_at_peak}")
    print(f"uptime after:  {uptime_after}")
    for k, r in enumerate(results):
        if r.get("error"):
            print(f"--- session {k}: {r['error']} ({r.get('screenshot')})\n{r.get('page_tail', '')}")
    return 0 if not failures and not leaks and not external else 1


if __name__ == "__main__":
    raise SystemExit(main())
