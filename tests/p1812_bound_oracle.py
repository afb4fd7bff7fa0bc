"""One rebuilt P.1812 reach bound (:func:`~towerplan.coverage._p1812_reach.radial_bound`) serving the reference
variants of ``test_p1812_blend_shortcuts`` and ``test_p1812_stages``, compiled once a session.

The bound's call tree takes ~25 s to compile (more under load), and a rebuild with replaced globals cannot be
cached on disk: the two files used to compile three variants (~80 s quiet, the suite's largest test-only
compile). Here one rebuild holds all of them, chosen per call by runtime flags (read in object mode, per sample:
well under a second for the tests' few thousand samples), each variant computing exactly what the files' own
rebuilds computed:

* ``blend="current"``: the stages' formulas as they are (:func:`~._p1812_stages._blend_floor`, ``_lminbap``);
* ``blend="before"``: eq. 60 and the blend as computed before round w17 (Fj always, eq. 63 always):
  :func:`_lminbap_before`, :func:`_blend_before`;
* ``blend="marked"``: the blend gives -1.0 where eq. 69's free-space shortcut applies, 0.0 elsewhere (eq. 60 as
  it is), to count the samples that take it;
* ``stage0_first``: stage 0 before stage 1 at every sample (the order before round w11), instead of the bound's
  own :data:`~._p1812_reach._STAGE1_FIRST`.

The order is the one line of the bound's source that reads ``_STAGE1_FIRST`` (``within = _STAGE1_FIRST``): the
rebuild reads it through :func:`_stage1_first` instead; the rest is the bound's own source, with its module's
globals (and ``stage1`` / ``stage2`` rebuilt with the blend's and eq. 60's names replaced by the dispatchers).
"""

from __future__ import annotations

import functools
import inspect
import math
import textwrap
import types
from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit, objmode

from towerplan.coverage import _p1812_reach as reach
from towerplan.coverage import _p1812_stages as stages

__all__ = ["bound_variant", "BLENDS"]

#: the blend variants, by their code in :data:`_FLAGS`
BLENDS = {"current": 0, "before": 1, "marked": 2}

# [blend variant, stage 0 first (1) or the bound's own order (0)]: set by :func:`bound_variant`'s calls
_FLAGS = np.zeros(2, dtype=np.int64)


@njit
def _flag(k):
    with objmode(v="int64"):
        v = int(_FLAGS[k])
    return v


@njit
def _stage1_first():
    """The bound's own order (:data:`~._p1812_reach._STAGE1_FIRST`) unless stage 0 first is asked for."""
    return reach._STAGE1_FIRST and _flag(1) == 0


@njit(inline="always")
def _lminbap_before(lba, lb0p):
    """Eq. 60 as computed before round w17."""
    big = max(lba, lb0p) / stages._ETA
    return stages._ETA * (big + math.log(math.exp(lba / stages._ETA - big) + math.exp(lb0p / stages._ETA - big)))


@njit(inline="always")
def _lbam_before(d50, dp_lb, inland, lminbap, blend):
    """Lbam (eq. 62, Fj always) of :func:`~._p1812_stages._blend_floor` before round w17, with the Lb0p, Lbs and Lloc
    it read; ``blend[8]``: Fj's argument."""
    lbfs, lb0p, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch, fk, x, lbs, lloc = blend[:11]
    fj = 0.0 if x > 22.0 else (1.0 if x < -22.0 else 1.0 - 0.5 * (1.0 + math.tanh(x)))
    dom = dp_lb if inland else 0.0
    lbd = lb0p + dp_lb
    lminb0p = stages.lminb0p_floor(lbfs, lb0p, d50, dom, lb0b_off, fi_lo, fi_hi, lb0b_branch, lb0p_branch)
    lbda = lbd
    if lminbap <= lbd:
        lbda = lminbap + (lbd - lminbap) * fk
    return lbda + (lminb0p - lbda) * fj, lb0p, lbs, lloc


@njit(inline="always")
def _blend_before(d50, dp_lb, inland, lminbap, blend):
    """:func:`~._p1812_stages._blend_floor` before round w17 (Fj always, eq. 63 always)."""
    lbam, lb0p, lbs, lloc = _lbam_before(d50, dp_lb, inland, lminbap, blend)
    lbc = -5.0 * math.log10(10.0 ** (-0.2 * lbs) + 10.0 ** (-0.2 * lbam))
    return max(lb0p, lbc + lloc) - stages._SLACK_DB


@njit(inline="always")
def _blend_marked(d50, dp_lb, inland, lminbap, blend):
    """:func:`_blend_before` returning -1.0 where :func:`~._p1812_stages._below_free_space` holds (to count it)."""
    lbam, lb0p, lbs, lloc = _lbam_before(d50, dp_lb, inland, lminbap, blend)
    return -1.0 if stages._below_free_space(lb0p, lbam, lbs, lloc) else 0.0


@njit(inline="always")
def _blend_any(d50, dp_lb, inland, lminbap, blend):
    """The blend of the variant asked for (:data:`BLENDS`)."""
    mode = _flag(0)
    if mode == 1:
        return _blend_before(d50, dp_lb, inland, lminbap, blend)
    if mode == 2:
        return _blend_marked(d50, dp_lb, inland, lminbap, blend)
    return stages._blend_floor(d50, dp_lb, inland, lminbap, blend)


@njit(inline="always")
def _lminbap_any(lba, lb0p):
    """Eq. 60 of the variant asked for: before round w17 with the ``before`` blend, as it is otherwise."""
    if _flag(0) == 1:
        return _lminbap_before(lba, lb0p)
    return stages._lminbap(lba, lb0p)


def _recompiled(fn: Any, inline: bool, **names: Any) -> Any:
    """``fn`` (a numba dispatcher) compiled again with some of its globals replaced."""
    py = fn.py_func
    glb = {**py.__globals__, **names}
    new = types.FunctionType(py.__code__, glb, py.__name__, py.__defaults__)
    return njit(inline="always")(new) if inline else njit(new)


_ORDER_LINE = "within = _STAGE1_FIRST"


def _bound_source() -> str:
    """The bound's source without its decorator, its order read through :func:`_stage1_first`."""
    src = textwrap.dedent(inspect.getsource(reach.radial_bound.py_func))
    lines = src.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("def radial_bound("))
    body = "\n".join(lines[start:]) + "\n"
    if body.count(_ORDER_LINE) != 1 or body.count("_STAGE1_FIRST") != 1:  # the bound changed: rewrite this
        raise AssertionError(f"radial_bound reads {_ORDER_LINE!r} once no longer")
    return body.replace(_ORDER_LINE, "within = _stage1_first()")


@functools.cache
def _bound() -> Any:
    s1 = _recompiled(stages.stage1, True, _blend_floor=_blend_any, _lminbap=_lminbap_any)
    s2 = _recompiled(stages.stage2, True, _blend_floor=_blend_any, _lminbap=_lminbap_any)
    glb = {**reach.radial_bound.py_func.__globals__, "stage1": s1, "stage2": s2, "_stage1_first": _stage1_first}
    exec(compile(_bound_source(), reach.__file__, "exec"), glb)  # the bound's own source, one line changed
    return njit(glb["radial_bound"])


def bound_variant(blend: str = "current", *, stage0_first: bool = False) -> Callable[..., Any]:
    """:func:`~._p1812_reach.radial_bound`'s arguments -> its result, computed with the variant asked for."""
    code = BLENDS[blend]
    fn = _bound()

    def call(*args: Any) -> Any:
        _FLAGS[0], _FLAGS[1] = code, int(stage0_first)
        try:
            return fn(*args)
        finally:
            _FLAGS[:] = 0

    return call
