"""Fixtures of the browser tests; the helpers they use are in browserkit.py."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from support.browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    NAMESPACE,
    NEW_VERSION,
    REPO,
    TENANTS_YAML,
    VERSION,
    Project,
    Shots,
    free_port,
    new_page,
)

from deployer.demo import RunningDemo, start_demo
from deployer.manifest import BUILTIN_ACTION


@pytest.fixture
def project(tmp_path: Path) -> Project:
    shutil.copytree(BUILTIN_ACTION, tmp_path / "accept-terms")
    (tmp_path / "tenants.yaml").write_text(
        TENANTS_YAML.format(port=free_port(), version=VERSION, namespace=NAMESPACE)
    )
    terms = tmp_path / "terms"
    terms.mkdir()
    shutil.copy(REPO / "deployer" / "consent" / "terms" / f"{VERSION}.md", terms / f"{VERSION}.md")
    (terms / f"{NEW_VERSION}.md").write_text(
        f"# What changed on {NEW_VERSION}\n\n"
        "We now keep sign-in records for 90 days instead of 30.\n\n"
        "Everything else stays as it was in the previous version.\n"
    )
    return Project(tmp_path)


@pytest.fixture
def demo(project: Project) -> Iterator[RunningDemo]:
    running = start_demo(
        project.context(),
        "local",
        app_port=0,
        emulator_port=0,
        terms_dir=project.terms_dir,
    )
    with running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, chromium_sandbox=False, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def context_options() -> dict[str, Any]:
    """Options for each test's browser context; a test module overrides this fixture (the
    Next.js demo trusts the emulator's local CA and waits longer)."""
    return {"timeout_ms": 10_000}


@pytest.fixture
def page(browser: Browser, context_options: dict[str, Any]) -> Iterator[Page]:
    """A new browser context (no cookies) and its page."""
    yield from new_page(browser, context_options, scripts=True)


@pytest.fixture
def no_script_page(browser: Browser, context_options: dict[str, Any]) -> Iterator[Page]:
    """The same with JavaScript turned off."""
    yield from new_page(browser, context_options, scripts=False)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    folder = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return Shots(folder)
