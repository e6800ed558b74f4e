"""`deployer validate` checks every tenant's code with Node (one process for all of them)."""

from __future__ import annotations

from click.testing import CliRunner
from support.project import Project

from deployer.cli import cli


def test_a_syntax_error_names_the_tenant_and_the_line(project: Project) -> None:
    project.template.write_text(project.template.read_text() + "\nconst broken = ;\n")
    result = CliRunner().invoke(
        cli, ["--config", str(project.tenants_file), "validate"], env=project.environ
    )
    assert result.exit_code == 1
    assert "the rendered Action for local is not valid JavaScript" in result.stderr
    assert "<local>:" in result.stderr and "SyntaxError: Unexpected token ';'" in result.stderr
    assert "Traceback" not in result.stderr


def test_valid_code_passes_for_every_tenant(project: Project) -> None:
    result = CliRunner().invoke(
        cli, ["--config", str(project.tenants_file), "validate"], env=project.environ
    )
    assert result.exit_code == 0, result.output
    assert "ok  local:" in result.stdout and "ok  dev:" in result.stdout
    assert "2 tenants valid" in result.stdout
