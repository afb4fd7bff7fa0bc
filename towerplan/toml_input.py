"""Read a TOML file given by a user (a scenario) without a crash: size, nesting, encoding, special files.

:func:`tomllib.loads` recurses once per nested array or table, so a 100,000-deep
array raises :class:`RecursionError`; a path holding NUL raises
:class:`ValueError`; ``/dev/zero`` or a named pipe never ends. Each becomes one
clear :class:`~towerplan.errors.TowerplanError`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from towerplan.errors import InputError, UnreadableFileError
from towerplan.input_files import checked_path
from towerplan.textsafe import visible

__all__ = ["MAX_TOML_BYTES", "MAX_TOML_DEPTH", "TomlSyntaxError", "read_toml"]

#: largest scenario file read (a scenario is a few kB)
MAX_TOML_BYTES = 1024 * 1024
#: deepest nesting of arrays and inline tables accepted (a scenario needs 3 or 4)
MAX_TOML_DEPTH = 64


class TomlSyntaxError(InputError):
    """The file is not valid TOML (or nests too deeply); the message says where."""


def _max_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` outside strings and comments (an upper bound of TOML's own)."""
    depth = deepest = 0
    quote = ""
    comment = False
    escaped = False
    for ch in text:
        if comment:
            comment = ch != "\n"
            continue
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\" and quote == '"':
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#":
            comment = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth = max(depth - 1, 0)
    return deepest


def read_toml(path: str | os.PathLike[str], *, what: str = "scenario file",
              max_bytes: int = MAX_TOML_BYTES) -> tuple[dict[str, Any], Path]:
    """The parsed document and the file's real path.

    Raises
    ------
    InputError
        A NUL in the path.
    UnreadableFileError
        Missing, a folder / device / pipe, over ``max_bytes``, not UTF-8.
    TomlSyntaxError
        Not valid TOML, or nested deeper than :data:`MAX_TOML_DEPTH`.
    """
    try:
        real = checked_path(path, what=what)
    except UnreadableFileError as exc:
        if "no such file" in str(exc):
            raise UnreadableFileError(f"{visible(os.fspath(path))}: {what} not found") from exc
        if "is a folder" in str(exc):
            raise UnreadableFileError(f"{visible(os.fspath(path))}: is a folder, not a {what}") from exc
        raise
    size = real.stat().st_size
    if size > max_bytes:
        raise UnreadableFileError(f"{visible(real.name)}: {size:,} bytes, over the {max_bytes:,}-byte limit of a "
                                  f"{what}; is it the right file?")
    try:
        text = real.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"{visible(real.name)}: not a UTF-8 text file ({exc.reason})") from exc
    depth = _max_depth(text)
    if depth > MAX_TOML_DEPTH:
        raise TomlSyntaxError(f"not valid TOML: arrays or tables nested {depth:,} deep, more than the "
                              f"{MAX_TOML_DEPTH} a {what} may use")
    try:
        return tomllib.loads(text), real
    except tomllib.TOMLDecodeError as exc:
        raise TomlSyntaxError(f"not valid TOML: {exc}") from exc
    except RecursionError as exc:  # the depth scan is an upper bound; kept as a last guard
        raise TomlSyntaxError("not valid TOML: nested too deeply") from exc
