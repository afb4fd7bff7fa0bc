"""Place names as comparison keys (Vietnamese and English spellings of the same place meet).

Used by the download package (:mod:`towerplan.sources.boundaries`) to find a province and by
the road graph (:mod:`towerplan.roadgraph`) to recognise railway classes.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalise_name"]

_PREFIXES = (("thanh", "pho"), ("tinh",), ("tp",), ("province", "of"), ("province",), ("city", "of"))
_SUFFIXES = (("province",), ("city",))


def normalise_name(text: object) -> str:
    """A comparison key for place names: no accents, case, spaces, punctuation or "province"/"tỉnh".

    >>> normalise_name("Tỉnh Thanh Hóa") == normalise_name("thanh hoa province") == "thanhhoa"
    True
    """
    s = str(text).replace("đ", "d").replace("Đ", "D").replace("Ð", "D")
    s = unicodedata.normalize("NFKD", s)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", s).split()
    for prefix in _PREFIXES:
        if len(words) > len(prefix) and tuple(words[: len(prefix)]) == prefix:
            words = words[len(prefix):]
            break
    for suffix in _SUFFIXES:
        if len(words) > len(suffix) and tuple(words[-len(suffix):]) == suffix:
            words = words[: -len(suffix)]
            break
    return "".join(words)
