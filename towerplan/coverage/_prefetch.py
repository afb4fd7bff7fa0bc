"""Software prefetch of raster cells a radial will read a few samples ahead (round w17).

Sampling a long radial (terrain bilinear, clutter from the nearest cell) touches one or two new cache lines of
each raster per sample: beyond a few kilometres neighbouring radials no longer share lines, and a far table's
rasters (a 2,000 x 2,000 window at 30 m: 32 MB of terrain, 20 MB of clutter) do not stay in the caches, so the
loop waits on memory (~70 % of its time on the demo's far tables, ``bench/README.md``, w17-bound). A prefetch
hint for the cells of sample ``i + K`` while sample ``i`` is read lets those loads overlap. A hint only: it reads
nothing back, cannot fault (an x86 prefetch of any address is a no-op), and changes no value.

Numba's ``cache=True`` keys kernels on their own file: after editing this module delete
``towerplan/coverage/__pycache__/*.nb[ic]``.
"""

from __future__ import annotations

from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

#: the intrinsic's name carries its pointer type: opaque pointers from LLVM 15 on, ``i8*`` before (llvmlite < 0.44)
_PREFETCH = "llvm.prefetch.p0" if binding.llvm_version_info[0] >= 15 else "llvm.prefetch.p0i8"


@intrinsic
def prefetch_cell(typingctx, arr, row, col):
    """``llvm.prefetch`` (read, high locality, data cache) of ``arr[row, col]`` (a 2-D array; indices in range)."""
    sig = types.void(arr, row, col)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, [args[1], args[2]], wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, _PREFETCH)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


def prefetch_terrain(terrain, colf, rowf):  # pragma: no cover - numba's overload below
    """Prefetch the two rows of cells :func:`~._kernels.bilinear` reads at fractional (``colf``, ``rowf``) of a
    terrain array (clamped as it clamps); nothing for a source-terrain tuple (:func:`~._kernels.terrain_at`)."""
    raise NotImplementedError


@overload(prefetch_terrain, inline="always")
def _prefetch_terrain_impl(terrain, colf, rowf):
    if isinstance(terrain, types.Array) and terrain.ndim == 2:
        def on_study(terrain, colf, rowf):
            h, w = terrain.shape
            c = min(max(colf, 0.0), w - 1.0)
            r = min(max(rowf, 0.0), h - 1.0)
            c0 = int(c)
            r0 = int(r)
            prefetch_cell(terrain, r0, c0)  # type: ignore[call-arg]
            prefetch_cell(terrain, min(r0 + 1, h - 1), c0)  # type: ignore[call-arg]

        return on_study

    def nothing(terrain, colf, rowf):
        return None

    return nothing


def prefetch_nearest(arr, colf, rowf):  # pragma: no cover - numba's overload below
    """Prefetch the cell of ``arr`` nearest to fractional (``colf``, ``rowf``), clamped to the array (as
    :func:`~._p1812_radial.sample_clutter` reads it); nothing for an empty array."""
    raise NotImplementedError


@overload(prefetch_nearest, inline="always")
def _prefetch_nearest_impl(arr, colf, rowf):
    def nearest(arr, colf, rowf):
        h, w = arr.shape
        if h == 0 or w == 0:
            return
        c = min(max(colf + 0.5, 0.0), w - 1.0)
        r = min(max(rowf + 0.5, 0.0), h - 1.0)
        prefetch_cell(arr, int(r), int(c))  # type: ignore[call-arg]

    return nearest
