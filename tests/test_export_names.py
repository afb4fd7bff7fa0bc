"""Download names carry the data origin (issue 21, item 1): the zip and every package file."""

from __future__ import annotations

import pytest

from towerplan.errors import ConfigError
from towerplan.export.names import deliverable_name, origin_word, package_zip_name
from towerplan.study.origin import REAL, SYNTHETIC, DataOrigin, origin_slug


@pytest.mark.parametrize(("kind", "word"), [("synthetic", "demo"), ("mixed", "mixed"), ("real", "real")])
def test_every_download_name_says_what_the_study_is_made_of(kind: str, word: str) -> None:
    assert package_zip_name(kind) == f"towerplan_plan_{word}.zip"
    assert deliverable_name("report.pdf", kind) == f"towerplan_{word}_report.pdf"
    assert deliverable_name("csv/gaps.csv", {"kind": kind, "synthetic": []}) == f"towerplan_{word}_gaps.csv"


def test_the_study_and_the_export_use_the_same_words() -> None:
    assert origin_slug(DataOrigin(SYNTHETIC, synthetic=("dem",))) == origin_word("synthetic") == "demo"
    assert origin_slug(DataOrigin("mixed", synthetic=("dem",), real=("stations",))) == "mixed"
    assert origin_slug(DataOrigin(REAL, real=("dem",))) == "real"
    with pytest.raises(ConfigError, match="unknown data origin"):
        origin_word("guessed")
    with pytest.raises(ConfigError):
        deliverable_name("", "real")

