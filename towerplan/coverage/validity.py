"""Warning categories of the propagation models.

Two kinds of trouble are reported through :mod:`warnings` (so that the app can
collect them with ``warnings.catch_warnings(record=True)`` and show them, and the
CLI prints them once):

* :class:`ModelValidityWarning` -- the inputs are physically fine but outside the
  range the empirical model was fitted on (Hata beyond 1500 MHz, a 40 km path);
  the number returned is an extrapolation.
* :class:`ModelInputWarning` -- some elements of a vectorised call were
  meaningless (zero distance, negative height, NaN) and came back as NaN.

Meaningless *scalar* inputs are not warnings: they raise
:class:`towerplan.errors.ModelInputError`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

__all__ = ["ModelInputWarning", "ModelValidityWarning", "warn_input_nan", "warn_validity"]


class ModelValidityWarning(UserWarning):
    """Inputs outside the validity range of an empirical model; ``issues`` lists them."""

    def __init__(self, message: str, issues: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.issues = tuple(issues)


class ModelInputWarning(UserWarning):
    """Some elements of a vectorised call were invalid and returned NaN."""


def warn_validity(model: str, issues: Sequence[str], *, stacklevel: int = 3) -> None:
    """Emit one :class:`ModelValidityWarning` listing every issue (nothing if none)."""
    if issues:
        message = f"{model}: inputs outside the model's validity range: " + "; ".join(issues)
        warnings.warn(ModelValidityWarning(message, issues), stacklevel=stacklevel)


def warn_input_nan(model: str, n_bad: int, n_total: int, detail: str, *, stacklevel: int = 3) -> None:
    """Emit one :class:`ModelInputWarning` saying how many results are NaN and why."""
    if n_bad:
        warnings.warn(
            ModelInputWarning(f"{model}: {n_bad} of {n_total} results are NaN because of invalid inputs ({detail})"),
            stacklevel=stacklevel,
        )
