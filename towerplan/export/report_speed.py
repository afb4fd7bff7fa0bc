"""The report's speed section (``coverage.sinr``): people reaching the national speed targets.

Built from the package's summary (``summary["speed"]``, :func:`towerplan.study.records.plan_summary`)
and its per-commune speed table (:attr:`towerplan.export.package.PlanPackage.speed_communes`):
a heading, the load model in one paragraph, one line per technology (people served, reaching
the target, in speed gaps, mean user speed) and the commune table. Nothing when the plan ran
without SINR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from towerplan.export.i18n_report import text
from towerplan.export.report_model import Block, fmt_number, table_block

__all__ = ["speed_blocks"]


def speed_blocks(summary: Mapping[str, Any] | None, tables: Mapping[str, pd.DataFrame], lang: str) -> list[Block]:
    """The speed section's blocks (empty without ``summary["speed"]``)."""
    speed = (summary or {}).get("speed")
    if not speed:
        return []
    shares = ", ".join(f"{op} {100 * float(v):g} %" for op, v in (speed.get("market_share") or {}).items())
    blocks = [Block("heading", text=text("speed", lang), level=1),
              Block("paragraph", text=text("speed_intro", lang, activity=float(speed.get("busy_hour_activity", 0.0)),
                                           shares=shares or "-"))]
    for tech, t in sorted((speed.get("totals") or {}).items()):
        mean = t.get("mean_user_throughput_mbps")
        blocks.append(Block("paragraph", text=text(
            "speed_line", lang, tech=tech, served=fmt_number(t.get("people_served"), lang=lang),
            target=fmt_number(t.get("people_target"), lang=lang), gap=fmt_number(t.get("people_speed_gap"), lang=lang),
            target_mbps=float(t.get("target_mbps") or 0.0),
            mean="-" if mean is None else fmt_number(mean, decimals=1, lang=lang))))
    frame = tables.get("speed_communes")
    if frame is not None and len(frame):
        name = next((c for c in ("name", "commune", "commune_vn", "zone_name") if c in frame.columns), None)
        cols = [*([name] if name else []), "people"]
        for t in ("4g", "5g"):
            cols += [f"people_{t}_served", f"people_{t}_target", f"people_{t}_speed_gap", f"user_throughput_{t}_mbps"]
        blocks.append(table_block(frame, cols, text("table_speed_communes", lang), lang, small=True))
    return blocks
