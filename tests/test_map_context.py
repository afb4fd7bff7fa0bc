"""Roads on the study maps: one feature per road class, the class's lines merged, minor classes drawn first;
the same lines and styles as one feature per segment (issue 20 item 6: a lighter map page)."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely
from shapely.geometry import LineString, shape

from towerplan.maps.context import road_features, road_style
from towerplan.maps.layers import ROAD_STYLES


def _roads() -> gpd.GeoDataFrame:
    lines = [LineString([(105.0, 20.0), (105.01, 20.0)]), LineString([(105.01, 20.0), (105.02, 20.01)]),  # joined
             LineString([(105.1, 20.1), (105.11, 20.1)]), LineString([(105.2, 20.0), (105.2, 20.02)]),
             LineString([(105.3, 20.0), (105.31, 20.0)]), LineString([(105.4, 20.0), (105.41, 20.0)])]
    return gpd.GeoDataFrame({"road_class": ["tertiary", "tertiary", "trunk", "track", None, "lane"]},
                            geometry=lines, crs=4326)


def test_one_feature_per_class_minor_first_same_lines() -> None:
    roads = _roads()
    data = road_features(roads)
    classes = [f["properties"]["road_class"] for f in data["features"]]
    assert sorted(classes, key=str) == sorted(["tertiary", "trunk", "track", None, "lane"], key=str)
    weights = [road_style(c)["weight"] for c in classes]
    assert weights == sorted(weights)  # thinnest first: major roads are drawn over minor ones
    assert classes[-1] == "trunk"
    tertiary = shape(data["features"][classes.index("tertiary")]["geometry"])
    assert tertiary.geom_type == "LineString"  # the two joined segments merged into one line
    merged = shapely.union_all([shape(f["geometry"]) for f in data["features"]])
    assert merged.equals(shapely.union_all(roads.geometry.values))  # the same lines
    assert "bbox" not in json.dumps(data)


def test_styles_are_those_of_one_feature_per_segment() -> None:
    for name, (colour, weight) in ROAD_STYLES.items():
        assert road_style(name) == {"color": colour, "weight": weight, "opacity": 0.9}
    assert road_style(None) == road_style("secondary")  # a road without a class: drawn as secondary
    assert road_style("lane") == {"color": "#f4a582", "weight": 2.0, "opacity": 0.9}


def test_the_demo_roads_are_a_few_features_with_every_segment() -> None:
    from towerplan.demo import demo_dir
    from towerplan.maps.context import display_vectors
    from towerplan.study import default_cache_dir, load_study_folder

    demo = load_study_folder(demo_dir(default_cache_dir(), resolution_m=90.0))
    data = road_features(demo.roads)
    assert len(data["features"]) == demo.roads["road_class"].nunique() < 10
    merged = shapely.union_all([shape(f["geometry"]) for f in data["features"]])
    assert merged.equals(shapely.union_all(display_vectors(demo.roads).geometry.values))
    assert len(json.dumps(data)) < 60_000  # was 160 KB of each map page as one feature per segment
