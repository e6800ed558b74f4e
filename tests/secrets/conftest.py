"""The deploy tests' project (tmp_path + embedded emulators) driven through the real CLI.

No __init__.py here on purpose: a package named `secrets` under a sys.path entry could shadow
the standard library's `secrets` module.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

# tests/ is importable only while pytest collects the deploy package; make it so for this
# folder on its own too, to reuse the deploy harness rather than copy it.
_TESTS = str(Path(__file__).resolve().parents[1])
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)

from deploy import conftest as deploy_harness  # noqa: E402
from deploy.conftest import FAST, SECRET_VALUES, Project  # noqa: E402

import deployer.targets  # noqa: E402
from deployer.cli import cli  # noqa: E402
from deployer.emulator import Emulator  # noqa: E402
from deployer.secrets_cli import secrets  # noqa: E402

# The deploy tests' project fixture (a tenants.yaml and the Action in tmp_path), shared here.
project = deploy_harness.project

# Until deployer/cli.py registers the group itself; add_command is idempotent by name.
if "secrets" not in cli.commands:
    cli.add_command(secrets)


class Runner:
    """`deployer --config <project> ARGS` with the project's environment; keeps every output."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.outputs: list[str] = []
        self._runner = CliRunner()

    def __call__(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        result = self._runner.invoke(
            cli,
            ["--config", str(self.project.tenants_file), *args],
            env={**self.project.environ, **(env or {})},
            catch_exceptions=False,
        )
        self.outputs.append(result.stdout + result.stderr)
        return result


@pytest.fixture
def run(project: Project, monkeypatch: pytest.MonkeyPatch) -> Runner:
    monkeypatch.setattr(deployer.targets, "embedded_settings", FAST)
    return Runner(project)


@pytest.fixture
def embedded(project: Project) -> Callable[[str], Emulator]:
    """The emulator the CLI will find for an embedded tenant (same state file), to seed it."""

    def open_(tenant: str) -> Emulator:
        state = project.root / ".deployer" / tenant / "emulator.json"
        state.parent.mkdir(parents=True, exist_ok=True)
        return Emulator(FAST, state_path=state, domain=f"{tenant}.emulator")

    return open_


def rows(result: Result) -> dict[str, list[str]]:
    """The table's rows by secret name, each split on runs of 2+ spaces."""
    import re

    table: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) >= 6 and cells[0] != "SECRET":
            table[cells[0]] = cells
    return table


def status_of(document: dict[str, Any], tenant: str) -> dict[str, str]:
    (entry,) = [t for t in document["tenants"] if t["tenant"] == tenant]
    return {s["name"]: s["status"] for s in entry["secrets"]}


__all__ = ["SECRET_VALUES", "Runner", "rows", "status_of"]
