"""Per-cell losses the link budget adds for where the terminal stands: clutter and building entry.

:func:`terminal_extra_loss_db` is the hook between land cover and the link
budget. Given per-cell codes (from :class:`towerplan.landcover.LandCover`), it
returns the extra loss in dB for each cell:

* **terminal clutter**, ITU-R P.2108-1 §3.1 (:func:`~towerplan.coverage.clutter_loss.p2108_terminal_clutter_loss_db`),
  only for models that predict the field in the open: ITM and free space
  (:data:`MODELS_WITHOUT_CLUTTER`). P.2108's correction is relative to a
  terminal standing at the clutter height R. The engine computes these models
  at the terminal's own height (1.5 m), which already holds the ground's height
  gain, so only the knife-edge form (eq. 2a: diffraction over the edge of the
  buildings or trees around the terminal, which a bare-earth profile lacks) is
  added, for suburban, urban, trees/forest and dense urban cells; water/sea and
  open/rural cells (the height-gain form, eq. 2b) get 0. This slightly
  overstates the loss among buildings and trees where the model's own height
  gain between 1.5 m and R is large; the exact use (the model run with the
  terminal at R, plus A_h) needs a per-cell receiver height in the engine. Okumura-Hata and COST-231 are fitted on
  measurements among buildings and trees, and P.1812 takes the clutter in its
  own profile (representative heights at both ends), so adding P.2108 to them
  would count the clutter twice: they get 0 here.
* **building entry**, ITU-R P.2109-2, for the ``indoor`` service class, for
  every model, per cell's building type (traditional or thermally efficient),
  at the chosen probability (0.5: the median) and elevation angle.

P.2108 §3.1 is defined from 30 MHz to 3 GHz; above 3 GHz (5G n78 at 3.5 GHz)
the loss at 3 GHz is used and one :class:`~towerplan.coverage.validity.ModelValidityWarning`
says so (the loss grows slowly with frequency: about +0.3 dB from 3 to 3.5 GHz
behind 15 m of trees), rather than refusing the band.
"""

from __future__ import annotations

import warnings
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from towerplan.coverage.building_loss import p2109_building_entry_loss_db
from towerplan.coverage.clutter_loss import (
    P2108_CLUTTER_TYPES,
    P2108_DEFAULT_HEIGHT_M,
    P2108_STREET_WIDTH_M,
    p2108_terminal_clutter_loss_db,
)
from towerplan.coverage.config import model_for_frequency
from towerplan.coverage.validity import ModelValidityWarning
from towerplan.errors import ModelInputError

__all__ = ["MODELS_WITH_CLUTTER", "MODELS_WITHOUT_CLUTTER", "SERVICE_CLASSES", "ServiceClass", "terminal_extra_loss_db"]

ServiceClass = Literal["outdoor", "indoor"]
SERVICE_CLASSES: tuple[ServiceClass, ...] = ("outdoor", "indoor")
#: path-loss models that predict the field in the open (terrain only): P.2108 terminal clutter is added
MODELS_WITHOUT_CLUTTER = frozenset({"itm", "fspl"})
#: models that already hold the terminal's clutter (empirical fits, or clutter in the profile): nothing added
MODELS_WITH_CLUTTER = frozenset({"hata", "cost231", "p1812"})
_P2108_MAX_MHZ = 3000.0
#: P.2108 codes of the types using the knife-edge form (suburban, urban, trees/forest, dense urban)
_KNIFE_EDGE_CODES = np.asarray([P2108_CLUTTER_TYPES.index(t) + 1
                                for t in ("suburban", "urban", "trees_forest", "dense_urban")])


def terminal_extra_loss_db(
    p2108_type: ArrayLike,
    building_type: ArrayLike,
    *,
    freq_mhz: float,
    model: str,
    service: ServiceClass = "outdoor",
    terminal_height_m: float = 1.5,
    clutter_height_m: ArrayLike | None = None,
    street_width_m: float = P2108_STREET_WIDTH_M,
    indoor_probability: float = 0.5,
    elevation_deg: float = 0.0,
) -> np.ndarray:
    """Extra loss per cell (dB, float32) for the terminal's clutter and, indoors, the building entry.

    Parameters
    ----------
    p2108_type
        P.2108 clutter type code per cell (1 water/sea, 2 open/rural, 3 suburban, 4 urban,
        5 trees/forest, 6 dense urban), any shape.
    building_type
        P.2109 building type code per cell (1 traditional, 2 thermally efficient), same shape.
    freq_mhz
        Carrier frequency, MHz.
    model
        The path-loss model in use (``itm``, ``fspl``, ``hata``, ``cost231``, ``p1812``, or ``auto``,
        resolved by :func:`towerplan.coverage.config.model_for_frequency`).
    service
        ``outdoor`` or ``indoor``.
    terminal_height_m
        Terminal antenna height above ground, m.
    clutter_height_m
        Representative clutter height R per cell for P.2108 (m); cells with R <= 0 use the
        P.2108 Table 3 default of their type. Default: Table 3 everywhere.
    street_width_m
        P.2108 street width w_s, m.
    indoor_probability
        P.2109 probability that the building entry loss is not exceeded (0.5: median).
    elevation_deg
        P.2109 elevation angle at the façade, degrees (0 for terrestrial links).

    Raises
    ------
    ModelInputError
        Unknown model or service class, mismatched shapes, inputs outside the Recommendations.
    """
    types = np.asarray(p2108_type)
    buildings = np.asarray(building_type)
    if types.shape != buildings.shape:
        raise ModelInputError(f"clutter types {types.shape} and building types {buildings.shape} differ in shape")
    if service not in SERVICE_CLASSES:
        raise ModelInputError(f"service class must be outdoor or indoor, got {service!r}")
    resolved = model_for_frequency(freq_mhz) if model == "auto" else model
    if resolved not in MODELS_WITH_CLUTTER | MODELS_WITHOUT_CLUTTER:
        raise ModelInputError(f"unknown propagation model {model!r}")
    loss = np.zeros(types.shape, dtype=np.float64)
    if resolved in MODELS_WITHOUT_CLUTTER:
        f = float(freq_mhz)
        if f > _P2108_MAX_MHZ:
            warnings.warn(f"P.2108 terminal clutter loss is defined up to 3 GHz; the 3 GHz value is used at "
                          f"{f:g} MHz", ModelValidityWarning, stacklevel=2)
            f = _P2108_MAX_MHZ
        if clutter_height_m is None:
            r = None
        else:
            r = np.broadcast_to(np.asarray(clutter_height_m, dtype=float), types.shape)
            defaults = np.asarray([P2108_DEFAULT_HEIGHT_M[t] for t in P2108_CLUTTER_TYPES])
            r = np.where(r > 0, r, defaults[np.clip(types.astype(np.int64), 1, 6) - 1])
        a_h = p2108_terminal_clutter_loss_db(f, terminal_height_m, types.astype(np.int64), clutter_height_m=r,
                                             street_width_m=street_width_m)
        loss += np.where(np.isin(types, _KNIFE_EDGE_CODES), a_h, 0.0)
    if service == "indoor":
        loss += p2109_building_entry_loss_db(freq_mhz, indoor_probability, buildings.astype(np.int64),
                                             elevation_deg=elevation_deg)
    return loss.astype(np.float32)
