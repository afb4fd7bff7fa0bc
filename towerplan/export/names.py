"""File names that carry the study's data origin (issue 21, item 1).

A plan made on the synthetic demo province, on a mix of the user's files and synthetic layers, or on
real inputs only must say so in the names of the files a user downloads and passes on, not only inside
them: ``towerplan_plan_demo.zip``, ``towerplan_mixed_report.pdf``, ``towerplan_real_plan.xlsx``. The
words come from the ``kind`` of the summary's ``data_origin`` (``synthetic``, ``mixed``, ``real``).
The package folder keeps its fixed layout (``report.pdf``, ``plan.xlsx``, ...: what ``towerplan run``
writes and other tools read); the names here are the ones offered for download.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from towerplan.errors import ConfigError

__all__ = ["ORIGIN_WORDS", "deliverable_name", "origin_word", "package_zip_name"]

#: data-origin kind -> the word in file names
ORIGIN_WORDS: dict[str, str] = {"synthetic": "demo", "mixed": "mixed", "real": "real"}


def origin_word(origin: str | Mapping[str, Any]) -> str:
    """The file-name word of a data origin (its ``kind``, or the summary's ``data_origin`` mapping)."""
    kind = origin.get("kind") if isinstance(origin, Mapping) else origin
    if kind not in ORIGIN_WORDS:
        raise ConfigError(f"unknown data origin {kind!r}; expected one of {', '.join(ORIGIN_WORDS)}")
    return ORIGIN_WORDS[str(kind)]


def package_zip_name(origin: str | Mapping[str, Any]) -> str:
    """``towerplan_plan_<origin>.zip``: the whole package as one archive."""
    return f"towerplan_plan_{origin_word(origin)}.zip"


def deliverable_name(relative_path: str, origin: str | Mapping[str, Any]) -> str:
    """The download name of one package file: ``csv/gaps.csv`` -> ``towerplan_demo_gaps.csv``."""
    name = PurePosixPath(relative_path.replace("\\", "/")).name
    if not name or name in (".", ".."):
        raise ConfigError(f"not a package file: {relative_path!r}")
    return f"towerplan_{origin_word(origin)}_{name}"
