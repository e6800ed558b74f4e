"""Fixtures for the consent page's tests: fake secrets, a terms folder, the app under test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.consent import (
    DOMAIN,
    OLD_VERSION,
    REPO,
    TERMS_MARKER,
    VERSION,
    Keys,
    MakeClient,
    TestClient,
)

from deployer.consent import ConsentSettings, create_app

SHIPPED_TERMS = REPO / "deployer" / "consent" / "terms"


@pytest.fixture
def keys() -> Keys:
    return Keys()


@pytest.fixture
def terms_dir(tmp_path: Path) -> Path:
    """Two versions of the terms, each with a marker, and a file just outside the folder."""
    directory = tmp_path / "terms"
    directory.mkdir()
    for version, marker in TERMS_MARKER.items():
        (directory / f"{version}.md").write_text(
            f"# Terms {version}\n\n{marker}\n\n## Use\n\nBe <b>nice</b>.\n", encoding="utf-8"
        )
    (tmp_path / "outside.md").write_text("OUTSIDE-THE-TERMS-FOLDER\n", encoding="utf-8")
    assert {VERSION, OLD_VERSION} <= {p.stem for p in directory.iterdir()}
    return directory


@pytest.fixture
def shipped_terms(tmp_path: Path) -> Path:
    """A copy of the example terms that ship with the page."""
    return Path(shutil.copytree(SHIPPED_TERMS, tmp_path / "shipped"))


@pytest.fixture
def make_client(keys: Keys, terms_dir: Path) -> Iterator[MakeClient]:
    """A TestClient over an app built from settings; keyword arguments override the defaults."""
    clients: list[TestClient] = []

    def make(*, base_url: str = "https://consent.example.com", **overrides: object) -> TestClient:
        options: dict[str, object] = {
            "auth0_domain": DOMAIN,
            "token_secret": keys.current,
            "terms_dir": terms_dir,
        }
        options.update(overrides)
        settings = ConsentSettings(**options)  # type: ignore[arg-type]
        client = TestClient(create_app(settings), base_url=base_url)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> TestClient:
    return make_client()
