"""`deployer demo --app nextjs` in a real browser: the Next.js example with the real
@auth0/nextjs-auth0 v4 SDK against the emulator, and its own consent page.

The Next.js app (examples/nextjs) is built once (npm ci + next build, cached in that folder;
.ci/run does it ahead), then each test starts it with `next start` next to an emulator served
over TLS. Chromium accepts the emulator's local CA certificate here (ignore_https_errors); Node
trusts it through NODE_EXTRA_CA_CERTS.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support.browser import (
    NAMESPACE,
    NEW_VERSION,
    VERSION,
    Project,
    Shots,
    at_app,
    at_terms,
    new_page,
    sign_in,
    skip_without_chromium,
    stored_acceptance,
    tampering,
)

from deployer.demo import RunningDemo, start_demo

skip_without_chromium()
if shutil.which("npm") is None or shutil.which("node") is None:
    pytest.skip(
        "the Next.js demo needs Node.js 20.9+ and npm on PATH (.ci/run has them)",
        allow_module_level=True,
    )


# Not the app's default namespace: proves the demo hands the tenant's to the app.
OUR_NAMESPACE = "https://terms.acme.test/"


@pytest.fixture
def demo(project: Project) -> Iterator[RunningDemo]:
    text = project.tenants_file.read_text()
    project.tenants_file.write_text(text.replace(NAMESPACE, OUR_NAMESPACE))
    running = start_demo(
        project.context(),
        "local",
        emulator_port=0,
        terms_dir=project.terms_dir,
        app="nextjs",
    )
    with running:
        yield running


@pytest.fixture
def context_options() -> dict[str, Any]:
    # The emulator's local CA (see the module docstring); Next.js pages take longer to answer.
    return {"ignore_https_errors": True, "timeout_ms": 20_000}


def visited(page: Page) -> list[str]:
    """Every URL the page navigates to from now on, redirects included."""
    urls: list[str] = []
    page.on("request", lambda req: urls.append(req.url) if req.is_navigation_request() else None)
    return urls


def test_accept_then_straight_through_then_asked_again_then_sign_out(
    page: Page, demo: RunningDemo, project: Project, shots: Shots
) -> None:
    page.goto(demo.app_url)
    expect(page.locator("#sign-in")).to_be_visible()
    shots(page, "app-signed-out")

    sign_in(page, demo, shots, "#sign-in", "login-form")
    at_terms(page, demo, VERSION)
    # The Next.js app's own /terms (the tenant's terms url names 127.0.0.1, the app localhost).
    assert urlsplit(demo.consent_url).port == urlsplit(demo.app_url).port
    shots(page, "terms")
    page.get_by_role("button", name="Accept and continue").click()

    at_app(page, demo)
    expect(page.locator("h1")).to_have_text(f"Signed in as {demo.user.email}")
    expect(page.locator("#terms-version")).to_have_text(VERSION)
    accepted_at = page.locator("#terms-accepted-at").inner_text()
    assert accepted_at.startswith("20"), accepted_at
    # beforeSessionSaved kept the namespaced claims in session.user.
    kept = page.locator("#claims code.terms-claim").all_inner_texts()
    assert sorted(kept) == [f"{OUR_NAMESPACE}terms_accepted_at", f"{OUR_NAMESPACE}terms_version"]
    shots(page, "signed-in")

    # A second login (password asked again) goes straight through: no terms page.
    urls = visited(page)
    sign_in(page, demo, shots, "#sign-in-again", "second-login-form")
    at_app(page, demo)
    assert not [u for u in urls if u.startswith(demo.consent_url)], urls
    expect(page.locator("#terms-version")).to_have_text(VERSION)
    expect(page.locator("#terms-accepted-at")).to_have_text(accepted_at)
    shots(page, "second-login-signed-in")

    # New terms, deployed. The app's guard finds the session's claim old; the session's
    # refresh token is refused (the Action denies: no redirect possible on a refresh), so the
    # app sends the user to log in again, and the tenant's session leads to the new terms.
    project.set_version(NEW_VERSION)
    outcome = demo.deploy()
    assert outcome.applied and not outcome.error
    urls = visited(page)
    page.goto(demo.app_url)
    at_terms(page, demo, NEW_VERSION)
    went = [urlsplit(u).path for u in urls if u.startswith(demo.app_url)]
    assert went[:3] == ["/", "/session/refresh", "/auth/login"], went
    assert demo.emulator.state_path is not None
    log = (demo.emulator.state_path.parent / "nextjs.log").read_text()
    assert "refresh refused, sending the user to log in again" in log
    expect(page.locator("article")).to_contain_text("90 days")
    shots(page, "new-terms")
    page.get_by_role("button", name="Accept and continue").click()
    at_app(page, demo)
    expect(page.locator("#terms-version")).to_have_text(NEW_VERSION)
    assert page.locator("#terms-accepted-at").inner_text() != accepted_at
    shots(page, "signed-in-new-terms")

    # Sign out: the SDK goes through the tenant's /oidc/logout and back; the tenant's session
    # is over too, so signing in asks for the password again.
    page.locator("#sign-out").click()
    page.wait_for_url(f"{demo.app_url}/**")
    expect(page.locator("#sign-in")).to_be_visible()
    page.locator("#sign-in").click()
    page.wait_for_url(f"{demo.emulator_url}/**")
    expect(page.locator("#password")).to_be_visible()
    shots(page, "signed-out-password-asked")


def test_new_terms_accepted_elsewhere_arrive_by_refresh_without_a_new_login(
    browser: Browser,
    context_options: dict[str, Any],
    page: Page,
    demo: RunningDemo,
    project: Project,
    shots: Shots,
) -> None:
    # This browser signs in and accepts the current terms.
    page.goto(demo.app_url)
    sign_in(page, demo, shots, "#sign-in", "login-form")
    at_terms(page, demo, VERSION)
    page.get_by_role("button", name="Accept and continue").click()
    at_app(page, demo)

    # New terms; the same user accepts them in another browser.
    project.set_version(NEW_VERSION)
    assert demo.deploy().applied
    for other in new_page(browser, context_options, scripts=True):
        other.goto(demo.app_url)
        sign_in(other, demo, shots, "#sign-in", "other-browser-login")
        at_terms(other, demo, NEW_VERSION)
        other.get_by_role("button", name="Accept and continue").click()
        at_app(other, demo)

    # Back in the first browser: the refresh now passes (the Action finds a valid record of
    # the new version) and brings the new claims; no login, no terms page.
    urls = visited(page)
    page.goto(demo.app_url)
    at_app(page, demo)
    expect(page.locator("#terms-version")).to_have_text(NEW_VERSION)
    went = [urlsplit(u).path for u in urls]
    assert went == ["/", "/session/refresh", "/"], urls
    shots(page, "refreshed-to-new-terms")


def test_declining_without_javascript_ends_on_a_page_that_says_so(
    no_script_page: Page, demo: RunningDemo, shots: Shots
) -> None:
    page = no_script_page
    page.goto(demo.app_url)
    sign_in(page, demo, shots, "#sign-in", "login-form")
    at_terms(page, demo, VERSION)
    page.get_by_role("button", name="Decline").click()
    # Without JavaScript the answer page waits for its Continue button.
    expect(page.locator("h1")).to_have_text("You declined the terms")
    shots(page, "answer-to-post")
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{demo.app_url}/auth-error?**")
    expect(page.locator("h1")).to_have_text("You declined the terms")
    expect(page.locator("#error-code")).to_have_text("access_denied")
    expect(page.locator("#error-description")).to_have_text("terms_declined")
    shots(page, "declined")
    assert stored_acceptance(demo) is None


def test_a_tampered_answer_is_refused(page: Page, demo: RunningDemo, shots: Shots) -> None:
    # The browser declines, but the answer it posts to /continue claims `accepted: true`
    # under the Next.js page's signature of the declining answer.
    seen: list[dict[str, str]] = []
    page.route(f"{demo.emulator_url}/continue?**", tampering(seen))
    page.goto(demo.app_url)
    sign_in(page, demo, shots, "#sign-in", "login-form")
    at_terms(page, demo, VERSION)
    page.get_by_role("button", name="Decline").click()

    page.wait_for_url(f"{demo.app_url}/auth-error?**")
    assert len(seen) == 1 and set(seen[0]) == {"state", "session_token"}
    expect(page.locator("#error-code")).to_have_text("access_denied")
    expect(page.locator("#error-description")).to_have_text("terms_not_accepted")
    shots(page, "tampered-refused")
    assert stored_acceptance(demo) is None


# The command run on its own, with fast emulator builds (as test_demo_cli.py does).
SCRIPT = """
import sys
from deployer.cli import cli
from deployer.emulator import EmulatorSettings
fast = EmulatorSettings(build_seconds=0.05, deploy_settle_seconds=0.05, rate_limit_burst=None)
cli(["demo", *sys.argv[1:]], prog_name="deployer", obj=fast)
"""


def test_the_command_prints_the_banner_and_stops_the_app(project: Project) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "--app", "nextjs", "--emulator-port", "0"],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and "Press Ctrl-C to stop." not in "".join(lines):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    shown = "".join(lines)
    port = urlsplit(project.terms_url).port
    assert f"Open http://localhost:{port}\n" in shown, shown
    assert "sign in as demo@example.com" in shown
    assert re.search(r"with the password \S+", shown)
    assert re.search(r"tenant\s+https://localhost:\d+", shown)
    assert "the Next.js example" in shown
    assert httpx.get(f"http://127.0.0.1:{port}/").status_code == 200

    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Demo stopped." in out and "Traceback" not in err
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port or 0)) != 0  # `next start` is gone too

    stored = json.loads((project.root / ".deployer" / "local" / "secrets.json").read_text())
    log = (project.root / ".deployer" / "local" / "nextjs.log").read_text()
    for value in stored.values():
        assert value not in shown + out + err + log
