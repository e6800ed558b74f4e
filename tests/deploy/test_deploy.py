"""Plan and deploy against the emulator, in process: the flow, idempotency, ownership, drift."""

from __future__ import annotations

import pytest
from support.project import Project

from deployer.plan import BindAction, CreateAction, DeployAction, UpdateAction
from deployer.workflow import deploy_tenant, plan_tenant

NAME = "Accept Terms"


def bound_names(project: Project, tenant: str) -> list[str]:
    emu = project.emulator(tenant)
    return [emu.state.actions[b.action_id].name for b in emu.state.bindings.get("post-login", [])]


def test_first_deploy_creates_deploys_and_binds(project: Project) -> None:
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    assert outcome.applied
    assert outcome.plan is not None
    assert [type(c) for c in outcome.plan.changes] == [CreateAction, DeployAction, BindAction]
    action = project.emulator("dev").state.find_by_name(NAME)
    assert action is not None
    action_id = action.id
    assert project.writes("dev") == [
        "POST /api/v2/actions/actions",
        f"POST /api/v2/actions/actions/{action_id}/deploy",
        "PATCH /api/v2/actions/triggers/post-login/bindings",
    ]
    assert bound_names(project, "dev") == [NAME]
    # The deployed secrets are exactly the configured values (Auth0 would never show them).
    assert project.emulator("dev").secret_values(action_id) == {
        "TERMS_TOKEN_SECRET": project.environ["DEV_TOKEN_SECRET"],
        "TERMS_TOKEN_SECRET_PREVIOUS": project.environ["DEV_PREVIOUS"],
        "TERMS_RECORD_KEY": project.environ["DEV_RECORD_KEY"],
    }


def test_second_plan_is_no_changes_and_second_deploy_writes_nothing(project: Project) -> None:
    deploy_tenant(project.context(), "dev")
    emu = project.emulator("dev")
    emu.clear_log()
    plan = plan_tenant(project.context(), "dev")
    assert plan.plan is not None and plan.plan.empty
    assert len(emu.request_log) == 3  # token, the action by name, the bindings
    emu.clear_log()
    again = deploy_tenant(project.context(), "dev")
    assert again.error is None and not again.applied
    assert project.writes("dev") == []


def test_template_change_is_an_update_and_a_deploy(project: Project) -> None:
    deploy_tenant(project.context(), "dev")
    project.template.write_text(project.template.read_text() + "\n// a reviewed change\n")
    plan = plan_tenant(project.context(), "dev").plan
    assert plan is not None
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert "+// a reviewed change" in update.code_diff
    assert isinstance(plan.find(DeployAction), DeployAction)
    assert plan.find(BindAction) is None
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.applied and outcome.error is None
    writes = project.writes("dev")
    assert writes[-2:][0].startswith("PATCH /api/v2/actions/actions/")
    assert writes[-1].endswith("/deploy")


def test_parameter_change_is_an_update(project: Project) -> None:
    deploy_tenant(project.context(), "dev")
    project.edit_tenants(lambda t: t.replace('version: "2026-11-01"', 'version: "2026-12-01"'))
    plan = plan_tenant(project.context(), "dev").plan
    assert plan is not None
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert "2026-12-01" in update.code_diff


def test_other_actions_keep_their_order(project: Project) -> None:
    emu = project.emulator("dev")
    for name in ("Risk Check", "Geo Block", "Audit Log"):
        emu.seed_binding("post-login", emu.seed_action(name))
    project.edit_tenants(
        lambda t: t.replace(
            "    emulator: embedded\n    secrets:",
            "    emulator: embedded\n    binding: {after: Risk Check}\n    secrets:",
        )
    )
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    assert bound_names(project, "dev") == ["Risk Check", NAME, "Geo Block", "Audit Log"]
    # Moving ours to the end keeps the three others in their order.
    project.edit_tenants(lambda t: t.replace("binding: {after: Risk Check}", "binding: last"))
    assert deploy_tenant(project.context(), "dev").error is None
    assert bound_names(project, "dev") == ["Risk Check", "Geo Block", "Audit Log", NAME]


def test_draft_edited_behind_our_back_shows_as_drift(project: Project) -> None:
    deploy_tenant(project.context(), "dev")
    emu = project.emulator("dev")
    action = emu.state.find_by_name(NAME)
    assert action is not None
    token = emu.issue_token()
    import httpx

    with httpx.Client(transport=emu.transport(), base_url="https://dev.emulator") as http:
        answer = http.patch(
            f"/api/v2/actions/actions/{action.id}",
            json={"code": action.code + "\n// edited in the dashboard\n"},
            headers={"authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 200
    plan = plan_tenant(project.context(), "dev").plan
    assert plan is not None
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert "-// edited in the dashboard" in update.code_diff
    assert any("draft differs from the deployed version" in w for w in plan.warnings)


def test_unmanaged_action_of_our_name_is_refused_then_adopted(project: Project) -> None:
    emu = project.emulator("dev")
    emu.seed_action(NAME, code="exports.onExecutePostLogin = async () => {}; // by hand")
    refused = plan_tenant_outcome(project, "dev")
    assert refused.error and "--adopt" in refused.error
    adopted = deploy_tenant(project.context(adopt=True), "dev")
    assert adopted.error is None, adopted.error
    assert plan_tenant(project.context(), "dev").plan.empty  # type: ignore[union-attr]


def test_marketplace_action_is_never_touched(project: Project) -> None:
    emu = project.emulator("dev")
    emu.seed_action(
        NAME, integration={"id": "int_1", "name": "Vendor"}, installed_integration_id="inst_1"
    )
    outcome = plan_tenant_outcome(project, "dev", adopt=True)
    assert outcome.error and "Marketplace" in outcome.error
    assert project.writes("dev") == []


def plan_tenant_outcome(project: Project, tenant: str, **options: object):  # type: ignore[no-untyped-def]
    from deployer.workflow import guarded

    return guarded(tenant, lambda: plan_tenant(project.context(**options), tenant))


def test_failed_build_says_where_to_look(project: Project) -> None:
    manifest = project.root / "accept-terms" / "action.yaml"
    manifest.write_text(
        manifest.read_text().replace(
            "dependencies: []", "dependencies:\n  - {name: lodash, version: 0.0.0-nonexistent}"
        )
    )
    outcome = plan_tenant_outcome(project, "dev")
    assert outcome.error is None
    from deployer.workflow import guarded

    result = guarded("dev", lambda: deploy_tenant(project.context(), "dev"))
    assert result.error is not None
    assert "could not build" in result.error
    # Auth0 gives no reason (recorded): the message names the usual cause and where to look.
    assert "lodash@0.0.0-nonexistent" in result.error
    assert "Actions > Library > " in result.error
    assert "not deployed" in result.error


@pytest.mark.parametrize("tenant", ["local", "dev"])
def test_deploy_then_plan_for_each_tenant_kind(project: Project, tenant: str) -> None:
    assert deploy_tenant(project.context(), tenant).error is None
    assert plan_tenant(project.context(), tenant).plan.empty  # type: ignore[union-attr]


def test_commit_is_recorded_but_a_new_commit_alone_is_no_change(project: Project) -> None:
    from deployer.header import parse_header

    assert deploy_tenant(project.context(commit="aaa111"), "dev").error is None
    action = project.emulator("dev").state.find_by_name(NAME)
    assert action is not None
    header = parse_header(action.code)
    assert header is not None and header.commit == "aaa111" and not header.dirty
    assert plan_tenant(project.context(commit="bbb222", dirty=True), "dev").plan.empty  # type: ignore[union-attr]
    project.template.write_text(project.template.read_text() + "\n// change\n")
    assert deploy_tenant(project.context(commit="bbb222", dirty=True), "dev").error is None
    header = parse_header(project.emulator("dev").state.find_by_name(NAME).code)  # type: ignore[union-attr]
    assert header is not None and header.commit == "bbb222" and header.dirty


def test_broken_javascript_never_reaches_the_tenant(project: Project) -> None:
    from deployer.workflow import guarded

    deploy_tenant(project.context(), "dev")
    project.emulator("dev").clear_log()
    project.template.write_text(project.template.read_text() + "\nfunction (\n")
    outcome = guarded("dev", lambda: deploy_tenant(project.context(), "dev"))
    assert outcome.error is not None and "not valid JavaScript" in outcome.error
    assert project.writes("dev") == []
