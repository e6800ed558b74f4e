"""Exit codes a pipeline can trust: 0 success, 1 any error (usage errors too), 2 only where a
command documents it."""

from __future__ import annotations

from collections.abc import Iterator

import click
import pytest
from click.testing import CliRunner

from deployer.cli import cli


def every_command(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    """Every command and subcommand, found from the click groups (nothing hard-coded; through
    list_commands/get_command, since the root group loads its commands lazily)."""
    yield path
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))
        else:
            yield (*path, name)


COMMANDS = list(every_command())


def test_the_walk_finds_the_commands_and_subcommands() -> None:
    # A guard against a walk that silently finds nothing.
    assert ("plan",) in COMMANDS and ("secrets", "generate") in COMMANDS
    assert len(COMMANDS) > 12


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "deployer")
def test_a_mistyped_flag_exits_1(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--no-such-flag"])
    assert result.exit_code == 1, result.output
    assert "No such option '--no-such-flag'" in result.output


def test_a_bad_choice_exits_1() -> None:
    result = CliRunner().invoke(cli, ["plan", "-o", "yaml"])
    assert result.exit_code == 1
    assert "'yaml' is not one of" in result.output


def test_an_unknown_command_and_a_missing_argument_exit_1() -> None:
    assert CliRunner().invoke(cli, ["deplyo"]).exit_code == 1
    assert CliRunner().invoke(cli, ["apply"]).exit_code == 1
    assert CliRunner().invoke(cli, ["promote"]).exit_code == 1


def test_help_still_exits_0() -> None:
    for path in COMMANDS:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)


def test_a_group_without_its_command_shows_its_help_as_click_does() -> None:
    groups = [cli_command(c) for c in COMMANDS]
    for path, group in zip(COMMANDS, groups, strict=True):
        if not isinstance(group, click.Group) or group.invoke_without_command:
            continue  # `secrets` alone runs its report
        result = CliRunner().invoke(cli, list(path))
        assert result.exit_code in (0, 1), (path, result.exit_code)
        assert "Error: Usage" not in result.output, path


def cli_command(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        found = command.get_command(click.Context(command), name)
        assert found is not None, path
        command = found
    return command
