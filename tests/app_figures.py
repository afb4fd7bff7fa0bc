"""The figures a page shows, as label -> value: its ``st.metric`` elements and its figure block (the overview's
figures, one Markdown element: ``app_pages.summary_view.figures_html``), read independently of the app's code."""

from __future__ import annotations

import html
import re
from typing import Any

_PAIR = re.compile(r"<dt>(.*?)</dt><dd>(.*?)</dd>", flags=re.S)

#: the same, in a browser page (``page.evaluate``)
FIGURES_JS = """() => Object.fromEntries([
    ...Array.from(document.querySelectorAll("[data-testid='stMetric']")).map(m => [
        m.querySelector("[data-testid='stMetricLabel']").innerText.trim(),
        m.querySelector("[data-testid='stMetricValue']").innerText.trim()]),
    ...Array.from(document.querySelectorAll("dl.tp-figures > div")).map(d => [
        d.querySelector("dt").innerText.trim(), d.querySelector("dd").innerText.trim()])])"""


def figures(app: Any) -> dict[str, str]:
    """label -> value of an ``AppTest``'s figures (metrics, then the figure blocks' pairs, unescaped)."""
    out = {m.label: m.value for m in app.metric}
    for element in app.markdown:
        out.update((html.unescape(k), html.unescape(v)) for k, v in _PAIR.findall(element.value))
    return out
