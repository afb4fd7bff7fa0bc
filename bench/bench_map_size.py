"""Size of the app's map pages for the demo (the HTML st_folium ships), by part.

Builds the maps as the app's pages do (overview; coverage of the 90 m demo, 4G) and
prints the rendered HTML size with the bytes taken by images (data URLs) and by
vector layers (GeoJSON). Target: under 1 MB per page. Usage::

    PYTHONPATH=$PWD python bench/bench_map_size.py
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _parts(html: str) -> dict[str, int]:
    images = sum(len(m) for m in re.findall(r"data:image/[a-z]+;base64,[A-Za-z0-9+/=]+", html))
    # folium writes each GeoJSON layer as geo_json_<id>_add({...,"type": "FeatureCollection"});
    geojson = sum(len(m) for m in re.findall(r'_add\((\{.*?"type": ?"FeatureCollection"\})\);', html, flags=re.S))
    # station sectors as compact arrays drawn by the page (towerplan.maps.sectors)
    sectors = sum(len(m) for m in re.findall(r"window\.towerplanSectors\(\w+, .*?\);$", html, flags=re.M))
    return {"html": len(html.encode("utf-8")), "images": images, "geojson": geojson, "sectors": sectors}


def _report(name: str, fmap, seconds: float) -> None:
    html = fmap.get_root().render()
    p = _parts(html)
    print(f"{name:10s} {p['html'] / 1e6:6.2f} MB  (images {p['images'] / 1e6:.2f} MB, GeoJSON "
          f"{p['geojson'] / 1e6:.2f} MB, sectors {p['sectors'] / 1e6:.2f} MB, other "
          f"{(p['html'] - p['images'] - p['geojson'] - p['sectors']) / 1e6:.2f} MB)  built in {seconds:.1f} s")


def main() -> None:
    import pandas as pd

    from towerplan.coverage.config import CoverageConfig
    from towerplan.demo import demo_dir
    from towerplan.maps.overview import overview_map
    from towerplan.maps.study import coverage_map
    from towerplan.workflow import coverage_of_stations, load_study_folder, select_technologies, server_names

    inputs = load_study_folder(demo_dir(Path.home() / ".cache" / "towerplan", resolution_m=90.0))
    t0 = time.perf_counter()
    m = overview_map(inputs.dem, inputs.stations, communes=inputs.communes, roads=inputs.roads, title="demo",
                     lang="en")
    _report("overview", m, time.perf_counter() - t0)
    config = CoverageConfig()
    cov = coverage_of_stations(inputs.dem, inputs.stations, config, technologies=("4G",))
    names = server_names(cov)
    stations = select_technologies(inputs.stations, ("4G",))
    t0 = time.perf_counter()
    m = coverage_map(inputs.dem, best_level=cov.best_level, threshold_dbm=config.threshold_dbm,
                     best_server=cov.best_server,
                     station_operators=pd.Series(names["operator"].to_numpy(), index=names["best_server"].to_numpy()),
                     server_count=cov.server_count, operator_levels=cov.operator_levels,
                     stations=pd.DataFrame(stations.drop(columns=stations.geometry.name)),
                     communes=inputs.communes, roads=inputs.roads, lang="en")
    _report("coverage", m, time.perf_counter() - t0)


if __name__ == "__main__":
    main()
