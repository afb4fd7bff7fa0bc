"""Report sections of the provincial-plan options: switch-off, target, phasing.

:func:`option_blocks` turns the plan's ``switch_off``, ``placement.target`` and
``placement.phasing`` summaries and the matching tables into report blocks (HTML and PDF);
nothing is added for an option the plan did not ask for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from towerplan.export.i18n_report import text, value_label
from towerplan.export.report_model import Block, fmt_number, table_block

__all__ = ["option_blocks"]


def _mvnd(value: Any, lang: str) -> str:
    return fmt_number(None if value is None else float(value) / 1e6, lang=lang)


def _pct(value: Any, lang: str) -> str:
    return "–" if value is None else f"{fmt_number(100.0 * float(value), decimals=2, lang=lang)} %"


def _switch_off_blocks(tables: Mapping[str, pd.DataFrame], info: Mapping[str, Any], lang: str) -> list[Block]:
    techs = ", ".join(info.get("technologies_off") or []) or "–"
    blocks = [Block("heading", text=text("section_switch_off", lang, techs=techs), level=1),
              Block("paragraph", text=text(
                  "switch_off_text", lang, techs=techs, lost=fmt_number(info.get("people_lost"), lang=lang),
                  before=fmt_number(info.get("people_before"), lang=lang),
                  after=fmt_number(info.get("people_after"), lang=lang),
                  gained=fmt_number(info.get("people_gained"), lang=lang),
                  sites=fmt_number(info.get("sites_to_act"), lang=lang),
                  radios=fmt_number(info.get("sites_needing_4g_radio"), lang=lang)))]
    table = tables.get("switch_off")
    if table is not None and len(table):
        lost = table[table["people_lost"] > 0].copy()
        lost["operator"] = lost["operator"].map(lambda v: value_label(v, lang))
        cols = ["commune", "operator", "people_before", "people_after", "people_lost", "people_gained"]
        if lost["villages_lost"].notna().any():
            cols += ["villages_lost", "households_lost"]
        blocks.append(table_block(lost, cols, text("table_switch_off", lang), lang, small=True))
    sites = tables.get("switch_off_sites")
    if sites is not None and len(sites):
        shown = sites.copy()
        shown["action"] = shown["action"].map(lambda v: value_label(v, lang))
        blocks.append(table_block(shown, ["operator", "site_id", "technologies", "people_lost", "action"],
                                  text("table_switch_off_sites", lang), lang, small=True))
    return blocks


def _target_blocks(info: Mapping[str, Any], lang: str) -> list[Block]:
    blocks = [Block("heading", text=text("section_target", lang), level=1)]
    if info.get("reachable"):
        msg = text("target_reached", lang, share=_pct(info.get("share_reached"), lang),
                   cost=_mvnd(info.get("cost_vnd"), lang), bound=_mvnd(info.get("lower_bound_cost_vnd"), lang))
    else:
        msg = text("target_unreached", lang, max_share=_pct(info.get("share_reachable_max"), lang),
                   people=fmt_number(info.get("people_out_of_reach"), lang=lang),
                   cells=fmt_number(info.get("cells_out_of_reach"), lang=lang), cost=_mvnd(info.get("cost_vnd"), lang))
    blocks.append(Block("paragraph", text=msg))
    return blocks


def _phasing_blocks(tables: Mapping[str, pd.DataFrame], info: Mapping[str, Any], lang: str) -> list[Block]:
    rule = text(f"rule_{info.get('rule', 'cost_per_person')}", lang)
    carry = text("carry_yes" if info.get("carry_over") else "carry_no", lang)
    blocks = [Block("heading", text=text("section_phasing", lang), level=1),
              Block("paragraph", text=text("phasing_text", lang, rule=rule, carry=carry,
                                           unfunded=fmt_number(info.get("unfunded"), lang=lang)))]
    years = tables.get("phasing_years")
    if years is not None and len(years):
        shown = years.assign(share_covered=100.0 * years["share_covered"])
        blocks.append(table_block(shown, ["year", "budget_vnd", "carried_in_vnd", "spent_vnd", "sites",
                                          "people_newly_covered", "people_covered_cumulative", "share_covered"],
                                  text("table_phasing", lang), lang, small=True))
    return blocks


def option_blocks(tables: Mapping[str, pd.DataFrame], summary: Mapping[str, Any] | None, lang: str
                      ) -> list[Block]:
    """Blocks for the switch-off, the target (and the village target) and the phasing (only those in ``summary``)."""
    summary = summary or {}
    placement = summary.get("placement") or {}
    blocks: list[Block] = []
    if summary.get("switch_off"):
        blocks += _switch_off_blocks(tables, summary["switch_off"], lang)
    if placement.get("target"):
        blocks += _target_blocks(placement["target"], lang)
    from towerplan.export.report_village_target import village_target_blocks

    blocks += village_target_blocks(summary, lang)  # every village of more than N households: reached or why not
    if placement.get("phasing"):
        blocks += _phasing_blocks(tables, placement["phasing"], lang)
    return blocks
