"""The report's content as plain blocks, rendered by :mod:`report_html` and :mod:`report_pdf`.

Building the content once keeps the HTML and PDF reports identical in wording,
numbers and order; the renderers only lay it out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from towerplan import __version__
from towerplan.export.i18n_report import column_label, text, value_label
from towerplan.export.method_text import model_name, model_text, note_text, readable_settings, role_label
from towerplan.export.tables import plan_tables
from towerplan.i18n_summary import format_number
from towerplan.plan_checks import warning_in

if TYPE_CHECKING:
    from towerplan.export.package import PlanPackage

__all__ = ["Block", "Report", "build_report", "fmt_number"]

TOP_GAPS = 20
MAX_TABLE_ROWS = 200


@dataclass(frozen=True)
class Block:
    """One piece of the report.

    ``kind`` is ``"heading"`` (``text``, ``level`` 1-2), ``"paragraph"`` (``text``),
    ``"figure"`` (``path``, ``text`` = caption), ``"table"`` (``text`` = caption,
    ``columns``, ``rows`` of strings, ``numeric`` flags per column) or ``"pagebreak"``.
    """

    kind: str
    text: str = ""
    level: int = 1
    path: Path | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    numeric: list[bool] = field(default_factory=list)
    small: bool = False


@dataclass(frozen=True)
class Report:
    """Title page fields and the ordered body blocks."""

    title: str
    study_label: str
    subtitle: str
    lang: str
    headline: Block
    blocks: list[Block]
    date: str = ""  # preparation date (ISO), also the PDF's creation date


def fmt_number(value: Any, *, decimals: int = 0, lang: str = "en") -> str:
    """Format a number with thousands separators (``1.234,5`` in Vietnamese, ``1,234.5`` in English):
    :func:`towerplan.i18n_summary.format_number`, the one formatter of the app, CLI and report."""
    return format_number(value, decimals=decimals, lang=lang)


def _lookup(summary: Mapping[str, Any], *keys: str) -> Any:
    """First of ``keys`` found at the top level or one level down."""
    for key in keys:
        if key in summary:
            return summary[key]
    for value in summary.values():
        if isinstance(value, Mapping):
            for key in keys:
                if key in value:
                    return value[key]
    return None


def _people(value: Any, total: Any, lang: str) -> str:
    text_value = f"{fmt_number(value, lang=lang)} {text('people_unit', lang)}"
    try:
        if total and float(total) > 0 and value is not None:
            text_value += f" ({fmt_number(100 * float(value) / float(total), decimals=1, lang=lang)} %)"
    except (TypeError, ValueError):
        pass
    return text_value


def headline_block(package: PlanPackage, lang: str) -> Block:
    """The headline figures as a two-column table (indicator, value): the study summary's figures
    (``summary["figures"]``, :func:`towerplan.i18n_summary.summary_rows`, as the app and CLI show them),
    else the figures found in an older summary."""
    s = package.summary
    if isinstance(s.get("figures"), Mapping):
        from towerplan.i18n_summary import summary_rows

        rows_ = [[label, value] for _, label, value in summary_rows(s["figures"], lang)]
        return Block("table", text=text("headline", lang), columns=[text("figure", lang), text("value", lang)],
                     rows=rows_, numeric=[False, True])
    total = _lookup(s, "population_total", "total_people", "people_total")
    rows: list[list[str]] = []
    if total is not None:
        rows.append([text("population_total", lang), f"{fmt_number(total, lang=lang)} {text('people_unit', lang)}"])
    threshold = _lookup(s, "threshold_dbm")
    if threshold is not None:
        rows.append([text("threshold", lang), f"{fmt_number(threshold, decimals=0, lang=lang)} dBm"])
    by_op = _lookup(s, "covered_by_operator", "people_covered_by_operator")
    if isinstance(by_op, Mapping):
        for op in sorted(by_op):
            rows.append([text("covered_by", lang, operator=op), _people(by_op[op], total, lang)])
    for key, names in (("covered_any", ("covered_any", "covered_any_operator", "people_covered_any")),
                       ("covered_two_plus", ("covered_two_plus", "covered_two_or_more_operators",
                                             "people_covered_2plus")),
                       ("uncovered", ("uncovered", "people_uncovered"))):
        value = _lookup(s, *names)
        if value is not None:
            rows.append([text(key, lang), _people(value, total, lang)])
    gap_count = _lookup(s, "gap_count")
    if gap_count is not None:
        rows.append([text("gap_count", lang), fmt_number(gap_count, lang=lang)])
    gap_people = _lookup(s, "gap_people")
    if gap_people is not None:
        rows.append([text("gap_people", lang), _people(gap_people, total, lang)])
    proposals = _lookup(s, "proposals", "proposal_count")
    if isinstance(proposals, (int, float, np.integer, np.floating)):
        rows.append([text("proposal_count", lang), fmt_number(proposals, lang=lang)])
    newly = _lookup(s, "people_newly_covered")
    if newly is not None:
        rows.append([text("people_newly_covered", lang), _people(newly, total, lang)])
    cost = _lookup(s, "cost_vnd", "cost_total_vnd")
    if cost is not None:
        rows.append([text("cost_total", lang),
                     f"{fmt_number(float(cost) / 1e9, decimals=2, lang=lang)} {text('bn_vnd', lang)}"])
    rows.extend(cost_rows(s, lang))
    return Block("table", text=text("headline", lang), columns=[text("figure", lang), text("value", lang)],
                 rows=rows, numeric=[False, True])


def cost_rows(summary: Mapping[str, Any], lang: str) -> list[list[str]]:
    """Both cost totals of a placement (capex, present value over the horizon), its radio accounting and
    the backhaul assumptions, as headline rows (none without a placement)."""
    placed = summary.get("placement") if isinstance(summary.get("placement"), Mapping) else None
    if not placed or placed.get("capex_vnd") is None:
        return []

    def bn(value: Any) -> str:
        return f"{fmt_number(float(value) / 1e9, decimals=2, lang=lang)} {text('bn_vnd', lang)}"

    rows = [[text("cost_capex", lang), bn(placed["capex_vnd"])]]
    if placed.get("present_value_vnd") is not None:
        label = text("cost_present_value", lang, years=float(placed.get("horizon_years") or 0),
                     rate=100 * float(placed.get("discount_rate") or 0))
        rows.append([label, bn(placed["present_value_vnd"])])
    if placed.get("radio_sharing") in ("per_operator", "shared"):
        key = "radio_per_operator" if placed["radio_sharing"] == "per_operator" else "radio_shared"
        rows.append([text("radio_sharing", lang), text(key, lang)])
    if placed.get("fibre_assumed"):
        rows.append([text("fibre_assumed", lang),
                     text("fibre_assumed_text", lang, n=int(placed.get("proposals_on_assumed_fibre") or 0))])
    if placed.get("microwave_clearance_rule"):
        hop = placed.get("microwave_max_hop_km")
        rule = str(placed["microwave_clearance_rule"]) + (f"; {placed.get('microwave_rain')}, {text('max_hop', lang)} "
                                                          f"{fmt_number(hop, decimals=1, lang=lang)} km"
                                                          if hop is not None else "")
        rows.append([text("microwave_rule", lang), rule])
    return rows


def _decimals(column: str, values: pd.Series) -> int:
    if column in ("lon", "lat"):
        return 5
    if column.endswith("_pct") or column in ("area_km2", "remoteness_km") or column.endswith("_km"):
        return 1
    if pd.api.types.is_integer_dtype(values.dtype):
        return 0
    finite = values[np.isfinite(values.to_numpy(dtype=float))]
    if len(finite) and finite.abs().max() < 10:
        return 2
    return 0


def table_block(frame: pd.DataFrame, columns: list[str], caption: str, lang: str, *,
                total: bool = False, small: bool = False, totals: Mapping[str, float] | None = None) -> Block:
    """A table of ``columns`` (those present) with localised headers and formatted cells.

    ``total`` adds a row summing the additive columns; ``totals`` gives the value of
    columns whose total is not their sum (e.g. sites counted once across technologies).
    """
    cols = [c for c in columns if c in frame.columns]
    body = frame[cols].head(MAX_TABLE_ROWS)
    numeric = [pd.api.types.is_numeric_dtype(frame[c].dtype) and not pd.api.types.is_bool_dtype(frame[c].dtype)
               for c in cols]
    decimals = {c: _decimals(c, frame[c]) if num else 0 for c, num in zip(cols, numeric, strict=True)}
    rows = []
    for record in body.itertuples(index=False):
        row = []
        for c, value, num in zip(cols, record, numeric, strict=True):
            if num:
                row.append(fmt_number(value, decimals=decimals[c], lang=lang))
            else:
                row.append("" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value))
        rows.append(row)
    if total and len(frame):
        summable = {"people", "population", "gap_people", "road_km", "road_covered_km", "length_km",
                    "covered_km", "uncovered_km", "people_uncovered", "people_covered_any", "people_covered_2plus",
                    "area_km2", "sites", "sectors", "people_newly_covered", "cost_vnd", "cost_mvnd", "capex_mvnd",
                    "present_value_mvnd"}
        row = []
        for i, (c, num) in enumerate(zip(cols, numeric, strict=True)):
            if totals is not None and c in totals:
                row.append(fmt_number(totals[c], decimals=decimals[c], lang=lang))
            elif num and (c in summable or c.startswith("people_")):
                row.append(fmt_number(frame[c].sum(), decimals=decimals[c], lang=lang))
            else:
                row.append(text("total", lang) if i == 0 else "")
        rows.append(row)
    return Block("table", text=caption, columns=[column_label(c, lang) for c in cols], rows=rows, numeric=numeric,
                 small=small)


def _operator_columns(frame: pd.DataFrame, prefix: str, skip: tuple[str, ...]) -> list[str]:
    return [c for c in frame.columns if c.startswith(prefix) and c not in skip]


def _road_summary(frame: pd.DataFrame) -> pd.DataFrame:
    if {"road_class", "length_km", "covered_km"} <= set(frame.columns):
        out = frame.groupby("road_class", sort=True)[["length_km", "covered_km"]].sum().reset_index()
        out["covered_pct"] = np.where(out["length_km"] > 0, 100 * out["covered_km"] / out["length_km"].where(
            out["length_km"] > 0, 1), np.nan)
        return out
    return frame


def method_blocks(method: Mapping[str, Any], lang: str) -> list[Block]:
    """The method section: models, settings, input files with checksums, notes, version, date."""
    blocks = [Block("heading", text=text("method", lang), level=1)]
    version = method.get("towerplan_version", __version__)
    line = f"{text('method_version', lang)}: {version}"
    if method.get("date"):
        line += f" · {text('method_date', lang)}: {method['date']}"
    blocks.append(Block("paragraph", text=line))
    models = method.get("models") or {}
    if models:
        rows = []
        for name in sorted(models):
            desc = models[name]
            if isinstance(desc, Mapping):
                desc = "; ".join(f"{k}: {_plain(v, lang)}" for k, v in sorted(desc.items()))
            rows.append([model_name(str(name)), model_text(str(name), str(desc), lang)])
        blocks.append(Block("heading", text=text("method_models", lang), level=2))
        blocks.append(Block("table", columns=[text("model", lang), text("validity", lang)], rows=rows,
                            numeric=[False, False]))
    from towerplan.export.report_landcover import land_cover_blocks

    blocks.extend(land_cover_blocks(method, lang))
    settings = method.get("settings") or {}
    if settings:  # the main settings in words with their units; every one by its key in method.json
        rows = readable_settings(settings, lang)
        blocks.append(Block("heading", text=text("method_settings", lang), level=2))
        blocks.append(Block("table", columns=[text("setting", lang), text("value", lang), text("unit", lang)],
                            rows=rows, numeric=[False, False, False], small=True))
        blocks.append(Block("paragraph", text=text("method_all_settings", lang), small=True))
    files = method.get("input_files") or []
    if files:
        rows = [[role_label(str(f.get("role", "")), lang), Path(str(f.get("path", ""))).name,
                 fmt_number(f.get("bytes"), lang=lang), str(f.get("sha256") or "–")] for f in files]
        blocks.append(Block("heading", text=text("method_inputs", lang), level=2))
        blocks.append(Block("table", columns=[text("file_role", lang), text("file_path", lang),
                                              text("file_bytes", lang), "SHA-256"],
                            rows=rows, numeric=[False, False, True, False], small=True))
    notes = [str(n) for n in method.get("notes") or []]
    if notes:
        blocks.append(Block("heading", text=text("method_notes", lang), level=2))
        blocks.extend(Block("paragraph", text=note_text(n, lang)) for n in notes)
    return blocks


def _flatten(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key in sorted(mapping, key=str):
        value = mapping[key]
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.extend(_flatten(value, f"{name}."))
        else:
            out.append((name, value))
    return out


def _plain(value: Any, lang: str = "en") -> str:
    """A setting's value as text: numbers without exponents, localised separators."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return fmt_number(value, lang=lang) if abs(int(value)) >= 10_000 else str(value)
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            return "–"
        if float(value).is_integer():
            return fmt_number(value, lang=lang) if abs(float(value)) >= 10_000 else str(int(value))
        if abs(float(value)) >= 10_000:
            return fmt_number(value, decimals=1, lang=lang)
        out = np.format_float_positional(float(value), precision=6, unique=True, fractional=False, trim="-")
        return out.replace(".", ",") if lang == "vi" else out
    if isinstance(value, (list, tuple)):
        return "; ".join(_plain(v, lang) for v in value) if lang == "vi" else ", ".join(_plain(v, lang)
                                                                                         for v in value)
    if value is None:
        return "–"
    return str(value)


def build_report(package: PlanPackage, figures: Mapping[str, Path], *, lang: str) -> Report:
    """Assemble the report (title page fields, headline figures, maps, tables, method)."""
    from towerplan.export.figures import FIGURES
    from towerplan.export.manifest import summary_document

    blocks: list[Block] = []
    absent = summary_document(package)["plan_package"]["layers_absent"]
    for warning in (package.summary or {}).get("warnings") or ():  # towerplan.plan_checks (in English)
        blocks.append(Block("paragraph", text=f"{text('input_warning', lang)}: {warning_in(str(warning), lang)}"))
    from towerplan.export.report_service import service_blocks

    blocks.extend(service_blocks(package.summary, lang))  # which criterion "covered" means
    if figures:
        blocks.append(Block("heading", text=text("maps", lang), level=1))
        for number, (key, path) in enumerate(figures.items(), start=1):
            caption = f"{text('figure_n', lang, n=number)} {text(FIGURES[key], lang)}"
            blocks.append(Block("figure", text=caption, path=path))
    tables = plan_tables(package)
    blocks.append(Block("heading", text=text("tables", lang), level=1))
    if "communes" in tables:
        communes = tables["communes"]
        cols = ["name", "district", "people", *_operator_columns(communes, "people_covered_", (
            "people_covered_any", "people_covered_2plus")), "people_covered_any", "covered_any_pct", "gap_people",
            "gap_count", "road_covered_km"]
        caption = text("table_communes", lang)
        if (package.summary or {}).get("admin_units"):  # which units the table uses (an uploaded boundary file)
            caption += f" ({text('units_caption', lang, label=package.summary['admin_units'])})"
        blocks.append(table_block(communes, cols, caption, lang, total=True, small=True))
    if "gaps" in tables and len(tables["gaps"]):
        gaps = tables["gaps"]
        caption = (text("table_gaps", lang, n=TOP_GAPS, total=len(gaps)) if len(gaps) > TOP_GAPS
                   else text("table_gaps_all", lang))
        blocks.append(table_block(gaps.head(TOP_GAPS), ["rank", "commune", "people", "households", "area_km2",
                                                        "dist_tower_m", "travel_m", "remoteness_km", "score"],
                                  caption, lang, small=True))
    if "proposals" in tables and len(tables["proposals"]):
        props = tables["proposals"].copy()
        for col in ("cost", "capex", "present_value"):
            if f"{col}_vnd" in props:
                props[f"{col}_mvnd"] = props[f"{col}_vnd"] / 1e6
        if "operators_hosted" in props:
            props["operators_hosted"] = props["operators_hosted"].astype(str).str.replace(",", ", ", regex=False)
        for col in ("kind", "backhaul"):
            if col in props:
                props[col] = props[col].map(lambda v: value_label(v, lang))
        cols = ["build_order", "candidate_id", "kind", "operators_hosted", "people_newly_covered", "capex_mvnd",
                "present_value_mvnd", "vnd_per_person", "backhaul", "target_year"]
        if "present_value_mvnd" not in props:
            cols.insert(cols.index("capex_mvnd"), "cost_mvnd")
        blocks.append(table_block(props, cols, text("table_proposals", lang), lang, total=True, small=True))
        blocks.append(Block("paragraph", text=text("indicative_costs", lang), small=True))
    if "road_coverage" in tables and len(tables["road_coverage"]):
        roads = _road_summary(tables["road_coverage"])
        if "road_class" in roads:
            roads["road_class"] = roads["road_class"].map(lambda v: value_label(v, lang))
        blocks.append(table_block(roads, ["road_class", "zone_name", "length_km", "covered_km", "covered_pct"],
                                  text("table_roads", lang), lang))
    from towerplan.export.report_speed import speed_blocks  # coverage.sinr: the speed targets

    blocks.extend(speed_blocks(package.summary, tables, lang))
    stations = tables["stations_summary"]
    if len(stations):
        st = package.stations
        sites = len(st.drop_duplicates(["operator", "site_id"])) if {"operator", "site_id"} <= set(st.columns) else 0
        blocks.append(table_block(stations, ["operator", "technology", "sites", "sectors", "freq_mhz"],
                                  text("table_stations", lang), lang, total=True, totals={"sites": sites}))
    from towerplan.export.plan_sections import provincial_blocks

    blocks.extend(provincial_blocks(package, tables, lang))
    from towerplan.export.report_provincial import option_blocks

    blocks.extend(option_blocks(tables, package.summary, lang))
    blocks.extend(method_blocks(package.method, lang))
    if absent:
        blocks.append(Block("paragraph", text=text("layers_absent", lang, layers=", ".join(absent))))
    version = package.method.get("towerplan_version", __version__)
    subtitle = text("generated_by", lang, version=version)
    if package.method.get("date"):
        subtitle += f" · {package.method['date']}"
    study_label = package.study_label
    origin = (package.summary or {}).get("data_origin")
    if isinstance(origin, Mapping):  # what the study is made of, on the title page and every page's footer
        from towerplan.i18n_summary import origin_text

        study_label = (origin_text(origin, lang) if origin.get("kind") == "synthetic"
                       else f"{study_label} · {origin_text(origin, lang)}")
    return Report(title=package.title, study_label=study_label, subtitle=subtitle, lang=lang,
                  headline=headline_block(package, lang), blocks=blocks, date=str(package.method.get("date") or ""))
