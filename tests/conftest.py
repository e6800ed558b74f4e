"""Fixtures shared by every test folder; the kits behind them live in tests/support/."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.project import FAST, TENANTS_YAML, Project

from deployer.cli import cli
from deployer.manifest import BUILTIN_ACTION

Run = Callable[..., Result]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A tenants.yaml and a copy of the Action in tmp_path, deployed to in-memory emulators."""
    shutil.copytree(BUILTIN_ACTION, tmp_path / "accept-terms")
    (tmp_path / "tenants.yaml").write_text(TENANTS_YAML)
    return Project(root=tmp_path)


@pytest.fixture
def run(project: Project) -> Run:
    """`deployer --config <project's tenants.yaml> ARGS`, in process, with the project's
    environment (plus `env`) and fast embedded emulators; an unexpected exception fails the test
    instead of becoming an exit code."""

    def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
        return CliRunner().invoke(
            cli,
            ["--config", str(project.tenants_file), *args],
            env={**project.environ, **(env or {})},
            obj=FAST,  # the embedded emulators' settings (fast builds)
            catch_exceptions=False,
        )

    return invoke
