"""Helpers for the browser tests: `deployer demo`'s servers in process, driven by Debian's
Chromium through Playwright (the fixtures are in conftest.py).

Each test gets its own project in tmp_path (a tenants file whose `local` terms url is on a free
port, so a running `deployer demo` never collides), its own demo (emulator, consent page,
sample application, all on free ports, fast emulator settings) and a fresh browser context.
Screenshots of each step go to test-artifacts/browser/<test name>/NN-step.png (git-ignored).
"""

from __future__ import annotations

import base64
import json
import re
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from deployer.apply import Waits
from deployer.config import load_config
from deployer.demo import RunningDemo
from deployer.emulator import EmulatorSettings
from deployer.sources import Environment
from deployer.workflow import Context, RunOptions

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts" / "browser"
# What Chromium needs on these machines (headless and no sandbox are Playwright's own flags;
# Playwright also gives every launch a fresh, empty --user-data-dir).
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAST = EmulatorSettings(build_seconds=0.05, deploy_settle_seconds=0.05, rate_limit_burst=None)
FAST_WAITS = Waits(build_timeout=10, deploy_timeout=10, bind_timeout=10, poll=0.01)
VERSION = "2026-11-01"
NEW_VERSION = "2026-12-01"
NAMESPACE = "https://example.com/"

TENANTS_YAML = """\
version: 1
action: accept-terms
tenants:
  local:
    emulator: embedded
    action:
      terms: {{url: "http://127.0.0.1:{port}/terms", version: "{version}"}}
      claims: {{namespace: "{namespace}"}}
"""


def skip_without_chromium() -> None:
    """The browser tests need Debian's Chromium (Playwright cannot download its own here)."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is absent: install Debian's chromium (apt-get install chromium); "
            ".ci/run does",
            allow_module_level=True,
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Project:
    root: Path

    @property
    def tenants_file(self) -> Path:
        return self.root / "tenants.yaml"

    @property
    def terms_dir(self) -> Path:
        return self.root / "terms"

    @property
    def terms_url(self) -> str:
        found = re.search(r'url: "([^"]+)"', self.tenants_file.read_text())
        assert found is not None
        return found.group(1)

    def set_version(self, version: str) -> None:
        text = self.tenants_file.read_text()
        self.tenants_file.write_text(re.sub(r'version: "[^"]+"', f'version: "{version}"', text))

    def context(self) -> Context:
        return Context(
            config=load_config(self.tenants_file),
            env=Environment(self.root, environ={}),
            report=lambda line: None,
            options=RunOptions(waits=FAST_WAITS),
            emulator_settings=FAST,
        )


@dataclass
class Shots:
    """Numbered full-page screenshots in the test's own folder."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def __call__(self, page: Page, step: str) -> Path:
        path = self.folder / f"{len(self.taken) + 1:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
        return path


def forge(token: str, **claims: object) -> str:
    """The same header and signature over changed claims."""
    head, body, sig = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = json.dumps({**payload, **claims}).encode()
    return f"{head}.{base64.urlsafe_b64encode(forged).rstrip(b'=').decode()}.{sig}"


def tampering(seen: list[dict[str, str]]) -> Callable[[Route, Request], None]:
    """A route handler that keeps each answer posted to /continue and forges it to accepted."""

    def handle(route: Route, request: Request) -> None:
        form = dict(parse_qsl(request.post_data or ""))
        seen.append(form)
        form["session_token"] = forge(form["session_token"], accepted=True)
        route.continue_(post_data=urlencode(form))

    return handle


def stored_acceptance(demo: RunningDemo) -> object:
    """The demo user's stored acceptance, if any."""
    user = demo.emulator.state.login.user_by_email(demo.user.email)
    assert user is not None
    return demo.emulator.login.user(user.user_id).user_metadata.get("terms")


def sign_in(page: Page, demo: RunningDemo, shots: Shots, link: str, step: str) -> None:
    """Clicks the app's sign-in link and fills the emulator's login form."""
    page.locator(link).click()
    page.wait_for_url(f"{demo.emulator_url}/**")
    expect(page.locator("#email")).to_be_visible()
    page.fill("#email", demo.user.email)
    page.fill("#password", demo.user.password)
    shots(page, step)
    page.get_by_role("button", name="Continue").click()


def at_terms(page: Page, demo: RunningDemo, version: str) -> None:
    page.wait_for_url(f"{demo.consent_url}?**")
    expect(page.locator("h1")).to_contain_text(f"Version {version}")


def at_app(page: Page, demo: RunningDemo) -> None:
    page.wait_for_url(f"{demo.app_url}/")


def new_page(browser: Browser, options: dict[str, Any], *, scripts: bool) -> Iterator[Page]:
    """A page in a new browser context (no cookies), closed when the generator ends."""
    given = dict(options)
    timeout = given.pop("timeout_ms", 10_000)
    context = browser.new_context(
        viewport={"width": 1000, "height": 760}, java_script_enabled=scripts, **given
    )
    context.set_default_timeout(timeout)
    yield context.new_page()
    context.close()
