"""The path sandbox of scenario files: inputs only from allowed folders.

A path in a scenario is resolved against the scenario file's folder; after following
symbolic links it must lie inside that folder or one of ``allowed_roots``. ``..``
escapes, absolute paths elsewhere and links leading out are refused with a message
saying which and listing the allowed folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from towerplan.study.toml_io import show, toml_type

__all__ = ["check_path", "check_paths", "inside", "resolve_roots"]


def resolve_roots(base: Path, allowed_roots: Iterable[os.PathLike[str] | str] | None) -> list[Path]:
    roots = [base.resolve()]
    roots += [Path(r).expanduser().resolve() for r in (allowed_roots or ())]
    return roots


def inside(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == r or path.is_relative_to(r) for r in roots)


def check_path(text: Any, key: str, base: Path, roots: Sequence[Path], problems: list[str], *,
                folder: bool = False) -> Path | None:
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{key}: expected a path (a non-empty string), got {toml_type(text)} {show(text)}")
        return None
    if "\x00" in text:
        problems.append(f"{key}: the path {text!r} holds a NUL character; give the file's real name")
        return None
    raw = Path(text).expanduser()
    full = raw if raw.is_absolute() else base / raw
    real = full.resolve()
    if not inside(real, roots):
        why = "it leads outside through a symbolic link" if inside(Path(os.path.normpath(full)), roots) else (
            "'..' leaves the scenario's folder" if ".." in raw.parts else "it is outside the scenario's folder")
        allowed = ", ".join(str(r) for r in roots)
        problems.append(f"{key}: {text!r} is not allowed: {why} (allowed folders: {allowed})")
        return None
    if folder and not real.is_dir():
        problems.append(f"{key}: folder {text!r} not found (looked for {real})")
        return None
    if not folder and not real.is_file():
        problems.append(f"{key}: file {text!r} not found (looked for {real})")
        return None
    return real


def check_paths(value: Any, key: str, base: Path, roots: Sequence[Path], problems: list[str]) -> tuple[Path, ...]:
    items = value if isinstance(value, list) else [value]
    if isinstance(value, list) and not value:
        problems.append(f"{key}: expected at least one path")
    out = [check_path(v, f"{key}[{i}]" if isinstance(value, list) else key, base, roots, problems)
           for i, v in enumerate(items)]
    return tuple(p for p in out if p is not None)


