"""Pipelines: saved plans applied exactly, promotion gates, history and rollback."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from support.project import FAST, Project

from deployer.cli import cli
from deployer.header import parse_header
from deployer.plan import DeployAction
from deployer.versions import history
from deployer.workflow import deploy_tenant, plan_tenant

NAME = "Accept Terms"


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
    # It was this tool's own rollback, not an edit made outside it.
    assert not any("outside this tool" in w for w in again.warnings), again.warnings
    assert any("after a rollback" in w for w in again.warnings)


def test_rollback_refuses_an_unknown_version(project: Project) -> None:
    from deployer.errors import RefusedError
    from deployer.versions import rollback

    deploy_tenant(project.context(), "dev")
    with pytest.raises(RefusedError, match="no version 9"):
        rollback(project.context(), "dev", 9, lambda p: True)
    with pytest.raises(RefusedError, match="no older version"):
        rollback(project.context(), "dev", None, lambda p: True)


def promotion(project: Project) -> None:
    project.edit_tenants(lambda t: t.replace("tenants:\n", "promotion: [local, dev]\ntenants:\n"))


def test_promote_applies_exactly_the_reviewed_plan_without_asking(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    promotion(project)
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    plan_file = tmp_path / "dev.plan.json"
    assert run("plan", "-t", "dev", "--out", str(plan_file)).exit_code == 0
    # No --yes and no terminal: the reviewed plan is the question already answered.
    promoted = run("promote", "--to", "dev", "--plan", str(plan_file))
    assert promoted.exit_code == 0, promoted.output
    assert "dev: applied" in promoted.stdout
    # Applied once, the same plan is stale: refused, naming what moved.
    again = run("promote", "--to", "dev", "--plan", str(plan_file))
    assert again.exit_code == 1
    assert "the saved plan is out of date" in again.output


def test_promote_refuses_a_plan_made_for_other_code(run, project: Project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    promotion(project)
    plan_file = tmp_path / "dev.plan.json"
    assert run("plan", "-t", "dev", "--out", str(plan_file)).exit_code == 0
    project.template.write_text(project.template.read_text() + "\n// not reviewed\n")
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    refused = run("promote", "--to", "dev", "--plan", str(plan_file))
    assert refused.exit_code == 1
    assert "desired: the Action's code (template or parameters) changed" in refused.output
    assert run("plan", "-t", "dev", "--detailed-exitcode").exit_code == 2  # nothing applied


def test_promote_refuses_a_missing_or_foreign_plan_file(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    promotion(project)
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    missing = run("promote", "--to", "dev", "--plan", str(tmp_path / "nonexistent.json"), "--yes")
    assert missing.exit_code == 1
    assert "plan file not found" in missing.stderr
    other = tmp_path / "local.plan.json"
    assert run("plan", "-t", "local", "--out", str(other)).exit_code == 0
    wrong = run("promote", "--to", "dev", "--plan", str(other))
    assert wrong.exit_code == 1 and "not for dev" in wrong.stderr
    assert run("plan", "-t", "dev", "--detailed-exitcode").exit_code == 2


def test_promote_without_a_plan_still_asks(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    promotion(project)
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    asked = run("promote", "--to", "dev")
    assert asked.exit_code == 1
    assert "no terminal to ask for confirmation; add --yes" in asked.stderr


def test_show_prints_a_saved_plan_as_plan_did_without_a_tenant(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    plan_file = tmp_path / "all.plan.json"
    planned = run("plan", "--all", "--out", str(plan_file))
    assert planned.exit_code == 0
    # No config and no tenant: the file is all it reads.
    runner = CliRunner()
    shown = runner.invoke(cli, ["--config", str(tmp_path / "absent.yaml"), "show", str(plan_file)])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == planned.stdout
    for fmt in ("json", "markdown"):
        now = run("plan", "--all", "--output", fmt)
        again = runner.invoke(cli, ["show", str(plan_file), "--output", fmt])
        assert again.exit_code == 0
        if fmt == "json":
            assert json.loads(again.stdout) == json.loads(now.stdout)
        else:
            assert again.stdout == now.stdout
    missing = runner.invoke(cli, ["show", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "plan file not found" in missing.stderr


def test_a_plan_without_secret_values_reads_the_tenant_and_says_so(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    no_values = {name: "" for name in project.environ}
    planned = run("plan", "-t", "dev", "--detailed-exitcode", env=no_values)
    assert planned.exit_code == 0, planned.output  # the code is compared: nothing to do
    assert "secrets not checked (no value here): TERMS_RECORD_KEY, TERMS_TOKEN_SECRET" in (
        planned.stdout
    )
    document = json.loads(run("plan", "-t", "dev", "-o", "json", env=no_values).stdout)
    assert document["tenants"][0]["secrets_not_checked"] == [
        "TERMS_RECORD_KEY",
        "TERMS_TOKEN_SECRET",
        "TERMS_TOKEN_SECRET_PREVIOUS",
    ]
    markdown = run("plan", "-t", "dev", "-o", "markdown", env=no_values).stdout
    assert "(secrets not checked)" in markdown
    # A code change is still seen without the values.
    project.template.write_text(project.template.read_text() + "\n// next\n")
    changed = run("plan", "-t", "dev", "--detailed-exitcode", env=no_values)
    assert changed.exit_code == 2 and "+// next" in changed.stdout
    assert "secret" not in changed.stdout.split("secrets not checked")[1].split("\n", 1)[1]
    # ...and a deploy still needs every value.
    refused = run("deploy", "-t", "dev", "--yes", env=no_values)
    assert refused.exit_code == 1 and "not ready" in refused.stderr


def test_a_saved_plan_without_secret_values_applies_where_they_are(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    project.template.write_text(project.template.read_text() + "\n// reviewed\n")
    plan_file = tmp_path / "dev.plan.json"
    no_values = {name: "" for name in project.environ}
    assert run("plan", "-t", "dev", "--out", str(plan_file), env=no_values).exit_code == 0
    assert "secrets not checked" in run("show", str(plan_file)).stdout
    rotated = {"DEV_RECORD_KEY": "dev-record-key-ROTATED-0123456789abcdefghijklmn"}
    applied = run("apply", str(plan_file), env=rotated)
    assert applied.exit_code == 0, applied.output
    assert "did not check TERMS_RECORD_KEY" in applied.stderr
    for value in [*project.environ.values(), *rotated.values()]:
        assert value not in applied.output and value not in plan_file.read_text()
    assert run("plan", "-t", "dev", "--detailed-exitcode", env=rotated).exit_code == 0


def test_promote_refuses_a_stage_that_is_not_ready_before_any_write(
    run, project: Project, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    promotion(project)
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    plan_file = tmp_path / "dev.plan.json"
    assert run("plan", "-t", "dev", "--out", str(plan_file)).exit_code == 0
    for args in (("--yes",), ("--plan", str(plan_file))):
        refused = run("promote", "--to", "dev", *args, env={"DEV_TOKEN_SECRET": ""})
        assert refused.exit_code == 1
        assert "not applying anything" in refused.stderr and "$DEV_TOKEN_SECRET" in refused.stderr
    assert run("plan", "-t", "dev", "--detailed-exitcode").exit_code == 2  # nothing written
