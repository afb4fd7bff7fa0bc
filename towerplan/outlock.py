"""One writer per output folder: a lock beside it, and staging folders that name their owner.

Two ``towerplan run`` into the same ``--out`` used to race: the second removed the
first's staging folder as "left by an interrupted run", and the first failed after
all its work. Now

* :func:`output_lock` takes an exclusive ``flock`` on ``.NAME.lock`` beside the
  output folder for the whole run; a second run is refused at once (or waits up
  to ``wait_s``) with a message naming the owner (pid, host, start time). The
  kernel releases the lock when its process ends, however it ends, so a killed
  run never leaves the folder locked. The lock is re-entrant within a process.
* staging folders are named ``.NAME.tmp-<host>-<pid>-<random>``;
  :func:`owner_gone` tells whether the process that made one is gone (same host,
  pid not running), and only then is the folder swept.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from towerplan.errors import ConfigError

__all__ = ["OutputBusyError", "output_lock", "owner_gone", "staging_prefix"]

log = logging.getLogger(__name__)

_HELD: dict[Path, int] = {}
_HELD_GUARD = threading.Lock()
_HOST_CHARS = re.compile(r"[^A-Za-z0-9_.]")
_STAGE = re.compile(r"\.tmp-(?P<host>[A-Za-z0-9_.]+)-(?P<pid>\d+)-[^/]*$")


class OutputBusyError(ConfigError):
    """Another run is writing the same output folder."""


def _host() -> str:
    return _HOST_CHARS.sub("_", socket.gethostname())[:40] or "host"


def staging_prefix(out: Path) -> str:
    """Prefix of a staging folder for ``out`` that names this process (``.NAME.tmp-host-pid-``)."""
    return f".{out.name}.tmp-{_host()}-{os.getpid()}-"


def owner_gone(stage: Path) -> bool:
    """Whether the process that made staging folder ``stage`` is gone.

    A folder of the old, ownerless form (``.NAME.tmp-<random>``) counts as gone; a folder made
    on another host is never taken as gone (its process cannot be checked from here).
    """
    match = _STAGE.search(stage.name)
    if match is None:
        return True
    if match["host"] != _host():
        return False
    pid = int(match["pid"])
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


def _owner_text(path: Path) -> str:
    try:
        info = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return "another towerplan run"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.get("started", 0)))
    return f"another towerplan run (pid {info.get('pid', '?')} on {info.get('host', '?')}, since {since})"


@contextmanager
def output_lock(out_dir: str | os.PathLike[str], *, wait_s: float = 0.0) -> Iterator[Path]:
    """Hold the lock of output folder ``out_dir`` for the ``with`` block; yields the lock file's path.

    Raises
    ------
    OutputBusyError
        Another process holds it (after ``wait_s`` seconds of waiting).
    """
    out = Path(out_dir).expanduser().absolute()
    key = out.resolve() if out.exists() else out
    with _HELD_GUARD:
        if key in _HELD:  # this process holds it already (the CLI, then the package writer)
            _HELD[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield _lock_path(out)
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    path = _lock_path(out)
    fd = _acquire(path, out, wait_s)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}).encode())
        with _HELD_GUARD:
            _HELD[key] = 1
        yield path
    finally:
        with _HELD_GUARD:
            _HELD.pop(key, None)
        with suppress(OSError):
            path.unlink()  # while still locked: a waiter that opened this inode re-checks and retries
        os.close(fd)  # releases the lock


def _acquire(path: Path, out: Path, wait_s: float) -> int:
    deadline = time.monotonic() + max(wait_s, 0.0)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise ConfigError(f"cannot lock the output folder {out} ({exc})") from exc
            if time.monotonic() >= deadline:
                raise OutputBusyError(
                    f"output folder {out} is being written by {_owner_text(path)}; wait for it to finish or "
                    "choose another --out"
                ) from None
            time.sleep(0.2)
            continue
        try:  # the file may have been unlinked by its last owner after we opened it: retry on the new one
            same = os.fstat(fd).st_ino == os.stat(path).st_ino
        except FileNotFoundError:
            same = False
        if same:
            return fd
        os.close(fd)
