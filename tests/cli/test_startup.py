"""Start-up: the commands that need neither Auth0 nor a web server do not import them.

Timing is measured by bench/ (`bench/bench.py`, its `startup()`); these tests check the
behaviour behind it, which modules a command loads, in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from support.project import Project

import deployer.config
from deployer import cli as cli_module
from deployer.cli import DEFAULT_CONFIG, LAZY_COMMANDS, cli

HEAVY = ("auth0", "starlette", "uvicorn", "httpx", "deployer.emulator", "deployer.consent")
# Imported by the functions that use them, not by the modules `--help` and `validate` load:
# `--debug`'s traceback printer and shell completion.
ON_DEMAND = {"traceback", "click.shell_completion"}

PROBE = """
import json, sys
from deployer.cli import cli
try:
    cli(sys.argv[1:], prog_name="deployer")
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""


def loaded_by(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=cwd,
    )
    modules: list[str] = json.loads(done.stderr.strip().splitlines()[-1])
    return {*modules, *(m.split(".")[0] for m in modules)}  # `auth0` for any of its modules


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if m.startswith(HEAVY)}


def test_import_and_help_load_no_sdk_web_stack_or_emulator() -> None:
    modules = loaded_by("--help")
    assert heavy(modules) == set()
    assert "pydantic" not in modules  # not even the config models, for --help


def test_validate_loads_no_sdk_web_stack_or_emulator(project: Project) -> None:
    modules = loaded_by("--config", str(project.tenants_file), "validate")
    assert "deployer.config" in modules  # the probe really ran the command
    assert heavy(modules) == set()


def test_help_and_validate_load_no_traceback_printer_or_completion(project: Project) -> None:
    for args in (("--help",), ("--config", str(project.tenants_file), "validate")):
        assert loaded_by(*args) & ON_DEMAND == set(), args


def test_plan_loads_the_sdk_when_it_runs(project: Project) -> None:
    # The converse, so that the probe above cannot pass by never running anything.
    assert "auth0" in loaded_by("--config", str(project.tenants_file), "plan", "-t", "local")


def test_every_lazy_command_loads_and_its_listed_help_is_its_own() -> None:
    context = click.Context(cli)
    for name, (_, listed) in LAZY_COMMANDS.items():
        command = cli.get_command(context, name)
        assert isinstance(command, click.Command), name
        assert command.get_short_help_str(limit=1000) == listed, name


def test_help_lists_every_command_once() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "--help"], capture_output=True, text=True, check=True
    )
    listed = [
        line.split()[0]
        for line in result.stdout.split("Commands:")[1].splitlines()
        if line.startswith("  ") and not line.startswith("   ")
    ]
    assert listed == sorted(set(listed))
    assert set(listed) == {"plan", "deploy", "render", "validate", *LAZY_COMMANDS}


def test_default_config_matches_the_config_module() -> None:
    assert DEFAULT_CONFIG == deployer.config.DEFAULT_CONFIG
    assert cli_module.cli.params[0].default == DEFAULT_CONFIG


# The `deployer` program, with a command that prints what pydantic will read.
MAIN_PROBE = """
import os
import deployer.cli
deployer.cli.cli = lambda **kwargs: print(os.environ.get("PYDANTIC_DISABLE_PLUGINS"))
deployer.cli.main()
"""


@pytest.mark.parametrize(
    ("given", "seen"),
    [(None, "__all__"), ("", ""), ("logfire", "logfire")],
    ids=["unset: none loaded", "empty: all loaded", "the user's list"],
)
def test_the_program_skips_pydantic_plugins_unless_the_user_chose(
    given: str | None, seen: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYDANTIC_DISABLE_PLUGINS"}
    if given is not None:
        env["PYDANTIC_DISABLE_PLUGINS"] = given
    done = subprocess.run(
        [sys.executable, "-c", MAIN_PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout == f"{seen}\n"


def test_the_cli_run_in_process_leaves_the_environment_alone(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)
    result = CliRunner().invoke(cli, ["--config", str(project.tenants_file), "validate"])
    assert result.exit_code == 0, result.output
    assert "PYDANTIC_DISABLE_PLUGINS" not in os.environ
