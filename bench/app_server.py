"""The app as a benchmark serves it: ``streamlit run app.py`` of a checkout on a free local port, waited for
until its health endpoint answers (``bench_app.py``, ``bench_map_load.py``, ``bench_load.py``)."""

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


def start_app(repo: Path, *, wait_s: float = 120.0, log: Path | None = None,
              extra_args: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """The app of checkout ``repo`` (its own code first on ``PYTHONPATH``), headless, and its URL; returns once
    ``/_stcore/health`` answers. Its output goes to ``log`` (discarded when None); ``extra_args`` are more
    ``streamlit run`` options. The caller terminates it. Raises ``RuntimeError`` (with the log's tail when there
    is one) when the app has not answered within ``wait_s`` seconds, after stopping it."""
    port = free_port()
    out = open(log, "wb") if log is not None else subprocess.DEVNULL  # noqa: SIM115  # closed below
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(repo / "app.py"), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", *extra_args],
            cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)}, stdout=out, stderr=subprocess.STDOUT,
        )
    finally:
        if log is not None:
            out.close()  # type: ignore[union-attr]  # the child holds its own descriptor
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    tail = log.read_text(errors="replace")[-2000:] if log is not None and log.is_file() else ""
    raise RuntimeError(f"the app of {repo} did not answer on {url} within {wait_s:.0f} s\n{tail}")
