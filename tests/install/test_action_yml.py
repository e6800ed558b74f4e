"""The composite GitHub Action (action.yml): its script passes the exit code and the Markdown
summary through, run here with bash the way a runner runs a `shell: bash` step."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from support.project import Project

REPO = Path(__file__).resolve().parents[2]


def _steps() -> list[dict[str, object]]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    return list(action["runs"]["steps"])


def test_it_sets_up_python_and_node_and_installs_itself_at_its_own_ref() -> None:
    steps = _steps()
    uses = [str(s.get("uses", "")).split("@")[0] for s in steps]
    assert uses[:2] == ["actions/setup-python", "actions/setup-node"]
    install = next(s for s in steps if "pip install" in str(s.get("run", "")))
    assert "${{ github.action_path }}" in str(install["env"])
    assert '"$ACTION_PATH"' in str(install["run"])
    assert "constraints.txt" in str(install["run"])


def _run_step(
    project: Project, tmp_path: Path, command: str, ok: str = "0"
) -> tuple[int, str, str]:
    (step,) = [s for s in _steps() if s.get("id") == "run"]
    script = tmp_path / "step.sh"
    script.write_text(str(step["run"]))
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    summary.write_text("")
    outputs.write_text("")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DEPLOYER_")},
        **project.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "DEPLOYER_COMMAND": command,
        "OK_EXIT_CODES": ok,
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(outputs),
        "NO_COLOR": "1",
    }
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, summary.read_text(), outputs.read_text()


@pytest.mark.parametrize(("ok", "expected"), [("0 2", 0), ("0", 2)])
def test_a_markdown_plan_lands_in_the_summary_and_its_exit_code_passes(
    project: Project, tmp_path: Path, ok: str, expected: int
) -> None:
    code, summary, outputs = _run_step(
        project, tmp_path, "plan -t dev --output markdown --detailed-exitcode", ok
    )
    assert code == expected
    assert summary.startswith("## Auth0 accept-terms plan")
    assert "exit-code=2" in outputs.splitlines()
    for value in project.environ.values():
        assert value not in summary


def test_a_failure_fails_the_step_and_text_output_stays_out_of_the_summary(
    project: Project, tmp_path: Path
) -> None:
    code, summary, outputs = _run_step(project, tmp_path, "plan -t dev")
    assert (code, summary) == (0, "")
    project.tenants_file.write_text("version: 1\ntenants: {}\n")
    code, _, outputs = _run_step(project, tmp_path, "validate")
    assert code == 1 and "exit-code=1" in outputs.splitlines()
