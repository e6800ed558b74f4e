"""Release commands for pipelines: apply a saved plan, promote, history, rollback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .. import output
from ..errors import RefusedError
from ..plan import Plan, UpdateAction
from ..saved import load_plan, read_plan_file
from ..state import DesiredAction
from ..versions import Rollback
from ..versions import history as read_history
from ..versions import rollback as do_rollback
from ..workflow import Context, Outcome, check_in_sync
from .options import (
    apply_with_confirmation,
    context_of,
    output_option,
    single_tenant_option,
    worst,
    yes_option,
)


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@output_option
@click.pass_context
def apply(ctx: click.Context, plan_file: Path, fmt: str) -> None:
    """Apply exactly a plan saved by `deployer plan --out FILE`.

    Re-reads each tenant first and refuses, naming what moved, if the tenant or the desired
    state (template, parameters, secrets) changed since the plan was made. It does not ask:
    the saved plan is what was reviewed.

    \b
    Examples:
      deployer plan -t prod --out prod.plan.json     (in the pull request)
      deployer apply prod.plan.json                  (after approval)
    """
    ctx.exit(worst(_apply_saved(context_of(ctx), plan_file, fmt)))


def _apply_saved(
    context: Context, plan_file: Path, fmt: str, only: str | None = None
) -> list[Outcome]:
    """Apply exactly the saved plan: no question (the review was the question), and a refusal,
    naming what moved, if the tenant or the desired state is not what it was made against."""
    saved = {t.tenant: t for t in read_plan_file(plan_file)}
    if only is not None and set(saved) != {only}:
        raise RefusedError(f"{plan_file} is a plan for {', '.join(saved)}, not for {only}")
    for name in saved:
        context.config.tenant(name)

    def unchanged(name: str, plan: Plan, desired: DesiredAction) -> None:
        saved[name].check(desired, plan.basis)
        update = plan.find(UpdateAction)
        late = [
            n
            for n in saved[name].unchecked
            if isinstance(update, UpdateAction)
            and n in (*update.secrets.added, *update.secrets.changed)
        ]
        if late:
            click.echo(
                f"{name}: the reviewed plan did not check {', '.join(late)} (no value where it "
                "was made); checked now, and sent with this apply.",
                err=True,
            )

    return apply_with_confirmation(context, list(saved), yes=True, fmt=fmt, check=unchanged)


@click.command()
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@output_option
def show(plan_file: Path, fmt: str) -> None:
    """Print a plan saved by `deployer plan --out FILE`, as `plan` printed it; no tenant is read.

    \b
    Examples:
      deployer show prod.plan.json
      deployer show prod.plan.json --output markdown >> "$GITHUB_STEP_SUMMARY"
    """
    saved = load_plan(plan_file)
    doc = output.document_of([t.plan for t in saved.tenants])
    if saved.commit:
        dirty = " (dirty tree)" if saved.dirty else ""
        click.echo(f"Saved plan {plan_file}, made at commit {saved.commit[:12]}{dirty}", err=True)
    if fmt == "json":
        click.echo(json.dumps(doc, indent=2))
    elif fmt == "markdown":
        click.echo(output.markdown_of(doc), nl=False)
    else:
        colour = sys.stdout.isatty()
        click.echo(output.text_of(doc, colour=colour), nl=False, color=colour)


@click.command()
@click.option("--to", "to", required=True, help="The stage to deploy (a name in `promotion:`).")
@click.option("--force", is_flag=True, help="Deploy even if the stage before it is behind.")
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Apply exactly this saved plan of the stage (from `plan --out`) instead of a new one.",
)
@yes_option
@output_option
@click.pass_context
def promote(
    ctx: click.Context,
    to: str,
    force: bool,
    plan_file: Path | None,
    yes: bool,
    fmt: str,
) -> None:
    """Deploy a stage once the stage before it runs this very code.

    The order comes from `promotion:` in tenants.yaml (e.g. [dev, staging, prod]). The stage
    before `--to` must have an empty plan for this checkout: this commit's Action was deployed
    and is live there (checking it needs that stage's credentials, not its secrets). Skipping
    a stage needs --force. With --plan it applies exactly that reviewed plan, without asking,
    and refuses it if the stage or the code moved since; otherwise it plans and asks (--yes).

    \b
    Examples:
      deployer promote --to staging --yes
      deployer promote --to prod
      deployer promote --to prod --plan prod.plan.json     (the plan reviewed in CI)
    """
    context = context_of(ctx)
    saved = read_plan_file(plan_file) if plan_file is not None else None  # fail before reading
    order = context.config.promotion
    if to not in order:
        stages = " -> ".join(order) or "none (add `promotion: [dev, staging, prod]`)"
        raise RefusedError(f"{to!r} is not a promotion stage; stages: {stages}")
    index = order.index(to)
    if index > 0:
        behind = check_in_sync(context, order[index - 1])
        if behind and not force:
            raise RefusedError(f"not promoting to {to}: {behind} (or use --force)")
        if behind:
            click.secho(f"Warning: {behind}; promoting anyway (--force)", fg="yellow", err=True)
        else:
            click.echo(
                f"{order[index - 1]} runs this commit's Action; promoting to {to}.", err=True
            )
    if saved is not None and plan_file is not None:
        ctx.exit(worst(_apply_saved(context, plan_file, fmt, only=to)))
    ctx.exit(worst(apply_with_confirmation(context, [to], yes=yes, fmt=fmt)))


@click.command()
@single_tenant_option("The tenant.")
@click.pass_context
def history(ctx: click.Context, tenant: str) -> None:
    """List the Action's versions on a tenant, with the commit each came from.

    \b
    Example:
      deployer history --tenant prod
    """
    entries = read_history(context_of(ctx), tenant)
    click.echo(f"{'version':>7}  {'created':<20}  {'live':<4}  commit")
    for e in entries:
        commit = (e.commit[:12] + (" (dirty tree)" if e.dirty else "")) if e.commit else "-"
        created = (e.created_at or "")[:19].replace("T", " ")
        click.echo(f"{e.number:>7}  {created:<20}  {'yes' if e.live else '':<4}  {commit}")


@click.command()
@single_tenant_option("The tenant to roll back.")
@click.option(
    "--to-version",
    type=int,
    help="The version number to go back to (default: the one before the live one).",
)
@yes_option
@click.pass_context
def rollback(ctx: click.Context, tenant: str, to_version: int | None, yes: bool) -> None:
    """Put an older version of the Action live again, through Auth0's version deploy.

    Shows the code diff it will make and asks on a terminal (--yes otherwise). The draft is left
    alone, so the next deploy from the repository re-applies the current template; `deployer
    plan` shows that difference until then.

    \b
    Examples:
      deployer history --tenant prod
      deployer rollback --tenant prod --to-version 7
    """
    context = context_of(ctx)

    def confirm(plan: Rollback) -> bool:
        click.echo(
            f"Tenant {plan.tenant}: roll {plan.action_name!r} back from version "
            f"{plan.current} to version {plan.target.number}"
        )
        click.echo(plan.code_diff or "  (the code is the same; secrets may differ)", nl=False)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise RefusedError("not rolling back: no terminal to ask for confirmation; add --yes")
        return click.confirm("Roll back?", default=False)

    plan, created = do_rollback(context, tenant, to_version, confirm)
    if created is None:
        raise RefusedError("nothing rolled back")
    click.echo(
        f"{tenant}: version {plan.target.number} is live again (as version {created.number}). "
        "The next `deployer deploy` re-applies the repository's template; `deployer plan` "
        "shows the difference."
    )
