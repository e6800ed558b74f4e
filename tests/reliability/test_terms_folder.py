"""`validate` warns when a tenant's terms version has no file where its consent page looks."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from support.project import Project

from deployer.cli import cli


def _validate(project: Project) -> str:
    result = CliRunner().invoke(
        cli, ["--config", str(project.tenants_file), "validate"], env=project.environ
    )
    assert result.exit_code == 0, result.output  # a warning, not a failure
    return result.output


def test_an_emulated_tenant_is_checked_against_the_shipped_terms(project: Project) -> None:
    # The project's version, 2026-11-01, is the one shipped: no warning.
    assert "warning" not in _validate(project)
    text = project.tenants_file.read_text().replace('"2026-11-01"', '"2031-01-01"')
    project.tenants_file.write_text(text)
    output = _validate(project)
    assert output.count("warning: terms version 2031-01-01 has no file 2031-01-01.md") == 2
    assert "consent/terms" in output


@pytest.mark.parametrize("present", [True, False])
def test_a_configured_terms_dir_is_checked(project: Project, present: bool) -> None:
    (project.root / "terms").mkdir()
    if present:
        (project.root / "terms" / "2026-11-01.md").write_text("# Terms\n")
    text = project.tenants_file.read_text()
    project.tenants_file.write_text(text.replace("defaults:\n", "defaults:\n  terms_dir: terms\n"))
    output = _validate(project)
    assert ("2026-11-01.md in " + str(project.root / "terms") in output) is not present
