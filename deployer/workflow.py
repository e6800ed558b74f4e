"""One tenant's plan and deploy, start to end, and many tenants at once.

config -> secrets -> desired state -> live state (3 requests) -> plan -> apply -> check
(that nothing is left to change, from what the apply read on its way and the bindings).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from .apply import Applied, Report, Waiter, Waits, apply_plan, apply_teardown
from .client import Auth0Client
from .config import Config, TenantConfig
from .credentials import unset_credentials
from .desired import desired_action
from .errors import DeployerError, NotReadyError, Problem
from .plan import Options, Plan, diff, teardown
from .secret import Secret
from .secrets_report import LiveSide, LocalValue, TenantReport, build_report
from .sources import Environment, find_secrets, missing_values
from .state import DesiredAction, LiveState
from .targets import Target, TransportFactory, open_client, resolve_target

if TYPE_CHECKING:  # the emulator is imported only where a tenant uses it (start-up time)
    from .emulator import EmulatorSettings

# Tenants are independent and Auth0 rate-limits each on its own (pacing.py paces each tenant's
# requests), so all of them run at once: a thread per tenant, asleep nearly all the time (a
# build, a settle, a rate-limit token). The cap only bounds memory for a very long tenant list;
# bench/ measures the peak RSS of 100 tenants. Past a few hundred, fan out over CI runners
# (`deployer tenants --output json`).
MAX_PARALLEL_TENANTS = 256

T = TypeVar("T")


@dataclass(frozen=True)
class RunOptions:
    adopt: bool = False
    prune_secrets: bool = False
    commit: str | None = None
    dirty: bool = False
    waits: Waits = field(default_factory=Waits)


@dataclass(frozen=True)
class Outcome:
    """What happened to one tenant: a plan (maybe applied), or the error that stopped it."""

    tenant: str
    plan: Plan | None = None
    error: str | None = None
    applied: bool = False
    exit_code: int = 0
    # What the plan was computed for (saved plans record it); never holds a secret value.
    desired: DesiredAction | None = None


@dataclass
class Context:
    config: Config
    env: Environment
    transports: TransportFactory | None = None
    report: Report = lambda _line: None
    options: RunOptions = field(default_factory=RunOptions)
    # For `emulator: embedded` tenants without `transports`; None is Auth0's free tier.
    emulator_settings: EmulatorSettings | None = None

    def target(self, tenant: TenantConfig) -> Target:
        return resolve_target(
            self.config, tenant, self.env, self.transports, self.emulator_settings
        )


def read_live(client: Auth0Client, desired: DesiredAction) -> LiveState:
    """The action and the trigger's bindings, read at the same time: with the token held they
    are independent, so a no-op plan costs two round trips (the token, then both reads)."""
    bindings = _readers().submit(client.bindings, desired.trigger_id)
    try:
        action = client.find_action(desired.name)
        if action is not None and not action.all_changes_deployed:
            # Only then does the deployed code differ from the draft the list already gave us.
            action = client.get_action(action.id)
    except BaseException:
        wait([bindings])  # not leaving it to run on a client about to be closed
        raise
    return LiveState(action=action, bindings=bindings.result())


def read_after(client: Auth0Client, desired: DesiredAction, applied: Applied) -> LiveState:
    """The tenant after an apply, to check that nothing is left to do: what the apply read on
    its way (apply.Applied) stands for a read now, and only the rest is read."""
    if applied.action is None or applied.bindings is None:
        return read_live(client, desired)
    return LiveState(action=applied.action, bindings=applied.bindings)


@functools.cache
def _readers() -> ThreadPoolExecutor:
    """Threads for the second read of every tenant, kept for the process (starting a thread
    per read costs more than the read, with a hundred tenants at once)."""
    return ThreadPoolExecutor(max_workers=MAX_PARALLEL_TENANTS, thread_name_prefix="read")


def prepare(
    ctx: Context, tenant: TenantConfig, *, plan_only: bool = False
) -> tuple[DesiredAction, dict[str, Secret]]:
    """Everything needed before the first request; all that is missing is named at once.

    `plan_only`: a plan needs the credentials (to read the tenant) but no secret value. When
    a required value is not set here (a pull request's job gets none), every secret without
    a value is left out of the comparison and the plan says it was not checked. When all the
    required ones are set, an unset optional secret means "not wanted", as in a deploy.
    """
    values, problems = missing_values(ctx.config, tenant, ctx.env)
    unchecked: tuple[str, ...] = ()
    if plan_only and problems:
        found = find_secrets(ctx.config, tenant, ctx.env)
        unset = {name for name, f in found.items() if f.value is None and f.source}
        fields = {f"tenants.{tenant.name}.secrets.{name}" for name in unset}
        problems = [p for p in problems if p.field not in fields]
        unchecked = tuple(sorted(unset))
    if problems:
        raise NotReadyError(problems)
    desired = desired_action(
        ctx.config,
        tenant,
        values,
        commit=ctx.options.commit,
        dirty=ctx.options.dirty,
        unchecked=unchecked,
    )
    return desired, values


def not_ready(ctx: Context, names: Sequence[str]) -> dict[str, list[Problem]]:
    """Every tenant that could not be deployed from here, with what is not set, by name."""
    found = {}
    for name in names:
        _, problems = missing_values(ctx.config, ctx.config.tenant(name), ctx.env)
        if problems:
            found[name] = problems
    return found


def readiness_message(missing: Mapping[str, Sequence[Problem]]) -> str:
    lines = [f"{len(missing)} tenant(s) not ready to deploy from here:"]
    for name, problems in missing.items():
        lines.append(f"  {name}:")
        lines += [f"    - {p.message}" for p in problems]
    return "\n".join(lines)


def _options(ctx: Context) -> Options:
    return Options(
        adopt=ctx.options.adopt,
        prune_secrets=ctx.options.prune_secrets,
        known_secrets=frozenset(s.name for s in ctx.config.manifest.secrets),
    )


def plan_tenant(ctx: Context, name: str) -> Outcome:
    tenant = ctx.config.tenant(name)
    desired, _ = prepare(ctx, tenant, plan_only=True)
    target = ctx.target(tenant)
    with open_client(target) as client:
        plan = diff(desired, read_live(client, desired), _options(ctx))
    return Outcome(name, plan=plan, exit_code=2 if not plan.empty else 0, desired=desired)


Confirm = Callable[[Plan, DesiredAction], bool]


def deploy_tenant(ctx: Context, name: str, confirm: Confirm | None = None) -> Outcome:
    """Plan, ask `confirm` (it may also refuse by raising), apply, then check that the tenant
    has nothing left to change."""
    tenant = ctx.config.tenant(name)
    desired, secrets = prepare(ctx, tenant)
    target = ctx.target(tenant)
    report = _prefixed(ctx.report, name)
    with open_client(target) as client:
        read_at = time.monotonic()
        plan = diff(desired, read_live(client, desired), _options(ctx))
        # Asked even when nothing would change: a saved plan that has become empty is stale.
        if (confirm is not None and not confirm(plan, desired)) or plan.empty:
            return Outcome(name, plan=plan, desired=desired)
        waiter = Waiter(ctx.options.waits, report)
        applied = apply_plan(
            plan,
            desired,
            secrets,
            client,
            report=report,
            waiter=waiter,
            basis_age=time.monotonic() - read_at,
        )
        after = diff(desired, read_after(client, desired, applied), _options(ctx))
    if not after.empty:
        return Outcome(
            name,
            plan=plan,
            applied=True,
            error="applied, but the tenant still differs; run the plan again to see what",
            exit_code=1,
            desired=desired,
        )
    return Outcome(name, plan=plan, applied=True, desired=desired)


def _teardown_plan(client: Auth0Client, desired: DesiredAction, delete: bool) -> Plan:
    return teardown(desired, read_live(client, desired), delete=delete)


def teardown_tenant(
    ctx: Context, name: str, *, delete: bool, confirm: Confirm | None = None
) -> Outcome:
    """`disable` (unbind ours) or `destroy` (unbind and delete ours): plan, ask, apply, verify.

    Needs the tenant's credentials only: on the day the consent page is down nobody should
    have to find the Action's secrets first.
    """
    tenant = ctx.config.tenant(name)
    desired = desired_action(ctx.config, tenant, {})  # for its name and trigger only
    target = ctx.target(tenant)
    with open_client(target) as client:
        plan = _teardown_plan(client, desired, delete)
        if plan.empty or (confirm is not None and not confirm(plan, desired)):
            return Outcome(name, plan=plan, desired=desired)
        apply_teardown(plan, desired, client, _prefixed(ctx.report, name))
        after = _teardown_plan(client, desired, delete)
    if not after.empty:
        return Outcome(
            name,
            plan=plan,
            applied=True,
            error="applied, but the tenant still differs; run it again to see what",
            exit_code=1,
        )
    return Outcome(name, plan=plan, applied=True)


def check_in_sync(ctx: Context, name: str) -> str | None:
    """Why `name` is not in sync with this checkout (None when its plan is empty)."""
    outcome = guarded(name, lambda: plan_tenant(ctx, name))
    if outcome.error:
        return f"{name} could not be checked: {outcome.error}"
    assert outcome.plan is not None
    if not outcome.plan.empty:
        add, change, destroy = outcome.plan.counts()
        return (
            f"{name} is behind this commit ({add} to add, {change} to change, "
            f"{destroy} to destroy): deploy it first"
        )
    return None


def _prefixed(report: Report, tenant: str) -> Report:
    return lambda line: report(f"[{tenant}] {line}")


def guarded(name: str, work: Callable[[], Outcome]) -> Outcome:
    """One tenant's failure becomes its outcome, so it cannot hide the other tenants' results."""
    try:
        return work()
    except DeployerError as exc:
        return Outcome(name, error=str(exc), exit_code=exc.exit_code)


def for_each(names: Sequence[str], work: Callable[[str], Outcome]) -> list[Outcome]:
    """Run `work` for every tenant concurrently (they are independent); results in order."""
    return concurrently(names, lambda n: guarded(n, partial(work, n)))


def concurrently(names: Sequence[str], work: Callable[[str], T]) -> list[T]:
    """`work` for every tenant, in threads when there are several; results in order."""
    if len(names) <= 1:
        return [work(n) for n in names]
    with ThreadPoolExecutor(max_workers=min(len(names), MAX_PARALLEL_TENANTS)) as pool:
        return list(pool.map(work, names))


@dataclass(frozen=True)
class SecretsCheck:
    """One tenant's secrets, here and live; `local` holds the values (for --reveal only)."""

    report: TenantReport
    local: Mapping[str, LocalValue]


def check_secrets(ctx: Context, name: str) -> SecretsCheck:
    """Each secret's local source and value against the live action's fingerprints.

    A tenant that cannot be read still gets a report (its local side is worth showing).
    """
    tenant = ctx.config.tenant(name)
    found = find_secrets(ctx.config, tenant, ctx.env, generate=False)  # read only
    local = {n: LocalValue(f.source, f.value) for n, f in found.items()}
    manifest = ctx.config.manifest
    live = _live_secrets(ctx, tenant)
    report = build_report(name, manifest.name, manifest.secrets, local, live)
    return SecretsCheck(report, local)


def _live_secrets(ctx: Context, tenant: TenantConfig) -> LiveSide:
    # A token and one list request: the list carries the draft's code, and so its header.
    unset = unset_credentials(tenant, ctx.env)
    if unset:
        return LiveSide(checked=False, reason=", ".join(unset))
    try:
        with open_client(ctx.target(tenant)) as client:
            action = client.find_action(ctx.config.manifest.name)
    except DeployerError as exc:
        return LiveSide(checked=False, reason=str(exc).splitlines()[0])
    return LiveSide(checked=True, action=action)
