"""Settings of a coverage run: :class:`CoverageConfig` and :class:`ItmSettings`.

Defaults suit a province of Vietnam (see :class:`ItmSettings` for the reasoning);
the CLI and the app override them explicitly, library code never reads globals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from towerplan.coverage.building_loss import CarrierEntryLoss
from towerplan.coverage.climates import CLIMATES
from towerplan.coverage.linkbudget import TECHNOLOGIES, LinkBudget, TechnologyParams
from towerplan.coverage.radio import RadioSettings
from towerplan.errors import ConfigError

__all__ = ["CoverageConfig", "ItmSettings", "P1812Settings", "MODELS", "DIFFRACTION_METHODS", "model_for_frequency",
           "MODEL_TITLES"]

ModelName = Literal["auto", "p1812", "itm", "hata", "cost231", "fspl"]
Diffraction = Literal["none", "deygout", "bullington", "delta_bullington"]
CellLoss = Literal["raster", "refine", "exact"]
ProfileSource = Literal["study", "source"]

#: model names -> kernel codes (see :mod:`towerplan.coverage._kernels`)
MODELS: dict[str, int] = {"fspl": 0, "hata": 1, "cost231": 2, "itm": 3, "p1812": 4}
#: how reports and method.json name each model (with its source)
MODEL_TITLES: dict[str, str] = {
    "p1812": "ITU-R P.1812-7 (path-specific point-to-area, 30 MHz-6 GHz, terrain and clutter profile)",
    "itm": "Longley-Rice ITM v1.2.2 point-to-point (NTIA), terrain only",
    "hata": "Okumura-Hata (Hata 1980) + terrain term beyond smooth earth (ITU-R P.526)",
    "cost231": "COST-231 Hata (COST 231 final report, 4.4.1) + terrain term beyond smooth earth (ITU-R P.526)",
    "fspl": "free space (ITU-R P.525) + single knife edge (ITU-R P.526)",
}
#: diffraction add-on of Hata / COST-231 -> kernel codes
DIFFRACTION_METHODS: dict[str, int] = {"none": 0, "deygout": 1, "bullington": 2, "delta_bullington": 3}
_POLARIZATIONS = {"horizontal": 0, "vertical": 1}


def model_for_frequency(freq_mhz: float) -> str:
    """The model ``auto`` picks: ITU-R P.1812 within its 30-6000 MHz, ITM outside.

    One model for every mobile band (issue 15): P.1812-7 (terrain, land cover as clutter
    along the path and at the terminals, time and location variability) covers 2G to 5G
    below 6 GHz, so a sector's reach changes smoothly with frequency (no hand-over between
    model families: the old rule, Hata 150-1500 MHz / COST-231 1500-2000 MHz / ITM above,
    gave a 4G sector 1.5 km of reach at 1800 MHz and 20.7 km at 2100 MHz on flat ground).
    Land cover enters when the study has it (``ClutterGrid``); without it every cell is
    open/rural and the run says so. ITM (20 MHz-20 GHz) takes the frequencies P.1812 does
    not cover. Hata, COST-231, ITM and free space stay selectable by name.
    """
    if 30.0 <= freq_mhz <= 6000.0:
        return "p1812"
    return "itm"


@dataclass(frozen=True)
class ItmSettings:
    """ITM (Longley-Rice) settings of a coverage run.

    Defaults for Vietnam:

    * ``climate`` 2, *continental subtropical*: Rice et al. (NBS Tech. Note 101,
      section 10 and Annex III) type it by the Sudan and monsoon regions, hot with a
      marked wet and dry season, which is the climate of northern and central
      Vietnam (Thanh Hóa: tropical monsoon, cool dry winter). Climate 1
      (*equatorial*, uniformly humid all year, Congo) fits the Mekong delta better;
      pass ``climate=1`` there. At 50 % time the choice moves the median by < 1 dB.
    * ``n0`` 360 N-units: surface refractivity of a humid tropical coast (ITU-R P.453
      maps give 350-380 for the Gulf of Tonkin in the wet season).
    * ``epsilon`` 15, ``sigma`` 0.005 S/m: "average ground" of ITM's guide.
    * ``polarization`` vertical (mobile networks; ±45° slant antennas act closer to vertical
      for ground reflection), ``mdvar`` 12 (mobile mode, location variability left
      to the link budget's shadowing margin), time / location / situation 50 %.
    """

    climate: int | str = 2
    n0: float = 360.0
    epsilon: float = 15.0
    sigma: float = 0.005
    polarization: str = "vertical"
    mdvar: int = 12
    time_pct: float = 50.0
    location_pct: float = 50.0
    situation_pct: float = 50.0

    def __post_init__(self) -> None:
        problems = []
        c = self.climate
        if isinstance(c, str):
            if c not in CLIMATES:
                problems.append(f"climate {c!r} is not one of {sorted(CLIMATES)} or 1-7")
            else:
                object.__setattr__(self, "climate", CLIMATES[c])
        elif not (isinstance(c, int) and 1 <= c <= 7):
            problems.append(f"climate must be 1-7, got {c!r}")
        if not (250.0 <= self.n0 <= 400.0):
            problems.append(f"n0 = {self.n0} N-units must be within 250-400")
        if not self.epsilon >= 1.0:
            problems.append(f"epsilon = {self.epsilon} must be at least 1")
        if not self.sigma > 0.0:
            problems.append(f"sigma = {self.sigma} S/m must be positive")
        if self.polarization not in _POLARIZATIONS:
            problems.append(f"polarization must be 'horizontal' or 'vertical', got {self.polarization!r}")
        m = self.mdvar
        if not (isinstance(m, int) and 0 <= m <= 33 and m % 10 <= 3):
            problems.append(f"mdvar = {m!r} must be 0-3, plus 10 and/or 20")
        for name in ("time_pct", "location_pct", "situation_pct"):
            v = getattr(self, name)
            if not (0.0 < v < 100.0):
                problems.append(f"{name} = {v} must be strictly between 0 and 100")
        if problems:
            raise ConfigError("ITM settings: " + "; ".join(problems))

    @property
    def polarization_code(self) -> int:
        return _POLARIZATIONS[self.polarization]


_P1812_POL = ("horizontal", "vertical")


@dataclass(frozen=True)
class P1812Settings:
    """ITU-R P.1812-7 settings of a coverage run.

    * ``delta_n`` 50 N-units/km and ``n0`` 375 N-units: the Recommendation's maps of
      the refractivity lapse rate (DN50) and the sea-level surface refractivity
      (N050) at Thanh Hóa (19.8 N, 105.8 E: 50.4 and 375.5, bilinear in the
      1.5-degree maps of ITU-R P.452-16 / P.1812, the same data; read, not shipped:
      the ITU's maps may not be redistributed). Over Vietnam the maps give 49-53 and
      373-380 (Hanoi radiosondes 2016-2018 show a surface mean of up to 370: Pham,
      Nguyen and Tran, Journal on ICT 10(2)). Take the maps' value at the centre of
      the study area elsewhere.
    * ``time_percent`` 50 (median; the Recommendation covers 1-50 %).
    * ``location_percent`` 50 and ``location_sigma_db`` 0: no location correction
      in the path loss; shadowing is the link budget's margin
      (``LinkBudget.shadowing``), as for the other models. Set ``location_sigma_db``
      (e.g. from :func:`towerplan.coverage.p1812.location_sigma_db`) and a
      ``location_percent`` to move it into the model instead (then drop the margin).
    * ``polarization`` vertical (mobile networks, as :class:`ItmSettings`).
    """

    delta_n: float = 50.0
    n0: float = 375.0
    time_percent: float = 50.0
    location_percent: float = 50.0
    location_sigma_db: float = 0.0
    polarization: str = "vertical"

    def __post_init__(self) -> None:
        problems = []
        if not (0.0 <= self.delta_n < 157.0):
            problems.append(f"delta_n = {self.delta_n} N-units/km must be within 0-157")
        if not (200.0 <= self.n0 <= 500.0):
            problems.append(f"n0 = {self.n0} N-units must be within 200-500")
        if not (1.0 <= self.time_percent <= 50.0):
            problems.append(f"time_percent = {self.time_percent} must be within 1-50 (the Recommendation's range)")
        if not (0.0 < self.location_percent < 100.0):
            problems.append(f"location_percent = {self.location_percent} must be strictly between 0 and 100")
        if not (0.0 <= self.location_sigma_db <= 30.0):
            problems.append(f"location_sigma_db = {self.location_sigma_db} must be within 0-30 dB")
        if self.polarization not in _P1812_POL:
            problems.append(f"polarization must be 'horizontal' or 'vertical', got {self.polarization!r}")
        if problems:
            raise ConfigError("P.1812 settings: " + "; ".join(problems))

    @property
    def polarization_code(self) -> int:
        return _P1812_POL.index(self.polarization)


@dataclass(frozen=True)
class CoverageConfig:
    """Everything a coverage run needs besides the DEM and the stations.

    Parameters
    ----------
    model
        ``"auto"`` (by frequency, :func:`model_for_frequency`: P.1812 within
        30-6000 MHz), ``"p1812"``, ``"itm"``, ``"hata"``, ``"cost231"`` (both + the
        terrain term beyond smooth earth, ``diffraction``) or ``"fspl"`` (free space
        + a single knife edge when the first Fresnel zone is obstructed).
    threshold_dbm
        Sensitivity: cells where a sector's reported level (RSRP / RSCP / RxLev) is
        below it do not count for that sector; outputs are nodata where no sector
        reaches it.
    rx_height_m
        Receiver above ground, m (overrides ``link_budget.rx_height_m``).
    link_budget
        Margins subtracted from every level (indoor, body, shadowing, rx gain).
    max_radius_m
        Largest radius computed around a site; the radius is also cut where even the
        lowest possible loss (free space; Hata with the highest effective antenna)
        leaves every sector of the site below the threshold.
    itm
        :class:`ItmSettings`.
    p1812
        :class:`P1812Settings`.
    diffraction, deygout_edges
        Terrain term added to Hata / COST-231 (ITU-R P.526): the diffraction loss of
        the profile minus that of the smooth earth under it, never negative (Hata's
        formulas already contain the ground; see ``_hata_terrain`` in
        :mod:`towerplan.coverage._kernels`).
    hata_environment
        ``"urban"`` (Hata's medium-small city, the same clutter as COST-231 with
        C_m = 0), ``"suburban"`` or ``"open"``: Hata's suburban and open-area
        corrections, applied to Hata and COST-231 alike (COST 231 final report 4.4.1
        keeps Hata's corrections for those areas).
    cost231_metropolitan
        Add COST-231's 3 dB metropolitan-centre correction.
    k_factor
        Effective earth-radius factor for diffraction and antenna elevation angles.
    front_to_back_db, side_lobe_db
        3GPP pattern limits (TR 36.814: 25 and 20 dB).
    technologies
        Reported-level definitions per technology (bandwidths, pilot share).
    max_cells
        Refuse DEMs with more cells (the accumulators take ~50 bytes per cell).
    sample_step_cells
        Distance between model evaluations along a radial, in cells (1: every cell).
    radial_spacing_cells
        Largest arc between neighbouring radials, in cells (1: every rim cell has its
        radial). ``None`` (default): 2 for ITM, whose raster still meets the accuracy
        target there (P10/P90 within +-0.8 dB of the exact computation to each cell,
        ``bench/README.md``), 1 for Hata / COST-231 + diffraction and free space, whose
        knife edges change abruptly between neighbouring directions.
    itm_delta_h_every
        ITM's terrain irregularity Delta h (its costliest step) is computed exactly at
        every k-th sample of a radial, and beyond 32 k samples every (i / 32)-th (a 3 %
        step in path length), and interpolated between (everything else is exact per
        sample): 1 = exact ITM; 4 (default) is ~2.9x faster per sample at 30 m and differs
        from exact ITM by less than 0.15 dB at 98 % of points on 1,500 m of relief
        (``tests/test_coverage_itm_radial.py``, ``bench/README.md``).
    p1812_reach_bound
        P.1812 only: compute a radial sample exactly only where a lower bound of its loss
        (derived from the Recommendation's equations, :mod:`towerplan.coverage._p1812_reach`)
        is within what a sector can afford in that direction plus ``REACH_MARGIN_DB``
        (:mod:`towerplan.coverage.reach`). Cells within reach are identical with and without
        it; ``False`` computes every sample to the radius (for checks).
    p1812_anchor_every
        P.1812 with the reach bound only: from the first path of 5 points on, the exact loss is
        computed at every n-th needed radial sample (the anchors; twice that at steps where 2n samples
        stay within 240 m, e.g. 30 m, and twice again beyond 6 km); a sample between two anchors gets
        the reach bound's floor there plus the exact-minus-floor gap interpolated between the samples
        computed exactly (a monotone cubic), and is computed exactly wherever that cannot be trusted (zone changes, the
        clutter of the point before the receiver changes, the floor has a kink, the gap moves by
        more than 2 dB, 1 dB where the spacing was doubled;
        :mod:`towerplan.coverage._p1812_anchor`). ``1``: the exact loss at every needed sample
        (the raster before this option, bit for bit).
    sinr
        Also compute the downlink SINR per operator and technology (4G, 5G) inside the
        sector loop (:mod:`towerplan.coverage.sinr`; ``CoverageResult.sinr``).
    radio
        Noise, load, throughput and uplink settings of that layer (:class:`RadioSettings`).
    level_offsets_db
        dB added to every level of a technology's sectors (technology -> dB, default none). The study
        layer derives them from the service criteria (:mod:`towerplan.study.settings`) when technologies
        with different required levels share one threshold: a 2G level then reads on the 4G scale.
    carrier_entry_loss
        Indoor service criteria only (derived by the study layer): each sector's levels also get
        ``L_BEL(reference frequency of its technology) - L_BEL(its frequency)`` (ITU-R P.2109,
        :class:`~towerplan.coverage.building_loss.CarrierEntryLoss`), so the threshold, which holds the
        loss at the reference frequency, applies each carrier's own building entry loss. None: no
        per-carrier term.
    cell_loss
        How ITM and P.1812 sites give each cell its loss (:mod:`towerplan.coverage.cell_loss`):
        ``"raster"`` interpolates between radials; ``"refine"`` also computes point to point
        the cells whose interpolated samples differ by more than ``refine_spread_db`` (horizon
        edges); ``"exact"`` computes every cell point to point on the study grid (for checks and
        small studies: its cost per site is in ``bench/README.md``). Other models stay raster.
    refine_spread_db
        ``"refine"``: the spread (largest minus smallest of the four samples a cell reads, dB)
        above which a cell is computed point to point.
    profile_source
        Where the radials' and point-to-point cells' terrain profiles are sampled: ``"study"``
        (the study grid, bilinear) or ``"source"`` (the DEM tile the study grid was resampled from,
        bilinear in its own lattice at each point's geographic position:
        :mod:`towerplan.coverage.source_terrain`; ``run_coverage(source=...)``, read from
        ``--dem`` / ``[inputs] dem`` by the CLI and the scenario). Takes the resampling out of
        the profiles; costs and accuracy in ``bench/README.md``.
    extended_spacing_m, extended_spacing_hata_m, main_radius_m, rx_match, extended_refine_db
        The extended zone (:mod:`towerplan.coverage.site_radials`): beyond ``main_radius_m`` from a site,
        cells take their loss from a second radial table whose neighbouring radials are at most
        ``extended_spacing_m`` apart for P.1812 (``extended_spacing_hata_m`` for Hata, COST-231 and free
        space), sampled at the same step along the radials as the main table; near the site from the main
        table (``radial_spacing_cells``); in a ring of 8 samples beyond ``main_radius_m`` the blend of both.
        The model and its profiles are the same in both zones, only the directions it is evaluated along
        change. It applies where that spacing is at least 1.5x the main table's: at 30 m, not at 90 m by
        default (``extended_spacing_m = 360`` there: 12 % less CPU on the province, P10-P90 within the
        target, 1-3 % of the cells more beyond 3 dB; with ``extended_refine_db = 15`` fewer than without
        the zone, at no saving). With ``rx_match`` (P.1812 with land cover) a cell reads, of its
        four radial samples, those whose profile point before the receiver has the cell's clutter height
        (:mod:`._fill_zones`): the receiver's clutter is what interpolation between radials got wrong. P.1812
        cells of the extended zone whose samples (those read) still differ by more than ``extended_refine_db``
        (0: never) are computed point to point (the ``refine`` cell mode's kernel; study-grid profiles). Not
        ITM (on a real tile at 30 m its P10 fell below -1 dB), only in the ``raster`` cell mode, not for the
        candidate matrix's demand cells; ``extended_spacing_m = 0`` turns it off (the single table, bit for
        bit). A coarser sample step along the radials was measured and rejected: P.1812's clutter and the
        knife edges of Hata / COST-231 read the profile at the grid's step. Accuracy and costs:
        ``bench/README.md``.
    """

    model: ModelName = "auto"
    threshold_dbm: float = -110.0
    rx_height_m: float = 1.5
    link_budget: LinkBudget = field(default_factory=LinkBudget)
    max_radius_m: float = 30_000.0
    itm: ItmSettings = field(default_factory=ItmSettings)
    p1812: P1812Settings = field(default_factory=P1812Settings)
    diffraction: Diffraction = "deygout"
    deygout_edges: int = 3
    hata_environment: str = "urban"
    cost231_metropolitan: bool = False
    k_factor: float = 4.0 / 3.0
    front_to_back_db: float = 25.0
    side_lobe_db: float = 20.0
    technologies: Mapping[str, TechnologyParams] = field(default_factory=lambda: dict(TECHNOLOGIES))
    max_cells: int = 150_000_000
    sample_step_cells: float = 1.0
    radial_spacing_cells: float | None = None
    itm_delta_h_every: int = 4
    p1812_reach_bound: bool = True
    p1812_anchor_every: int = 4
    sinr: bool = False
    radio: RadioSettings = field(default_factory=RadioSettings)
    level_offsets_db: Mapping[str, float] = field(default_factory=dict)
    carrier_entry_loss: CarrierEntryLoss | None = None
    cell_loss: CellLoss = "raster"
    refine_spread_db: float = 3.0
    profile_source: ProfileSource = "study"
    extended_spacing_m: float = 180.0
    extended_spacing_hata_m: float = 120.0
    main_radius_m: float = 5000.0
    rx_match: bool = True
    extended_refine_db: float = 0.0

    def __post_init__(self) -> None:
        problems = []
        if self.carrier_entry_loss is not None and not isinstance(self.carrier_entry_loss, CarrierEntryLoss):
            problems.append("carrier_entry_loss must be a CarrierEntryLoss or None")
        offsets = self.level_offsets_db
        if not isinstance(offsets, Mapping) or any(
                t not in ("2G", "3G", "4G", "5G") or not (isinstance(v, int | float) and math.isfinite(v)
                                                         and abs(v) <= 100.0) for t, v in offsets.items()):
            problems.append(f"level_offsets_db must map 2G-5G to finite offsets within +-100 dB, got {offsets!r}")
        if self.model not in ("auto", *MODELS):
            problems.append(f"model must be one of auto, {', '.join(MODELS)}; got {self.model!r}")
        if not (math.isfinite(self.threshold_dbm) and -200.0 <= self.threshold_dbm <= 0.0):
            problems.append(f"threshold_dbm = {self.threshold_dbm} must be within -200..0 dBm")
        if not (0.5 <= self.rx_height_m <= 100.0):
            problems.append(f"rx_height_m = {self.rx_height_m} must be within 0.5-100 m")
        if not (100.0 <= self.max_radius_m <= 200_000.0):
            problems.append(f"max_radius_m = {self.max_radius_m} must be within 100 m - 200 km")
        if self.diffraction not in DIFFRACTION_METHODS:
            problems.append(f"diffraction must be one of {sorted(DIFFRACTION_METHODS)}, got {self.diffraction!r}")
        if self.deygout_edges not in (1, 2, 3):
            problems.append(f"deygout_edges must be 1, 2 or 3, got {self.deygout_edges!r}")
        if self.hata_environment not in ("urban", "suburban", "open"):
            problems.append(f"hata_environment must be urban, suburban or open, got {self.hata_environment!r}")
        if not (0.1 <= self.k_factor <= 100.0):
            problems.append(f"k_factor = {self.k_factor} must be within 0.1-100")
        for name in ("front_to_back_db", "side_lobe_db"):
            if not getattr(self, name) >= 0:
                problems.append(f"{name} must be >= 0 dB")
        if not isinstance(self.link_budget, LinkBudget):
            problems.append("link_budget must be a LinkBudget")
        if not isinstance(self.itm, ItmSettings):
            problems.append("itm must be an ItmSettings")
        if not isinstance(self.p1812, P1812Settings):
            problems.append("p1812 must be a P1812Settings")
        missing = {"2G", "3G", "4G", "5G"} - set(self.technologies)
        if missing:
            problems.append(f"technologies lacks {sorted(missing)}")
        for name in ("sample_step_cells", "radial_spacing_cells"):
            v = getattr(self, name)
            if v is not None and not (0.25 <= v <= 8.0):
                problems.append(f"{name} = {v} must be within 0.25-8 cells")
        if not (isinstance(self.itm_delta_h_every, int) and 1 <= self.itm_delta_h_every <= 16):
            problems.append(f"itm_delta_h_every = {self.itm_delta_h_every!r} must be an integer 1-16")
        if not self.max_cells > 0:
            problems.append("max_cells must be positive")
        if not isinstance(self.p1812_reach_bound, bool):
            problems.append(f"p1812_reach_bound must be true or false, got {self.p1812_reach_bound!r}")
        if not (isinstance(self.p1812_anchor_every, int) and not isinstance(self.p1812_anchor_every, bool)
                and 1 <= self.p1812_anchor_every <= 8):
            problems.append(f"p1812_anchor_every = {self.p1812_anchor_every!r} must be an integer within 1-8")
        if not isinstance(self.sinr, bool):
            problems.append(f"sinr must be true or false, got {self.sinr!r}")
        if not isinstance(self.radio, RadioSettings):
            problems.append("radio must be a RadioSettings")
        if self.cell_loss not in ("raster", "refine", "exact"):
            problems.append(f"cell_loss must be raster, refine or exact, got {self.cell_loss!r}")
        if not (isinstance(self.refine_spread_db, int | float) and 0.1 <= self.refine_spread_db <= 60.0):
            problems.append(f"refine_spread_db = {self.refine_spread_db!r} must be within 0.1-60 dB")
        if self.profile_source not in ("study", "source"):
            problems.append(f"profile_source must be study or source, got {self.profile_source!r}")
        for name in ("extended_spacing_m", "extended_spacing_hata_m"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and not isinstance(v, bool) and (v == 0 or 1.0 <= v <= 10_000.0)):
                problems.append(f"{name} = {v!r} must be 0 (off) or within 1-10,000 m")
        if not (isinstance(self.main_radius_m, int | float) and not isinstance(self.main_radius_m, bool)
                and 200.0 <= self.main_radius_m <= 200_000.0):
            problems.append(f"main_radius_m = {self.main_radius_m!r} must be within 200 m - 200 km")
        if not (isinstance(self.extended_refine_db, int | float) and not isinstance(self.extended_refine_db, bool)
                and (self.extended_refine_db == 0 or 0.1 <= self.extended_refine_db <= 100.0)):
            problems.append(f"extended_refine_db = {self.extended_refine_db!r} must be 0 (off) or within 0.1-100 dB")
        if not isinstance(self.rx_match, bool):
            problems.append(f"rx_match must be true or false, got {self.rx_match!r}")
        if problems:
            raise ConfigError("coverage settings: " + "; ".join(problems))

    def extended_spacing_for(self, model: str, res_m: float) -> float:
        """Radial spacing (cells of ``res_m``) of the extended zone for ``model``: ``extended_spacing_m`` (P.1812)
        or ``extended_spacing_hata_m`` (the others); 0 where the zone does not apply: that spacing 0 or under 1.5x
        the main one (where a second table would save under a third of the radials; the defaults at 90 m, where
        360 m P.1812 radials save 12 % CPU but lose cells within 3 dB, ``bench/README.md`` round w10),
        ``extended_spacing_m`` 0, ``cell_loss`` not raster, ITM (whose P10 on a real tile at 30 m fell from
        -0.83 to -1.13 dB with it)."""
        metres = self.extended_spacing_m if model == "p1812" else self.extended_spacing_hata_m
        if self.extended_spacing_m == 0 or metres == 0 or self.cell_loss != "raster" or model == "itm":
            return 0.0
        main = self.radial_spacing_for(model)
        cells = metres / res_m
        return cells if cells >= 1.5 * main else 0.0

    def radial_spacing_for(self, model: str) -> float:
        """Radial spacing (cells) used for ``model`` (see ``radial_spacing_cells``)."""
        if self.radial_spacing_cells is not None:
            return float(self.radial_spacing_cells)
        return 2.0 if model in ("itm", "p1812") else 1.0

    def sector_offsets_db(self, technologies: Any, freq_mhz: Any) -> Any:
        """dB added to each sector's levels (numpy array): its technology's ``level_offset_db``, the study's
        ``level_offsets_db`` and, with ``carrier_entry_loss``, the carrier's building entry loss term."""
        import numpy as np

        techs = np.asarray(technologies).astype(str)
        out = np.array([self.technologies[t].level_offset_db + self.level_offsets_db.get(t, 0.0)
                        for t in techs.ravel()], dtype=float).reshape(techs.shape)
        if self.carrier_entry_loss is not None:
            out = out + self.carrier_entry_loss.offset_db(techs, freq_mhz)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form (for ``coverage_summary.json``)."""
        out = asdict(self)
        out["technologies"] = {k: asdict(v) for k, v in self.technologies.items()}
        out["level_offsets_db"] = dict(self.level_offsets_db)
        out["carrier_entry_loss"] = None if self.carrier_entry_loss is None else self.carrier_entry_loss.to_dict()
        out["link_budget"]["total_margin_db"] = self.link_budget.total_margin_db
        return out
