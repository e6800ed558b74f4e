"""examples/github/fan-out.yml: a valid GitHub workflow whose `deployer tenants` call works."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner
from support.project import FAST, REPO, Project

from deployer.cli import cli

WORKFLOW = REPO / "examples" / "github" / "fan-out.yml"


def test_the_workflow_matches_github_schema() -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_its_tenants_call_prints_the_list_its_matrix_reads(project: Project) -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = workflow["jobs"]["tenants"]["steps"]
    script = next(s["run"] for s in steps if "deployer tenants" in s.get("run", ""))
    call = re.search(r"\$\((deployer tenants[^)]*)\)", script)
    assert call is not None
    args = shlex.split(call.group(1))[1:]
    result = CliRunner().invoke(
        cli, ["--config", str(project.tenants_file), *args], env=project.environ, obj=FAST
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == ["local", "dev"]  # nothing deployed yet: all changed
    matrix = workflow["jobs"]["deploy"]["strategy"]["matrix"]["tenant"]
    assert "fromJSON(needs.tenants.outputs.tenants)" in matrix
