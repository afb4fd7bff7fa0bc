"""Every error the app shows goes through one translation function (issue 21, item 4).

:func:`towerplan.i18n_errors.error_in` translates the library's known messages and wraps any other one in a
Vietnamese sentence that keeps the original detail; the app's code is checked so that no exception reaches a
page any other way (``str(exc)``, an f-string, the exception itself as a template value).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from towerplan.errors import ConfigError
from towerplan.i18n_errors import error_in, original_detail

REPO = Path(__file__).resolve().parents[1]
APP_FILES = [REPO / "app.py", *sorted((REPO / "app_pages").glob("*.py"))]
#: functions that may take an exception: the translation itself, the upload refusal (which calls it) and logging
ROUTED = {"error_in", "refusal_message", "exception", "warning", "info", "debug"}
#: exceptions whose text is the app's own message in the UI language already
OWN_MESSAGES = {"_NoScenarioError"}


def _unrouted_uses(path: Path) -> list[str]:
    """``file:line`` of each use of a caught exception outside an allowed call or a ``raise``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    problems = []
    for handler in ast.walk(tree):
        if not isinstance(handler, ast.ExceptHandler) or handler.name is None:
            continue
        if isinstance(handler.type, ast.Name) and handler.type.id in OWN_MESSAGES:
            continue
        allowed: set[int] = set()
        for node in ast.walk(handler):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ROUTED:
                    allowed |= {id(n) for arg in [*node.args, *(k.value for k in node.keywords)] for n in ast.walk(arg)}
            elif isinstance(node, ast.Raise) and node.cause is not None:
                allowed |= {id(n) for n in ast.walk(node.cause)}
        for node in ast.walk(handler):
            if isinstance(node, ast.Name) and node.id == handler.name and id(node) not in allowed:
                problems.append(f"{path.relative_to(REPO)}:{node.lineno}")
    return problems


def test_every_error_the_app_shows_goes_through_error_in() -> None:
    problems = [p for path in APP_FILES for p in _unrouted_uses(path)]
    assert problems == [], f"exceptions shown without towerplan.i18n_errors.error_in: {problems}"


def test_the_check_finds_an_exception_shown_as_it_is(tmp_path) -> None:
    page = tmp_path / "page.py"
    page.write_text("try:\n    run()\nexcept ValueError as exc:\n    st.error(f'failed: {exc}')\n"
                    "try:\n    run()\nexcept ValueError as exc:\n    st.error(error_in(exc, lang()))\n",
                    encoding="utf-8")
    assert [p.rsplit(":", 1)[1] for p in _unrouted_uses_any(page)] == ["4"]


def _unrouted_uses_any(path: Path) -> list[str]:
    global REPO
    saved, REPO = REPO, path.parent
    try:
        return _unrouted_uses(path)
    finally:
        REPO = saved


def test_an_unknown_error_is_wrapped_in_vietnamese_with_its_detail() -> None:
    vi = error_in(OSError("No such file or directory: 'x.tif'"), "vi")
    assert vi == "lỗi kỹ thuật, nguyên văn tiếng Anh: «OSError: No such file or directory: 'x.tif'»"
    assert original_detail(f"Không dùng được tệp «a.tif»: {vi}") == "Không dùng được tệp «a.tif»: "
    assert error_in(OSError("disk full"), "en") == "OSError: disk full"
    assert error_in(ConfigError("a setting is wrong"), "en") == "a setting is wrong"  # the library's own: no type
    note = error_in("the DEM has 3 cells without data", "vi", note=True)
    assert note.startswith("ghi chú kỹ thuật")
    assert "3 cells" in note


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_upload_messages_are_in_the_page_language(lang, tmp_path) -> None:
    """A junk DEM upload: the reader's English error inside the page language's sentence."""
    from app_pages.uploads import handle_upload

    upload = handle_upload("dem", "dem_from_email.tif", b"this is not a GeoTIFF\n" * 50, tmp_path, lang)
    assert not upload.ok
    (message,) = upload.messages
    assert "dem_from_email.tif" in message
    if lang == "vi":
        assert message.startswith("Không dùng được tệp «dem_from_email.tif»")
        assert "nguyên văn tiếng Anh" in message  # the reader's own detail, quoted
        from test_summary import _english

        assert _english(original_detail(message)) == []
    else:
        assert "cannot be used" in message
        assert "tiếng Anh" not in message

