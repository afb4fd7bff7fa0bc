"""The demo's synthetic land cover agrees with its terrain, towns and water, and is labelled synthetic."""

from __future__ import annotations

import numpy as np
import pytest
import rasterio

from towerplan.demo import make_demo, write_demo
from towerplan.demo._common import Lattice
from towerplan.demo._people import slope_deg
from towerplan.landcover import WORLDCOVER_TABLE, read_land_cover
from towerplan.rasters import read_grid

SEED = 2024
RES_M = 500.0  # the planning layers dominate make_demo's time; a coarse grid keeps the rasters quick


@pytest.fixture(scope="module")
def demo():
    return make_demo(seed=SEED, resolution_m=RES_M)


def test_classes_follow_terrain_towns_and_water(demo):
    cover = demo.landcover.values
    z = demo.dem.values
    assert cover.shape == z.shape
    assert demo.landcover.same_lattice(demo.dem)
    assert set(np.unique(cover)) <= set(WORLDCOVER_TABLE.codes)
    assert (cover[z == 0] == 80).all()  # the sea is water
    share = {c: (cover == c).mean() for c in (10, 40, 50, 80)}
    assert 0.25 < share[10] < 0.6  # forested mountains
    assert 0.3 < share[40] < 0.6  # the farmed plain
    assert 0.003 < share[50] < 0.03  # towns
    slope = slope_deg(Lattice(RES_M, *z.shape), z.astype(float))
    assert (cover[slope > 20] == 10).mean() > 0.9  # steep ground is forest
    plain = (z > 0.5) & (z < 15) & (slope < 2)
    assert (cover[plain] == 40).mean() > 0.75  # the low plain is cropland
    people = demo.population.values
    dense = people > np.quantile(people[people > 0], 0.999)
    assert (cover[dense & (cover != 80)] == 50).mean() > 0.9  # the densest cells are built-up (or their river)
    # rivers: water cells inland, in lines, that are not the sea
    inland_water = (cover == 80) & (z > 0.5)
    assert inland_water.sum() > 100


def test_written_land_cover_is_labelled_synthetic_and_reads_back(tmp_path, demo):
    paths = write_demo(tmp_path, seed=SEED, resolution_m=RES_M)  # generated again: the same seed, the same cover
    with rasterio.open(paths["landcover"]) as ds:
        assert ds.dtypes[0] == "uint8"
        assert ds.nodata == 0
        assert "synthetic" in ds.tags()["source"]
        assert "synthetic, not observed" in ds.tags()["content"]
    readme = paths["readme"].read_text(encoding="utf-8")
    assert "landcover.tif    land cover (uint8 ESA WorldCover class codes" in readme
    assert "Terrain, land cover, people" in readme
    dem = read_grid(paths["dem"])
    lc = read_land_cover(paths["landcover"], dem)
    np.testing.assert_array_equal(lc.classes.values, demo.landcover.values)
    assert lc.warnings == ()
    height, code = lc.to_clutter_arrays()
    assert set(np.unique(code)) == {1, 2, 4}
    assert height.max() == 15.0
