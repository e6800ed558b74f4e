"""`deployer verify` and `deploy --verify`: synthetic logins through the test endpoint."""

from __future__ import annotations

from typing import Any

import httpx
from support.project import SECRET_VALUES, Project

from deployer.params import ActionParams
from deployer.verify import cases, verify_tenant
from deployer.workflow import deploy_tenant


def _no_secret_in(text: str) -> None:
    for value in SECRET_VALUES.values():
        assert value not in text


def test_verify_passes_after_a_deploy(run: Any) -> None:
    assert run("deploy", "--tenant", "local", "--yes").exit_code == 0
    result = run("verify", "--tenant", "local")

    assert result.exit_code == 0, result.output
    lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(lines) == 6 and all(line.startswith("  PASS  ") for line in lines)
    assert "a refresh-token login with no acceptance is denied" in result.stdout
    assert "sent to https://terms.example.com/accept with a session_token" in result.stdout
    assert "local: 6 of 6 checks passed; verified." in result.stdout


def test_deploy_verify_deploys_then_verifies(run: Any) -> None:
    result = run("deploy", "--tenant", "dev", "--yes", "--verify")

    assert result.exit_code == 0, result.output
    assert "dev: applied" in result.stdout
    assert "dev: 6 of 6 checks passed; verified." in result.stdout
    _no_secret_in(result.output)


def test_a_broken_action_fails_case_by_case(run: Any, project: Project) -> None:
    # An Action that lets everyone in: deployed fine, but it no longer does its job.
    template = project.template.read_text()
    broken = template.replace(
        "  if (!appliesTo(event.client)) return;\n", "  if (event.client) return;\n", 1
    )
    assert broken != template
    project.template.write_text(broken)
    assert run("deploy", "--tenant", "dev", "--yes").exit_code == 0

    result = run("verify", "--tenant", "dev")

    assert result.exit_code == 1
    out = result.stdout
    assert "  PASS  the draft is the deployed version" in out
    assert "  FAIL  a user with no acceptance is sent to the terms: let through" in out
    assert "  FAIL  a user with a forged acceptance record is sent to the terms: let through" in out
    assert "  FAIL  a refresh-token login with no acceptance is denied: not denied" in out
    assert "  FAIL  a silent login (prompt=none) with no acceptance is not let through" in out
    assert "dev: 2 of 6 checks passed; NOT verified." in out
    _no_secret_in(result.output)


def test_deploy_verify_fails_for_a_broken_action(run: Any, project: Project) -> None:
    template = project.template.read_text()
    project.template.write_text(
        template.replace(
            "api.redirect.sendUserTo(CONFIG.terms.url",
            "api.redirect.sendUserTo('https://elsewhere.example/terms'",
        )
    )
    result = run("deploy", "--tenant", "dev", "--yes", "--verify")

    assert result.exit_code == 1
    assert (
        "FAIL  a user with no acceptance is sent to the terms: sent to "
        "https://elsewhere.example/terms, not to the terms page https://terms.example.com/accept"
    ) in result.stdout


def test_verify_before_any_deploy_says_so(run: Any) -> None:
    result = run("verify", "--tenant", "dev")

    assert result.exit_code == 1
    assert "dev: cannot verify: dev: there is no action named 'Accept Terms'" in result.stdout


def test_with_non_interactive_allow_a_refresh_passes_without_claims(
    run: Any, project: Project
) -> None:
    project.edit_tenants(
        lambda text: text.replace(
            'claims: {namespace: "https://example.com/"}',
            'claims: {namespace: "https://example.com/"}\n    non_interactive: allow',
        )
    )
    assert run("deploy", "--tenant", "dev", "--yes").exit_code == 0
    result = run("verify", "--tenant", "dev")

    assert result.exit_code == 0, result.output
    assert "PASS  a refresh-token login with no acceptance passes without claims" in result.stdout


def test_a_draft_ahead_of_the_deployed_version_is_not_verified(project: Project) -> None:
    context = project.context()
    assert deploy_tenant(context, "dev").error is None
    emulator = project.emulator("dev")
    with httpx.Client(
        transport=emulator.transport(),
        base_url="https://dev.emulator/api/v2",
        headers={"authorization": f"Bearer {emulator.issue_token()}"},
    ) as http:
        (action,) = http.get("/actions/actions").json()["actions"]
        code = action["code"] + "\n// edited in the dashboard\n"
        assert http.patch(f"/actions/actions/{action['id']}", json={"code": code}).is_success

    report = verify_tenant(context, "dev")

    assert not report.passed
    assert [c.passed for c in report.cases] == [False, True]  # no login is tried
    assert "deploy" in report.cases[0].detail


def test_an_answer_verify_cannot_read_fails_the_case(project: Project) -> None:
    """What Auth0's test endpoint answers inside `payload` is not documented: an answer of
    another shape fails each case with a message, never passes it."""
    from deployer.config import load_config

    params: ActionParams = load_config(project.tenants_file).tenants["dev"].action
    for case in cases(params, "dev.emulator"):
        passed, detail = case.check({"commands": []})
        assert not passed
        assert detail == "could not read the test endpoint's answer (keys: commands)"
        passed, detail = case.check(
            {"redirect": None, "denied": None, "id_token_claims": {}, "error": {"message": "x"}}
        )
        assert (passed, detail) == (False, "the Action failed: x")
