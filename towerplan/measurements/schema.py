"""Measurement columns: canonical fields, header aliases, plausible ranges, channel numbers and bands.

Headers are reduced to keys with :func:`towerplan.stations.headers.header_key`
(accents, case, spaces and punctuation dropped, a unit in brackets taken apart:
``"RSRP (dBm)"`` -> ``"rsrp"``), so ``Kinh độ``, ``KINH_DO`` and ``kinh do`` are one key.
The aliases cover plain CSV/XLSX exports (English and Vietnamese), G-NetTrack Pro
logs (``Longitude, Latitude, Operatorname, CellID, Node, NetworkTech, Level, ARFCN``,
...) and the usual TEMS / NEMO column names once exported to CSV.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from towerplan.stations import BANDS
from towerplan.stations.headers import header_key

__all__ = [
    "LEVEL_KINDS",
    "LEVEL_RANGES_DBM",
    "MEASUREMENT_ALIASES",
    "MeasurementHeaders",
    "band_label",
    "channel_to_mhz",
    "map_measurement_headers",
]

#: level column kinds -> the technology whose reported level it is
LEVEL_KINDS: dict[str, str] = {"rsrp_dbm": "4G", "rscp_dbm": "3G", "rxlev_dbm": "2G"}

#: reporting ranges of the measured levels, dBm: RSRP -140..-44 (3GPP TS 36.133 section 9.1.4),
#: RSCP -120..-25 (TS 25.133 section 9.1.1.3), RxLev -110..-48 (TS 45.008 section 8.1.4, RXLEV 0..63).
#: Values outside are flagged (kept when within ``PHYSICAL_RANGE_DBM``).
LEVEL_RANGES_DBM: dict[str, tuple[float, float]] = {"4G": (-140.0, -44.0), "5G": (-156.0, -31.0),
                                                    "3G": (-120.0, -25.0), "2G": (-111.0, -47.0)}
#: levels outside this range cannot be a received power of a mobile (rows rejected)
PHYSICAL_RANGE_DBM: tuple[float, float] = (-170.0, -10.0)

#: canonical field -> header keys (best first)
MEASUREMENT_ALIASES: dict[str, tuple[str, ...]] = {
    "lon": ("lon", "long", "lng", "longitude", "kinhdo", "londd", "longdd", "lonwgs84", "gpslon", "gpslongitude",
            "mslon", "uelon"),
    "lat": ("lat", "latitude", "vido", "latdd", "latwgs84", "gpslat", "gpslatitude", "mslat", "uelat"),
    "rsrp_dbm": ("rsrpdbm", "rsrp", "servingrsrp", "servrsrp", "rsrpserving", "pccrsrp", "lterssrp", "ssrsrp",
                 "nrssrsrp", "cuongdorsrp", "mucthursrp"),
    "rscp_dbm": ("rscpdbm", "rscp", "servingrscp", "servrscp", "rscpserving", "cpichrscp"),
    "rxlev_dbm": ("rxlevdbm", "rxlev", "rxlevfull", "rxlevsub", "rxlevel", "servingrxlev"),
    "level_dbm": ("leveldbm", "level", "signal", "signaldbm", "signalstrength", "signallevel", "mucthu",
                  "mucthudbm", "cuongdo", "cuongdotinhieu", "mucsong", "cuongdosong"),
    "cell_lon": ("celllon", "celllongitude", "cellx", "sitelon", "sitelongitude", "btslon", "btslongitude",
                 "enodeblon", "servingcelllon", "kinhdotram", "kinhdocell", "txlon"),
    "cell_lat": ("celllat", "celllatitude", "celly", "sitelat", "sitelatitude", "btslat", "btslatitude",
                 "enodeblat", "servingcelllat", "vidotram", "vidocell", "txlat"),
    "cell_id": ("cellid", "cell", "ci", "eci", "nci", "servingcellid", "servingcell", "servingci", "macell",
                "cellname", "tencell", "cgi", "ecgi", "sectorid"),
    "site_id": ("siteid", "site", "matram", "tentram", "enodebid", "enodeb", "enb", "enbid", "node", "nodeb",
                "nodebid", "btsid", "bts", "gnodebid", "sitename"),
    "freq_mhz": ("freqmhz", "freq", "frequency", "tanso", "dlfreq", "dlfrequency", "downlinkfrequency",
                 "carrierfrequency", "frequencymhz"),
    "channel": ("earfcn", "dlearfcn", "arfcn", "uarfcn", "dluarfcn", "bcch", "channel", "kenh", "nrarfcn"),
    "pci": ("pci", "psc", "servingpci", "physicalcellid", "scrambling", "scramblingcode"),
    "operator": ("operator", "operatorname", "nhamang", "tennhamang", "carrier", "mang", "plmn", "network",
                 "provider"),
    "technology": ("technology", "networktech", "tech", "rat", "congnghe", "networktype", "system", "radio"),
    "rx_height_m": ("rxheightm", "rxheight", "receiverheight", "rxantennaheight", "mobileheight", "uehight",
                    "ueheight", "docaomaythu", "docaothu"),
    "in_car": ("incar", "invehicle", "vehicle", "trongxe", "onboard", "car"),
    "time": ("time", "timestamp", "datetime", "date", "thoigian", "ngaygio", "utc", "gpstime"),
}

_INDEX: dict[str, tuple[str, int]] = {}
for _field, _aliases in MEASUREMENT_ALIASES.items():
    for _rank, _alias in enumerate(_aliases):
        _INDEX.setdefault(_alias, (_field, _rank))
_UNIT_SUFFIXES = ("dbm", "mhz", "m")


def _lookup(key: str) -> tuple[str, int] | None:
    if key in _INDEX:
        return _INDEX[key]
    for suffix in _UNIT_SUFFIXES:
        if key.endswith(suffix) and key[: -len(suffix)] in _INDEX:
            return _INDEX[key[: -len(suffix)]]
    return None


@dataclass(frozen=True)
class MeasurementHeaders:
    """Which user column holds which measurement field.

    ``fields`` maps canonical field -> column; ``passthrough`` lists the columns
    not used (kept in the table as they are).
    """

    fields: dict[str, str] = field(default_factory=dict)
    passthrough: tuple[str, ...] = ()


def map_measurement_headers(headers: Sequence[str]) -> MeasurementHeaders:
    """Map the user's headers to canonical measurement fields (the best alias wins a field)."""
    best: dict[str, tuple[int, int, str]] = {}
    for position, header in enumerate(headers):
        key, _unit = header_key(header)
        found = _lookup(key)
        if found is None:
            continue
        name, rank = found
        if name not in best or (rank, position) < best[name][:2]:
            best[name] = (rank, position, header)
    fields = {name: col for name, (_, _, col) in sorted(best.items(), key=lambda kv: kv[1][1])}
    used = set(fields.values())
    return MeasurementHeaders(fields=fields, passthrough=tuple(h for h in headers if h not in used))


# ----------------------------------------------------------------------------- channels and bands
#: E-UTRA downlink channel rasters (3GPP TS 36.101 Table 5.7.3-1): band, F_DL_low MHz, N_Offs-DL, N_DL range
_EUTRA: tuple[tuple[str, float, int, int, int], ...] = (
    ("B1", 2110.0, 0, 0, 599), ("B2", 1930.0, 600, 600, 1199), ("B3", 1805.0, 1200, 1200, 1949),
    ("B4", 2110.0, 1950, 1950, 2399), ("B5", 869.0, 2400, 2400, 2649), ("B7", 2620.0, 2750, 2750, 3449),
    ("B8", 925.0, 3450, 3450, 3799), ("B12", 729.0, 5010, 5010, 5179), ("B13", 746.0, 5180, 5180, 5279),
    ("B17", 734.0, 5730, 5730, 5849), ("B20", 791.0, 6150, 6150, 6449), ("B28", 758.0, 9210, 9210, 9659),
    ("B32", 1452.0, 9920, 9920, 10359), ("B38", 2570.0, 37750, 37750, 38249), ("B40", 2300.0, 38650, 38650, 39649),
    ("B41", 2496.0, 39650, 39650, 41589), ("B42", 3400.0, 41590, 41590, 43589), ("B43", 3600.0, 43590, 43590, 45589),
    ("B66", 2110.0, 66436, 66436, 67335),
)  # fmt: skip


def channel_to_mhz(channel: float, technology: str) -> float:
    """Downlink frequency (MHz) of a channel number, NaN when unknown.

    * 4G EARFCN: ``F = F_DL_low + 0.1 (N - N_Offs-DL)`` (TS 36.101 section 5.7.3);
    * 5G NR-ARFCN: ``F = F_REF-Offs + dF (N - N_REF-Offs)`` (TS 38.104 section 5.4.2.1);
    * 3G UARFCN: ``F = N / 5`` (TS 25.101 section 5.4.4), with the band VIII offset of 340 MHz;
    * 2G ARFCN: GSM 900 ``935 + 0.2 n`` (E-GSM 975-1023 wrap), DCS 1800 ``1805.2 + 0.2 (n - 512)``
      (TS 45.005 section 2).
    """
    if not math.isfinite(channel) or channel < 0:
        return math.nan
    n = int(channel)
    tech = technology.upper()
    if tech == "4G":
        for _name, f_low, offs, lo, hi in _EUTRA:
            if lo <= n <= hi:
                return f_low + 0.1 * (n - offs)
        return math.nan
    if tech == "5G":
        if n < 600_000:
            return 0.005 * n
        if n < 2_016_667:
            return 3000.0 + 0.015 * (n - 600_000)
        return math.nan
    if tech == "3G":
        if 2937 <= n <= 3088:
            return 340.0 + n / 5.0
        return n / 5.0 if 1000 <= n <= 20000 else math.nan
    if tech == "2G":
        if 1 <= n <= 124:
            return 935.0 + 0.2 * n
        if 975 <= n <= 1023:
            return 935.0 + 0.2 * (n - 1024)
        if 512 <= n <= 885:
            return 1805.2 + 0.2 * (n - 512)
    return math.nan


def band_label(freq_mhz: float, technology: str | None = None) -> str:
    """The 3GPP band holding a downlink frequency (``"B20"``, ``"n78"``, ``"GSM900"``), else ``"811 MHz"``."""
    if not math.isfinite(freq_mhz):
        return "unknown"
    matches = [b for b in BANDS.values() if b.dl_low_mhz <= freq_mhz <= b.dl_high_mhz]
    if technology:
        preferred = [b for b in matches if b.technology == technology.upper()]
        matches = preferred or matches
    if matches:
        return sorted(matches, key=lambda b: (b.dl_high_mhz - b.dl_low_mhz, b.name))[0].name
    return f"{freq_mhz:.0f} MHz"
