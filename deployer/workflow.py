"""One tenant's plan and deploy, start to end, and many tenants at once.

config -> secrets -> desired state -> live state (3 requests) -> plan -> apply -> re-read.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import partial

from .apply import Report, Waiter, Waits, apply_plan
from .client import Auth0Client
from .config import Config, TenantConfig
from .desired import desired_action
from .errors import DeployerError, NotReadyError
from .plan import Options, Plan, diff
from .sources import Environment, Secret, missing_values
from .state import DesiredAction, LiveState
from .targets import TransportFactory, open_client, resolve_target

# Tenants are independent and Auth0 rate-limits each on its own (pacing.py paces each tenant's
# requests), so all of them run at once: a thread per tenant, asleep nearly all the time (a
# build, a settle, a rate-limit token). The cap only bounds memory for a very long tenant list;
# bench/ measures the peak RSS of 100 tenants. Past a few hundred, fan out over CI runners
# (`deployer tenants --output json`).
MAX_PARALLEL_TENANTS = 256


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
    report: Report = lambda line: None
    options: RunOptions = field(default_factory=RunOptions)


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


@functools.cache
def _readers() -> ThreadPoolExecutor:
    """Threads for the second read of every tenant, kept for the process (starting a thread
    per read costs more than the read, with a hundred tenants at once)."""
    return ThreadPoolExecutor(max_workers=MAX_PARALLEL_TENANTS, thread_name_prefix="read")


def prepare(ctx: Context, tenant: TenantConfig) -> tuple[DesiredAction, dict[str, Secret]]:
    """Everything needed before the first request; all that is missing is named at once."""
    values, problems = missing_values(ctx.config, tenant, ctx.env)
    if problems:
        raise NotReadyError(problems)
    desired = desired_action(
        ctx.config, tenant, values, commit=ctx.options.commit, dirty=ctx.options.dirty
    )
    return desired, values


def _options(ctx: Context) -> Options:
    return Options(
        adopt=ctx.options.adopt,
        prune_secrets=ctx.options.prune_secrets,
        known_secrets=frozenset(s.name for s in ctx.config.manifest.secrets),
    )


def plan_tenant(ctx: Context, name: str) -> Outcome:
    tenant = ctx.config.tenant(name)
    desired, _ = prepare(ctx, tenant)
    target = resolve_target(ctx.config, tenant, ctx.env, ctx.transports)
    with open_client(target) as client:
        plan = diff(desired, read_live(client, desired), _options(ctx))
    return Outcome(name, plan=plan, exit_code=2 if not plan.empty else 0, desired=desired)


Confirm = Callable[[Plan, DesiredAction], bool]


def deploy_tenant(ctx: Context, name: str, confirm: Confirm | None = None) -> Outcome:
    """Plan, ask `confirm` (it may also refuse by raising), apply, then re-read to verify."""
    tenant = ctx.config.tenant(name)
    desired, secrets = prepare(ctx, tenant)
    target = resolve_target(ctx.config, tenant, ctx.env, ctx.transports)
    report = _prefixed(ctx.report, name)
    with open_client(target) as client:
        plan = diff(desired, read_live(client, desired), _options(ctx))
        # Asked even when nothing would change: a saved plan that has become empty is stale.
        if (confirm is not None and not confirm(plan, desired)) or plan.empty:
            return Outcome(name, plan=plan, desired=desired)
        waiter = Waiter(ctx.options.waits, report)
        apply_plan(plan, desired, secrets, client, report=report, waiter=waiter)
        after = diff(desired, read_live(client, desired), _options(ctx))
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


def check_in_sync(ctx: Context, name: str) -> str | None:
    """Why `name` is not in sync with this checkout (None when its plan is empty)."""
    outcome = guarded(name, lambda: plan_tenant(ctx, name))
    if outcome.error:
        return f"{name} could not be checked: {outcome.error.splitlines()[0]}"
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
    if len(names) <= 1:
        return [guarded(n, partial(work, n)) for n in names]
    with ThreadPoolExecutor(max_workers=min(len(names), MAX_PARALLEL_TENANTS)) as pool:
        futures = [pool.submit(guarded, n, partial(work, n)) for n in names]
        return [f.result() for f in futures]
