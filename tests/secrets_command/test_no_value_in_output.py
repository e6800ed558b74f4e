"""Every command of the CLI, with known secret values: none appears unless --reveal asks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import click
from support.secrets_command import Runner

from deployer.cli import cli

CHANGED = {"DEV_TOKEN_SECRET": "dev-token-secret-CHANGED-0123456789abcdefghij"}


def command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every command and subcommand, so a command added later is scanned too (through click's
    list_commands/get_command: the CLI loads its commands lazily)."""
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None, name
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from command_paths(command, (*prefix, name))


def test_no_value_in_any_output_unless_revealed(run: Runner, project) -> None:
    paths = list(command_paths(cli))
    assert ("secrets",) in paths and ("secrets", "generate") in paths
    for path in [(), *paths]:
        assert run(*path, "--help").exit_code == 0, path
    commands: list[tuple[str, ...]] = [
        ("validate",),
        ("validate", "--strict"),
        ("render", "--tenant", "dev"),
        ("render", "--tenant", "local"),
        ("secrets", "--all"),  # before the first deploy: nothing live yet
        ("plan", "--all"),
        ("plan", "--all", "-o", "json"),
        ("plan", "--all", "-o", "markdown"),
        ("deploy", "--all", "--dry-run"),
        ("deploy", "--all", "--yes"),
        ("deploy", "--all", "--yes", "-o", "json"),
        ("--debug", "plan", "-t", "dev"),
        ("secrets", "--all"),
        ("secrets", "--all", "-o", "json"),
        ("secrets", "--all", "--reveal"),  # refused: no terminal
        ("secrets", "--all", "-o", "json", "--reveal", "--force"),  # refused: JSON never
        ("secrets", "generate"),
        ("secrets", "generate", "--length", "64"),
    ]
    for args in commands:
        result = run(*args)
        assert result.exit_code in (0, 1, 2), (args, result.output)
    # A changed value: the secrets table and the plan that show it, the deploy that sends it.
    for args in [
        ("secrets", "-t", "dev"),
        ("secrets", "-t", "dev", "-o", "json"),
        ("plan", "-t", "dev"),
        ("plan", "-t", "dev", "-o", "json"),
        ("deploy", "-t", "dev", "--yes", "-o", "markdown"),
    ]:
        run(*args, env=CHANGED)
    assert "differs" in run.outputs[-5]
    assert "~ secret TERMS_TOKEN_SECRET (value changed)" in run.outputs[-3]

    generated = json.loads((project.root / ".deployer" / "local" / "secrets.json").read_text())
    values = [*project.environ.values(), *CHANGED.values(), *generated.values()]
    assert len(values) == 6
    everything = "\n".join(run.outputs)
    leaked = [v for v in values if v in everything]
    assert leaked == []

    # The scan can fail: asked explicitly, every value is there.
    shown = run("secrets", "--all", "--reveal", "--force").stdout
    shown += run("secrets", "-t", "dev", "--reveal", "--force", env=CHANGED).stdout
    assert [v for v in values if v not in shown] == []
