"""The consent round trip in a real browser: the demo's tenant, consent page and application.

Chromium signs in at the sample application, through the emulator's login form and the
deployed accept-terms Action, to the consent page and back; the application shows what the
verified ID token says.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect
from support.browser import (
    NAMESPACE,
    NEW_VERSION,
    VERSION,
    Project,
    Shots,
    at_app,
    at_terms,
    sign_in,
    skip_without_chromium,
    stored_acceptance,
    tampering,
)

from deployer.demo import RunningDemo

skip_without_chromium()


def visited(page: Page) -> list[str]:
    """Every URL the page's main frame goes to from now on."""
    urls: list[str] = []
    page.on(
        "framenavigated", lambda frame: urls.append(frame.url) if frame is page.main_frame else None
    )
    return urls


def test_accept_then_straight_through_then_asked_again_for_new_terms(
    page: Page, demo: RunningDemo, project: Project, shots: Shots
) -> None:
    page.goto(demo.app_url)
    expect(page.locator("#sign-in")).to_be_visible()
    shots(page, "app-signed-out")

    sign_in(page, demo, shots, "#sign-in", "login-form")
    at_terms(page, demo, VERSION)
    shots(page, "terms")
    page.get_by_role("button", name="Accept and continue").click()

    at_app(page, demo)
    expect(page.locator("h1")).to_have_text(f"Signed in as {demo.user.email}")
    expect(page.locator("#terms-version")).to_have_text(VERSION)
    accepted_at = page.locator("#terms-accepted-at").inner_text()
    assert accepted_at.startswith("20"), accepted_at
    marked = page.locator("#claims tr.mark td.name code").all_inner_texts()
    assert marked == [
        f"{NAMESPACE}terms_accepted_at",
        f"{NAMESPACE}terms_version",
    ]
    shots(page, "signed-in")

    # A second login (password asked again) goes straight through: no terms page.
    urls = visited(page)
    sign_in(page, demo, shots, "#sign-in-again", "second-login-form")
    at_app(page, demo)
    assert not [u for u in urls if u.startswith(demo.consent_url)], urls
    expect(page.locator("#terms-version")).to_have_text(VERSION)
    expect(page.locator("#terms-accepted-at")).to_have_text(accepted_at)
    shots(page, "second-login-signed-in")

    # New terms, deployed: the next login asks again, for the new version.
    project.set_version(NEW_VERSION)
    outcome = demo.deploy()
    assert outcome.applied and not outcome.error
    sign_in(page, demo, shots, "#sign-in-again", "third-login-form")
    at_terms(page, demo, NEW_VERSION)
    expect(page.locator("article")).to_contain_text("90 days")
    shots(page, "new-terms")
    page.get_by_role("button", name="Accept and continue").click()
    at_app(page, demo)
    expect(page.locator("#terms-version")).to_have_text(NEW_VERSION)
    assert page.locator("#terms-accepted-at").inner_text() != accepted_at
    shots(page, "signed-in-new-terms")


def test_declining_ends_at_the_app_with_access_denied(
    no_script_page: Page, demo: RunningDemo, shots: Shots
) -> None:
    # Without JavaScript the answer page stays until its Continue button is pressed, so it can
    # be seen (and its fallback for browsers without scripts is tested).
    page = no_script_page
    page.goto(demo.app_url)
    sign_in(page, demo, shots, "#sign-in", "login-form")
    at_terms(page, demo, VERSION)
    shots(page, "terms")
    page.get_by_role("button", name="Decline").click()
    expect(page.locator("h1")).to_have_text("You declined the terms")
    shots(page, "answer-to-post")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{demo.app_url}/callback?**")
    expect(page.locator("#error-code")).to_have_text("access_denied")
    expect(page.locator("#error-description")).to_have_text("terms_declined")
    expect(page.locator("h1")).to_have_text("You are not signed in")
    shots(page, "declined")
    assert stored_acceptance(demo) is None


def test_a_tampered_answer_is_refused(page: Page, demo: RunningDemo, shots: Shots) -> None:
    # The browser declines, but the answer it posts to /continue claims `accepted: true`
    # under the page's signature of the declining answer.
    seen: list[dict[str, str]] = []
    # The page posts to /continue?state=... (docs/consent-contract.md).
    page.route(f"{demo.emulator_url}/continue?*", tampering(seen))
    page.goto(demo.app_url)
    sign_in(page, demo, shots, "#sign-in", "login-form")
    at_terms(page, demo, VERSION)
    page.get_by_role("button", name="Decline").click()

    page.wait_for_url(f"{demo.app_url}/callback?**")
    assert len(seen) == 1 and set(seen[0]) == {"state", "session_token"}
    expect(page.locator("#error-code")).to_have_text("access_denied")
    expect(page.locator("#error-description")).to_have_text("terms_not_accepted")
    shots(page, "tampered-refused")
    assert stored_acceptance(demo) is None
