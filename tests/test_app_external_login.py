"""Log in through an external identity provider (OpenID Connect), in headless Chromium (issue 23 item 4).

A real provider runs on a loopback port (``tests/oidc_provider.py``: discovery, authorization code,
RS256-signed ID token, JWKS) and Streamlit's own ``st.login`` talks to it, configured the Streamlit
way in a ``secrets.toml``. The store then admits only an identity it has an enabled account for:
the provider vouches for who the user is, the store decides what they may do.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import REPO, chromium, free_port, streamlit_server
from store_project import make_project

pytestmark = [pytest.mark.browser, pytest.mark.slow]
pytest.importorskip("authlib", reason="Authlib (requirements.txt) is needed by Streamlit's OpenID Connect login")
oidc = pytest.importorskip("oidc_provider")


@pytest.fixture(scope="module")
def external_app(tmp_path_factory) -> Iterator[tuple[str, object, object, Path]]:
    folder = tmp_path_factory.mktemp("external-login")
    location = str(folder / "project.gpkg")
    project = make_project(location, folder)
    project.store.create_user(project.admin, "planner@thanhhoa.example", secrets.token_urlsafe(16), "planner")
    home = folder / "home"
    (home / ".streamlit").mkdir(parents=True)
    port = free_port()
    with oidc.oidc_provider() as provider:
        (home / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(32)}"\n'
            f'client_id = "{provider.client_id}"\n'
            f'client_secret = "{provider.client_secret}"\n'
            f'server_metadata_url = "{provider.url}/.well-known/openid-configuration"\n'
            'name = "Sở KH&CN Thanh Hóa"\n', encoding="utf-8")
        env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO), "TOWERPLAN_STORE": location}
        env.pop("TOWERPLAN_DATABASE_URL", None)
        with streamlit_server(env, folder / "streamlit.log", port=port) as url:
            yield url, provider, project, folder


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _sign_in(browser, url: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/?lang=en", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Log in").first.wait_for(timeout=120_000)
    page.get_by_role("button", name="Log in with Sở KH&CN Thanh Hóa").click()
    return context, page


def test_a_known_identity_logs_in_as_its_account(browser, external_app) -> None:
    url, provider, project, folder = external_app
    provider.email = "planner@thanhhoa.example"
    context, page = _sign_in(browser, url)
    try:
        # back from the provider (the app's own URL, first in Vietnamese): the planner's pages
        page.get_by_role("heading", name="Kho dữ liệu dự án").first.wait_for(timeout=120_000)
        assert page.get_by_text("planner@thanhhoa.example").first.is_visible()
    finally:
        context.close()
    assert "/authorize" in provider.requests
    assert "/token" in provider.requests
    entries = [e for e in project.store.audit_log(project.admin) if e.action == "login.external"]
    assert [e.username for e in entries] == ["planner@thanhhoa.example"]
    assert "Traceback" not in (folder / "streamlit.log").read_text(errors="replace")


def test_an_unknown_identity_gets_nothing(browser, external_app) -> None:
    url, provider, project, _ = external_app
    provider.email = "stranger@example.org"
    context, page = _sign_in(browser, url)
    try:
        page.get_by_text("has no enabled account in this project").first.wait_for(timeout=120_000)
        assert not page.get_by_role("heading", name="Kho dữ liệu dự án").count()
        assert not page.get_by_role("heading", name="Project store").count()
    finally:
        context.close()
    refused = [e for e in project.store.audit_log(project.admin) if e.action == "login.external.refused"]
    assert any("stranger@example.org" in e.target for e in refused)
    assert all(u.username != "stranger@example.org" for u in project.store.list_users(project.admin))
