"""The app reads uploaded DEM tiles once (issue 14): several tiles are checked from their headers when
uploaded and read, all together, once, when mosaicked into the study's DEM."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import rasterio
from affine import Affine

from towerplan.errors import TowerplanError


def _tile(path: Path, west: float) -> Path:
    values = (50.0 + np.add.outer(np.arange(60), np.arange(60))).astype(np.float32)
    profile = {"driver": "GTiff", "width": 60, "height": 60, "count": 1, "dtype": "float32", "nodata": -9999.0,
               "crs": "EPSG:4326", "transform": Affine(0.1 / 60, 0.0, west, 0.0, -0.1 / 60, 19.9)}
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(values, 1)
    return path


def test_several_dem_tiles_are_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import towerplan.terrain as terrain
    from app_pages.uploads import DemTile, handle_upload, study_dem
    from towerplan.study import read_study_dem

    paths = [_tile(tmp_path / "a.tif", 105.5), _tile(tmp_path / "b.tif", 105.6)]
    expected = read_study_dem(paths, resolution_m=90.0)
    warped: list[str] = []
    real = terrain._warp_into

    def counting(src: Any, *args: Any, **kw: Any) -> Any:
        warped.append(Path(src).name if isinstance(src, Path) else "grid")
        return real(src, *args, **kw)

    monkeypatch.setattr(terrain, "_warp_into", counting)
    ups = [handle_upload("dem", p.name, p.read_bytes(), tmp_path / "session", "en", resolution_m=90.0,
                         check_only=True) for p in paths]
    assert all(u.ok for u in ups), [u.messages for u in ups]
    assert all(isinstance(u.value, DemTile) for u in ups)
    assert warped == []  # checked from the headers only
    grid = study_dem(ups)
    assert sorted(warped) == sorted(u.path.name for u in ups)  # each tile read once, in the mosaic
    assert grid.same_lattice(expected)
    assert np.array_equal(grid.values, expected.values, equal_nan=True)


def test_a_bad_tile_among_several_is_refused_at_upload(tmp_path: Path) -> None:
    from app_pages.uploads import handle_upload
    from towerplan.terrain import describe_dem_file

    bad = tmp_path / "bad.tif"
    bad.write_bytes(b"not a raster at all" * 10)
    up = handle_upload("dem", "bad.tif", bad.read_bytes(), tmp_path / "session", "en", check_only=True)
    assert not up.ok
    assert "bad.tif" in up.messages[0]
    with pytest.raises(TowerplanError):
        describe_dem_file(bad)
    hgt = tmp_path / "N19E105.hgt"
    hgt.write_bytes(b"\0" * (1201 * 1201 * 2))
    crs, bounds, res_m = describe_dem_file(hgt)
    assert crs.to_epsg() == 4326
    assert bounds[0] < 105.0 < bounds[2]
    assert bounds[1] < 19.0 < bounds[3]
    assert 90.0 < res_m < 95.0
