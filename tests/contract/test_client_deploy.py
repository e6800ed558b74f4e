"""deploy through deployer.client and the workflow, against Auth0's recorded answers."""

from __future__ import annotations

from support.project import SECRET_VALUES, Project
from support.recorded import RecordedAuth0

from deployer.workflow import deploy_tenant, guarded

ACTION = "/api/v2/actions/actions"


def _set_dependency(project: Project, dependency: str) -> None:
    manifest = project.root / "accept-terms" / "action.yaml"
    manifest.write_text(
        manifest.read_text().replace("dependencies: []", f"dependencies:\n  - {dependency}")
    )


def test_create_deploy_and_bind_on_recorded_answers(project: Project, auth0: RecordedAuth0) -> None:
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    draft = auth0.draft
    assert draft is not None and draft.name == "Accept Terms"
    assert auth0.writes() == [
        f"POST {ACTION}",
        f"POST {ACTION}/{draft.id}/deploy",
        "PATCH /api/v2/actions/triggers/post-login/bindings",
    ]
    assert auth0.live is not None and auth0.live.number == 1
    assert [name for _, name in auth0.bindings] == ["Accept Terms"]
    # It polled through `building` and waited for the deploy to become live.
    assert auth0.requests.count(f"GET {ACTION}/{draft.id}") >= 3
    text = "\n".join(project.lines)
    assert "waiting for the build: building" in text
    for value in SECRET_VALUES.values():
        assert value not in text


def test_a_second_deploy_of_the_same_config_writes_nothing(
    project: Project, auth0: RecordedAuth0
) -> None:
    assert deploy_tenant(project.context(), "dev").error is None
    before = len(auth0.writes())
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    assert len(auth0.writes()) == before
    assert outcome.plan is not None and outcome.plan.empty


def test_update_patches_the_draft_and_deploys_version_two(
    project: Project, auth0: RecordedAuth0
) -> None:
    assert deploy_tenant(project.context(), "dev").error is None
    project.environ["DEV_TOKEN_SECRET"] = "rotated-VALUE-0123456789abcdefghijklmnopqrstu"
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    draft = auth0.draft
    assert draft is not None
    assert auth0.writes()[-2:] == [f"PATCH {ACTION}/{draft.id}", f"POST {ACTION}/{draft.id}/deploy"]
    assert auth0.live is not None and auth0.live.number == 2
    assert "TERMS_TOKEN_SECRET" in draft.secrets


def test_a_failed_build_is_reported_without_auth0_errors(
    project: Project, auth0: RecordedAuth0
) -> None:
    """Auth0's failed action has no `errors` (recorded): the user is still told what and where."""
    assert deploy_tenant(project.context(), "dev").error is None
    _set_dependency(project, "{name: crypto, version: 0.0.0-nonexistent}")
    result = guarded("dev", lambda: deploy_tenant(project.context(), "dev"))
    assert result.error is not None
    assert "could not build the action 'Accept Terms'" in result.error
    assert "crypto@0.0.0-nonexistent" in result.error
    assert "Actions > Library > Accept Terms" in result.error
    draft = auth0.draft
    assert draft is not None
    assert auth0.writes().count(f"POST {ACTION}/{draft.id}/deploy") == 1  # the first only
    assert auth0.writes()[-1] == f"PATCH {ACTION}/{draft.id}"
    assert auth0.live is not None and auth0.live.number == 1  # nothing new went live
