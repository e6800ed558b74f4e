"""The CLI run against the `project` fixture (tests/conftest.py), with fast emulator builds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from support.project import FAST, Project

from deployer.cli import cli

Run = Callable[..., Result]


@pytest.fixture
def run(project: Project) -> Run:

    def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
        return CliRunner().invoke(
            cli,
            ["--config", str(project.tenants_file), *args],
            env={**project.environ, **(env or {})},
            obj=FAST,  # the embedded emulators' settings (fast builds)
        )

    return invoke
