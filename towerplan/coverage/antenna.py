"""Base-station antenna patterns: the 3GPP parametric sector model, omni antennas, MSI/Planet files.

Gains are in dB *relative to the antenna's maximum* (0 at boresight, negative
elsewhere); the link budget adds them to the EIRP, which already contains the
maximum gain.

Parametric sector pattern (3GPP TR 36.814 v9.2.0 Table A.2.1.1-2; the same
form with other default limits in TR 38.901 v17 Table 7.3-1)::

    A_H(φ) = -min(12 (φ / φ_3dB)^2, A_m)                 horizontal, φ from boresight
    A_V(θ) = -min(12 ((θ - θ_tilt) / θ_3dB)^2, SLA_V)    vertical, θ below the horizon
    A(φ, θ) = -min(-(A_H(φ) + A_V(θ)), A_m)

``A_m`` is the front-to-back ratio (25 dB in TR 36.814, 30 dB in TR 38.901),
``SLA_V`` the vertical side-lobe limit (20 dB / 30 dB).

Tilt: electrical tilt shifts the vertical pattern in every direction.
Mechanical tilt tips the whole panel, so the downtilt seen at horizontal
offset φ is ``θ_m cos φ`` (it becomes an uptilt behind the panel); this is the
usual first-order model, exact on the boresight and on the side axis.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from towerplan.errors import InputError, UnreadableFileError
from towerplan.stations.patterns import PATTERN_SUFFIXES
from towerplan.stations.schema import StationDefaults

#: a sector's defaults are the station lists' (one table, :class:`towerplan.stations.schema.StationDefaults`)
_STATION_DEFAULTS = StationDefaults()

__all__ = ["PATTERN_SUFFIXES", "SectorPattern", "OmniPattern", "TabulatedPattern", "read_msi", "read_pattern",
           "read_pattern_csv", "wrap_deg"]


def wrap_deg(angle_deg: np.ndarray | float) -> np.ndarray:
    """Wrap angles to [-180, 180) degrees."""
    return (np.asarray(angle_deg, dtype=float) + 180.0) % 360.0 - 180.0


@dataclass(frozen=True)
class SectorPattern:
    """3GPP parametric sector antenna.

    Parameters
    ----------
    h_beamwidth_deg, v_beamwidth_deg
        Half-power (3 dB) beamwidths.
    electrical_tilt_deg, mechanical_tilt_deg
        Downtilts, degrees, positive down.
    front_to_back_db
        ``A_m``, the maximum attenuation (TR 36.814: 25 dB).
    side_lobe_db
        ``SLA_V``, the vertical side-lobe limit (TR 36.814: 20 dB).
    """

    h_beamwidth_deg: float = _STATION_DEFAULTS.h_beamwidth_deg
    v_beamwidth_deg: float = _STATION_DEFAULTS.v_beamwidth_deg
    electrical_tilt_deg: float = _STATION_DEFAULTS.tilt_deg
    mechanical_tilt_deg: float = 0.0
    front_to_back_db: float = 25.0
    side_lobe_db: float = 20.0

    def __post_init__(self) -> None:
        for name in ("h_beamwidth_deg", "v_beamwidth_deg"):
            v = getattr(self, name)
            if not (0.0 < v <= 360.0):
                raise InputError(f"{name} must be in (0, 360] degrees, got {v}")
        for name in ("front_to_back_db", "side_lobe_db"):
            if not getattr(self, name) >= 0:
                raise InputError(f"{name} must be >= 0 dB, got {getattr(self, name)}")
        for name in ("electrical_tilt_deg", "mechanical_tilt_deg"):
            if not (-90.0 <= getattr(self, name) <= 90.0):
                raise InputError(f"{name} must be within +-90 degrees, got {getattr(self, name)}")

    def horizontal_db(self, phi_deg: np.ndarray | float) -> np.ndarray:
        """A_H(φ), φ = horizontal angle from boresight in degrees."""
        phi = wrap_deg(phi_deg)
        return -np.minimum(12.0 * (phi / self.h_beamwidth_deg) ** 2, self.front_to_back_db)

    def vertical_db(self, theta_deg: np.ndarray | float, phi_deg: np.ndarray | float = 0.0) -> np.ndarray:
        """A_V(θ) at elevation θ below the horizon (degrees), seen at horizontal offset φ."""
        tilt = self.electrical_tilt_deg + self.mechanical_tilt_deg * np.cos(np.radians(wrap_deg(phi_deg)))
        return -np.minimum(12.0 * ((np.asarray(theta_deg, dtype=float) - tilt) / self.v_beamwidth_deg) ** 2,
                           self.side_lobe_db)

    def gain_db(self, phi_deg: np.ndarray | float, theta_deg: np.ndarray | float) -> np.ndarray:
        """Relative gain A(φ, θ) in dB (0 at boresight, >= -front_to_back_db)."""
        total = self.horizontal_db(phi_deg) + self.vertical_db(theta_deg, phi_deg)
        return -np.minimum(-total, self.front_to_back_db)


@dataclass(frozen=True)
class OmniPattern:
    """Omnidirectional antenna: flat horizontally, the 3GPP vertical pattern with tilt."""

    v_beamwidth_deg: float = 10.0
    electrical_tilt_deg: float = 0.0
    side_lobe_db: float = 20.0

    def __post_init__(self) -> None:
        if not (0.0 < self.v_beamwidth_deg <= 180.0):
            raise InputError(f"v_beamwidth_deg must be in (0, 180], got {self.v_beamwidth_deg}")

    def gain_db(self, phi_deg: np.ndarray | float, theta_deg: np.ndarray | float) -> np.ndarray:
        theta = np.asarray(theta_deg, dtype=float) + 0.0 * np.asarray(phi_deg, dtype=float)
        return -np.minimum(12.0 * ((theta - self.electrical_tilt_deg) / self.v_beamwidth_deg) ** 2,
                           self.side_lobe_db)


@dataclass(frozen=True)
class TabulatedPattern:
    """A measured pattern from a file: attenuation tables, horizontal and vertical, 1° steps.

    ``horizontal_loss_db[i]`` is the attenuation (>= 0) at azimuth i degrees clockwise from
    boresight; ``vertical_loss_db[j]`` at angle j of the vertical cut through boresight, as in
    MSI/Planet files: 0 the horizon in front, 90 straight down, 180 the horizon *behind* the
    antenna, 270 straight up. ``electrical_tilt_deg`` is the tilt the file was measured at.

    3D gain from the two cuts (the summing method of Planet/Atoll-style planning tools), with the
    back half of the vertical cut used as the file gives it::

        θ' = θ - Δe - θ_m cos φ                  elevation seen by the antenna
        L_front = L_V(θ')                         the cut in front (0 = front horizon)
        L_back  = L_V(180 - θ') - L_V(180) + L_V(0)   the cut behind, relative to its own horizon point
        w = max(0, -cos φ)                        0 in the front half, 1 straight behind
        A(φ, θ) = -min(L_H(φ) + (1 - w) L_front + w L_back, max_loss)

    ``Δe`` is an extra electrical tilt (the sector's electrical tilt minus the file's): electrical
    tilt tips the beam down in every azimuth (a cone), so it shifts θ the same way all round;
    mechanical tilt ``θ_m`` tips the panel, seen as ``θ_m cos φ`` (an uptilt behind). On the
    horizon (θ' = 0) both halves give ``L_H(φ) + L_V(0)``, so the horizontal cut is reproduced; the
    front half (|φ| <= 90°) is the plain sum with the front cut, straight behind the back cut is
    used alone, and between them the weight moves continuously. ``max_loss`` is the largest
    tabulated loss.
    """

    horizontal_loss_db: np.ndarray
    vertical_loss_db: np.ndarray
    gain_dbi: float = float("nan")
    name: str = ""
    electrical_tilt_deg: float = 0.0
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for attr in ("horizontal_loss_db", "vertical_loss_db"):
            arr = np.asarray(getattr(self, attr), dtype=float)
            if arr.shape != (360,) or not np.isfinite(arr).all():
                raise InputError(f"{attr} needs 360 finite values, got shape {arr.shape}")
            arr = arr - arr.min()  # relative to the pattern's maximum
            arr.flags.writeable = False
            object.__setattr__(self, attr, arr)
        if not -90.0 <= self.electrical_tilt_deg <= 90.0:
            raise InputError(f"electrical_tilt_deg must be within +-90 degrees, got {self.electrical_tilt_deg}")

    @property
    def max_loss_db(self) -> float:
        """The largest tabulated loss (the floor of the combined pattern)."""
        return max(float(self.horizontal_loss_db.max()), float(self.vertical_loss_db.max()))

    def tables(self) -> np.ndarray:
        """``(2, 360)`` float64: the horizontal and vertical loss tables (what the engine's kernel uses)."""
        return np.ascontiguousarray(np.stack([self.horizontal_loss_db, self.vertical_loss_db]), dtype=np.float64)

    def gain_db(self, phi_deg: np.ndarray | float, theta_deg: np.ndarray | float, *,
                electrical_shift_deg: float = 0.0, mechanical_tilt_deg: float = 0.0) -> np.ndarray:
        """Relative gain A(φ, θ) in dB: φ from boresight, θ below the horizon (degrees)."""
        phi = wrap_deg(phi_deg)
        cos_phi = np.cos(np.radians(phi))
        seen = np.asarray(theta_deg, dtype=float) - electrical_shift_deg - mechanical_tilt_deg * cos_phi
        lh = _interp360(self.horizontal_loss_db, phi)
        v = self.vertical_loss_db
        front = _interp360(v, seen)
        back = _interp360(v, 180.0 - seen) - v[180] + v[0]
        w = np.maximum(-cos_phi, 0.0)
        return -np.minimum(lh + (1.0 - w) * front + w * back, self.max_loss_db)


def _interp360(table: np.ndarray, angle_deg: np.ndarray) -> np.ndarray:
    """Linear interpolation in a 1°-step table of 360 values (angles taken modulo 360)."""
    a = np.asarray(angle_deg, dtype=float) % 360.0
    i0 = np.floor(a).astype(int) % 360
    frac = a - np.floor(a)
    return table[i0] * (1 - frac) + table[(i0 + 1) % 360] * frac


_KEY = re.compile(r"^\s*([A-Za-z_]+)\s*(.*)$")


def read_msi(path: str | os.PathLike[str]) -> TabulatedPattern:
    """Read an MSI / Planet antenna pattern file (``.msi``, ``.pln``, ``.ant``, ``.txt``).

    The format: ``KEY value`` header lines (``NAME``, ``FREQUENCY``, ``GAIN 18 dBi`` or ``dBd``,
    ``TILT ELECTRICAL``, ``ELECTRICAL_TILT 4``...), then ``HORIZONTAL 360`` followed by 360 lines
    ``angle attenuation_db`` and ``VERTICAL 360`` with 360 more. A ``dBd`` gain is converted
    (+2.15 dB).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot read ({exc})") from exc
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header: dict[str, str] = {}
    tables: dict[str, np.ndarray] = {}
    i = 0
    while i < len(lines):
        m = _KEY.match(lines[i])
        key = m.group(1).upper() if m else ""
        if key in ("HORIZONTAL", "VERTICAL"):
            try:
                n = int(m.group(2).split()[0]) if m and m.group(2).split() else 360
                rows = [lines[i + 1 + k].replace(",", ".").split() for k in range(n)]
                vals = np.full(360, np.nan)
                for r in rows:
                    vals[round(float(r[0])) % 360] = float(r[1])
            except (IndexError, ValueError) as exc:
                raise UnreadableFileError(f"{path.name}: bad {key} table near line {i + 2}: {exc}") from exc
            if np.isnan(vals).any():
                known = np.flatnonzero(~np.isnan(vals))
                vals = np.interp(np.arange(360), known, vals[known], period=360)
            tables[key] = vals
            i += n + 1
            continue
        if m:
            header[key] = m.group(2).strip()
        i += 1
    if "HORIZONTAL" not in tables or "VERTICAL" not in tables:
        raise UnreadableFileError(f"{path.name}: not an MSI pattern (needs HORIZONTAL and VERTICAL tables)")
    gain = float("nan")
    if "GAIN" in header:
        parts = header["GAIN"].split()
        try:
            gain = float(parts[0].replace(",", "."))
            if len(parts) > 1 and parts[1].lower() == "dbd":
                gain += 2.15
        except ValueError:
            gain = float("nan")
    tilt = 0.0
    for key in ("ELECTRICAL_TILT", "ETILT"):
        if key in header:
            try:
                tilt = float(header[key].split()[0])
            except ValueError:
                tilt = 0.0
    if math.isnan(gain):
        gain = float("nan")
    return TabulatedPattern(tables["HORIZONTAL"], tables["VERTICAL"], gain, header.get("NAME", path.stem),
                            tilt, header)


def _cut_table(angles: list[float], losses: list[float], what: str, path: Path) -> np.ndarray:
    if len(angles) < 2:
        raise UnreadableFileError(f"{path.name}: the {what} cut needs at least 2 angles, got {len(angles)}")
    a = np.asarray(angles, dtype=float) % 360.0
    v = np.asarray(losses, dtype=float)
    if not np.isfinite(v).all():
        raise UnreadableFileError(f"{path.name}: the {what} cut has non-numeric losses")
    order = np.argsort(a, kind="stable")
    return np.interp(np.arange(360.0), a[order], v[order], period=360.0)


def read_pattern_csv(path: str | os.PathLike[str]) -> TabulatedPattern:
    """Read the simple CSV pattern: columns ``cut, angle_deg`` and ``loss_db`` (attenuation, >= 0) or
    ``gain_db`` (relative gain, <= 0).

    ``cut`` is ``horizontal``/``h`` (angle clockwise from boresight) or ``vertical``/``v`` (angle in
    the vertical cut as in MSI files: 0 front horizon, 90 down, 180 the horizon behind, 270 up; so
    a vertical cut given only for the front half is completed by interpolation, write the back half
    to have it used). Angles need not be on 1° steps: the cuts are interpolated linearly (periodic)
    onto 1° tables. Optional lines ``# gain_dbi = 17.5`` and ``# electrical_tilt_deg = 4`` give the
    maximum gain and the tilt the pattern was measured at.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot read ({exc})") from exc
    meta: dict[str, str] = {}
    rows: list[list[str]] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            key, sep, text = stripped.lstrip("#").partition("=")
            if sep:
                meta[key.strip().lower()] = text.strip()
        elif stripped:
            rows.append([c.strip() for c in re.split(r"[,;\t]", stripped)])
    if not rows:
        raise UnreadableFileError(f"{path.name}: empty pattern file")
    head = [h.lower() for h in rows[0]]
    if "cut" not in head or "angle_deg" not in head or not ({"loss_db", "gain_db"} & set(head)):
        raise UnreadableFileError(f"{path.name}: a CSV pattern needs the columns cut, angle_deg and loss_db "
                                  f"(or gain_db); got {rows[0]}")
    i_cut, i_ang = head.index("cut"), head.index("angle_deg")
    sign, i_val = (1.0, head.index("loss_db")) if "loss_db" in head else (-1.0, head.index("gain_db"))
    cuts: dict[str, tuple[list[float], list[float]]] = {"h": ([], []), "v": ([], [])}
    for n, row in enumerate(rows[1:], start=2):
        try:
            cut = row[i_cut].lower()[:1]
            angle, value = float(row[i_ang]), sign * float(row[i_val])
        except (IndexError, ValueError) as exc:
            raise UnreadableFileError(f"{path.name}: line {n}: {exc}") from exc
        if cut not in cuts:
            raise UnreadableFileError(f"{path.name}: line {n}: cut must be horizontal or vertical, got {row[i_cut]!r}")
        cuts[cut][0].append(angle)
        cuts[cut][1].append(value)
    try:
        gain = float(meta.get("gain_dbi", "nan"))
        tilt = float(meta.get("electrical_tilt_deg", "0"))
    except ValueError as exc:
        raise UnreadableFileError(f"{path.name}: bad header value ({exc})") from exc
    return TabulatedPattern(_cut_table(*cuts["h"], "horizontal", path), _cut_table(*cuts["v"], "vertical", path),
                            gain, meta.get("name", path.stem), tilt, meta)


def read_pattern(path: str | os.PathLike[str]) -> TabulatedPattern:
    """A pattern file by its ending: ``.csv`` (:func:`read_pattern_csv`), else MSI/Planet (:func:`read_msi`)."""
    return read_pattern_csv(path) if Path(path).suffix.lower() == ".csv" else read_msi(path)
