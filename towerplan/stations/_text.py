"""Text helpers shared by the station readers and validators.

Matching of headers, operator names, technologies and bands is case-,
accent- and punctuation-insensitive: everything goes through :func:`fold`
first, so ``"Kinh độ"``, ``"KINH DO"`` and ``"kinh_do"`` compare equal.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

import pandas as pd

__all__ = ["cell_text", "compact", "display_value", "fold", "is_blank", "nfc"]

_BLANK_TOKENS = frozenset({"", "-", "--", "n/a", "na", "nan", "null", "none", "#n/a"})
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def nfc(text: str) -> str:
    """Unicode NFC form (Windows-1258 text arrives with combining tone marks)."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip Vietnamese (and other) diacritics.

    ``đ``/``Đ`` have no decomposition in Unicode and are mapped to ``d`` by hand.
    """
    decomposed = unicodedata.normalize("NFKD", str(text).replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower().strip()


def compact(text: str) -> str:
    """:func:`fold` then drop everything but ASCII letters and digits (``"Mã trạm"`` -> ``"matram"``)."""
    return _NON_ALNUM.sub("", fold(text))


def is_blank(value: Any) -> bool:
    """True for ``None``, NaN, empty or whitespace strings and the usual 'no value' tokens."""
    if value is None:
        return True
    kind = type(value)
    if kind is str:
        if len(value) > 9 and not value[0].isspace() and not value[-1].isspace():
            return False  # fast path: longer than any blank token
        return value.strip().lower() in _BLANK_TOKENS
    if kind is float or isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return value.strip().lower() in _BLANK_TOKENS
    return value is pd.NA or value is pd.NaT


def display_value(value: Any, *, max_chars: int = 80) -> str | None:
    """The value as the user typed it, shortened for a report (``None`` when blank)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return text


def cell_text(value: Any) -> str | None:
    """A cell as clean text: ``None`` when blank, integral floats without ``.0`` (Excel ids), NFC."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = nfc(str(value)).strip()
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        return text[1:]  # towerplan's own formula escape (towerplan.textsafe), read back as the text it stood for
    return text
