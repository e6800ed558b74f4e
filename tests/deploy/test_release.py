"""Pipelines: saved plans applied exactly, promotion gates, history and rollback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from support.project import FAST, Project

from deployer.cli import cli
from deployer.header import parse_header
from deployer.plan import DeployAction
from deployer.versions import history
from deployer.workflow import deploy_tenant, plan_tenant

NAME = "Accept Terms"


@pytest.fixture
def run(project: Project):  # type: ignore[no-untyped-def]
    # The CLI's embedded tenants persist in tmp_path/.deployer, like a user's checkout.
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(
            cli, ["--config", str(project.tenants_file), *args], env=project.environ, obj=FAST
        )

    return invoke


def edit_draft(project: Project, tenant: str, extra: str) -> None:
    """Someone edits the draft in the dashboard."""
    emu = project.emulator(tenant)
    action = emu.state.find_by_name(NAME)
    assert action is not None
    with httpx.Client(transport=emu.transport(), base_url=f"https://{tenant}.emulator") as http:
        answer = http.patch(
            f"/api/v2/actions/actions/{action.id}",
            json={"code": action.code + extra},
            headers={"authorization": f"Bearer {emu.issue_token()}"},
        )
    assert answer.status_code == 200


def test_saved_plan_applies_cleanly(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan_file = tmp_path / "dev.plan.json"
    planned = run("plan", "-t", "dev", "--out", str(plan_file))
    assert planned.exit_code == 0, planned.output
    document = json.loads(plan_file.read_text())
    assert document["kind"] == "auth0-terms-deployer/plan"
    assert document["tenants"][0]["plan"]["summary"] == {"add": 2, "change": 1, "destroy": 0}
    applied = run("apply", str(plan_file))
    assert applied.exit_code == 0, applied.output
    assert "dev: applied" in applied.stdout
    assert run("plan", "-t", "dev", "--detailed-exitcode").exit_code == 0
    # The same plan again is stale: it was made against a tenant that has moved on.
    again = run("apply", str(plan_file))
    assert again.exit_code == 1
    assert "the live action was created since" in again.stdout


def test_saved_plan_is_refused_after_the_live_action_changed(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # The CLI's state file and the test's emulator must be the same tenant: use the file.
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    project.template.write_text(project.template.read_text() + "\n// reviewed\n")
    plan_file = tmp_path / "dev.plan.json"
    assert run("plan", "-t", "dev", "--out", str(plan_file)).exit_code == 0
    from deployer.emulator import Emulator

    state = project.root / ".deployer" / "dev" / "emulator.json"
    emu = Emulator(FAST, state_path=state, domain="dev.emulator")
    project.emulators["dev"] = emu
    edit_draft(project, "dev", "\n// dashboard edit\n")
    refused = run("apply", str(plan_file))
    assert refused.exit_code == 1
    assert "the saved plan is out of date" in refused.stdout
    assert "the live action changed (updated_at, draft" in refused.stdout
    assert "// dashboard edit" in (emu.state.find_by_name(NAME).code or "")  # type: ignore[union-attr]


def test_saved_plan_is_refused_after_the_template_changed(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    plan_file = tmp_path / "dev.plan.json"
    assert run("plan", "-t", "dev", "--out", str(plan_file)).exit_code == 0
    project.template.write_text(project.template.read_text() + "\n// unreviewed\n")
    refused = run("apply", str(plan_file))
    assert refused.exit_code == 1
    assert "desired: the Action's code (template or parameters) changed" in refused.stdout


def test_plan_file_holds_no_secret_value(run, project: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    plan_file = tmp_path / "all.plan.json"
    assert run("plan", "--all", "--out", str(plan_file)).exit_code == 0
    text = plan_file.read_text()
    generated = json.loads((project.root / ".deployer" / "local" / "secrets.json").read_text())
    for value in [*project.environ.values(), *generated.values()]:
        assert value not in text


def test_promotion_waits_for_the_stage_before(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    project.edit_tenants(lambda t: t.replace("tenants:\n", "promotion: [local, dev]\ntenants:\n"))
    refused = run("promote", "--to", "dev", "--yes")
    assert refused.exit_code == 1
    assert "local is behind this commit" in refused.stderr
    forced = run("promote", "--to", "dev", "--yes", "--force")
    assert forced.exit_code == 0 and "promoting anyway" in forced.stderr
    assert run("promote", "--to", "local", "--yes").exit_code == 0
    project.template.write_text(project.template.read_text() + "\n// next\n")
    assert run("promote", "--to", "local", "--yes").exit_code == 0
    promoted = run("promote", "--to", "dev", "--yes")
    assert promoted.exit_code == 0, promoted.output
    assert "local runs this commit's Action; promoting to dev" in promoted.stderr
    assert "dev: applied" in promoted.stdout


def test_promotion_names_unknown_stages(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    project.edit_tenants(lambda t: t.replace("tenants:\n", "promotion: [local, dev]\ntenants:\n"))
    result = run("promote", "--to", "prod")
    assert result.exit_code == 1
    assert "stages: local -> dev" in result.stderr


def test_history_lists_versions_with_their_commits(project: Project) -> None:
    assert deploy_tenant(project.context(commit="c0ffee1"), "dev").error is None
    project.template.write_text(project.template.read_text() + "\n// two\n")
    assert deploy_tenant(project.context(commit="c0ffee2"), "dev").error is None
    entries = history(project.context(), "dev")
    assert [(e.number, e.commit, e.live) for e in entries] == [
        (2, "c0ffee2", True),
        (1, "c0ffee1", False),
    ]


def test_rollback_restores_older_code_and_the_plan_shows_the_way_back(project: Project) -> None:
    from deployer.versions import rollback

    assert deploy_tenant(project.context(commit="c1"), "dev").error is None
    project.template.write_text(project.template.read_text() + "\n// v2 breaks logins\n")
    assert deploy_tenant(project.context(commit="c2"), "dev").error is None
    shown = []
    plan, created = rollback(project.context(), "dev", None, lambda p: shown.append(p) or True)
    assert created is not None and created.number == 3
    assert plan.target.number == 1
    assert "-// v2 breaks logins" in shown[0].code_diff
    emu = project.emulator("dev")
    action = emu.state.find_by_name(NAME)
    assert action is not None
    live = emu.state.actions[action.id]
    deployed = live.version(live.live_version_id(__import__("time").time()))
    assert deployed is not None and "v2 breaks logins" not in deployed.code
    assert parse_header(deployed.code).commit == "c1"  # type: ignore[union-attr]
    # The draft still holds the repository's code: the next plan deploys it again.
    again = plan_tenant(project.context(), "dev").plan
    assert again is not None and [type(c) for c in again.changes] == [DeployAction]


def test_rollback_refuses_an_unknown_version(project: Project) -> None:
    from deployer.errors import RefusedError
    from deployer.versions import rollback

    deploy_tenant(project.context(), "dev")
    with pytest.raises(RefusedError, match="no version 9"):
        rollback(project.context(), "dev", 9, lambda p: True)
    with pytest.raises(RefusedError, match="no older version"):
        rollback(project.context(), "dev", None, lambda p: True)
