"""The kill switch, for the day the consent page is down and every login is sent to a dead page:
`disable` takes our Action out of the login flow, `destroy` also deletes it. Both show their
plan first and ask, like a deploy."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from functools import partial

import click

from .. import output
from ..errors import RefusedError
from ..plan import Plan
from ..state import DesiredAction
from ..workflow import Context, Outcome, for_each, teardown_tenant
from .options import context_of, output_option, print_outcomes, tenant_names, worst, yes_option

_tenants = click.option(
    "-t", "--tenant", "tenants", multiple=True, required=True, help="The tenant (repeatable)."
)


def _run(ctx: click.Context, tenants: Sequence[str], *, delete: bool, yes: bool, fmt: str) -> None:
    context = context_of(ctx)
    names = tenant_names(context.config, tenants, False)
    verb = "destroy" if delete else "disable"
    if yes:
        outcomes = _apply(context, names, delete, fmt, reviewed=None)
    else:
        planned = for_each(names, lambda n: teardown_tenant(context, n, delete=delete, confirm=_no))
        print_outcomes(planned, fmt)
        pending = [o.tenant for o in planned if o.plan and not o.plan.empty and not o.error]
        if not pending:
            ctx.exit(worst(planned))
        if not sys.stdin.isatty():
            raise RefusedError("not applying: no terminal to ask for confirmation; add --yes")
        if not click.confirm(f"{verb.capitalize()} in {', '.join(pending)}?", default=False):
            raise RefusedError("nothing changed")
        reviewed = {o.tenant: o.plan for o in planned if o.plan is not None}
        outcomes = _apply(context, pending, delete, fmt, reviewed=reviewed)
    if fmt == "text":
        for o in outcomes:
            click.echo(_result_line(o, delete))
    else:
        print_outcomes(outcomes, fmt)
    ctx.exit(worst(outcomes))


def _no(_plan: Plan, _desired: DesiredAction) -> bool:
    return False


def _apply(
    context: Context,
    names: Sequence[str],
    delete: bool,
    fmt: str,
    reviewed: dict[str, Plan] | None,
) -> list[Outcome]:
    printing = threading.Lock()

    def confirm(name: str, fresh: Plan, _desired: DesiredAction) -> bool:
        if reviewed is not None and fresh != reviewed.get(name):
            raise RefusedError(f"{name} changed since the plan was shown; run again")
        if reviewed is None and fmt == "text":  # --yes: shown just before it is applied
            with printing:
                click.echo(output.text([Outcome(name, plan=fresh)]), nl=False)
        return True

    return for_each(
        names,
        lambda n: teardown_tenant(context, n, delete=delete, confirm=partial(confirm, n)),
    )


def _result_line(o: Outcome, delete: bool) -> str:
    if o.error:
        return f"{o.tenant}: {o.error}"
    if not o.applied:
        gone = "there is no action of ours" if delete else "ours is not bound"
        return f"{o.tenant}: nothing to do ({gone})."
    if delete:
        return (
            f"{o.tenant}: unbound and deleted; logins no longer run it. "
            f"`deployer deploy -t {o.tenant}` creates and binds it again."
        )
    return (
        f"{o.tenant}: unbound; logins no longer run it (the action is kept). "
        f"`deployer deploy -t {o.tenant}` binds it again."
    )


@click.command()
@_tenants
@yes_option
@output_option
@click.pass_context
def disable(ctx: click.Context, tenants: tuple[str, ...], yes: bool, fmt: str) -> None:
    """Take the Action out of the login flow: remove only its post-login binding.

    Every other Action keeps its binding and its order; ours is kept, deployed, and bound again
    by the next `deployer deploy`. Needs the tenant's credentials, not its secrets. Shows the
    plan, then asks (--yes without a terminal).

    \b
    Examples:
      deployer disable --tenant prod --yes     the consent page is down: let logins through
      deployer deploy --tenant prod --yes      it is back: bind the Action again
    """
    _run(ctx, tenants, delete=False, yes=yes, fmt=fmt)


@click.command()
@_tenants
@yes_option
@output_option
@click.pass_context
def destroy(ctx: click.Context, tenants: tuple[str, ...], yes: bool, fmt: str) -> None:
    """Remove the Action from a tenant: unbind it, then delete it and its versions.

    Only ever the action this tool deployed (its code carries our managed header). It is
    unbound first and deleted without Auth0's `force`, so a binding made in between stops the
    delete instead of being detached. Needs the delete:actions scope. Shows the plan, then
    asks (--yes without a terminal).

    \b
    Examples:
      deployer destroy --tenant staging
      deployer destroy --tenant old-tenant --yes --output json
    """
    _run(ctx, tenants, delete=True, yes=yes, fmt=fmt)
