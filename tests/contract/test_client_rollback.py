"""rollback through deployer.client, against Auth0's recorded answers."""

from __future__ import annotations

from support.project import Project
from support.recorded import RecordedAuth0

from deployer.versions import history, rollback
from deployer.workflow import deploy_tenant


def test_rollback_deploys_the_previous_version_as_a_new_one(
    project: Project, auth0: RecordedAuth0
) -> None:
    assert deploy_tenant(project.context(), "dev").error is None
    first_code = auth0.versions[0].code
    project.environ["DEV_TOKEN_SECRET"] = "rotated-VALUE-0123456789abcdefghijklmnopqrstu"
    project.edit_tenants(lambda text: text.replace("2026-11-01", "2026-12-01"))
    assert deploy_tenant(project.context(), "dev").error is None
    assert [e.number for e in history(project.context(), "dev")] == [2, 1]

    plan, created = rollback(project.context(), "dev", None, lambda p: True)
    assert (plan.current, plan.target.number) == (2, 1)
    assert "2026-12-01" in plan.code_diff and "2026-11-01" in plan.code_diff
    assert created is not None and created.number == 3
    assert auth0.live is not None and auth0.live.number == 3
    assert auth0.live.code == first_code
    draft = auth0.draft
    assert draft is not None
    assert auth0.writes()[-1] == (
        f"POST /api/v2/actions/actions/{draft.id}/versions/{auth0.versions[0].id}/deploy"
    )
