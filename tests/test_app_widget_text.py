"""Streamlit's uploader text in the Vietnamese app (issue 21, item 4): the stylesheet of
:func:`app_pages.widget_text.uploader_css` (the browser walk checks what it shows)."""

from __future__ import annotations

from app_pages.widget_text import uploader_css, uploader_keys


def test_the_vietnamese_uploader_text_replaces_streamlits() -> None:
    css = uploader_css("vi", max_mb=200, types_by_key={"data_dem": ("tif", "hgt")})
    assert '[data-testid="stFileUploaderDropzoneInstructions"] span { display: none; }' in css
    assert 'content: "Chọn tệp"' in css
    assert '.st-key-data_dem [data-testid="stFileUploaderDropzoneInstructions"] > div::after' in css
    assert "tối đa 200 MB mỗi tệp • TIF, HGT" in css
    # the drag banner and the refused file's tooltip (tests/test_app_browser_uploader.py shows them in Chromium)
    assert '+ div:not([data-testid]) > span::after { content: "Thả tệp vào đây"; font-size: 0.875rem; }' in css
    assert ('body:has([data-testid="stFileChip"][aria-invalid="true"]) [data-testid="stTooltipErrorContent"]'
            ':not(:has(*)) { font-size: 0 !important; }') in css
    assert 'content: "Tệp bị từ chối: chỉ nhận các loại tệp được liệt kê, tối đa 200 MB mỗi tệp."' in css
    assert uploader_css("en", max_mb=200, types_by_key={}) == ""  # English: Streamlit's own text


def test_every_uploader_of_the_app_has_its_file_types() -> None:
    """Each ``st.file_uploader(..., key=...)`` in the pages is in the key table (so its types are listed)."""
    import re
    from pathlib import Path

    keys = uploader_keys()
    pages = Path(__file__).resolve().parents[1] / "app_pages"
    found = set()
    for page in pages.glob("*.py"):
        for call in re.findall(r"file_uploader\((.*?)\)\n", page.read_text(encoding="utf-8"), flags=re.S):
            found.update(re.findall(r'key="([^"]+)"', call))
    assert found
    assert found <= set(keys), found - set(keys)
