"""What a study is made of: real inputs, the synthetic demo province, or a mix.

:class:`StudyInputs` keeps, per role (``dem``, ``population``, ``stations``, ...), where the layer came
from (:data:`SYNTHETIC` for the generated demo province, :data:`REAL` for the user's files);
:func:`data_origin` sums that up as a :class:`DataOrigin`, which every output states (app banner and
pages, report, ``summary.json``, file names). Uploaded stations on the demo's synthetic terrain and
people are a *mixed* study: the app refuses it unless the user ticks that choice
(:func:`mixing_needs_consent`), and then labels it "mixed: synthetic terrain/people" everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from towerplan.errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.study.inputs import StudyInputs

__all__ = ["REAL", "SYNTHETIC", "DataOrigin", "data_origin", "mixing_needs_consent", "origin_of_files", "origin_slug"]

REAL = "real"
SYNTHETIC = "synthetic"
#: the roles an origin is stated for, in the order they are named
_ROLE_ORDER = ("dem", "population", "stations", "communes", "roads", "candidates", "exclusions", "fibre_points",
               "calibration")


def _base_role(role: str) -> str:
    """``stations_2`` -> ``stations`` (several files of one role)."""
    return re.sub(r"_\d+$", "", role)


def origin_of_files(files: Mapping[str, Any], origin: str) -> dict[str, str]:
    """Role -> ``origin`` for every role of ``files`` (``stations_1``, ``stations_2`` -> ``stations``)."""
    if origin not in (REAL, SYNTHETIC):
        raise ConfigError(f"data origin must be {REAL!r} or {SYNTHETIC!r}, got {origin!r}")
    return {_base_role(str(role)): origin for role in files}


@dataclass(frozen=True)
class DataOrigin:
    """``kind``: ``"real"``, ``"synthetic"`` or ``"mixed"``; ``synthetic`` / ``real``: the roles of each."""

    kind: str
    synthetic: tuple[str, ...] = ()
    real: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in (REAL, SYNTHETIC, "mixed"):
            raise ConfigError(f"DataOrigin.kind must be real, synthetic or mixed, got {self.kind!r}")
        if set(self.synthetic) & set(self.real):
            raise ConfigError("a role cannot be both synthetic and real")

    def as_dict(self) -> dict[str, Any]:
        """JSON form (``summary.json``'s ``data_origin``; :func:`towerplan.i18n_summary.origin_text` reads it)."""
        return {"kind": self.kind, "synthetic": list(self.synthetic), "real": list(self.real)}

    def label(self, lang: str, *, short: bool = False) -> str:
        from towerplan.i18n_summary import origin_text

        return origin_text(self.as_dict(), lang, short=short)


def _ordered(roles: set[str]) -> tuple[str, ...]:
    return tuple(sorted(roles, key=lambda r: (_ROLE_ORDER.index(r) if r in _ROLE_ORDER else len(_ROLE_ORDER), r)))


def data_origin(inputs: StudyInputs) -> DataOrigin:
    """The origin of a study from its per-role origins (roles without one count as real: the user's files)."""
    origins = {_base_role(k): v for k, v in (inputs.origins or {}).items()}
    roles = set(origins) | {_base_role(k) for k in inputs.files} | {"dem", "population", "stations"}
    synthetic = {r for r in roles if origins.get(r) == SYNTHETIC}
    real = roles - synthetic
    kind = SYNTHETIC if not real else REAL if not synthetic else "mixed"
    return DataOrigin(kind, _ordered(synthetic), _ordered(real))


def origin_slug(origin: DataOrigin) -> str:
    """A word for file names: ``demo``, ``mixed`` or ``real`` (:func:`towerplan.export.names.origin_word`)."""
    from towerplan.export.names import origin_word

    return origin_word(origin.kind)


def mixing_needs_consent(origin: DataOrigin) -> bool:
    """Whether a study mixes the user's stations with synthetic terrain or people (refused without a tick)."""
    return origin.kind == "mixed" and bool({"dem", "population"} & set(origin.synthetic))
