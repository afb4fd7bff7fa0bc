"""HiGHS for the covering models of towerplan.planning: one set-up, a warm start, and what it needs in time.

HiGHS 1.16 checks its time limit in its LP and branch-and-bound loops only: its presolve, the
feasibility-jump heuristic and its start-up (copying the model in, the MIP set-up) run to the end
whatever the limit. :func:`new_highs` turns the heuristic off and :func:`highs_plan` decides, from
the model's non-zeros and the time given, whether to presolve and whether starting HiGHS can do
anything useful at all; the estimates are per non-zero, measured on the Thanh Hóa-scale placement
models (``bench/README.md``, "Round 2 follow-up").
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["highs_plan", "new_highs", "set_warm_start"]


@contextlib.contextmanager
def _quiet_fd1() -> Iterator[None]:
    """Send file descriptor 1 to /dev/null: HiGHS prints its banner from C++ while constructed,
    before ``output_flag`` can be switched off, and it would corrupt a CLI's stdout."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(time_limit_s: float, mip_rel_gap: float) -> Any:
    """A quiet, deterministic HiGHS (seed 0, one thread) with its time limit (at least 0.1 s) and MIP gap.

    The feasibility-jump heuristic is off: it runs before the root LP without checking the time
    limit (HiGHS 1.16: 11 s on the Thanh Hóa-scale placement model whatever the limit,
    bench/README.md), and the models here start from a feasible greedy answer anyway.
    """
    import highspy

    with _quiet_fd1():
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.1, float(time_limit_s)))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_heuristic_run_feasibility_jump", False)
    return h


def set_warm_start(h: Any, rows: sp.csr_matrix, chosen: list[int]) -> None:
    """Give HiGHS ``h`` the feasible start "build ``chosen``": x = 1 for those candidates, y = 1 for every
    demand column they cover (the variable layout of the covering models here: candidates, then demand)."""
    import highspy

    n_cand, n_dem = rows.shape
    x0 = np.zeros(n_cand)
    x0[chosen] = 1.0
    y0 = np.zeros(n_dem)
    y0[np.unique(rows[chosen].indices)] = 1.0
    sol = highspy.HighsSolution()
    sol.col_value = list(np.concatenate([x0, y0]))
    sol.value_valid = True
    h.setSolution(sol)


#: above this many non-zeros HiGHS runs without presolve: its presolve (probing and the passes after
#: it) does not check the time limit; on the Thanh Hóa-scale model (1.86 M non-zeros) it ran 100-145 s
#: under a 20 s limit, while without presolve HiGHS stops within ~2 s of the limit (bench/README.md)
_PRESOLVE_MAX_NNZ = 1_000_000
#: below it, HiGHS's presolve per model non-zero, measured as above: 41 s for the 0.84 M non-zeros of the
#: 1,500-candidate Thanh Hóa model under a 12 s limit (load 20; ~56 us per non-zero at load 6-11 on 1.86 M):
#: HiGHS presolves only when this estimate is at most half of its time
_PRESOLVE_S_PER_NNZ = 50e-6
#: HiGHS's start-up per model non-zero: copying the model in and its MIP set-up, which do not check the
#: time limit (1.7-2.3 s for the 1.86 M non-zeros of the Thanh Hóa-scale model at load 15 on 2 cores)
_HIGHS_START_S_PER_NNZ = 1.2e-6
#: without presolve, HiGHS's root LP per model non-zero: on the Thanh Hóa-scale
#: model it had not finished after 40 s (so HiGHS gave neither a better answer nor a bound within a 60 s
#: limit), while the Lagrangian bound given the same time proves 2.7 % instead of 6.2 % at a 20 s limit
_HIGHS_ROOT_LP_S_PER_NNZ = 25e-6


def highs_plan(nnz: int, highs_s: float) -> tuple[bool, bool]:
    """(start HiGHS, with presolve) for a model of ``nnz`` non-zeros given ``highs_s`` seconds: presolve
    when its estimated time fits in half of them; HiGHS at all when the time covers its start-up and,
    without presolve, its root LP (estimates per non-zero measured in bench/README.md)."""
    presolve = nnz <= _PRESOLVE_MAX_NNZ and _PRESOLVE_S_PER_NNZ * nnz <= 0.5 * highs_s
    needs_s = 0.05 + _HIGHS_START_S_PER_NNZ * nnz + (0.0 if presolve else _HIGHS_ROOT_LP_S_PER_NNZ * nnz)
    return highs_s >= needs_s, presolve
