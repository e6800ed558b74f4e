"""plan through deployer.client and the workflow, against Auth0's recorded answers."""

from __future__ import annotations

from support.project import Project
from support.recorded import RecordedAuth0

from deployer.output import text
from deployer.workflow import deploy_tenant, plan_tenant


def test_plan_on_an_empty_tenant_creates_and_binds(project: Project, auth0: RecordedAuth0) -> None:
    outcome = plan_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    assert outcome.plan is not None and not outcome.plan.empty
    shown = text([outcome])
    assert "+ action 'Accept Terms' will be created" in shown, shown
    assert "Plan: 2 to add, 1 to change, 0 to destroy." in shown, shown
    assert auth0.writes() == []  # a plan only reads
    assert auth0.requests[1:] == [
        "GET /api/v2/actions/actions",
        "GET /api/v2/actions/triggers/post-login/bindings",
    ]


def test_plan_after_a_deploy_sees_no_change_then_a_secret_change(
    project: Project, auth0: RecordedAuth0
) -> None:
    assert deploy_tenant(project.context(), "dev").error is None
    quiet = plan_tenant(project.context(), "dev")
    assert quiet.error is None and quiet.plan is not None and quiet.plan.empty
    project.environ["DEV_RECORD_KEY"] = "rotated-VALUE-0123456789abcdefghijklmnopqrstuv"
    changed = plan_tenant(project.context(), "dev")
    assert changed.plan is not None and not changed.plan.empty
    assert "~ secret TERMS_RECORD_KEY (value changed)" in text([changed])
