"""``towerplan itm`` as one study-layer call: NTIA's ITM case files in, the same rows with the loss out.

:func:`itm_cases` reads NTIA's CSV formats (github.com/NTIA/itm: ``p2p.csv`` with the
PFL profiles of ``pfls.csv``, one per line ``n, step_m, z_0, ..., z_n`` in case order;
``area.csv``), computes each case with :func:`towerplan.coverage.itm.itm_p2p_db` or
:func:`~towerplan.coverage.itm.itm_area_db`, and gives the rows back as CSV text, every
column as read, with the loss in ``A__db`` (replacing the expected value, or appended).
A case that fails gets an empty ``A__db`` and is listed in ``failures``.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from towerplan.errors import ConfigError, InputError, ModelInputError, UnreadableFileError

__all__ = ["AREA_COLUMNS", "P2P_COLUMNS", "ItmCases", "itm_cases"]

log = logging.getLogger(__name__)

P2P_COLUMNS = ("h_tx__meter", "h_rx__meter", "epsilon", "sigma", "N_0", "f__mhz", "pol", "climate", "time",
               "location", "situation", "mdvar")
AREA_COLUMNS = ("h_tx__meter", "h_rx__meter", "delta_h__meter", "mdvar", "d__km", "tx_siting_criteria",
                "rx_siting_criteria", "epsilon", "sigma", "N_0", "f__mhz", "pol", "climate", "time", "location",
                "situation")


@dataclass(frozen=True)
class ItmCases:
    """The computed case table: ``text`` (CSV), ``cases`` (rows read) and ``failures`` ((case number from 1,
    reason) of each case that could not be computed)."""

    text: str
    cases: int
    failures: list[tuple[int, str]] = field(default_factory=list)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"{path}: not a UTF-8 text file ({exc})") from exc
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot be read ({exc.strerror or exc})") from exc


def _read_cases(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(_read_text(path)))
    header = list(reader.fieldnames or [])
    missing = [c for c in required if c not in header]
    if missing:
        raise UnreadableFileError(f"{path}: missing columns {', '.join(missing)} (expected NTIA's format)")
    return header, list(reader)


def _read_profiles(path: Path) -> list[list[float]]:
    profiles = []
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            profiles.append([float(v) for v in line.split(",") if v.strip()])
        except ValueError as exc:
            raise UnreadableFileError(f"{path}, line {lineno}: not a list of numbers ({exc})") from exc
    return profiles


def _number(row: dict[str, str], name: str) -> float:
    text = (row.get(name) or "").strip()
    try:
        return float(text)
    except ValueError:
        raise ModelInputError(f"{name} = {text!r} is not a number") from None


def _integer(row: dict[str, str], name: str) -> int:
    value = _number(row, name)
    if not value.is_integer():
        raise ModelInputError(f"{name} = {row.get(name)!r} must be a whole number")
    return int(value)


def _common(row: dict[str, str]) -> dict[str, Any]:
    return {
        "h_tx_m": _number(row, "h_tx__meter"), "h_rx_m": _number(row, "h_rx__meter"),
        "freq_mhz": _number(row, "f__mhz"), "climate": _integer(row, "climate"), "n0": _number(row, "N_0"),
        "epsilon": _number(row, "epsilon"), "sigma": _number(row, "sigma"), "polarization": _integer(row, "pol"),
        "mdvar": _integer(row, "mdvar"), "time_pct": _number(row, "time"), "location_pct": _number(row, "location"),
        "situation_pct": _number(row, "situation"),
    }


def _table(header: list[str], rows: list[dict[str, str]], compute: Callable[[int, dict[str, str]], Any], *,
           decimals: int, with_warnings: bool) -> ItmCases:
    out_header = header if "A__db" in header else [*header, "A__db"]
    if with_warnings and "warnings" not in out_header:
        out_header = [*out_header, "warnings"]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=out_header, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    failures: list[tuple[int, str]] = []
    for number, row in enumerate(rows, start=1):
        out = dict(row)
        try:
            result = compute(number - 1, row)
            out["A__db"] = f"{result.loss_db:.{decimals}f}"
            out["warnings"] = str(result.warnings)
        except InputError as exc:
            failures.append((number, str(exc)))
            out["A__db"] = ""
            out["warnings"] = ""
        writer.writerow(out)
    log.info("ITM: %d cases, %d failed", len(rows), len(failures))
    return ItmCases(buffer.getvalue(), len(rows), failures)


def itm_cases(mode: Literal["p2p", "area"], cases: Path, *, profiles: Path | None = None, decimals: int = 2,
              with_warnings: bool = False, output: Path | None = None) -> ItmCases:
    """Compute NTIA's ITM case file ``cases`` (``profiles``: the PFL file of the p2p mode).

    ``decimals``: of ``A__db`` (2 in NTIA's p2p file, 1 in its area file); ``with_warnings``: add a
    ``warnings`` column (ITM's bitmask); ``output``: also write the CSV there.

    Raises
    ------
    UnreadableFileError
        A file that cannot be read, columns missing, a profile line that is not numbers, a
        different number of profiles and cases.
    """
    from towerplan.coverage.itm import itm_area_db, itm_p2p_db

    if mode == "p2p":
        if profiles is None:
            raise ConfigError("the p2p mode needs the profiles file")
        header, rows = _read_cases(cases, P2P_COLUMNS)
        pfls = _read_profiles(profiles)
        if len(pfls) != len(rows):
            raise UnreadableFileError(f"{profiles} has {len(pfls)} profiles but {cases} has {len(rows)} cases")

        def compute(index: int, row: dict[str, str]) -> Any:
            return itm_p2p_db(pfls[index], **_common(row))
    elif mode == "area":
        header, rows = _read_cases(cases, AREA_COLUMNS)

        def compute(index: int, row: dict[str, str]) -> Any:
            return itm_area_db(_number(row, "d__km") * 1000.0, delta_h_m=_number(row, "delta_h__meter"),
                               tx_siting=_integer(row, "tx_siting_criteria"),
                               rx_siting=_integer(row, "rx_siting_criteria"), **_common(row))
    else:
        raise ConfigError(f"ITM mode must be p2p or area, got {mode!r}")
    table = _table(header, rows, compute, decimals=decimals, with_warnings=with_warnings)
    if output is not None:
        from towerplan._atomic import atomic_path

        with atomic_path(output) as tmp:
            Path(tmp).write_text(table.text, encoding="utf-8")
    return table
