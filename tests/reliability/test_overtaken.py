"""A deploy overtaken while its version settles stops at once, says who won, and never offers
to overwrite the winner."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest
from support.project import Project

import deployer.apply
from deployer.apply import Waits
from deployer.emulator import EmulatorSettings
from deployer.workflow import RunOptions, deploy_tenant, guarded

NAME = "Accept Terms"
# Our version takes seconds to settle, and the wait would last two minutes: only the check
# inside the wait can end it early with the right message.
SLOW_SETTLE = EmulatorSettings(build_seconds=0.05, deploy_settle_seconds=3, rate_limit_burst=None)
LONG_WAITS = Waits(build_timeout=30, deploy_timeout=120, bind_timeout=30, poll=0.01)


def _twin(project: Project, tmp_path: Path, marker: str) -> Project:
    root = tmp_path / "other-checkout"
    shutil.copytree(project.root, root, ignore=shutil.ignore_patterns(".deployer"))
    other = Project(root=root, environ=dict(project.environ), emulators=project.emulators)
    other.template.write_text(other.template.read_text() + f"\n// {marker}\n")
    return other


def _ours_overtaken_by(project: Project, monkeypatch: pytest.MonkeyPatch, overtake) -> str:  # type: ignore[no-untyped-def]
    assert deploy_tenant(project.context(), "dev").error is None
    project.template.write_text(project.template.read_text() + "\n// change A\n")
    original = deployer.apply._deploy

    def deploy_then_overtaken(*args: object) -> int | None:
        number = original(*args)  # type: ignore[arg-type]
        overtake()
        return number

    monkeypatch.setattr(deployer.apply, "_deploy", deploy_then_overtaken)
    ctx = project.context(commit="a" * 40)
    ctx.options = RunOptions(waits=LONG_WAITS, commit="a" * 40)
    outcome = guarded("dev", lambda: deploy_tenant(ctx, "dev"))
    assert outcome.error is not None and outcome.exit_code == 1
    return outcome.error


def test_a_newer_version_deployed_meanwhile_stops_the_wait(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.settings = EmulatorSettings(
        build_seconds=0.05, deploy_settle_seconds=0.3, rate_limit_burst=None
    )
    other = _twin(project, tmp_path, "change B")

    def other_deploy() -> None:
        ctx = other.context()
        ctx.options = RunOptions(waits=LONG_WAITS, commit="b" * 40)
        monkeypatch.undo()  # the other deploy runs the real _deploy
        assert deploy_tenant(ctx, "dev").error is None

    error = _ours_overtaken_by(project, monkeypatch, other_deploy)
    assert "overtook" in error and "from commit bbbbbbbbbbbb" in error, error
    assert "run the deploy again" not in error and "gave up" not in error
    live = project.emulator("dev").state.find_by_name(NAME)
    assert live is not None and "// change B" in live.code  # the winner is left alone


def test_a_draft_replaced_meanwhile_stops_the_wait(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    project.settings = SLOW_SETTLE

    def dashboard_edit() -> None:
        emulator = project.emulator("dev")
        action = emulator.state.find_by_name(NAME)
        assert action is not None
        with httpx.Client(
            transport=emulator.transport(),
            base_url="https://dev.emulator/api/v2",
            headers={"authorization": f"Bearer {emulator.issue_token()}"},
        ) as http:
            answer = http.patch(f"/actions/actions/{action.id}", json={"code": "// edited\n"})
            assert answer.status_code == 200, answer.text

    error = _ours_overtaken_by(project, monkeypatch, dashboard_edit)
    assert "overtook" in error and "the draft was replaced" in error, error
    assert "from an unknown source" in error
    assert "run the deploy again" not in error
