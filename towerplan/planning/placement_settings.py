"""What a shared-tower proposal optimises and under which limits: :class:`PlacementSettings`.

Validated on creation; :func:`towerplan.planning.shared_towers.propose_shared_towers` takes it
(and re-exports it, where the CLI, the batch runner and the app import it from).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from towerplan.errors import ConfigError
from towerplan.planning.backhaul_rain import MicrowaveLink
from towerplan.planning.candidates import CandidateConfig
from towerplan.planning.costs import RADIO_SHARING, CostModel, RadioSharing
from towerplan.planning.matrix import CandidateRadio
from towerplan.planning.phasing import PhasingSettings
from towerplan.planning.targets import TargetSettings
from towerplan.planning.upgrades import UpgradeCosts

__all__ = ["PlacementSettings"]

_OBJECTIVES = ("any", "per_operator", "backup", "speed")
_METHODS = ("greedy", "ilp")
_UNITS = {"any": "people", "per_operator": "person-operator pairs", "backup": "people gaining a second operator",
          "speed": "people brought up to the speed target"}


def _ids(value: Any, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [v for v in value.split(",")]
    try:
        out = tuple(str(v).strip() for v in value)
    except TypeError as exc:
        raise ConfigError(f"{name} must be a list of candidate ids, got {value!r}") from exc
    if any(not v for v in out):
        raise ConfigError(f"{name} has an empty candidate id")
    return out


@dataclass(frozen=True)
class PlacementSettings:
    """What to optimise and under which limits (validated on creation).

    Parameters
    ----------
    objective
        ``any`` (people without coverage from every operator), ``per_operator``
        (person-operator pairs, what operators pay for) or ``backup`` (people who get a
        second operator) or ``speed`` (people brought up to the national speed target of the
        candidate radio's technology; needs a coverage run with SINR); see
        :mod:`towerplan.planning.placement`.
    method
        ``greedy`` (lazy greedy, seconds) or ``ilp`` (HiGHS, proven gap).
    max_sites, budget_vnd
        Tower count and/or money budget (VND); :func:`propose_shared_towers` needs at least one.
    mast_height_m
        Height of a new mast (greenfield, and user candidates without their own height);
        it overrides ``candidates.mast_height_m``.
    time_limit_s
        ILP time limit.
    mip_rel_gap
        ILP stopping gap: HiGHS stops once its answer is proven within this share of the optimum
        (1e-4 = 0.01 %, HiGHS's default). A looser gap that HiGHS proves before its time limit gives
        the same answer on every run, where a time limit depends on the machine's speed.
    must_include, forbidden
        Candidate ids forced in / out (``C-<site_id>``, ``G00001``..., user ids).
    locked_in
        Candidate ids already decided (built): their coverage counts as existing before
        choosing, they are not proposed again and cost nothing here.
    include_colocation, include_greenfield
        Which generated candidate kinds to consider (user candidates always count).
    candidates, costs, radio
        Greenfield generation, unit costs (VND) and the radio a tenant installs.
    microwave_freq_ghz
        Microwave backhaul frequency (GHz): Fresnel clearance and the band's hop limit.
    microwave
        Microwave hop rules: P.530 clearance, radio and rain climate
        (:class:`~towerplan.planning.backhaul_rain.MicrowaveLink`).
    radio_sharing
        ``per_operator`` (each operator served installs its own radio, costed per operator) or
        ``shared`` (one radio for all: MOCN/MORAN RAN sharing); :mod:`towerplan.planning.costs`.
    assume_towers_fed
        Without fibre points, whether existing towers count as fibre-fed (flagged in the outputs).
        Microwave backhaul frequency for the Fresnel clearance (GHz).
    include_upgrades, upgrade_costs
        Also consider adding the planned technology to the operators' own sites (4G on 2G/3G
        sites, 5G on 4G sites: :mod:`towerplan.planning.upgrades`), at these prices.
    target
        Instead of the most people for the budget, the least cost reaching this target
        (:mod:`towerplan.planning.targets`); no tower count or budget needed.
    phasing
        Yearly budgets: every proposal gets a target year (:mod:`towerplan.planning.phasing`);
        without ``budget_vnd``, tower count or target the plan's budget is the sum of the years'.
    """

    objective: Literal["any", "per_operator", "backup", "speed"] = "any"
    method: Literal["greedy", "ilp"] = "greedy"
    max_sites: int | None = None
    budget_vnd: float | None = None
    mast_height_m: float = 40.0
    time_limit_s: float = 60.0
    mip_rel_gap: float = 1e-4
    must_include: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    locked_in: tuple[str, ...] = ()
    include_colocation: bool = True
    include_greenfield: bool = True
    candidates: CandidateConfig = field(default_factory=CandidateConfig)
    costs: CostModel = field(default_factory=CostModel)
    radio: CandidateRadio = field(default_factory=CandidateRadio)
    microwave_freq_ghz: float = 15.0
    include_upgrades: bool = False
    upgrade_costs: UpgradeCosts = field(default_factory=UpgradeCosts)
    target: TargetSettings | None = None
    phasing: PhasingSettings | None = None
    microwave: MicrowaveLink = field(default_factory=MicrowaveLink)
    radio_sharing: RadioSharing = "per_operator"
    assume_towers_fed: bool = True

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.objective not in _OBJECTIVES:
            problems.append(f"objective must be one of {', '.join(_OBJECTIVES)}, got {self.objective!r}")
        if self.method not in _METHODS:
            problems.append(f"method must be 'greedy' or 'ilp', got {self.method!r}")
        if self.max_sites is not None:
            if isinstance(self.max_sites, bool) or not isinstance(self.max_sites, (int, np.integer)):
                problems.append(f"max_sites must be a whole number, got {self.max_sites!r}")
            elif self.max_sites < 1:
                problems.append(f"max_sites must be at least 1, got {self.max_sites}")
        if self.budget_vnd is not None and not (isinstance(self.budget_vnd, (int, float))
                                                and math.isfinite(self.budget_vnd) and self.budget_vnd > 0):
            problems.append(f"budget_vnd must be a finite amount > 0 VND, got {self.budget_vnd!r}")
        for name, lo in (("mast_height_m", 0.0), ("time_limit_s", 0.0)):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > lo):
                problems.append(f"{name} must be a finite number > {lo:g}, got {v!r}")
        g = self.mip_rel_gap
        if isinstance(g, bool) or not (isinstance(g, (int, float)) and 0.0 <= g < 1.0):
            problems.append(f"mip_rel_gap must be a share in [0, 1), got {g!r}")
        if isinstance(self.mast_height_m, (int, float)) and self.mast_height_m > 300:
            problems.append(f"mast_height_m {self.mast_height_m} m is not a plausible mast (at most 300 m)")
        f = self.microwave_freq_ghz
        if not (isinstance(f, (int, float)) and math.isfinite(f) and 1.0 <= f <= 100.0):
            problems.append(f"microwave_freq_ghz must be within 1-100 GHz, got {f!r}")
        if self.radio_sharing not in RADIO_SHARING:
            problems.append(f"radio_sharing must be one of {', '.join(RADIO_SHARING)}, got {self.radio_sharing!r}")
        if not isinstance(self.assume_towers_fed, bool):
            problems.append(f"assume_towers_fed must be true or false, got {self.assume_towers_fed!r}")
        for name, typ in (("candidates", CandidateConfig), ("costs", CostModel), ("radio", CandidateRadio),
                          ("microwave", MicrowaveLink), ("upgrade_costs", UpgradeCosts)):
            if not isinstance(getattr(self, name), typ):
                problems.append(f"{name} must be a {typ.__name__}, got {type(getattr(self, name)).__name__}")
        sets: dict[str, tuple[str, ...]] = {}
        for name in ("must_include", "forbidden", "locked_in"):
            try:
                sets[name] = _ids(getattr(self, name), name)
                object.__setattr__(self, name, sets[name])
            except ConfigError as exc:
                problems.append(str(exc))
        if len(sets) == 3:
            for a, b in (("must_include", "forbidden"), ("locked_in", "forbidden"), ("locked_in", "must_include")):
                both = sorted(set(sets[a]) & set(sets[b]))
                if both:
                    problems.append(f"candidates both {a} and {b}: {', '.join(both[:10])}")
        if problems:
            raise ConfigError("invalid placement settings: " + "; ".join(problems))

    @property
    def has_limit(self) -> bool:
        """A tower count, a budget (or yearly budgets) or a target is set: something to optimise against."""
        return any(v is not None for v in (self.max_sites, self.budget_vnd, self.target, self.phasing))

    @property
    def unit(self) -> str:
        """What ``people_newly_covered`` counts under this objective."""
        return _UNITS[self.objective]
