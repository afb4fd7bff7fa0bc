"""The store-backed app in headless Chromium: two operators and a planner log in and see what each may.

One Streamlit server with ``TOWERPLAN_STORE`` set; each user in their own browser context
(separate cookies, separate Streamlit sessions). What a user sees of the station lists is read
from the page and from the CSV the page lets them download.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import REPO, chromium, streamlit_server
from store_project import PASSWORDS, SECRET, make_project, station_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]



@pytest.fixture(scope="module")
def store_app(home: Path, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("browser-store")
    location = str(folder / "project.gpkg")
    project = make_project(location, folder)
    project.store.upload_stations(project.mb, project.files["MobiFone"])
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO), "TOWERPLAN_STORE": location}
    env.pop("TOWERPLAN_DATABASE_URL", None)
    with streamlit_server(env, folder / "streamlit.log") as url:
        yield url, folder


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _login(browser, url: str, user: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{url}/?lang=en", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Log in").first.wait_for(timeout=120_000)
    page.get_by_role("textbox", name="User name").fill(user)
    page.get_by_role("textbox", name="Password").fill(PASSWORDS[user])
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Project store").first.wait_for(timeout=120_000)
    return context, page


def _exported(page, folder: Path, user: str) -> str:
    page.get_by_role("button", name="Prepare the current list as CSV").click()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download stations.csv").click()
    target = folder / f"{user}-download.csv"
    download.value.save_as(target)
    return target.read_text(encoding="utf-8")


def test_two_operators_and_a_planner(browser, store_app) -> None:
    url, folder = store_app
    # operator Viettel uploads through the page and downloads its own list only
    context, page = _login(browser, url, "vt")
    page.locator("input[type='file']").first.set_input_files(str(station_csv(folder / "vt.csv", "Viettel")))
    page.get_by_role("button", name="Save in the store").click()
    page.get_by_text("Stored Viettel version 1: 9 sector(s)").wait_for(timeout=60_000)
    body = page.inner_text("body")
    assert "MobiFone" not in body
    assert SECRET["MobiFone"] not in body
    assert page.locator("[data-testid='stSidebarNav']").count() == 0  # one page: no planning pages for operators
    own = _exported(page, folder, "vt")
    assert SECRET["Viettel"] in own
    assert SECRET["MobiFone"] not in own
    context.close()
    # operator MobiFone: its own list, nothing of Viettel's upload
    context, page = _login(browser, url, "mb")
    body = page.inner_text("body")
    assert "Viettel" not in body
    assert SECRET["Viettel"] not in body
    own = _exported(page, folder, "mb")
    assert SECRET["MobiFone"] in own
    assert SECRET["Viettel"] not in own
    context.close()
    # the planner: both lists, and the planning pages
    context, page = _login(browser, url, "planner")
    assert "Coverage" in page.inner_text("[data-testid='stSidebarNav']")
    both = _exported(page, folder, "planner")
    assert SECRET["Viettel"] in both
    assert SECRET["MobiFone"] in both
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("heading", name="Log in").first.wait_for(timeout=60_000)
    context.close()
