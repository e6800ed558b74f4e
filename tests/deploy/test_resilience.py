"""What Auth0 does to a deploy on a bad day: 429s, 5xx, lost answers, interrupted runs."""

from __future__ import annotations

import dataclasses
import time

import pytest
from support.project import FAST, Project

import deployer.apply
from deployer.plan import BindAction, DeployAction
from deployer.workflow import deploy_tenant, guarded, plan_tenant

NAME = "Accept Terms"
REAL_SLEEP = time.sleep


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """auth0-python and our retries sleep for seconds; the behaviour, not the wait, is tested."""
    monkeypatch.setattr(time, "sleep", lambda seconds: REAL_SLEEP(min(seconds, 0.02)))


def converged(project: Project, tenant: str) -> bool:
    plan = plan_tenant(project.context(), tenant).plan
    return plan is not None and plan.empty


@pytest.mark.usefixtures("quick_retries")
def test_a_storm_of_429s_and_5xx_is_survived(project: Project) -> None:
    project.settings = dataclasses.replace(FAST, fault_rate_429=0.25, fault_rate_5xx=0.15, seed=7)
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    log = project.emulator("dev").request_log
    assert any(e.status == 429 for e in log) and any(e.status >= 500 for e in log)
    assert len(project.emulator("dev").state.actions) == 1


@pytest.mark.usefixtures("quick_retries")
def test_lost_answer_to_the_create_does_not_duplicate_the_action(project: Project) -> None:
    emu = project.emulator("dev")
    emu.inject_drop(method="POST", path_prefix="/api/v2/actions/actions", after_processing=True)
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    assert [a.name for a in emu.state.actions.values()] == [NAME]


@pytest.mark.usefixtures("quick_retries")
def test_5xx_on_the_deploy_is_resolved_by_reading_back(project: Project) -> None:
    emu = project.emulator("dev")
    emu.inject(503, method="POST", path_prefix="/api/v2/actions/actions/")
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    assert converged(project, "dev")


@pytest.mark.usefixtures("quick_retries")
def test_429_on_the_create_is_retried(project: Project) -> None:
    project.emulator("dev").inject(429, count=2, method="POST")
    assert deploy_tenant(project.context(), "dev").error is None
    assert converged(project, "dev")


class Killed(BaseException):
    """Stands for SIGKILL/Ctrl-C: not an error the deployer may catch."""


@pytest.mark.parametrize(
    ("step", "then_planned"),
    [
        ("_wait_built", [DeployAction, BindAction]),  # killed right after the create/PATCH
        ("_wait_deployed", [BindAction]),  # killed right after the deploy answered
        ("_bind", [BindAction]),  # killed before the bindings were written
    ],
    ids=["after-write", "after-deploy", "before-bind"],
)
def test_an_interrupted_deploy_converges_when_run_again(
    project: Project, monkeypatch: pytest.MonkeyPatch, step: str, then_planned: list[type]
) -> None:
    def killed(*args: object, **kwargs: object) -> None:
        raise Killed

    with monkeypatch.context() as patch:
        patch.setattr(deployer.apply, step, killed)
        with pytest.raises(Killed):
            deploy_tenant(project.context(), "dev")
    time.sleep(0.1)  # let the emulator's build and deploy settle, as they would on Auth0
    plan = plan_tenant(project.context(), "dev").plan
    assert plan is not None
    assert [type(c) for c in plan.changes] == then_planned
    assert deploy_tenant(project.context(), "dev").error is None
    assert converged(project, "dev")
    assert len(project.emulator("dev").state.actions) == 1


def test_wrong_credentials_say_what_to_check(project: Project) -> None:
    project.edit_tenants(
        lambda t: t.replace(
            "  dev:\n    emulator: embedded\n",
            "  dev:\n    emulator: embedded\n    credentials:\n"
            "      client_id: local-deployer\n      client_secret: {env: WRONG_SECRET}\n",
        )
    )
    project.environ["WRONG_SECRET"] = "not-the-emulator-client-secret"
    outcome = guarded("dev", lambda: plan_tenant(project.context(), "dev"))
    assert outcome.error is not None
    assert "401" in outcome.error and "client_id and client_secret" in outcome.error
    assert "not-the-emulator-client-secret" not in outcome.error


def test_missing_scope_is_named(project: Project) -> None:
    project.emulator("dev").add_client("reader", "reader-secret-0123456789", ["read:actions"])
    project.edit_tenants(
        lambda t: t.replace(
            "  dev:\n    emulator: embedded\n",
            "  dev:\n    emulator: embedded\n    credentials:\n"
            "      client_id: reader\n      client_secret: {env: READER_SECRET}\n",
        )
    )
    project.environ["READER_SECRET"] = "reader-secret-0123456789"
    assert plan_tenant(project.context(), "dev").plan is not None  # reading is allowed
    outcome = guarded("dev", lambda: deploy_tenant(project.context(), "dev"))
    assert outcome.error is not None
    assert "create:actions" in outcome.error and "403" in outcome.error


@pytest.mark.slow
def test_free_tier_rate_limit_is_respected(project: Project) -> None:
    project.settings = dataclasses.replace(FAST, rate_limit_burst=2, rate_limit_per_second=2.0)
    outcome = deploy_tenant(project.context(), "dev")
    assert outcome.error is None, outcome.error
    assert converged(project, "dev")


def test_one_tenant_failing_does_not_hide_the_others(project: Project) -> None:
    from deployer.workflow import for_each

    project.emulator("dev").inject(403, count=50)
    outcomes = for_each(["local", "dev"], lambda n: deploy_tenant(project.context(), n))
    by_name = {o.tenant: o for o in outcomes}
    assert by_name["local"].applied and by_name["local"].error is None
    assert by_name["dev"].error is not None
