"""Library error messages a user meets in the app, in Vietnamese (issue 21, item 4).

The library raises its errors (:class:`towerplan.errors.TowerplanError`) in English, with the numbers
and names in the text; :func:`error_in` writes the ones a planner meets in the app's runs in
Vietnamese, keeping those values. Every other message is wrapped in Vietnamese (:data:`UNTRANSLATED_VI`:
"lỗi kỹ thuật, nguyên văn tiếng Anh: «...»"), so a Vietnamese page never shows a bare English sentence while
the original detail stays there for whoever supports the user. Every error the app shows goes through
:func:`error_in` (``tests/test_user_errors.py`` checks the app's code for exceptions shown any other way).
"""

from __future__ import annotations

import re

__all__ = ["ERRORS_VI", "UNTRANSLATED_NOTE_VI", "UNTRANSLATED_VI", "error_in", "original_detail"]

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


#: the Vietnamese wrapper of a message without a Vietnamese wording (the original kept, quoted)
UNTRANSLATED_VI = "lỗi kỹ thuật, nguyên văn tiếng Anh: «{text}»"
#: the same for a note (a library warning) without a Vietnamese wording
UNTRANSLATED_NOTE_VI = "ghi chú kỹ thuật, nguyên văn tiếng Anh: «{text}»"
_ORIGINAL = re.compile(r"(?:lỗi|ghi chú) kỹ thuật, nguyên văn tiếng Anh: «(?P<text>.*?)»", re.S)


def _message(error: BaseException | str) -> str:
    """The text of an error: the library's own message; for other exceptions also their type (a
    ``KeyError: 'x'`` alone says little)."""
    from towerplan.errors import TowerplanError

    if isinstance(error, str):
        return error
    if isinstance(error, TowerplanError):
        return str(error)
    return f"{type(error).__name__}: {error}"


def error_in(error: BaseException | str, lang: str, *, note: bool = False) -> str:
    """The message of ``error`` in ``lang``: the one function through which the app shows an error.

    ``vi``: the known messages (:data:`ERRORS_VI`) translated with their values, any other wrapped in
    :data:`UNTRANSLATED_VI` with the original text; ``en``: as raised. Exceptions that are not
    towerplan's own carry their type name (``OSError: ...``). ``note``: a library warning (the plan
    checks' warnings in their Vietnamese wording, others wrapped as a note rather than an error).
    """
    text = _message(error)
    if lang != "vi":
        return text
    for pattern, template in ERRORS_VI:
        found = pattern.fullmatch(text.strip())
        if found:
            return template.format(**found.groupdict())
    if note:
        from towerplan.plan_checks import warning_in

        said = warning_in(text, lang)
        return said if said != text else UNTRANSLATED_NOTE_VI.format(text=text.strip())
    return UNTRANSLATED_VI.format(text=text.strip())


def original_detail(text: str) -> str:
    """``text`` without the quoted originals :func:`error_in` kept (what a reader of the Vietnamese text reads
    in Vietnamese; used by the language checks)."""
    return _ORIGINAL.sub("", text)
