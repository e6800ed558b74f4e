"""diff(desired, live) -> Plan. Pure: no I/O, no clock, no Auth0 types.

Each kind of change is its own frozen value; the output module renders them and the apply
module executes them.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field

from .errors import RefusedError
from .header import Header, format_header, parse_header, strip_header, without_provenance
from .state import (
    After,
    Before,
    BindingPosition,
    BindingSlot,
    DesiredAction,
    LiveAction,
    LiveBinding,
    LiveState,
    normalize_runtime,
    position_label,
)

MAX_BINDINGS_PER_TRIGGER = 20


@dataclass(frozen=True)
class SecretChanges:
    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    # Live secrets the config does not know, left alone (only possible when nothing is sent).
    kept: tuple[str, ...] = ()

    @property
    def send(self) -> bool:
        """Whether the PATCH must carry secrets (and therefore all of them)."""
        return bool(self.added or self.changed or self.removed)


@dataclass(frozen=True)
class CreateAction:
    action: DesiredAction


@dataclass(frozen=True)
class UpdateAction:
    action_id: str
    new: DesiredAction
    code_changed: bool
    code_diff: str  # draft -> desired, header excluded ("" when only the header changed)
    deployed_diff: str  # deployed -> desired, when the draft differs from what is deployed
    runtime: tuple[str | None, str] | None
    dependencies: tuple[tuple[str, ...], tuple[str, ...]] | None
    secrets: SecretChanges


@dataclass(frozen=True)
class DeployAction:
    action_id: str | None  # None: the action is created by the same plan
    reason: str


@dataclass(frozen=True)
class BindAction:
    position: BindingPosition
    before: tuple[str, ...]  # names in execution order, now
    after: tuple[str, ...]  # names in execution order, once applied
    moved: bool  # ours was bound already, in the wrong place


@dataclass(frozen=True)
class UnbindAction:
    """Take ours out of the trigger's bindings; every other binding keeps its place."""

    before: tuple[str, ...]  # names in execution order, now
    after: tuple[str, ...]  # names in execution order, once applied


@dataclass(frozen=True)
class DeleteAction:
    """Delete our action (unbound first: Auth0 refuses to delete a bound one without force)."""

    action_id: str


Change = CreateAction | UpdateAction | DeployAction | BindAction | UnbindAction | DeleteAction


@dataclass(frozen=True)
class Plan:
    tenant: str
    action_name: str
    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = ()
    action_id: str | None = None
    # The live state this plan was computed against: apply checks that it still holds.
    basis: LiveState = field(default_factory=lambda: LiveState(action=None))
    # Secrets whose values are not available here (a pull request's plan): not compared.
    unchecked_secrets: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.changes

    def counts(self) -> tuple[int, int, int]:
        """(to add, to change, to destroy), in Terraform's words."""
        add = change = destroy = 0
        for c in self.changes:
            if isinstance(c, CreateAction) or (isinstance(c, BindAction) and not c.moved):
                add += 1
            elif isinstance(c, UnbindAction | DeleteAction):
                destroy += 1
            else:
                change += 1
            if isinstance(c, UpdateAction):
                destroy += len(c.secrets.removed)
        return add, change, destroy

    def find(self, kind: type[Change]) -> Change | None:
        return next((c for c in self.changes if isinstance(c, kind)), None)


@dataclass(frozen=True)
class Options:
    adopt: bool = False
    prune_secrets: bool = False
    # Secret names the Action's manifest knows (a live one outside this set is "unknown").
    known_secrets: frozenset[str] = field(default_factory=frozenset)


def unified(old: str, new: str, old_name: str, new_name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), old_name, new_name, n=3
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def diff(desired: DesiredAction, live: LiveState, options: Options | None = None) -> Plan:
    options = options or Options(known_secrets=frozenset(desired.secrets))
    changes: list[Change] = []
    warnings: list[str] = []
    action = live.action
    if action is None:
        changes.append(CreateAction(desired))
        changes.append(DeployAction(None, "new action"))
    else:
        _check_ownership(desired, action, options, warnings)
        update = _update(desired, action, options, warnings)
        if update is not None:
            changes.append(update)
        if update is not None or not action.all_changes_deployed or not action.is_deployed:
            changes.append(DeployAction(action.id, _deploy_reason(action, update)))
    bind = _bind(desired, live.bindings)
    if bind is not None:
        changes.append(bind)
    return Plan(
        tenant=desired.tenant,
        action_name=desired.name,
        changes=tuple(changes),
        warnings=tuple(warnings),
        action_id=action.id if action else None,
        basis=live,
        unchecked_secrets=tuple(sorted(desired.unchecked_secrets)),
    )


def teardown(desired: DesiredAction, live: LiveState, *, delete: bool) -> Plan:
    """The kill switch: unbind ours (`disable`), and with `delete` also delete it (`destroy`).

    Only ever our binding and our action: an action of our name without the managed header
    is someone else's and is refused, like a deploy would refuse it.
    """
    changes: list[Change] = []
    action = live.action
    if action is not None and (action.integration or action.header is None):
        raise RefusedError(
            f"{desired.tenant}: the action {action.name!r} was not deployed by this tool (its "
            "code has no managed header); not touching it"
        )
    names = tuple(b.action_name for b in live.bindings)
    if desired.name in names:
        changes.append(UnbindAction(names, tuple(n for n in names if n != desired.name)))
    if delete and action is not None:
        changes.append(DeleteAction(action.id))
    return Plan(
        tenant=desired.tenant,
        action_name=desired.name,
        changes=tuple(changes),
        action_id=action.id if action else None,
        basis=live,
    )


def _check_ownership(
    desired: DesiredAction, action: LiveAction, options: Options, warnings: list[str]
) -> None:
    if action.integration:
        raise RefusedError(
            f"{desired.tenant}: the action {action.name!r} is a Marketplace integration; "
            "this tool never changes those. Rename the Action in action.yaml."
        )
    header = action.header
    if header is None:
        if not options.adopt:
            raise RefusedError(
                f"{desired.tenant}: an action named {action.name!r} exists but was not deployed "
                "by this tool (its code has no managed header). Rename ours in action.yaml, or "
                "take it over with --adopt (its code and secrets will be replaced)."
            )
        warnings.append(f"adopting the existing action {action.name!r} (id {action.id})")
    elif header.tenant and header.tenant != desired.tenant:
        warnings.append(
            f"the live code says it was rendered for tenant {header.tenant!r}, "
            f"not {desired.tenant!r}"
        )
    if desired.trigger_id not in action.supported_triggers and action.supported_triggers:
        raise RefusedError(
            f"{desired.tenant}: the action {action.name!r} supports "
            f"{', '.join(action.supported_triggers)}, not {desired.trigger_id}; Auth0 cannot "
            "change an action's trigger. Delete it or rename ours."
        )


def _update(
    desired: DesiredAction, action: LiveAction, options: Options, warnings: list[str]
) -> UpdateAction | None:
    code_changed = _comparable(action.code, desired) != _comparable(desired.code, desired)
    runtime = None
    if normalize_runtime(action.runtime) != normalize_runtime(desired.runtime):
        runtime = (action.runtime, desired.runtime)
    deps_old = tuple(f"{d.name}@{d.version}" for d in action.dependencies)
    deps_new = tuple(f"{d.name}@{d.version}" for d in desired.dependencies)
    dependencies = (deps_old, deps_new) if sorted(deps_old) != sorted(deps_new) else None
    secrets = _secrets(desired, action, options, warnings)

    deployed_diff = ""
    deployed = action.deployed_code
    if deployed is not None and without_provenance(deployed) != without_provenance(action.code):
        if _comparable(action.code, desired) == _comparable(desired.code, desired):
            # The draft is exactly what we would write: the live version is an older one of
            # ours (`deployer rollback` deploys an old version and leaves the draft alone).
            warnings.append(
                "the live version is not the draft (after a rollback, or a deploy that did not "
                "finish); deploying makes the draft live again"
            )
        else:
            warnings.append(
                "the draft differs from the deployed version (edited outside this tool, or a "
                "deploy did not finish)"
            )
        if _comparable(deployed, desired) != _comparable(desired.code, desired):
            deployed_diff = unified(
                strip_header(deployed),
                strip_header(desired.code),
                f"deployed (v{action.deployed_version})" if action.deployed_version else "deployed",
                "desired",
            )
    if not (code_changed or runtime or dependencies or secrets.send):
        return None
    return UpdateAction(
        action_id=action.id,
        new=desired,
        code_changed=code_changed,
        code_diff=unified(strip_header(action.code), strip_header(desired.code), "draft", "desired")
        if code_changed
        else "",
        deployed_diff=deployed_diff,
        runtime=runtime,
        dependencies=dependencies,
        secrets=secrets,
    )


def _secrets(
    desired: DesiredAction, action: LiveAction, options: Options, warnings: list[str]
) -> SecretChanges:
    live = set(action.secret_names)
    header = action.header
    live_prints = header.fingerprints if header else {}
    added = tuple(sorted(n for n in desired.secrets if n not in live))
    changed = tuple(
        sorted(n for n in desired.secrets if n in live and live_prints.get(n) != desired.secrets[n])
    )
    # A secret declared for the tenant whose value is not here: bound to be added if the
    # action lacks it, otherwise not compared (the plan says so).
    added += tuple(sorted(n for n in desired.unchecked_secrets if n not in live))
    added = tuple(sorted(added))
    unknown = tuple(sorted(n for n in live if n not in options.known_secrets))
    wanted = set(desired.secrets) | set(desired.unchecked_secrets)
    retired = tuple(sorted(n for n in live if n in options.known_secrets and n not in wanted))
    removed = retired + (unknown if options.prune_secrets else ())
    kept: tuple[str, ...] = ()
    if unknown and not options.prune_secrets:
        if added or changed or retired:
            raise RefusedError(
                f"{desired.tenant}: the live action has secret(s) {', '.join(unknown)} that the "
                "config does not know. Auth0 replaces the whole secret list on update, so "
                "changing any secret would delete them. Add them to action.yaml, or delete them "
                "with --prune-secrets."
            )
        kept = unknown
        warnings.append(
            f"live secret(s) not in the config, left as they are: {', '.join(unknown)} "
            "(--prune-secrets deletes them)"
        )
    return SecretChanges(added=added, changed=changed, removed=removed, kept=kept)


def _comparable(code: str, desired: DesiredAction) -> str:
    """The code as the diff compares it: no commit, and no fingerprint of a secret whose value
    is not available here (such a secret is reported as not checked, not as changed)."""
    if not desired.unchecked_secrets:
        return without_provenance(code)
    header = parse_header(code)
    if header is None:
        return code
    prints = {k: v for k, v in header.fingerprints.items() if k not in desired.unchecked_secrets}
    return format_header(Header(header.tenant, header.action, prints)) + strip_header(code)


def _deploy_reason(action: LiveAction, update: UpdateAction | None) -> str:
    if update is not None:
        return "the draft changes"
    if not action.is_deployed:
        return "never deployed"
    return "the draft has changes that are not deployed"


def desired_bindings(
    current: Sequence[LiveBinding], ours: BindingSlot, position: BindingPosition
) -> list[BindingSlot]:
    """Ours placed per `position`; every other binding kept, in its order."""
    others = [
        BindingSlot(b.action_name, b.action_id, b.display_name)
        for b in current
        if b.action_name != ours.action_name
    ]
    if position == "first":
        return [ours, *others]
    if position == "last":
        return [*others, ours]
    anchor = position.before if isinstance(position, Before) else position.after
    names = [b.action_name for b in others]
    if anchor not in names:
        bound = ", ".join(repr(n) for n in names) or "none"
        raise RefusedError(
            f"binding: {position_label(position)}, but no action named {anchor!r} is bound to "
            f"the trigger (bound: {bound})"
        )
    index = names.index(anchor) + (1 if isinstance(position, After) else 0)
    return [*others[:index], ours, *others[index:]]


def _placed(current: Sequence[LiveBinding], name: str, position: BindingPosition) -> bool:
    names = [b.action_name for b in current]
    if name not in names:
        return False
    index = names.index(name)
    if position == "first":
        return index == 0
    if position == "last":
        return index == len(names) - 1
    anchor = position.before if isinstance(position, Before) else position.after
    if anchor not in names:
        return False
    return (
        index < names.index(anchor) if isinstance(position, Before) else index > names.index(anchor)
    )


def _bind(desired: DesiredAction, current: Sequence[LiveBinding]) -> BindAction | None:
    if _placed(current, desired.name, desired.binding):
        return None
    bound = any(b.action_name == desired.name for b in current)
    if not bound and len(current) >= MAX_BINDINGS_PER_TRIGGER:
        raise RefusedError(
            f"{desired.tenant}: the {desired.trigger_id} trigger already has "
            f"{len(current)} actions bound, Auth0's limit; unbind one first"
        )
    ours = BindingSlot(desired.name, None, desired.display_name or desired.name, ours=True)
    after = desired_bindings(current, ours, desired.binding)
    return BindAction(
        position=desired.binding,
        before=tuple(b.action_name for b in current),
        after=tuple(b.action_name for b in after),
        moved=bound,
    )
