"""Messages of the app's widget text, budget labels and map aids (issue 21): Vietnamese and English.

Merged into :data:`towerplan.i18n.MESSAGES` like the other tables.
"""

from __future__ import annotations

__all__ = ["WIDGETS_EN", "WIDGETS_VI"]

WIDGETS_VI: dict[str, str] = {
    # Streamlit's file uploader (app_pages.widget_text)
    "uploader_button": "Chọn tệp",
    "uploader_limit": "Kéo thả tệp vào đây · tối đa {mb} MB mỗi tệp",
    "uploader_refused": "tệp bị từ chối (sai loại tệp hoặc quá {mb} MB)",
    "uploader_drop": "Thả tệp vào đây",
    "uploader_refused_tip": "Tệp bị từ chối: chỉ nhận các loại tệp được liệt kê, tối đa {mb} MB mỗi tệp.",
    # the budget beside the result (app_pages.towers)
    "budget_basis_present_value": "giá trị hiện tại, {years:g} năm",
    "budget_basis_capex": "vốn đầu tư",
    "budget_vnd_basis": "Ngân sách (tỷ đồng, {basis})",
    "budget_vnd_basis_help": ("Số tiền mà tổng chi phí các trạm đề xuất không được vượt, tính theo {basis}: "
                              "vốn đầu tư cộng chi phí hằng năm quy về hiện tại với tỷ lệ chiết khấu bên dưới, "
                              "hoặc chỉ vốn đầu tư, theo mô hình chi phí của kịch bản. Chỉ dùng khi chọn "
                              "ngân sách bằng tiền."),
    "budget_compare_budget": "Ngân sách ({basis})",
    "budget_compare_result": "Chi phí kết quả ({basis})",
    "budget_compare_by_towers": "không dùng",
    "budget_compare_by_towers_note": "Kết quả này được tính theo số trạm ({n}), không theo ngân sách tiền.",
    "budget_compare_note": ("Ngân sách và chi phí kết quả cùng tính theo {basis}. Vốn đầu tư của kết quả: "
                            "{capex}; chi phí {years} năm quy về hiện tại (chiết khấu {rate} %/năm): {pv}."),
    # map aids (towerplan.maps.aids)
    "map_newly_outline": "Viền vùng mới được phủ",
}

WIDGETS_EN: dict[str, str] = {
    "uploader_button": "Choose files",
    "uploader_limit": "Drag and drop files here · at most {mb} MB per file",
    "uploader_refused": "file refused (wrong file type or over {mb} MB)",
    "uploader_drop": "Drop files here",
    "uploader_refused_tip": "File refused: only the file types listed are taken, at most {mb} MB per file.",
    "budget_basis_present_value": "present value, {years:g} years",
    "budget_basis_capex": "capex",
    "budget_vnd_basis": "Budget (bn VND, {basis})",
    "budget_vnd_basis_help": ("The most the proposed sites may cost together, counted as {basis}: capex plus the "
                              "yearly costs discounted to today at the rate below, or capex alone, as the "
                              "scenario's cost model says. Used only when the budget is money."),
    "budget_compare_budget": "Budget ({basis})",
    "budget_compare_result": "Cost of the result ({basis})",
    "budget_compare_by_towers": "not used",
    "budget_compare_by_towers_note": "This result was computed for a number of towers ({n}), not a money budget.",
    "budget_compare_note": ("The budget and the result's cost are both counted as {basis}. The result's capex: "
                            "{capex}; {years}-year cost at present value (discounted at {rate} % a year): {pv}."),
    "map_newly_outline": "Outline of the newly covered area",
}
