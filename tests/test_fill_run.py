"""Round w18: the zone fills of a site's run of groups in one walk (``_fill_run.fill_run_zones``: each cell's
distance and azimuth once, its samples once per table layout) against ``_fill_zones.fill_window_zones`` group after
group, bit for bit (every loss window with its NaN payloads, every flag), on runs whose groups have equal and unequal
table layouts, cuts, windows, receiver clutter and limits; the blocked row order (``_fill_samples.block_rows``); the
engine's runs against the fill one group at a time."""

from __future__ import annotations

import numpy as np
import pytest

from towerplan.coverage import _fill_run, engine
from towerplan.coverage._fill_run import MAX_RUN, fill_run_zones, sample_slots
from towerplan.coverage._fill_samples import BLOCK_ROWS, block_rows
from towerplan.coverage._fill_zones import fill_window_zones, prev_clutter
from towerplan.coverage.clutter import NO_CLUTTER, readonly
from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.plan import radial_layout

RES = STEP = 30.0
R_MAIN = 600.0
R_BLEND = R_MAIN + 8 * STEP
LEFT, TOP = 1000.0, 900_000.0
N = 180  # the clutter window's side (cells); the site near its centre
SITE = (LEFT + (N / 2 + 0.3) * RES, TOP - (N / 2 - 0.2) * RES)
_E32 = np.zeros((0, 0), np.float32)
_E8 = np.zeros((0, 0), np.uint8)


def _table(rng, radius, spacing, from_i=0, tail=True):
    n0, lmax, first, count = radial_layout(radius, STEP, spacing=spacing)
    n_samp = int(count.max())
    i = np.arange(n_samp)[None, :]
    table = (60.0 + rng.choice([0.05, 0.2, 0.5], size=(n0, 1)) * i + rng.normal(0.0, 3.0, (n0, n_samp)))
    table = table.astype(np.float32)
    table[i < np.maximum(first, from_i)[:, None]] = np.nan
    table[i >= count[:, None]] = np.nan
    table[rng.random((n0, n_samp)) < 0.05] = np.nan
    if tail:
        table[(i >= rng.integers(n_samp // 3, n_samp + 1, size=(n0, 1))) & ~np.isnan(table)] = np.inf
    return table, n0, lmax


def _clutter(rng):
    heights = np.array([0.0, 8.0, 8.2, 15.0, 20.0], np.float32)  # 8.0 and 8.2 match (RX_MATCH_M)
    patches = rng.integers(0, 5, (N // 10 + 1, N // 10 + 1))
    code = np.kron(patches, np.ones((10, 10), np.int64))[:N, :N].astype(np.uint8)
    code[rng.random((N, N)) < 0.05] = 0
    return readonly(heights[code.astype(np.int64)], np.float32), readonly(code, np.uint8)


def _group(rng, clut, *, radius, spacing, main_spacing=1.0, cut_f=None, cut_m=R_BLEND, box=(2, 4, 150, 160),
           limit=150.0, spread=4.0, match=True):
    """One group's arguments of :func:`fill_window_zones`: (main, far, rx, limit, spread, box)."""
    main, n0_m, lmax_m = _table(rng, R_BLEND, main_spacing)
    far, n0_f, lmax_f = _table(rng, radius, spacing, from_i=int(R_MAIN / STEP))
    site_col, site_row = (SITE[0] - LEFT) / RES - 0.5, (TOP - SITE[1]) / RES - 0.5
    rx = (_E32, _E32, *NO_CLUTTER, 0, 0)
    if match:
        rps = [prev_clutter(t.shape[0], t.shape[1], STEP, site_col, site_row, 0, 0, RES, RES, clut[0], clut[1], f)
               for t, f in ((main, 1), (far, int(R_MAIN / STEP)))]
        rx = (rps[0], rps[1], clut[0], clut[1], 0, 0)
    return ((main, n0_m, lmax_m, R_BLEND, STEP, cut_m), (far, n0_f, lmax_f, radius, STEP, cut_f or radius), rx, limit,
            spread, box)


def _one_by_one(groups):
    outs = []
    for main, far, rx, limit, spread, (r_lo, c_lo, h, w) in groups:
        out, flags = np.full((h, w), 7.0, np.float32), np.ones((h, w), np.uint8)
        fill_window_zones(main, far, R_MAIN, R_BLEND, SITE[0], SITE[1], LEFT, TOP, RES, RES, r_lo, c_lo, out, limit, rx,
                          spread, flags)
        outs.append((out, flags))
    return outs


def _together(groups, clut):
    n = len(groups)
    outs = [np.full((g[5][2], g[5][3]), 7.0, np.float32) for g in groups]
    flags = [np.ones(o.shape, np.uint8) for o in outs]
    lay_i = np.array([(m[1], m[2], f[1], f[2]) for m, f, *_ in groups], np.int64)
    lay_f = np.array([(m[3], m[4], m[5], f[3], f[4], f[5], g[3], g[4]) for g in groups for m, f in [g[:2]]])
    pad = MAX_RUN - n
    fill_run_zones(tuple(g[0][0] for g in groups) + (_E32,) * pad, tuple(g[1][0] for g in groups) + (_E32,) * pad,
                   tuple(g[2][0] for g in groups) + (_E32,) * pad, tuple(g[2][1] for g in groups) + (_E32,) * pad,
                   lay_i, lay_f, np.array([g[5][:2] for g in groups], np.int64), R_MAIN, R_BLEND, SITE[0], SITE[1],
                   (LEFT, TOP, RES, RES), (clut[0], clut[1], 0, 0), tuple(outs) + (_E32,) * pad,
                   tuple(flags) + (_E8,) * pad)
    return list(zip(outs, flags, strict=True)), lay_i, lay_f


def _cases(seed):
    rng = np.random.default_rng(seed)
    clut = _clutter(rng)
    if seed == 0:  # four groups of one far layout (different cuts, windows, limits), one of another radius
        groups = [_group(rng, clut, radius=2400.0, spacing=6.0),
                  _group(rng, clut, radius=2400.0, spacing=6.0, cut_f=1905.0, box=(10, 6, 140, 150), limit=130.0),
                  _group(rng, clut, radius=1800.0, spacing=6.0, box=(30, 30, 120, 118)),
                  _group(rng, clut, radius=2400.0, spacing=6.0, cut_f=1230.0, cut_m=R_BLEND - STEP, match=False),
                  _group(rng, clut, radius=2400.0, spacing=6.0, box=(0, 0, 170, 171), spread=np.inf)]
    elif seed == 1:  # main layouts unequal (spacing), far equal; a group with no clutter match first; radii 2400 and
        # 2450 m: the same radial count (88) and levels (2), other radii and sample counts (82, 84): other samples
        groups = [_group(rng, clut, radius=2400.0, spacing=6.0, match=False, box=(20, 25, 130, 125)),
                  _group(rng, clut, radius=2400.0, spacing=6.0, main_spacing=2.0),
                  _group(rng, clut, radius=2450.0, spacing=6.0, box=(2, 3, 165, 170)),
                  _group(rng, clut, radius=2400.0, spacing=4.0, box=(5, 2, 160, 168))]
    elif seed == 2:  # eight groups (MAX_RUN), alternating two far layouts
        groups = [_group(rng, clut, radius=2400.0 if k % 2 else 2100.0, spacing=6.0, cut_f=2400.0 - 150.0 * k,
                         box=(k, 2 * k, 150 - 2 * k, 160 - 3 * k)) for k in range(MAX_RUN)]
    else:  # one group alone
        groups = [_group(rng, clut, radius=2400.0, spacing=6.0, box=(3, 1, 170, 172))]
    return groups, clut


@pytest.mark.parametrize("seed", range(4))
def test_a_runs_fill_is_the_groups_fills_one_by_one(seed: int) -> None:
    groups, clut = _cases(seed)
    ref = _one_by_one(groups)
    got, lay_i, lay_f = _together(groups, clut)
    for (o1, f1), (o2, f2) in zip(ref, got, strict=True):
        assert o1.view(np.uint32).tobytes() == o2.view(np.uint32).tobytes()
        assert f1.tobytes() == f2.tobytes()
    assert all(np.isfinite(o).mean() > 0.05 for o, _ in ref)
    assert any(f.any() for _, f in ref)  # refinement flags set
    n_samp = np.array([(g[0][0].shape[1], g[1][0].shape[1]) for g in groups], np.int64)
    _, lead, _ = sample_slots(lay_i, lay_f, n_samp)
    n_layouts = len({(m[1], m[2], m[3], m[0].shape[1]) for m, *_ in groups})
    n_layouts += len({(f[1], f[2], f[3], f[0].shape[1]) for _, f, *_ in groups})
    assert lead.shape[0] == n_layouts  # the samples shared wherever the layouts are equal, and only there
    assert n_layouts < 2 * len(groups) or len(groups) == 1


def test_sample_slots_tell_layouts_apart() -> None:
    lay_i = np.array([(64, 3, 256, 5)] * 4, np.int64)
    lay_f = np.array([(840.0, 30.0, 840.0, 2400.0, 30.0, 2000.0, 150.0, 4.0)] * 4)
    lay_f[1, 5] = 1500.0  # another cut: the same samples
    lay_f[2, 3] = 2100.0  # another radius
    n_samp = np.array([(29, 81)] * 4, np.int64)
    n_samp[3, 1] = 80  # another sample count
    slot, lead, cut = sample_slots(lay_i, lay_f, n_samp)
    assert slot[:, 0].tolist() == [0, 0, 0, 0]
    assert slot[:, 1].tolist() == [1, 1, 2, 3]
    assert lead.tolist() == [[0, 0], [0, 1], [2, 1], [3, 1]]
    assert cut.tolist() == [840.0, 2000.0, 2000.0, 2000.0]


@pytest.mark.parametrize("h", [1, 15, 16, 17, 100, 1030, 2049])
def test_block_rows_cover_every_row_once(h: int) -> None:
    n_ch = min((h + BLOCK_ROWS - 1) // BLOCK_ROWS, 64)
    rows = np.concatenate([block_rows(ch, n_ch, h) for ch in range(n_ch)])
    assert sorted(rows.tolist()) == list(range(h))
    for ch in range(n_ch):
        r = block_rows(ch, n_ch, h)
        assert (np.diff(r)[np.diff(r) != 1] > 1).all()  # blocks of consecutive rows
        assert (r // BLOCK_ROWS % n_ch == ch).all()


def test_the_engines_run_fill_equals_the_fills_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from test_fused_run import _site_case

    dem, st, clutter = _site_case()
    config = CoverageConfig(max_radius_m=1_500.0, main_radius_m=300.0)
    calls: list[int] = []
    fill_run = _fill_run.fill_run

    def spy(tables, *args, **kwargs):
        calls.append(len(tables))
        return fill_run(tables, *args, **kwargs)

    monkeypatch.setattr(_fill_run, "fill_run", spy)
    got = engine.run_coverage(dem, st, config=config, clutter=clutter)
    assert sorted(calls) == [1, 4, 4]  # each four-band site's groups filled together
    monkeypatch.setattr(_fill_run, "fill_run", lambda *args, **kwargs: None)  # each group by fill_zones
    ref = engine.run_coverage(dem, st, config=config, clutter=clutter)
    for name in ("best_level", "best_server", "second_level", "server_count", "path_loss"):
        assert getattr(ref, name).values.tobytes() == getattr(got, name).values.tobytes(), name
    for name in ("operator_levels", "technology_levels"):
        for key, grid in getattr(ref, name).items():
            assert grid.values.tobytes() == getattr(got, name)[key].values.tobytes(), (name, key)
    assert int(np.isfinite(ref.path_loss.values).sum()) > 1000


def test_the_receiver_clutter_of_a_layout_is_computed_once_for_what_any_group_reads() -> None:
    """``_fill_run.run_rx``: the tables of one layout share one receiver clutter array, computed on the samples any of
    them reads; each group's own (``rx_clutter`` of its tables alone) is equal to it wherever its own was computed."""
    from types import SimpleNamespace

    from towerplan.coverage._fill_run import run_rx
    from towerplan.coverage._fill_zones import rx_clutter, zone_reads

    rng = np.random.default_rng(11)
    clut = _clutter(rng)
    tables = []
    for radius, cut_f, cut_m in ((2400.0, 2400.0, R_BLEND), (2400.0, 1500.0, R_BLEND - STEP), (2100.0, 2100.0, R_BLEND),
                                 (2400.0, 2000.0, R_BLEND)):
        main, n0_m, lmax_m = _table(rng, R_BLEND, 1.0)
        far, n0_f, lmax_f = _table(rng, radius, 6.0, from_i=int(R_MAIN / STEP))  # random NaN holes in each
        tables.append(SimpleNamespace(table=main, n0=n0_m, lmax=lmax_m, cut_m=cut_m, step=STEP, clutter=clut,
                                      far=SimpleNamespace(table=far, n0=n0_f, lmax=lmax_f, cut_m=cut_f,
                                                          r_main=R_MAIN)))
    off, geo = (0, 0), (LEFT, TOP, RES, RES)
    shared = run_rx(tables, [True, True, True, True], SITE, off, geo)
    assert shared is not None
    for g, st in enumerate(tables):
        own = rx_clutter(zone_reads(st), st.clutter, off, geo, SITE, True)
        for z in range(2):
            done = ~np.isnan(own[z])
            assert done.sum() > 100
            assert not np.isnan(shared[g][z][done]).any()  # computed wherever the group's own was
            assert np.array_equal(shared[g][z][done], own[z][done])
        assert shared[g][2:] == own[2:]
    assert shared[0][1] is shared[1][1]  # one far layout's clutter, once
    assert shared[1][1] is shared[3][1]
    assert shared[2][1] is not shared[0][1]
    assert all(shared[g][0] is shared[0][0] for g in range(4))  # one main layout
    assert run_rx(tables, [True, False, True, True], SITE, off, geo)[1][0].shape == (0, 0)  # no match: none
