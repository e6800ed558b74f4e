"""Terminal output: NO_COLOR honoured, no reset code without a colour before it, and the
secrets table narrowed to the terminal's width."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result
from support.project import FAST, Project

import deployer.cli.secrets
import deployer.targets
from deployer import output
from deployer.cli import cli
from deployer.workflow import plan_tenant

Run = Callable[..., Result]
CODE = re.compile(r"\x1b\[[0-9;]*m")


def _no_stray_resets(text: str) -> None:
    for line in text.splitlines():
        codes = CODE.findall(line)
        opened = False
        for code in codes:
            if code == "\x1b[0m":
                assert opened, f"a reset with nothing to reset: {line!r}"
            opened = code != "\x1b[0m"
        assert not opened, f"a colour left open at the end of {line!r}"


def test_a_coloured_plan_has_no_stray_reset_codes(project: Project) -> None:
    outcome = plan_tenant(project.context(), "dev")
    shown = output.text([outcome], colour=True)
    assert CODE.search(shown)  # it is coloured
    _no_stray_resets(shown)
    assert CODE.sub("", shown) == output.text([outcome], colour=False)


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, project: Project) -> Run:
    """`deployer` as if on a terminal of 80 columns."""
    monkeypatch.setattr(deployer.cli.secrets, "_stdout_is_terminal", lambda: True)
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(
            cli,
            ["--config", str(project.tenants_file), *args],
            env={**project.environ, **(env or {})},
            obj=FAST,
            color=True,
        )

    return invoke


def test_the_secrets_table_fits_the_terminal(terminal: Run) -> None:
    result = terminal("secrets", "--all")
    assert result.exit_code in (0, 2), result.output
    plain = CODE.sub("", result.stdout)
    assert max(len(line) for line in plain.splitlines()) <= 80, plain
    # Nothing is lost: the narrowed cells wrap (the unset credentials reason, the sources).
    assert "TERMS_TOKEN_SECRET_PREVIOUS" in plain and "$DEV_PREVIOUS" in plain
    _no_stray_resets(result.stdout)

    wide = terminal("secrets", "--all", env={"COLUMNS": "250"})
    assert max(len(line) for line in CODE.sub("", wide.stdout).splitlines()) > 80


def test_no_color_means_no_escape_codes_anywhere(terminal: Run, project: Project) -> None:
    coloured = terminal("secrets", "--all")
    assert "\x1b[" in coloured.stdout
    for args in (("secrets", "--all"), ("validate",), ("render", "-t", "nobody")):
        result = terminal(*args, env={"NO_COLOR": "1"})
        assert "\x1b[" not in result.stdout + result.stderr, args
    failed = terminal("render", "-t", "nobody", env={"NO_COLOR": "1"})
    assert failed.exit_code == 1 and "no tenant named 'nobody'" in failed.stderr
