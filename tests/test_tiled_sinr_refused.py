"""The tiled engine does not compute SINR layers: it says so, with what to do instead (docs/limits.md)."""

from __future__ import annotations

import pandas as pd
import pytest

from towerplan.coverage.config import CoverageConfig
from towerplan.coverage.tiled import run_coverage_tiled
from towerplan.errors import ConfigError


def test_tiled_sinr_is_refused_with_the_way_out(tmp_path) -> None:
    with pytest.raises(ConfigError, match="Run the SINR untiled") as info:
        run_coverage_tiled(tmp_path / "dem.tif", pd.DataFrame(), tmp_path / "out",
                           config=CoverageConfig(sinr=True))
    assert "28 x operator-technology pairs" in str(info.value)
    assert not (tmp_path / "out").exists()  # refused before anything is written
