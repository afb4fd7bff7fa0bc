"""The app server's long-lived heap is frozen out of the collector's full passes once (app_pages.server_heap)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_PROBE = """
import gc, time
from app_pages.server_heap import freeze_loaded_heap
big = [[i] for i in range(200_000)]  # long-lived objects, as the server's imports and caches
t0 = time.process_time(); gc.collect(); before = time.process_time() - t0
n = freeze_loaded_heap()
assert n > 200_000 and gc.get_freeze_count() > 200_000, (n, gc.get_freeze_count())
assert freeze_loaded_heap() == n  # once per server: a second call freezes nothing more
garbage = [[] for _ in range(10)]; garbage.append(garbage)  # what a session makes and drops: still collected
del garbage
assert gc.collect() >= 11
t0 = time.process_time(); gc.collect(); after = time.process_time() - t0
print(before, after)
"""


def test_the_loaded_heap_is_frozen_once_and_new_garbage_is_still_collected() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr[-2000:]
    before, after = (float(x) for x in out.stdout.split())
    assert after < before  # a full collection no longer walks the frozen objects
