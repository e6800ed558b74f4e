"""The emulator's login form only accepts the browser that started the login."""

from __future__ import annotations

import re

import pytest
from support.login import CALLBACK, CLIENT_ID, EMAIL, PASSWORD, Browser

from deployer.emulator import Emulator, EmulatorSettings


@pytest.fixture
def tenant() -> Emulator:
    emu = Emulator(EmulatorSettings(rate_limit_burst=None), domain="local.emulator")
    emu.add_application(CLIENT_ID, name="Web", callbacks=[CALLBACK], client_secret=None)
    emu.add_user(EMAIL, PASSWORD)
    return emu


def _transaction(form_page_text: str) -> str:
    found = re.search(r'name="transaction" value="([^"]+)"', form_page_text)
    assert found
    return found.group(1)


def test_the_browser_that_started_the_login_gets_through(tenant: Emulator) -> None:
    with Browser.open(tenant) as browser:
        form = browser.authorize()
        cookie = form.headers["set-cookie"]
        assert cookie.startswith("auth0_emulator_browser=")
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
        answer = browser.submit_login(form)
        assert answer.status_code == 302 and answer.headers["location"].startswith(CALLBACK)


def test_a_form_posted_with_an_attacker_started_login_is_refused(tenant: Emulator) -> None:
    with Browser.open(tenant) as attacker, Browser.open(tenant) as victim:
        started = _transaction(attacker.authorize().text)
        victim.authorize()  # the victim's browser has a browser cookie of its own
        # What a cross-site form auto-submitted in the victim's browser would send.
        form = {"transaction": started, "email": EMAIL, "password": PASSWORD}
        answer = victim.http.post("/u/login", data=form)
        assert answer.status_code == 403
        assert "started in another browser" in answer.text
        assert "set-cookie" not in answer.headers  # no session for anyone


def test_a_form_posted_without_the_browser_cookie_is_refused(tenant: Emulator) -> None:
    with Browser.open(tenant) as browser:
        started = _transaction(browser.authorize().text)
        browser.http.cookies.clear()  # SameSite=Lax: a cross-site POST carries no cookie
        form = {"transaction": started, "email": EMAIL, "password": PASSWORD}
        assert browser.http.post("/u/login", data=form).status_code == 403


def test_a_refused_post_does_not_spend_the_owners_login(tenant: Emulator) -> None:
    with Browser.open(tenant) as owner, Browser.open(tenant) as other:
        form_page = owner.authorize()
        started = _transaction(form_page.text)
        form = {"transaction": started, "email": EMAIL, "password": PASSWORD}
        assert other.http.post("/u/login", data=form).status_code == 403
        answer = owner.submit_login(form_page)
        assert answer.status_code == 302 and answer.headers["location"].startswith(CALLBACK)
