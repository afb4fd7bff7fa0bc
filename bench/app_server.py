"""The app as a benchmark serves it: ``streamlit run app.py`` of a checkout on a free local port, waited for
until its health endpoint answers (``bench_app.py``, ``bench_map_load.py``)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

__all__ = ["free_port", "start_app"]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(repo: Path, *, wait_s: float = 120.0) -> tuple[subprocess.Popen, str]:
    """The app of checkout ``repo`` (its own code first on ``PYTHONPATH``), headless, output discarded, and its
    URL; returns once ``/_stcore/health`` answers or after ``wait_s`` seconds. The caller terminates it."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(repo / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                break
        except OSError:
            time.sleep(0.2)
    return proc, url
