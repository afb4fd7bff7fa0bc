"""Vietnamese messages for the measurement-file issues (in the style of :mod:`towerplan.stations.messages_vi`).

One template per issue code, filled from the issue's own fields (``{row}``,
``{column}``, ``{value}``, ``{file}``) and its ``params``. Codes raised by the
station readers the measurement reader reuses (encoding, title rows, blank rows,
duplicate headers) take the station module's Vietnamese text.
"""

from __future__ import annotations

import logging
import string
from typing import Any

import pandas as pd

from towerplan.stations import REPORT_COLUMNS, Issue, Language, ValidationReport

__all__ = ["MESSAGES_VI", "measurement_message", "measurement_report_frame"]

log = logging.getLogger(__name__)

MESSAGES_VI: dict[str, str] = {
    "bad_coordinate": "Dòng {row}, cột '{column}': không có tọa độ dùng được (số độ thập phân: kinh độ từ -180 "
                      "đến 180, vĩ độ từ -90 đến 90; giá trị 0 là máy GPS chưa bắt được vệ tinh). Dòng này bị bỏ qua.",
    "missing_level": "Dòng {row}, cột '{column}': không có mức thu đo được (một số, đơn vị dBm). Dòng này bị bỏ qua.",
    "implausible_level": "Dòng {row}, cột '{column}': mức thu {value} nằm ngoài khoảng -170..-10 dBm, không máy di "
                         "động nào báo giá trị như vậy (mã giá trị không hợp lệ, hoặc một đại lượng khác dBm). "
                         "Dòng này bị bỏ qua.",
    "unknown_technology": "Dòng {row}, cột '{column}': không biết mức thu này thuộc công nghệ nào; hãy thêm cột "
                          "công nghệ (LTE, WCDMA, GSM) hoặc đặt tên cột là rsrp_dbm / rscp_dbm / rxlev_dbm.",
    "level_out_of_range": "Dòng {row}, cột '{column}': mức thu {value} dBm nằm ngoài khoảng báo cáo của chuẩn 3GPP; "
                          "dòng được giữ lại, hãy kiểm tra.",
    "in_car_unknown": "Tệp {file} không có cột 'trong xe': máy thu được coi là ở ngoài trời, ở độ cao máy thu đã "
                      "đặt (suy hao do thân xe, nếu có, sẽ nằm trong độ lệch hiệu chỉnh).",
    "columns_used": "Tệp {file}: các cột được dùng: {columns}.",
}


def measurement_message(issue: Issue, lang: Language = "en") -> str:
    """The issue's message in ``lang`` (``"vi"``: Vietnamese; English when no template exists)."""
    if lang == "en":
        return issue.message
    template = MESSAGES_VI.get(issue.code)
    if template is None:
        return issue.message_in(lang)
    fields: dict[str, Any] = {"row": issue.row, "column": issue.column or "", "value": issue.value or "",
                              "file": issue.file or ""}
    fields.update(issue.params)
    if issue.code == "columns_used":
        fields["columns"] = ", ".join(f"{k} <- '{v}'" for k, v in dict(issue.params.get("fields", {})).items())
    if issue.row is None and issue.code not in ("in_car_unknown", "columns_used"):
        return issue.message  # a summary line ("... and N more rows"): kept in English
    try:
        return string.Formatter().vformat(template, (), fields)
    except (KeyError, IndexError, ValueError):
        log.warning("Vietnamese template of %r could not be filled; the English message is shown", issue.code)
        return issue.message


def measurement_report_frame(report: ValidationReport, lang: Language = "en") -> pd.DataFrame:
    """The measurement report as a table (the station report's columns), messages in ``lang``."""
    frame = pd.DataFrame([(i.row, i.column, i.severity, i.code, measurement_message(i, lang), i.value, i.file)
                          for i in report.issues], columns=list(REPORT_COLUMNS))
    frame["row"] = frame["row"].astype("Int64")
    return frame
