"""The `deployer secrets` tests' runner: the real CLI on a project, every output kept."""

from __future__ import annotations

import re
from typing import Any

from click.testing import CliRunner, Result
from support.project import SECRET_VALUES, Project

from deployer.cli import cli


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
            obj=self.project.settings,  # the embedded emulators' settings (fast builds)
        )
        self.outputs.append(result.stdout + result.stderr)
        return result


def rows(result: Result) -> dict[str, list[str]]:
    """The table's rows by secret name, each split on runs of 2+ spaces."""
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
