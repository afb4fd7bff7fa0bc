"""The report's land-cover part of the method section: source, clutter table, models using it, class shares.

Reads the ``land_cover`` entry of the method record
(:func:`towerplan.study.land_cover_record.land_cover_method`); a method without one
(a package made by hand) gets no land-cover part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from towerplan.export.i18n_report import text

if TYPE_CHECKING:  # pragma: no cover
    from towerplan.export.report_model import Block

__all__ = ["land_cover_blocks"]

#: the name of towerplan's built-in class table (towerplan.landcover.table)
_BUILT_IN_TABLE = "ESA WorldCover 10 m v200"
#: the method record's source when no land cover was given
_DEFAULT_SOURCE = "default class"


def _source(cover: Mapping[str, Any], lang: str) -> str:
    if cover.get("source") == _DEFAULT_SOURCE:
        return text("lc_default_source", lang)
    files = cover.get("files") or []
    shown = [f"{f.get('file')} (SHA-256 {f.get('sha256') or '–'})" for f in files]
    return ", ".join(shown) if shown else str(cover.get("source", ""))


def land_cover_blocks(method: Mapping[str, Any], lang: str) -> list[Block]:
    """Heading, one paragraph per fact and the table of the classes present (empty without a ``land_cover``);
    its warnings are among the method's notes."""
    from towerplan.export.report_model import Block, fmt_number

    cover = method.get("land_cover")
    if not isinstance(cover, Mapping):
        return []
    table = str(cover.get("table", ""))
    if cover.get("table_file"):
        f = cover["table_file"]
        table += f" ({f.get('file')}, SHA-256 {f.get('sha256') or '–'})"
    elif cover.get("table") == _BUILT_IN_TABLE:  # the built-in table: its source in the report's language
        table += f" ({text('lc_worldcover_source', lang)})"
    elif cover.get("table_source"):
        table += f" ({cover['table_source']})"
    using = list(cover.get("models_using") or [])
    lines = [f"{text('lc_source', lang)}: {_source(cover, lang)}", f"{text('lc_table', lang)}: {table}",
             f"{text('lc_models_using', lang)}: {', '.join(using) if using else text('lc_no_model', lang)}",
             f"{text('lc_default_class', lang)}: {text('lc_default_value', lang)}"]
    terminal = cover.get("terminal_clutter")
    if isinstance(terminal, Mapping) and terminal.get("models"):
        lines.append(f"{text('lc_terminal_clutter', lang)}: {', '.join(terminal['models'])}")
    blocks = [Block("heading", text=text("method_land_cover", lang), level=2)]
    blocks.extend(Block("paragraph", text=line) for line in lines)
    rows = [[str(c.get("class")), str(c.get("name")), str(c.get("clutter")), fmt_number(c.get("height_m"), lang=lang),
             fmt_number(c.get("percent"), decimals=1, lang=lang)] for c in cover.get("classes") or []]
    if rows:
        blocks.append(Block("table", columns=[text(k, lang) for k in ("lc_class", "lc_name", "lc_category",
                                                                        "lc_height", "lc_share")],
                            rows=rows, numeric=[True, False, True, True, True], small=True))
    return blocks  # the warnings are among the method's notes
