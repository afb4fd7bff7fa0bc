"""Library error messages a user meets in the app, in Vietnamese (issue 21, item 4).

The library raises its errors (:class:`towerplan.errors.TowerplanError`) in English, with the numbers
and names in the text; :func:`error_in` writes the ones a planner meets in the app's runs in
Vietnamese, keeping those values. A message without a Vietnamese wording is returned as it is (the
station-list report, the uploads and the plan checks have their own Vietnamese messages).
"""

from __future__ import annotations

import re

__all__ = ["ERRORS_VI", "error_in"]

#: English pattern (full message) -> Vietnamese template with the pattern's named groups
ERRORS_VI: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"no (?P<tech>[\w/]+) sectors among the (?P<n>\d+) stations"),
     "không có cell {tech} nào trong {n} cell của danh sách trạm"),
    (re.compile(r"technologies must be among (?P<allowed>.+); got (?P<got>.+)"),
     "công nghệ phải là một trong {allowed}; đã chọn {got}"),
    (re.compile(r"the coverage run has no operator level grids \(no usable station\)"),
     "lần tính vùng phủ không có kết quả của nhà mạng nào (không có trạm dùng được)"),
    (re.compile(r"the population raster has no data \(nodata everywhere\) or does not overlap the coverage grids; "
                r"check its nodata value and its extent"),
     "lớp dân số không có dữ liệu (toàn giá trị trống) hoặc không chồng lên vùng tính; hãy kiểm tra giá trị "
     "trống và phạm vi của nó"),
    (re.compile(r"the population raster does not overlap the coverage grids"),
     "lớp dân số không chồng lên vùng tính"),
    (re.compile(r"a study needs at least one DEM file, a population raster and one station list"),
     "một nghiên cứu cần ít nhất một tệp DEM, một lớp dân số và một danh sách trạm"),
    (re.compile(r"(?P<what>.+) needs about (?P<need>\S+ \S+) of memory, more than the (?P<limit>\S+ \S+) available "
                r"\((?P<pct>\d+)% of (?P<free>\S+ \S+) free\); (?P<how>.+)"),
     "{what} cần khoảng {need} bộ nhớ, nhiều hơn {limit} còn dùng được ({pct}% của {free} còn trống); hãy dùng "
     "độ phân giải thô hơn hoặc vùng nghiên cứu nhỏ hơn"),
    (re.compile(r"invalid placement settings: (?P<problems>.+)"),
     "tham số đặt trạm không hợp lệ: {problems}"),
    (re.compile(r"the study-area margin must be a distance >= 0 m, got (?P<got>.+)"),
     "lề vùng nghiên cứu phải là khoảng cách ≥ 0 m; đã nhập {got}"),
)


def error_in(error: BaseException | str, lang: str) -> str:
    """The message of ``error`` in ``lang`` (``vi``: the known messages translated; ``en``: as raised)."""
    text = str(error)
    if lang != "vi":
        return text
    for pattern, template in ERRORS_VI:
        found = pattern.fullmatch(text.strip())
        if found:
            return template.format(**found.groupdict())
    return text
