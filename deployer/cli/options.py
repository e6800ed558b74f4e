"""What the command modules share: the root group's error handling, options, printing, and
the confirm-then-apply loop used by deploy, promote and apply."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import DeployerError, RefusedError

if TYPE_CHECKING:
    from ..config import Config
    from ..plan import Plan
    from ..state import DesiredAction
    from ..workflow import Context, Outcome

# The root group imports this module, so everything heavier than click is imported inside the
# functions that need it: `deployer --help` and `validate` start without the Auth0 SDK.

EXIT_CHANGES = 2


class Group(click.Group):
    """Turns every DeployerError into one message and an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DeployerError as exc:
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)


def config_of(ctx: click.Context) -> Config:
    from ..config import load_config

    path: Path = ctx.find_root().obj
    return load_config(path)


def context_of(ctx: click.Context, **options: Any) -> Context:
    from ..provenance import current_source
    from ..sources import Environment
    from ..workflow import Context, RunOptions

    config = config_of(ctx)
    source = current_source(config.root)
    return Context(
        config=config,
        env=Environment(config.root),
        report=lambda line: click.echo(line, err=True),
        options=RunOptions(commit=source.commit, dirty=source.dirty, **options),
    )


def tenant_names(config: Config, tenants: Sequence[str], all_tenants: bool) -> list[str]:
    if all_tenants:
        return list(config.tenants)
    names = list(dict.fromkeys(tenants)) or ["local"]
    for name in names:
        config.tenant(name)  # a clear error for an unknown name, before any request
    return names


tenant_option = click.option(
    "-t",
    "--tenant",
    "tenants",
    multiple=True,
    help="A tenant from tenants.yaml (repeatable; default: local).",
)
all_option = click.option("--all", "all_tenants", is_flag=True, help="Every tenant in the file.")
output_option = click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="How to print the plan.",
)
adopt_option = click.option(
    "--adopt",
    is_flag=True,
    help="Take over an existing action of our name that this tool did not deploy.",
)
prune_option = click.option(
    "--prune-secrets",
    is_flag=True,
    help="Delete live secrets that the config does not know (kept by default).",
)
yes_option = click.option(
    "-y", "--yes", is_flag=True, help="Apply without asking (needed without a terminal)."
)


def print_outcomes(outcomes: Sequence[Outcome], fmt: str) -> None:
    from .. import output

    if fmt == "json":
        click.echo(output.as_json(outcomes), nl=False)
    elif fmt == "markdown":
        click.echo(output.markdown(outcomes), nl=False)
    else:
        colour = sys.stdout.isatty()
        click.echo(output.text(outcomes, colour=colour), nl=False, color=colour)


def worst(outcomes: Sequence[Outcome]) -> int:
    return 1 if any(o.error for o in outcomes) else 0


Check = Callable[[str, "Plan", "DesiredAction"], None]


def apply_with_confirmation(
    context: Context,
    names: Sequence[str],
    *,
    yes: bool,
    fmt: str,
    check: Check | None = None,
) -> list[Outcome]:
    """Plan, show, ask (or --yes), apply each tenant, and print how it ended.

    `check` may refuse a tenant (by raising) after its fresh plan is made, before any write.
    """
    from .. import output
    from ..workflow import Outcome, deploy_tenant, for_each, plan_tenant

    colour = fmt == "text" and sys.stdout.isatty()
    printing = threading.Lock()

    def show(name: str, plan: Plan, desired: DesiredAction) -> bool:
        if check is not None:
            check(name, plan, desired)
        if fmt == "text" and not plan.empty:  # with --yes, printed just before it is applied
            with printing:
                click.echo(output.text([Outcome(name, plan=plan)], colour=colour), nl=False)
        return True

    if yes:
        outcomes = for_each(names, lambda n: deploy_tenant(context, n, confirm=partial(show, n)))
    else:
        reviewed = {o.tenant: o for o in for_each(names, partial(plan_tenant, context))}
        print_outcomes(list(reviewed.values()), fmt)
        pending = [n for n, o in reviewed.items() if o.plan and not o.plan.empty and not o.error]
        if not pending:
            return list(reviewed.values())
        if not sys.stdin.isatty():
            raise RefusedError("not applying: no terminal to ask for confirmation; add --yes")
        if not click.confirm(f"Apply these changes to {', '.join(pending)}?", default=False):
            raise RefusedError("nothing applied")

        def same_plan(name: str, fresh: Plan, desired: DesiredAction) -> bool:
            # The tenant must still be what was reviewed; otherwise stop and show it again.
            if fresh != reviewed[name].plan:
                raise RefusedError(f"{name} changed since the plan was shown; run again")
            if check is not None:
                check(name, fresh, desired)
            return True

        outcomes = for_each(
            pending, lambda n: deploy_tenant(context, n, confirm=partial(same_plan, n))
        )
    report_applied(outcomes, fmt, colour)
    return outcomes


def report_applied(outcomes: Sequence[Outcome], fmt: str, colour: bool) -> None:
    from .. import output

    if fmt in ("json", "markdown"):
        print_outcomes(outcomes, fmt)
        return
    for o in outcomes:
        if o.error:
            click.echo(output.text([o], colour=colour), nl=False, color=colour)
        elif o.applied:
            click.echo(f"{o.tenant}: applied; the tenant now matches the configuration.")
        elif o.plan is not None and o.plan.empty:
            click.echo(f"{o.tenant}: No changes.")
