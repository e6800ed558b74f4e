"""Execute a Plan through the client: write the draft, wait for the build, deploy, wait for
the deploy to settle, then merge our binding into the trigger's list.

Every step can be interrupted and run again: the next plan starts from what the tenant has.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .client import AmbiguousWriteError, Auth0Client, NotDeployedYetError
from .errors import BuildFailedError, ConcurrentChangeError, RefusedError, WaitTimeoutError
from .header import parse_header, without_provenance
from .pacing import polling
from .plan import (
    BindAction,
    CreateAction,
    DeleteAction,
    DeployAction,
    Plan,
    UnbindAction,
    UpdateAction,
)
from .plan import desired_bindings as merge_bindings
from .render import check_syntax
from .secret import Secret
from .state import BindingSlot, DesiredAction, LiveAction, LiveBinding

Report = Callable[[str], None]
HEARTBEAT_SECONDS = 10.0


@dataclass(frozen=True)
class Waits:
    """How long to wait for Auth0, and how often to look."""

    build_timeout: float = 600.0
    deploy_timeout: float = 120.0
    bind_timeout: float = 60.0
    # One look every half second, Auth0's free-tier sustained rate. A fixed cadence: builds take
    # seconds, and intervals doubling to 2 s noticed a 2 s build at 3.8 s. The tenant's rate
    # budget (pacing.py) stretches it when other requests have spent the tokens.
    poll: float = 0.5
    # A plan read no longer ago than this is written without reading the draft again first
    # (see _check_unchanged).
    fresh: float = 1.0


class Waiter:
    """Polling at a fixed cadence, with progress lines (elapsed time) on `report`."""

    def __init__(
        self,
        waits: Waits,
        report: Report,
        *,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        self.waits, self.report = waits, report
        self.sleep = sleep or time.sleep
        self.clock = clock or time.monotonic

    def until(
        self,
        what: str,
        timeout: float,
        check: Callable[[], str | None],
        *,
        at_once: bool = True,
        reserve: int = 1,
    ) -> float:
        """Call `check` until it returns None (done); it returns a status line while waiting.

        `at_once=False` waits one interval before the first call (a build just started cannot
        be done yet). The requests `check` makes leave `reserve` rate-limit tokens for the
        request that follows the wait (pacing.polling).
        """
        start = self.clock()
        if not at_once:
            self.sleep(self.waits.poll)
        next_at = self.clock()
        last_status, last_report = "", start
        while True:
            with polling(reserve):
                status = check()
            now = self.clock()
            elapsed = now - start
            if status is None:
                if elapsed >= 1.0:
                    self.report(f"  {what}: done after {elapsed:.1f}s")
                return elapsed
            if elapsed > timeout:
                raise WaitTimeoutError(
                    f"gave up {what} after {elapsed:.0f}s (last status: {status}); "
                    "run the deploy again to continue from here"
                )
            # A line when something changes, and a heartbeat on long waits (CI logs too).
            if status != last_status or now - last_report >= HEARTBEAT_SECONDS:
                self.report(f"  {what}: {status} ({elapsed:.1f}s)")
                last_status, last_report = status, now
            # A fixed cadence counted from the previous look (the round trip is part of it),
            # never catching up in a burst after a slow answer.
            next_at = max(next_at + self.waits.poll, now)
            self.sleep(max(0.0, next_at - self.clock()))


@dataclass(frozen=True)
class Applied:
    action_id: str
    # What the check after the apply would read again, read here already. The action as the
    # deploy's wait last saw it: deployed, settled and checked to be ours (None when nothing
    # was deployed). The trigger's bindings: as Auth0 answered our write of them, or read while
    # the deploy settled when the plan left them alone (None when it neither bound nor deployed).
    action: LiveAction | None = None
    bindings: tuple[LiveBinding, ...] | None = None


def apply_plan(
    plan: Plan,
    desired: DesiredAction,
    secrets: Mapping[str, Secret],
    client: Auth0Client,
    *,
    report: Report,
    waiter: Waiter,
    basis_age: float = float("inf"),
) -> Applied:
    """Apply `plan`, whose live state was read `basis_age` seconds ago."""
    action_id = plan.action_id
    create = plan.find(CreateAction)
    update = plan.find(UpdateAction)
    if create is not None or update is not None:
        check_syntax(desired.code, name=desired.tenant)  # no broken code reaches a tenant
    if isinstance(create, CreateAction):
        report(f"+ creating action {desired.name!r}")
        action_id = _create(client, desired, secrets)
    elif isinstance(update, UpdateAction):
        _check_unchanged(client, plan, fresh=basis_age <= waiter.waits.fresh)
        send = update.secrets.send
        report(f"~ updating the draft of {desired.name!r}" + (" and its secrets" if send else ""))
        client.update_action(update.action_id, desired, dict(secrets) if send else None)
    assert action_id is not None
    binds = plan.find(BindAction) is not None
    settled = bindings = None
    if plan.find(DeployAction) is not None:
        _wait_built(client, action_id, desired, waiter)
        report(f"~ deploying {desired.name!r}")
        number = _deploy(client, action_id, desired)
        if not binds:
            # The check after the apply reads them: now, while the deploy settles anyway, the
            # read costs no time; after it, it would wait for a rate-limit token of its own.
            bindings = client.bindings(desired.trigger_id)
        settled = _wait_deployed(client, action_id, desired, waiter, number, then=int(binds))
    if binds:
        bindings = _bind(client, action_id, desired, report, waiter)
    return Applied(action_id, settled, bindings)


def _create(client: Auth0Client, desired: DesiredAction, secrets: Mapping[str, Secret]) -> str:
    try:
        return client.create_action(desired, secrets)
    except AmbiguousWriteError:
        # The create may have landed before the answer was lost: look before trying again.
        existing = client.find_action(desired.name)
        if existing is not None and existing.code == desired.code:
            return existing.id
        if existing is not None:
            raise RefusedError(
                f"{desired.tenant}: an action named {desired.name!r} appeared while creating "
                "ours; run the plan again"
            ) from None
        return client.create_action(desired, secrets)


def _check_unchanged(client: Auth0Client, plan: Plan, *, fresh: bool) -> None:
    """Just before writing: the draft must still be the one the plan was made against.

    Auth0 has no conditional writes; this re-read narrows the window in which two pipelines
    deploying one tenant could overwrite each other, and the build wait closes the rest.
    It narrows it only when time has passed since the plan's read (a person confirming, a
    saved plan being checked). A `fresh` plan was read a moment ago: a re-read could not reach
    the tenant sooner than the write itself would (each waits its turn in the rate limit), so
    it would move the unguarded stretch, not shorten it, and cost a request.
    """
    before = plan.basis.action
    if before is None or fresh:
        return
    now = client.get_action(before.id)
    if (now.code, now.updated_at, now.secret_names) != (
        before.code,
        before.updated_at,
        before.secret_names,
    ):
        raise ConcurrentChangeError(
            f"{plan.tenant}: the action {plan.action_name!r} changed since this plan was made "
            f"(last updated {before.updated_at} then, {now.updated_at} now); another deploy "
            "may be running. Nothing was written: plan again."
        )


def _wait_built(
    client: Auth0Client, action_id: str, desired: DesiredAction, waiter: Waiter
) -> None:
    def check() -> str | None:
        status, errors, live = client.build_state(action_id)
        if without_provenance(live.code) != without_provenance(desired.code):
            raise ConcurrentChangeError(
                f"{desired.tenant}: the draft of {desired.name!r} was changed by someone else "
                "while this deploy was waiting for its build; not deploying it. Plan again."
            )
        if status == "built":
            return None
        if status == "failed":
            raise BuildFailedError(_build_failed(desired, errors))
        return status or "unknown"

    waiter.until("waiting for the build", waiter.waits.build_timeout, check, at_once=False)


def _build_failed(desired: DesiredAction, errors: list[str]) -> str:
    """What to tell when a build failed. Auth0's failed action says only `status: "failed"`
    (recorded: terraform-provider-auth0 TestAccAction.yaml), so the message says where the
    reason is to be found, and names the usual cause."""
    lines = [
        f"{desired.tenant}: Auth0 could not build the action {desired.name!r}: its draft was "
        "updated but not deployed, so logins still run the version that was live."
    ]
    if errors:
        lines += ["Auth0 says:", *(f"  - {e}" for e in errors)]
    else:
        lines.append("Auth0's API gives no reason for a failed build.")
    if desired.dependencies:
        named = ", ".join(f"{d.name}@{d.version}" for d in desired.dependencies)
        lines.append(f"The usual cause is an npm dependency that does not install: {named}.")
    lines.append(f"See the build log in the Auth0 Dashboard: Actions > Library > {desired.name}.")
    return "\n".join(lines)


def _deploy(client: Auth0Client, action_id: str, desired: DesiredAction) -> int | None:
    try:
        _, number = client.deploy(action_id)
        return number
    except AmbiguousWriteError:
        live = client.get_action(action_id)
        if _deployed(live, desired):
            return live.deployed_version
        _, number = client.deploy(action_id)
        return number


def _deployed(live: LiveAction, desired: DesiredAction, number: int | None = None) -> bool:
    if number is not None and live.deployed_version is not None and live.deployed_version < number:
        return False
    deployed = live.deployed_code
    return (
        live.is_deployed
        and live.all_changes_deployed
        and deployed is not None
        and without_provenance(deployed) == without_provenance(desired.code)
    )


def _wait_deployed(
    client: Auth0Client,
    action_id: str,
    desired: DesiredAction,
    waiter: Waiter,
    number: int | None,
    *,
    then: int,
) -> LiveAction:
    """Wait until our version is live; return the action as the read that saw it. `then`:
    how many requests follow at once (the polls leave them their rate-limit tokens)."""
    seen: list[LiveAction] = []

    def check() -> str | None:
        live = client.get_action(action_id)
        if _deployed(live, desired, number):
            seen.append(live)
            return None
        _check_not_overtaken(live, desired, number)
        return f"version {number or '?'} not live yet"

    waiter.until(
        "waiting for the deploy to settle",
        waiter.waits.deploy_timeout,
        check,
        at_once=False,
        reserve=then,
    )
    return seen[-1]


def _check_not_overtaken(live: LiveAction, desired: DesiredAction, number: int | None) -> None:
    """While our version settles: stop at once if another deploy went past it.

    A newer version than ours deployed, or the draft no longer ours, means someone else is
    deploying this Action; waiting out the timeout would only end in advice to deploy again,
    which would overwrite their version. Say who won and leave the choice to a person.
    """
    newer = (
        number is not None and live.deployed_version is not None and live.deployed_version > number
    )
    moved = without_provenance(live.code) != without_provenance(desired.code)
    if not newer and not moved:
        return
    header = parse_header((live.deployed_code or live.code) if newer else live.code)
    who = f"commit {header.commit[:12]}" if header and header.commit else "an unknown source"
    if header and header.commit and header.dirty:
        who += " (with local changes)"
    if newer:
        what = f"version {live.deployed_version} (from {who}) was deployed over ours ({number})"
    else:
        what = f"the draft was replaced (now from {who}, updated {live.updated_at})"
    raise ConcurrentChangeError(
        f"{desired.tenant}: another deploy overtook this one: {what} while ours was settling. "
        f"It is left as it is; `deployer plan --tenant {desired.tenant}` shows how it differs "
        "from this checkout, and whether to deploy is for you and the other deploy's owner "
        "to decide."
    )


def _bind(
    client: Auth0Client, action_id: str, desired: DesiredAction, report: Report, waiter: Waiter
) -> tuple[LiveBinding, ...]:
    """Put ours in the trigger's list; return the list as it now is."""
    # Re-read right before writing: the list is replaced whole, so it must be the latest.
    current = client.bindings(desired.trigger_id)
    ours = BindingSlot(desired.name, action_id, desired.display_name or desired.name, ours=True)
    slots = merge_bindings(current, ours, desired.binding)
    if [s.action_id for s in slots] == [b.action_id for b in current]:
        return current
    report(f"~ binding {desired.name!r} to {desired.trigger_id} ({len(slots)} actions)")
    written: list[tuple[LiveBinding, ...]] = []

    def attempt() -> str | None:
        try:
            written.append(client.set_bindings(desired.trigger_id, slots))
        except NotDeployedYetError:
            return "Auth0 says the action is not deployed yet"
        return None

    waiter.until("binding", waiter.waits.bind_timeout, attempt, reserve=0)
    return written[-1]


def apply_teardown(plan: Plan, desired: DesiredAction, client: Auth0Client, report: Report) -> None:
    """The kill switch: take ours out of the trigger's bindings, then (destroy) delete it."""
    if plan.find(UnbindAction) is not None:
        # Re-read right before writing: the list is replaced whole, so it must be the latest.
        current = client.bindings(desired.trigger_id)
        keep = [
            BindingSlot(b.action_name, b.action_id, b.display_name)
            for b in current
            if b.action_name != desired.name and b.action_id != plan.action_id
        ]
        if len(keep) != len(current):
            report(f"- unbinding {desired.name!r} from {desired.trigger_id}")
            client.set_bindings(desired.trigger_id, keep)
    delete = plan.find(DeleteAction)
    if isinstance(delete, DeleteAction):
        now = client.get_action(delete.action_id)
        if now.header is None and (plan.basis.action is None or plan.basis.action.header):
            raise ConcurrentChangeError(
                f"{plan.tenant}: the action {now.name!r} no longer carries our managed header; "
                "not deleting it. Plan again."
            )
        report(f"- deleting action {desired.name!r}")
        try:
            client.delete_action(delete.action_id)
        except AmbiguousWriteError:
            if client.find_action(desired.name) is not None:  # not deleted after all: again
                client.delete_action(delete.action_id)
