"""The kill switch (`disable`, `destroy`) and the readiness check before a multi-tenant run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.project import FAST, Project

from deployer.apply import apply_teardown
from deployer.client import Auth0Client
from deployer.desired import desired_action
from deployer.emulator import Emulator, EmulatorServer, serve
from deployer.errors import Auth0Error
from deployer.plan import DeleteAction, UnbindAction, teardown
from deployer.targets import open_client
from deployer.workflow import deploy_tenant, plan_tenant, read_live, teardown_tenant

NAME = "Accept Terms"
OTHERS = ("Risk Check", "Geo Block", "Audit Log")


def cli_emulator(project: Project, tenant: str) -> Emulator:
    """The emulator the CLI's embedded tenant keeps in its state file (read it afresh)."""
    state = project.root / ".deployer" / tenant / "emulator.json"
    return Emulator(FAST, state_path=state, domain=f"{tenant}.emulator")


def bound(emu: Emulator) -> list[str]:
    return [emu.state.actions[b.action_id].name for b in emu.state.bindings.get("post-login", [])]


def seed_others(emu: Emulator) -> None:
    for name in OTHERS:
        emu.seed_binding("post-login", emu.seed_action(name))


def test_disable_unbinds_only_ours_and_deploy_binds_it_again(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    seed_others(cli_emulator(project, "dev"))
    project.edit_tenants(
        lambda t: t.replace("  dev:\n", "  dev:\n    binding: {after: Risk Check}\n")
    )
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    assert bound(cli_emulator(project, "dev")) == ["Risk Check", NAME, "Geo Block", "Audit Log"]

    asked = run("disable", "-t", "dev")  # no terminal, no --yes: shows the plan, changes nothing
    assert asked.exit_code == 1
    assert "'Accept Terms' will be unbound" in asked.stdout
    assert "after:  Risk Check -> Geo Block -> Audit Log" in asked.stdout
    assert "add --yes" in asked.stderr
    assert NAME in bound(cli_emulator(project, "dev"))

    disabled = run("disable", "-t", "dev", "--yes")
    assert disabled.exit_code == 0, disabled.output
    assert "dev: unbound" in disabled.stdout
    emu = cli_emulator(project, "dev")
    assert bound(emu) == list(OTHERS)  # the others keep their bindings and their order
    assert emu.state.find_by_name(NAME) is not None  # the action is kept
    again = run("disable", "-t", "dev", "--yes")
    assert again.exit_code == 0 and "nothing to do" in again.stdout

    planned = run("plan", "-t", "dev")
    assert "'Accept Terms' will be bound after 'Risk Check'" in planned.stdout
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    assert bound(cli_emulator(project, "dev")) == ["Risk Check", NAME, "Geo Block", "Audit Log"]


def test_destroy_unbinds_and_deletes_ours_in_json(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    seed_others(cli_emulator(project, "dev"))
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    result = run("destroy", "-t", "dev", "--yes", "--output", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    dev = document["tenants"][0]
    assert dev["applied"] is True
    assert [c["type"] for c in dev["changes"]] == ["unbind_action", "delete_action"]
    assert dev["summary"] == {"add": 0, "change": 0, "destroy": 2}
    emu = cli_emulator(project, "dev")
    assert emu.state.find_by_name(NAME) is None
    assert bound(emu) == list(OTHERS)
    for value in project.environ.values():
        assert value not in result.output


def test_destroy_never_touches_an_action_it_did_not_deploy(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    emu = cli_emulator(project, "dev")
    emu.seed_binding("post-login", emu.seed_action(NAME, code="// made by hand\n"))
    for command in ("destroy", "disable"):
        refused = run(command, "-t", "dev", "--yes")
        assert refused.exit_code == 1
        assert "was not deployed by this tool" in refused.output
    emu = cli_emulator(project, "dev")
    assert emu.state.find_by_name(NAME) is not None and bound(emu) == [NAME]


def test_disable_needs_no_secret_value(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    result = run("disable", "-t", "dev", "--yes", env={k: "" for k in project.environ})
    assert result.exit_code == 0, result.output
    assert bound(cli_emulator(project, "dev")) == []


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Emulator, EmulatorServer]]:
    emulator = Emulator(FAST, domain="127.0.0.1")
    with serve(emulator, tls=True, tls_dir=tmp_path / "tls") as server:
        yield emulator, server


def test_disable_and_destroy_over_https_with_other_actions_bound(
    project: Project, served: tuple[Emulator, EmulatorServer]
) -> None:
    emulator, server = served
    seed_others(emulator)
    entry = f"{{url: '{server.url}', ca: '{server.ca_path}'}}"
    project.edit_tenants(
        lambda t: t.replace(
            "  local:\n    emulator: embedded\n", f"  local:\n    emulator: {entry}\n"
        )
    )
    context = project.context()
    context.transports = None  # real sockets, real TLS
    assert deploy_tenant(context, "local").error is None
    disabled = teardown_tenant(context, "local", delete=False)
    assert disabled.error is None and disabled.applied
    assert disabled.plan is not None and [type(c) for c in disabled.plan.changes] == [UnbindAction]
    assert bound(emulator) == list(OTHERS)
    assert deploy_tenant(context, "local").error is None
    assert bound(emulator) == [*OTHERS, NAME]
    destroyed = teardown_tenant(context, "local", delete=True)
    assert destroyed.error is None, destroyed.error
    assert destroyed.plan is not None
    assert [type(c) for c in destroyed.plan.changes] == [UnbindAction, DeleteAction]
    assert emulator.state.find_by_name(NAME) is None and bound(emulator) == list(OTHERS)
    assert plan_tenant(context, "local").plan is not None  # a deploy would create it again


def test_deploy_all_refuses_the_whole_run_when_one_tenant_is_not_ready(
    run, project: Project
) -> None:  # type: ignore[no-untyped-def]
    refused = run("deploy", "--all", "--yes", env={"DEV_RECORD_KEY": ""})
    assert refused.exit_code == 1
    assert "not applying anything" in refused.stderr
    assert "dev:" in refused.stderr and "$DEV_RECORD_KEY" in refused.stderr
    # Nothing was written anywhere, not even to the tenant that was ready.
    assert cli_emulator(project, "local").state.actions == {}
    skipped = run("deploy", "--all", "--yes", "--skip-not-ready", env={"DEV_RECORD_KEY": ""})
    assert skipped.exit_code == 0, skipped.output
    assert "Skipping" in skipped.stderr and "$DEV_RECORD_KEY" in skipped.stderr
    assert cli_emulator(project, "local").state.find_by_name(NAME) is not None
    assert cli_emulator(project, "dev").state.actions == {}


class BoundAgainAfterUnbind:
    """A client through which someone binds our action again right after our unbind."""

    def __init__(self, client: Auth0Client, emu: Emulator, action_id: str) -> None:
        self.client, self.emu, self.action_id = client, emu, action_id

    def __getattr__(self, name: str) -> object:
        return getattr(self.client, name)

    def set_bindings(self, trigger_id: str, slots: object) -> None:
        self.client.set_bindings(trigger_id, slots)  # type: ignore[arg-type]
        self.emu.seed_binding(trigger_id, self.action_id)


def test_destroy_never_forces_the_delete_of_an_action_bound_again(project: Project) -> None:
    context = project.context()
    assert deploy_tenant(context, "dev").error is None
    emu = project.emulator("dev")
    config = context.config
    desired = desired_action(config, config.tenant("dev"), {})
    target = context.target(config.tenant("dev"))
    with open_client(target) as client:
        plan = teardown(desired, read_live(client, desired), delete=True)
        assert plan.action_id is not None
        racing = BoundAgainAfterUnbind(client, emu, plan.action_id)
        with pytest.raises(Auth0Error, match="409"):
            apply_teardown(plan, desired, racing, report=lambda line: None)  # type: ignore[arg-type]
    assert emu.state.find_by_name(NAME) is not None  # Auth0 refused: the new binding stands
    assert bound(emu) == [NAME]
