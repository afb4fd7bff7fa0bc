"""The app's demo map pages stay under 1 MB of HTML, with every sector still on them (sizes are deterministic)."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from towerplan.demo import demo_dir
from towerplan.maps.overview import overview_map
from towerplan.maps.study import coverage_map
from towerplan.study import default_cache_dir, load_study_folder
from towerplan.workflow import select_technologies, server_names

LIMIT_BYTES = 1_000_000
_CALL = re.compile(r"window\.towerplanSectors\(\w+, (\{.*\})\);$", flags=re.M)


@pytest.fixture(scope="module")
def demo():
    return load_study_folder(demo_dir(default_cache_dir(), resolution_m=90.0))  # the app's demo, as it opens


def _sectors_on_page(html: str) -> list[tuple[str, str]]:
    """(operator, cell) of every sector the page's script draws."""
    out = []
    for m in _CALL.finditer(html):
        d = json.loads(m.group(1))
        out += [(d["op"], c[3]) for c in d["c"]]
    return out


def test_demo_overview_page_is_under_1_mb_with_every_sector(demo) -> None:
    html = overview_map(demo.dem, demo.stations, communes=demo.communes, roads=demo.roads, title="demo",
                        lang="vi").get_root().render()
    assert len(html.encode("utf-8")) < LIMIT_BYTES
    drawn = _sectors_on_page(html)
    assert len(demo.stations) > 2000
    assert sorted(drawn) == sorted(zip(demo.stations["operator"], demo.stations["cell_id"], strict=True))


@pytest.mark.slow  # a 4G coverage run of the demo at 90 m (shared with the app tests that ran it first)
def test_demo_coverage_page_is_under_1_mb(demo, shared_coverage_runs) -> None:
    """The coverage page of the app's first run: the demo at 90 m with its land cover, the page's default
    settings (ITU-R P.1812, the outdoor service criterion), 4G."""
    from app_pages.scenarios import WIDGET_DEFAULTS, settings_from_widgets

    config = settings_from_widgets({**WIDGET_DEFAULTS, "cov_techs": ["4G"], "cov_resolution": 90.0}).coverage
    cov = shared_coverage_runs(demo, config, technologies=("4G",))
    names = server_names(cov)
    stations = select_technologies(demo.stations, ("4G",))
    html = coverage_map(
        demo.dem, best_level=cov.best_level, threshold_dbm=config.threshold_dbm, best_server=cov.best_server,
        station_operators=pd.Series(names["operator"].to_numpy(), index=names["best_server"].to_numpy()),
        server_count=cov.server_count, operator_levels=cov.operator_levels,
        stations=pd.DataFrame(stations.drop(columns=stations.geometry.name)), communes=demo.communes,
        roads=demo.roads, lang="vi",
    ).get_root().render()
    assert len(html.encode("utf-8")) < LIMIT_BYTES
    assert len(_sectors_on_page(html)) == len(stations)
