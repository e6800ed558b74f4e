"""diff(desired, live): one small test per kind of change; no I/O anywhere."""

from __future__ import annotations

import dataclasses

import pytest

from deployer.errors import RefusedError
from deployer.header import Header, format_header
from deployer.plan import (
    BindAction,
    CreateAction,
    DeployAction,
    Options,
    UpdateAction,
    desired_bindings,
    diff,
)
from deployer.state import (
    After,
    Before,
    BindingSlot,
    Dependency,
    DesiredAction,
    LiveAction,
    LiveBinding,
    LiveSecret,
    LiveState,
)

NAME = "Accept Terms"
KNOWN = Options(known_secrets=frozenset({"TERMS_TOKEN_SECRET", "TERMS_RECORD_KEY", "PREVIOUS"}))
BODY = "exports.onExecutePostLogin = async () => {};\n"
PRINTS = {"TERMS_RECORD_KEY": "aaaa", "TERMS_TOKEN_SECRET": "bbbb"}


def code(body: str = BODY, prints: dict[str, str] | None = None, tenant: str = "dev") -> str:
    header = Header(tenant=tenant, action=NAME, fingerprints=PRINTS if prints is None else prints)
    return format_header(header) + body


def desired(**changes: object) -> DesiredAction:
    base = DesiredAction(
        tenant="dev",
        name=NAME,
        trigger_id="post-login",
        trigger_version="v3",
        code=code(),
        runtime="node22",
        dependencies=(),
        secrets=PRINTS,
        binding="last",
        display_name=NAME,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def live_action(**changes: object) -> LiveAction:
    base = LiveAction(
        id="act_1",
        name=NAME,
        code=code(),
        runtime="node22",
        dependencies=(),
        secrets=(LiveSecret("TERMS_RECORD_KEY"), LiveSecret("TERMS_TOKEN_SECRET")),
        status="built",
        all_changes_deployed=True,
        deployed_code=code(),
        deployed_version=3,
        is_deployed=True,
        supported_triggers=("post-login",),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def bound(*names: str) -> tuple[LiveBinding, ...]:
    return tuple(
        LiveBinding(id=f"b{i}", action_id=f"id-{n}", action_name=n) for i, n in enumerate(names)
    )


def live(
    action: LiveAction | None = None, bindings: tuple[LiveBinding, ...] | None = None
) -> LiveState:
    return LiveState(action=action, bindings=bound(NAME) if bindings is None else bindings)


def kinds(plan: object) -> list[str]:
    return [type(c).__name__ for c in plan.changes]  # type: ignore[attr-defined]


def test_in_sync_is_no_changes() -> None:
    plan = diff(desired(), live(live_action()), KNOWN)
    assert plan.empty
    assert plan.counts() == (0, 0, 0)


def test_missing_action_is_created_deployed_and_bound() -> None:
    plan = diff(desired(), live(None, bindings=()), KNOWN)
    assert kinds(plan) == ["CreateAction", "DeployAction", "BindAction"]
    assert plan.counts() == (2, 1, 0)


def test_code_change_is_an_update_with_a_diff_and_a_deploy() -> None:
    new = desired(code=code(BODY + "// v2\n"))
    plan = diff(new, live(live_action()), KNOWN)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert "+// v2" in update.code_diff
    assert "Managed by" not in update.code_diff  # the header is shown as secrets, not code
    assert not update.secrets.send
    assert isinstance(plan.find(DeployAction), DeployAction)


def test_runtime_change() -> None:
    plan = diff(desired(), live(live_action(runtime="node18-actions")), KNOWN)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert update.runtime == ("node18-actions", "node22")


def test_node18_actions_is_node18() -> None:
    plan = diff(desired(runtime="node18"), live(live_action(runtime="node18-actions")), KNOWN)
    assert plan.empty


def test_dependency_change() -> None:
    plan = diff(desired(), live(live_action(dependencies=(Dependency("lodash", "4.0.0"),))), KNOWN)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert update.dependencies == (("lodash@4.0.0",), ())


def test_changed_secret_is_found_by_fingerprint() -> None:
    prints = {**PRINTS, "TERMS_TOKEN_SECRET": "cccc"}
    plan = diff(desired(code=code(prints=prints), secrets=prints), live(live_action()), KNOWN)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert update.secrets.changed == ("TERMS_TOKEN_SECRET",)
    assert update.secrets.send
    assert update.code_diff == ""  # only the header moved


def test_added_secret() -> None:
    prints = {**PRINTS, "PREVIOUS": "dddd"}
    plan = diff(desired(code=code(prints=prints), secrets=prints), live(live_action()), KNOWN)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert update.secrets.added == ("PREVIOUS",)


def test_retired_secret_is_removed() -> None:
    action = live_action(secrets=(*live_action().secrets, LiveSecret("PREVIOUS")))
    action = dataclasses.replace(action, code=code(prints={**PRINTS, "PREVIOUS": "dddd"}))
    plan = diff(desired(), live(action), KNOWN)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert update.secrets.removed == ("PREVIOUS",)
    assert plan.counts()[2] == 1


def test_unknown_live_secret_is_kept_when_nothing_is_sent() -> None:
    action = live_action(secrets=(*live_action().secrets, LiveSecret("SOMEONE_ELSES")))
    plan = diff(desired(), live(action), KNOWN)
    assert plan.empty
    assert any("SOMEONE_ELSES" in w for w in plan.warnings)


def test_unknown_live_secret_blocks_a_secret_update() -> None:
    action = live_action(secrets=(*live_action().secrets, LiveSecret("SOMEONE_ELSES")))
    prints = {**PRINTS, "TERMS_TOKEN_SECRET": "cccc"}
    with pytest.raises(RefusedError, match="SOMEONE_ELSES"):
        diff(desired(code=code(prints=prints), secrets=prints), live(action), KNOWN)


def test_unknown_live_secret_is_pruned_on_request() -> None:
    action = live_action(secrets=(*live_action().secrets, LiveSecret("SOMEONE_ELSES")))
    options = dataclasses.replace(KNOWN, prune_secrets=True)
    plan = diff(desired(), live(action), options)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert update.secrets.removed == ("SOMEONE_ELSES",)


def test_undeployed_draft_is_deployed() -> None:
    action = live_action(all_changes_deployed=False, deployed_code=code("// old\n"))
    plan = diff(desired(), live(action), KNOWN)
    assert kinds(plan) == ["DeployAction"]
    # The draft is ours as the repository has it: an older live version is a rollback or an
    # unfinished deploy, not an edit made outside this tool.
    assert any("the live version is not the draft" in w for w in plan.warnings)
    assert not any("outside" in w for w in plan.warnings)


def test_draft_edited_behind_our_back_shows_both_diffs() -> None:
    action = live_action(
        code=code(BODY + "// dashboard edit\n"),
        all_changes_deployed=False,
        deployed_code=code("// older\n"),
    )
    plan = diff(desired(), live(action), KNOWN)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    assert "-// dashboard edit" in update.code_diff
    assert "-// older" in update.deployed_diff


def test_never_deployed_action_is_deployed() -> None:
    action = live_action(is_deployed=False, deployed_code=None, deployed_version=None)
    assert "DeployAction" in kinds(diff(desired(), live(action), KNOWN))


def test_unmanaged_action_is_refused() -> None:
    with pytest.raises(RefusedError, match="--adopt"):
        diff(desired(), live(live_action(code=BODY)), KNOWN)


def test_unmanaged_action_is_adopted_on_request() -> None:
    options = dataclasses.replace(KNOWN, adopt=True)
    plan = diff(desired(), live(live_action(code=BODY)), options)
    assert "UpdateAction" in kinds(plan)
    update = plan.find(UpdateAction)
    assert isinstance(update, UpdateAction)
    # No fingerprints on foreign code: every secret's value is unknown, so all are sent.
    assert update.secrets.changed == ("TERMS_RECORD_KEY", "TERMS_TOKEN_SECRET")


def test_marketplace_action_is_refused_even_with_adopt() -> None:
    options = dataclasses.replace(KNOWN, adopt=True)
    with pytest.raises(RefusedError, match="Marketplace"):
        diff(desired(), live(live_action(integration=True)), options)


def test_unbound_action_is_bound_last_after_the_others() -> None:
    plan = diff(desired(), live(live_action(), bindings=bound("A", "B")), KNOWN)
    bind = plan.find(BindAction)
    assert isinstance(bind, BindAction)
    assert bind.after == ("A", "B", NAME)
    assert not bind.moved


def test_misplaced_binding_is_moved() -> None:
    plan = diff(desired(binding="first"), live(live_action(), bindings=bound("A", NAME)), KNOWN)
    bind = plan.find(BindAction)
    assert isinstance(bind, BindAction)
    assert bind.moved
    assert bind.after == (NAME, "A")


def test_before_and_after_a_named_action() -> None:
    current = bound("A", "B", "C")
    ours = BindingSlot(NAME, "ours", NAME, ours=True)
    names = [s.action_name for s in desired_bindings(current, ours, Before(before="B"))]
    assert names == ["A", NAME, "B", "C"]
    names = [s.action_name for s in desired_bindings(current, ours, After(after="B"))]
    assert names == ["A", "B", NAME, "C"]


def test_satisfied_relative_position_is_left_alone() -> None:
    plan = diff(
        desired(binding=After(after="A")),
        live(live_action(), bindings=bound("A", "B", NAME)),
        KNOWN,
    )
    assert plan.empty


def test_anchor_that_is_not_bound_is_refused() -> None:
    with pytest.raises(RefusedError, match="Risk Check"):
        diff(
            desired(binding=After(after="Risk Check")),
            live(live_action(), bindings=bound("A")),
            KNOWN,
        )


def test_binding_limit_is_refused() -> None:
    full = bound(*[f"A{i}" for i in range(20)])
    with pytest.raises(RefusedError, match="limit"):
        diff(desired(), live(live_action(), bindings=full), KNOWN)


def test_diff_does_no_io(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins
    import socket

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("diff must not do I/O")

    monkeypatch.setattr(builtins, "open", forbidden)
    monkeypatch.setattr(socket, "socket", forbidden)
    assert kinds(diff(desired(), live(None, bindings=()), KNOWN))[0] == CreateAction.__name__
