"""`deployer demo --app nextjs` before anything runs: what it needs, and what it says without."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from deployer.cli import cli
from deployer.demo.nextjs import APP_DIR_ENV, REPO_APP_DIR, NextAppError, find_app

REPO = Path(__file__).resolve().parents[2]


def test_without_node_or_npm_the_demo_says_what_is_missing_and_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # the repository's tenants.yaml; its ports stay untouched
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty PATH: no node, no npm
    result = CliRunner().invoke(cli, ["demo", "--app", "nextjs", "--emulator-port", "0"])
    assert result.exit_code == 1, result.output
    assert "needs Node.js 20.9+ and npm" in result.output
    assert "node and npm are not on PATH" in result.output
    assert "Traceback" not in result.output


def test_only_npm_missing_is_named_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node on PATH")
    (tmp_path / "node").symlink_to(node)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(NextAppError, match="npm is not on PATH"):
        find_app()


def test_an_install_without_the_repository_says_where_the_app_must_come_from(
    tmp_path: Path,
) -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("needs node and npm on PATH")
    with pytest.raises(NextAppError) as caught:
        find_app(environ={**os.environ, APP_DIR_ENV: str(tmp_path)})
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "ships with the repository" in message and APP_DIR_ENV in message


def test_the_checkout_has_the_app_with_its_lockfile() -> None:
    assert REPO_APP_DIR == REPO / "examples" / "nextjs"
    assert (REPO_APP_DIR / "package-lock.json").is_file()
    if shutil.which("node") and shutil.which("npm"):
        assert find_app(environ={}).directory == REPO_APP_DIR
