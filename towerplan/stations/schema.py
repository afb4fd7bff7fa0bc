"""The canonical station schema, its defaults and the lookup tables behind it.

One row per sector (cell). Column order of :data:`CANONICAL_COLUMNS` is the
order of every station table towerplan produces.

Lookup tables
-------------
* :data:`OPERATORS` / :func:`resolve_operator`: the five Vietnamese mobile
  network operators, their aliases and PLMN codes (MCC 452).
* :data:`TECHNOLOGIES` / :func:`resolve_technology`: 2G/3G/4G/5G and the
  names found in operator exports (``GSM``, ``UMTS``, ``LTE``, ``NR``, ...).
* :data:`BANDS` / :func:`resolve_band`: band names to the centre of their
  downlink range in MHz, from 3GPP TS 36.101 Table 5.5-1 (E-UTRA), TS 38.101-1
  Table 5.2-1 (NR FR1), TS 45.005 §2 (GSM) and TS 25.101 §5.2 (UTRA).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, get_args

from towerplan.errors import ConfigError
from towerplan.stations._text import compact

__all__ = [
    "BANDS",
    "CANONICAL_COLUMNS",
    "LIMITS",
    "NUMERIC_COLUMNS",
    "OPERATORS",
    "TECHNOLOGIES",
    "Band",
    "StationDefaults",
    "Technology",
    "resolve_band",
    "resolve_operator",
    "resolve_technology",
]

Technology = Literal["2G", "3G", "4G", "5G"]
TECHNOLOGIES: tuple[str, ...] = get_args(Technology)

#: canonical station columns, in order (geometry and passed-through columns follow)
CANONICAL_COLUMNS: tuple[str, ...] = (
    "site_id",
    "cell_id",
    "operator",
    "technology",
    "lon",
    "lat",
    "antenna_height_m",
    "azimuth_deg",
    "tilt_deg",
    "mechanical_tilt_deg",
    "h_beamwidth_deg",
    "v_beamwidth_deg",
    "antenna_pattern",
    "freq_mhz",
    "eirp_dbm",
    "tx_power_dbm",
    "antenna_gain_dbi",
    "feeder_loss_db",
    "band",
    "source_row",
    "source_file",
)

#: canonical columns holding floats (NaN where unknown, e.g. ``azimuth_deg`` of an omni cell)
NUMERIC_COLUMNS: tuple[str, ...] = (
    "lon",
    "lat",
    "antenna_height_m",
    "azimuth_deg",
    "tilt_deg",
    "mechanical_tilt_deg",
    "h_beamwidth_deg",
    "v_beamwidth_deg",
    "freq_mhz",
    "eirp_dbm",
    "tx_power_dbm",
    "antenna_gain_dbi",
    "feeder_loss_db",
)

#: accepted ranges ``(low, high, severity)``; both ends inclusive except where noted in the checks.
#: Heights, azimuths and frequencies come from the issue; the others are physical sanity bounds
#: (70 dBm = 10 kW per sector is far above any macro cell; 30 dBi is a large dish, not a panel).
LIMITS: dict[str, tuple[float, float, Literal["error", "warning"]]] = {
    "antenna_height_m": (0.0, 300.0, "error"),  # > 0 (exclusive) and <= 300 m
    "azimuth_deg": (0.0, 360.0, "error"),
    "tilt_deg": (-20.0, 30.0, "warning"),
    "mechanical_tilt_deg": (-20.0, 30.0, "warning"),
    "freq_mhz": (400.0, 6000.0, "error"),
    "h_beamwidth_deg": (1.0, 360.0, "error"),
    "v_beamwidth_deg": (1.0, 180.0, "error"),
    "tx_power_dbm": (0.0, 70.0, "error"),
    "antenna_gain_dbi": (-10.0, 30.0, "error"),
    "feeder_loss_db": (0.0, 30.0, "error"),
    "eirp_dbm": (0.0, 100.0, "error"),
}


@dataclass(frozen=True)
class StationDefaults:
    """Values used when a station list leaves an optional field out.

    Every use of a default is reported as a ``default_used`` warning (once per
    column when the column is missing, once per cell when a cell is empty).

    Parameters
    ----------
    antenna_height_m
        Antenna height above ground, 40 m: a typical rural lattice mast in
        Vietnam (urban rooftop sites are lower, 15-25 m).
    sectors_per_site
        A site list (no azimuth column) expands each row into this many
        sectors at equal spacing from 0° (3: 0°, 120°, 240°).
    h_beamwidth_deg
        Horizontal half-power beamwidth of a sector panel, 65° (the common
        tri-sector macro panel).
    v_beamwidth_deg
        Vertical half-power beamwidth, 7°: a 65° panel of 17-18 dBi at
        1.8-2.1 GHz has a vertical beamwidth of about 6-8° (manufacturers'
        datasheets); 7° is the middle.
    antenna_gain_dbi
        Sector panel gain, 18 dBi.
    omni_antenna_gain_dbi
        Gain used for omni cells (empty azimuth), 11 dBi, a typical
        collinear omni; their horizontal beamwidth is 360°.
    tilt_deg
        Electrical downtilt of a sector panel, 4°; positive is down. A list that gives one
        "total" tilt has it read as electrical (the two agree on boresight; see
        :mod:`towerplan.coverage.antenna`). Mechanical tilt (``mechanical_tilt_deg``) is 0 unless given.
    omni_tilt_deg
        Electrical downtilt of an omni cell, 0°: a collinear omni is rarely tilted, and the
        sector default (4° with a 7° beam) would cost 3.9 dB at the horizon all round.
    tx_power_dbm
        Transmitter output power per sector, 43 dBm (20 W), a common macro
        setting for a 10-20 MHz LTE carrier.
    feeder_loss_db
        Feeder, jumper and connector loss between radio and antenna, 2 dB
        (0.5 dB for a radio at the mast top, 3-4 dB for a long feeder).
    technology
        Used when the technology is missing and cannot be told from the band.
    operator
        Operator used when a file has no operator column or an empty cell
        (``None``: leave it unknown). Handy for a file sent by one operator.
    freq_2g_mhz, freq_3g_mhz, freq_4g_mhz, freq_5g_mhz
        Downlink centre frequency used when a row gives neither frequency nor
        band: GSM900 (947.5), UMTS band I (2140), LTE B3 (1842.5, the most used
        LTE band in Vietnam) and NR n78 (3550); see :data:`BANDS`.
    site_spread_m
        Rows of one site id further than this from the site's first row are
        an error (``site_two_places``).
    """

    antenna_height_m: float = 40.0
    sectors_per_site: int = 3
    h_beamwidth_deg: float = 65.0
    v_beamwidth_deg: float = 7.0
    antenna_gain_dbi: float = 18.0
    omni_antenna_gain_dbi: float = 11.0
    tilt_deg: float = 4.0
    omni_tilt_deg: float = 0.0
    tx_power_dbm: float = 43.0
    feeder_loss_db: float = 2.0
    technology: Technology = "4G"
    operator: str | None = None
    freq_2g_mhz: float = 947.5
    freq_3g_mhz: float = 2140.0
    freq_4g_mhz: float = 1842.5
    freq_5g_mhz: float = 3550.0
    site_spread_m: float = 100.0

    def __post_init__(self) -> None:
        def check(name: str, low: float, high: float) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ConfigError(f"StationDefaults.{name} must be a finite number, got {value!r}")
            if not low <= value <= high:
                raise ConfigError(f"StationDefaults.{name} must be within [{low}, {high}], got {value!r}")

        check("antenna_height_m", 0.5, 300.0)
        check("h_beamwidth_deg", 1.0, 360.0)
        check("v_beamwidth_deg", 1.0, 180.0)
        check("antenna_gain_dbi", -10.0, 30.0)
        check("omni_antenna_gain_dbi", -10.0, 30.0)
        check("tilt_deg", -20.0, 30.0)
        check("omni_tilt_deg", -20.0, 30.0)
        check("tx_power_dbm", 0.0, 70.0)
        check("feeder_loss_db", 0.0, 30.0)
        for tech in TECHNOLOGIES:
            check(f"freq_{tech.lower()}_mhz", 400.0, 6000.0)
        check("site_spread_m", 0.0, 100_000.0)
        if isinstance(self.sectors_per_site, bool) or not isinstance(self.sectors_per_site, int):
            raise ConfigError(f"StationDefaults.sectors_per_site must be an integer, got {self.sectors_per_site!r}")
        if not 1 <= self.sectors_per_site <= 12:
            raise ConfigError(f"StationDefaults.sectors_per_site must be 1..12, got {self.sectors_per_site}")
        if self.technology not in TECHNOLOGIES:
            raise ConfigError(f"StationDefaults.technology must be one of {TECHNOLOGIES}, got {self.technology!r}")
        if self.operator is not None and self.operator not in OPERATORS:
            raise ConfigError(f"StationDefaults.operator must be one of {tuple(OPERATORS)} or None")

    def freq_mhz_for(self, technology: str) -> float:
        """Default downlink centre frequency (MHz) of a technology (``"2G"`` .. ``"5G"``)."""
        return float(getattr(self, f"freq_{technology.lower()}_mhz"))

    def sector_azimuths_deg(self) -> tuple[float, ...]:
        """Azimuths given to the sectors of a site-list row: 0°, 360/n, 2*360/n, ..."""
        step = 360.0 / self.sectors_per_site
        return tuple(round(k * step, 6) for k in range(self.sectors_per_site))


# ----------------------------------------------------------------------------- operators

#: canonical operator name -> (PLMN code ``MCC-MNC``, aliases as :func:`compact` keys).
#: MNCs of MCC 452 (Viet Nam) from the ITU-T E.212 list of mobile network codes.
OPERATORS: dict[str, tuple[str, tuple[str, ...]]] = {
    "Viettel": (
        "452-04",
        ("viettel", "vietteltelecom", "viettelmobile", "tapdoanviettel", "viettelgroup", "vtl"),
    ),
    "VNPT-VinaPhone": (
        "452-02",
        ("vnptvinaphone", "vinaphone", "vinaphonevnpt", "vnpt", "vina", "vnp", "vinafone"),
    ),
    "MobiFone": ("452-01", ("mobifone", "mobi", "mobiphone", "vms", "vmsmobifone", "mobifonetelecom")),
    "Vietnamobile": ("452-05", ("vietnamobile", "vnmb", "vnmobile", "htmobile", "vietnammobile")),
    "Gmobile": ("452-07", ("gmobile", "gtel", "gtelmobile", "beeline", "beelinevietnam")),
}

_OPERATOR_ALIASES: dict[str, str] = {
    alias: name for name, (_, aliases) in OPERATORS.items() for alias in (compact(name), *aliases)
}
_OPERATOR_PLMN: dict[str, str] = {plmn.replace("-", ""): name for name, (plmn, _) in OPERATORS.items()}
# distinctive stems found inside longer names ("Viettel Thanh Hóa", "Tổng công ty MobiFone")
_OPERATOR_STEMS: tuple[tuple[str, str], ...] = (
    ("vietnamobile", "Vietnamobile"),
    ("vinaphone", "VNPT-VinaPhone"),
    ("mobifone", "MobiFone"),
    ("viettel", "Viettel"),
    ("gmobile", "Gmobile"),
    ("vnpt", "VNPT-VinaPhone"),
    ("gtel", "Gmobile"),
)
_PLMN = re.compile(r"^\s*(\d{3})\s*[-/ _.]?\s*(\d{1,3})\s*$")


def resolve_operator(value: str) -> str | None:
    """Canonical operator name for a free-text name or a PLMN code, else ``None``.

    Case-, accent- and punctuation-insensitive (``"vinaphone"``, ``"VNPT"``,
    ``"Viettel Telecom"``, ``"Mobifone"``, ``"VNMB"``, ``"Gtel"``); PLMN codes
    such as ``"45204"``, ``"452-04"`` or ``"452/4"`` work too.
    """
    text = str(value)
    plmn = _PLMN.match(text)
    if plmn:
        mcc, mnc = plmn.groups()
        return _OPERATOR_PLMN.get(f"{mcc}{int(mnc):02d}")
    key = compact(text)
    if not key:
        return None
    if key in _OPERATOR_ALIASES:
        return _OPERATOR_ALIASES[key]
    for stem, name in _OPERATOR_STEMS:
        if stem in key:
            return name
    return None


# ----------------------------------------------------------------------------- technologies

_TECH_ALIASES: dict[str, str] = {}
for _tech, _aliases in {
    "2G": ("2g", "gsm", "edge", "gprs", "dcs", "gsmedge", "2ggsm", "gsm2g"),
    "3G": ("3g", "umts", "wcdma", "hspa", "hsdpa", "hspaplus", "utra", "utran", "3gumts", "umts3g", "3gwcdma"),
    "4G": ("4g", "lte", "4glte", "lte4g", "ltea", "lteadvanced", "eutra", "eutran", "fddlte", "tddlte", "4gplus"),
    "5G": ("5g", "nr", "5gnr", "nr5g", "nrsa", "nrnsa", "5gsa", "5gnsa"),
}.items():
    for _alias in _aliases:
        _TECH_ALIASES[_alias] = _tech


def resolve_technology(value: str) -> str | None:
    """``"2G"``..``"5G"`` for a technology name (``"LTE"``, ``"NR"``, ``"GSM"``, ``"4G LTE"``, ...), else ``None``."""
    key = compact(str(value).replace("+", "plus"))
    if key in _TECH_ALIASES:
        return _TECH_ALIASES[key]
    if key in {"2", "3", "4", "5"}:  # a bare generation number
        return f"{key}G"
    return None


# ----------------------------------------------------------------------------- bands


@dataclass(frozen=True)
class Band:
    """A named band: technology and downlink range (MHz)."""

    name: str
    technology: Technology
    dl_low_mhz: float
    dl_high_mhz: float

    @property
    def centre_mhz(self) -> float:
        return (self.dl_low_mhz + self.dl_high_mhz) / 2.0


def _bands() -> dict[str, Band]:
    # downlink ranges in MHz
    eutra = {  # 3GPP TS 36.101 Table 5.5-1 "E-UTRA operating bands"
        1: (2110, 2170), 2: (1930, 1990), 3: (1805, 1880), 4: (2110, 2155), 5: (869, 894),
        7: (2620, 2690), 8: (925, 960), 12: (729, 746), 13: (746, 756), 17: (734, 746),
        20: (791, 821), 25: (1930, 1995), 26: (859, 894), 28: (758, 803), 32: (1452, 1496),
        38: (2570, 2620), 39: (1880, 1920), 40: (2300, 2400), 41: (2496, 2690),
        42: (3400, 3600), 43: (3600, 3800), 66: (2110, 2200), 71: (617, 652),
    }  # fmt: skip
    nr = {  # 3GPP TS 38.101-1 Table 5.2-1 "NR operating bands in FR1"
        1: (2110, 2170), 2: (1930, 1990), 3: (1805, 1880), 5: (869, 894), 7: (2620, 2690),
        8: (925, 960), 20: (791, 821), 28: (758, 803), 38: (2570, 2620), 40: (2300, 2400),
        41: (2496, 2690), 71: (617, 652), 77: (3300, 4200), 78: (3300, 3800), 79: (4400, 5000),
    }  # fmt: skip
    table: dict[str, Band] = {}
    for n, (lo, hi) in eutra.items():
        table[f"B{n}"] = Band(f"B{n}", "4G", lo, hi)
    for n, (lo, hi) in nr.items():
        table[f"n{n}"] = Band(f"n{n}", "5G", lo, hi)
    # 3GPP TS 45.005 §2: GSM 850 (869-894), P-GSM 900 (935-960), DCS 1800 (1805-1880), PCS 1900
    table["GSM850"] = Band("GSM850", "2G", 869, 894)
    table["GSM900"] = Band("GSM900", "2G", 935, 960)
    table["GSM1800"] = Band("GSM1800", "2G", 1805, 1880)
    table["GSM1900"] = Band("GSM1900", "2G", 1930, 1990)
    # 3GPP TS 25.101 Table 5.0: UTRA bands I (2100), V (850), VIII (900)
    table["UMTS2100"] = Band("UMTS2100", "3G", 2110, 2170)
    table["UMTS850"] = Band("UMTS850", "3G", 869, 894)
    table["UMTS900"] = Band("UMTS900", "3G", 925, 960)
    return table


#: band name -> :class:`Band`; ``BANDS["B3"].centre_mhz == 1842.5``
BANDS: dict[str, Band] = _bands()

# colloquial names: "LTE1800", "L1800", "U900", "G900", "DCS1800", "Band 3", "B03"
_LTE_BY_MHZ = {"700": "B28", "800": "B20", "850": "B5", "900": "B8", "1800": "B3", "2100": "B1",
               "2300": "B40", "2600": "B7"}  # fmt: skip
_BAND_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:lte|eutra|4g)?(?:b|band)0*(\d{1,2})$"), "B{0}"),
    (re.compile(r"^(?:nr|5g)?(?:band)?n0*(\d{1,3})$"), "n{0}"),
    (re.compile(r"^(?:gsm|g|dcs|pcs|2g)(850|900|1800|1900)(?:mhz)?$"), "GSM{0}"),
    (re.compile(r"^(?:umts|wcdma|u|3g)(850|900|2100)(?:mhz)?$"), "UMTS{0}"),
)
_LTE_MHZ = re.compile(r"^(?:lte|l|4g)(700|800|850|900|1800|2100|2300|2600)(?:mhz)?$")


def resolve_band(value: str, *, technology: str | None = None) -> Band | None:
    """The :class:`Band` named by ``value`` (``"B3"``, ``"Band 3"``, ``"n78"``, ``"LTE1800"``, ``"GSM900"``).

    A bare band number (``"3"``) is read as an NR band when ``technology`` is
    ``"5G"`` and as an E-UTRA band otherwise. Returns ``None`` when unknown.
    """
    key = compact(value)
    if re.fullmatch(r"\d{1,2}", key):
        key = ("n" if technology == "5G" else "b") + key
    for pattern, template in _BAND_PATTERNS:
        m = pattern.match(key)
        if m:
            name = template.format(int(m.group(1)))
            return BANDS.get(name)
    m = _LTE_MHZ.match(key)
    if m:
        return BANDS[_LTE_BY_MHZ[m.group(1)]]
    return None
