"""One CLI vocabulary, .env as other tools read it, and shell completion of tenant names."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import Result
from support.project import Project

from deployer.sources import Environment

Run = Callable[..., Result]
LONG = "x" * 40


def test_strict_validate_fails_without_saying_valid_first(project: Project, run: Run) -> None:
    result = run("validate", "--strict", env={"DEV_TOKEN_SECRET": ""})
    assert result.exit_code == 1
    assert "tenants valid" not in result.stdout
    assert "not ready to deploy" in result.stderr
    assert "$DEV_TOKEN_SECRET" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

    relaxed = run("validate", env={"DEV_TOKEN_SECRET": ""})
    assert relaxed.exit_code == 0 and "2 tenants valid" in relaxed.stdout


def test_a_short_secret_is_too_short_not_unset(project: Project, run: Run) -> None:
    result = run("validate", "--strict", env={"DEV_TOKEN_SECRET": "short-value"})
    assert result.exit_code == 1
    shown = result.stdout
    assert "TERMS_TOKEN_SECRET from $DEV_TOKEN_SECRET is too short (11 characters" in shown
    assert "not set" not in shown
    assert "short-value" not in shown + result.stderr


def test_plan_says_too_short_for_a_short_secret(project: Project, run: Run) -> None:
    result = run("plan", "-t", "dev", env={"DEV_TOKEN_SECRET": "short-value"})
    assert result.exit_code == 1
    assert "is too short (11 characters" in result.stdout
    assert "not set" not in result.stdout


def test_render_writes_with_out_and_o_is_not_a_file_flag(
    project: Project, run: Run, tmp_path: Path
) -> None:
    target = tmp_path / "build" / "local.js"
    assert run("render", "--out", str(target)).exit_code == 0  # -t defaults to local
    assert target.read_text().startswith("//")
    assert run("render", "-o", str(target)).exit_code != 0


def test_every_single_tenant_command_defaults_to_local(project: Project, run: Run) -> None:
    import click

    from deployer.cli import cli

    def command(name: str) -> click.Command:
        # Through get_command: the group loads most commands on first use.
        found = cli.get_command(click.Context(cli), name)
        assert found is not None, name
        return found

    for name in ("render", "history", "rollback", "demo"):
        (option,) = [p for p in command(name).params if p.name == "tenant"]
        assert option.default == "local", name
    for name in ("plan", "deploy", "secrets"):
        (option,) = [p for p in command(name).params if p.name == "tenants"]
        assert option.multiple and "default: local" in str(getattr(option, "help", "")), name


def test_dotenv_inline_comments_and_quotes(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"A={LONG} # a note, not part of the value\n"
        f"export B='{LONG} # inside quotes'\n"
        "C=abc#def\n"
        "EMPTY=\n",
        encoding="utf-8",
    )
    env = Environment(tmp_path, environ={})
    assert env.get("A") == LONG
    assert env.get("B") == f"{LONG} # inside quotes"
    assert env.get("C") == "abc#def"
    assert env.get("EMPTY") is None
    # The process environment wins over .env.
    assert Environment(tmp_path, environ={"A": "from-process"}).get("A") == "from-process"


def test_a_non_utf8_dotenv_is_located_without_a_traceback(project: Project, run: Run) -> None:
    (project.root / ".env").write_bytes(b"GOOD=1\nBAD=caf\xe9\n")
    result = run("validate")
    assert result.exit_code == 1
    assert f"{project.root / '.env'}:2: not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def _complete(project: Project, words: str) -> list[str]:
    env = {
        **os.environ,
        "_DEPLOYER_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        "DEPLOYER_CONFIG": str(project.tenants_file),
    }
    done = subprocess.run(
        [sys.executable, "-c", "from deployer.cli import main; main()"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return [line.split(",", 1)[1] for line in done.stdout.splitlines() if "," in line]


def test_shell_completion_offers_tenant_names(project: Project) -> None:
    assert _complete(project, "deployer plan -t ") == ["local", "dev"]
    assert _complete(project, "deployer history --tenant d") == ["dev"]
    # A broken config completes nothing, quietly.
    project.tenants_file.write_text("tenants: [\n")
    assert _complete(project, "deployer plan -t ") == []


def test_the_web_stack_loads_only_for_commands_that_serve_pages() -> None:
    probe = (
        "import sys, deployer.cli; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'python_multipart', 'markdown_it') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
