"""What the browser tests share: a real Streamlit server of the app and Debian's headless Chromium.

``streamlit_server`` starts ``streamlit run app.py`` on a free loopback port with the given environment
(through :data:`coverage_runs.SERVER_MAIN`: with ``TOWERPLAN_TEST_COVERAGE_RUNS`` in that environment the
session's stored coverage runs are the app's coverage step), waits for its health endpoint and stops it
afterwards; ``chromium`` launches Debian's ``/usr/bin/chromium`` through Playwright (no browser download),
failing in CI and skipping elsewhere when it is missing.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from coverage_runs import SERVER_MAIN

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
_CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def streamlit_server(env: Mapping[str, str], log: Path, *, start_s: float = 90.0, port: int | None = None,
                     args: tuple[str, ...] = ()) -> Iterator[str]:
    """Run the app on 127.0.0.1 and yield its URL; the server's output goes to ``log``.

    ``port``: a port chosen beforehand (when a setting must name it); ``args``: more ``streamlit run`` options.
    """
    port = port or free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, str(SERVER_MAIN), "run", str(REPO / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
             *args],
            cwd=REPO, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_s
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail(f"streamlit did not start: {log.read_text(errors='replace')[-2000:]}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed (scripts/install-test-deps.sh installs it)")
        pytest.skip("Debian's chromium is not installed: run scripts/install-test-deps.sh")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=_CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()
