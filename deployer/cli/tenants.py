"""`deployer tenants`: the tenants of tenants.yaml, as text or as a GitHub Actions matrix.

Past one machine, a pipeline fans its tenants out over CI runners: one job prints the list
(`--output json`, optionally only those whose plan has changes), a matrix job runs one tenant
per runner with that tenant's own secrets and no shared state.
"""

from __future__ import annotations

import json
from functools import partial

import click

from .options import config_of, context_of, tenant_names, tenant_option


@click.command()
@tenant_option
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a line per tenant; json: a JSON list of names, for a GitHub Actions matrix.",
)
@click.option(
    "--changed",
    is_flag=True,
    help="Only the tenants whose plan has changes, and those that could not be planned here.",
)
@click.pass_context
def tenants(ctx: click.Context, tenants: tuple[str, ...], fmt: str, changed: bool) -> None:
    """List the tenants, as text or as a GitHub Actions matrix.

    Every tenant of the file by default (-t limits it). `--output json` prints one line, a JSON
    list of names such as ["dev","prod"], for `strategy.matrix.tenant: ${{ fromJSON(...) }}`;
    an empty list means there is nothing to do (skip the matrix job then: GitHub refuses an
    empty matrix). `--changed` plans each tenant (reads only) and keeps those with changes;
    a tenant that cannot be planned here (no credentials in this job, say), or whose secrets
    cannot be compared (their values are not set here), is kept too, with a note on standard
    error, so that its own job decides.

    \b
    Examples:
      deployer tenants
      deployer tenants --output json
      echo "tenants=$(deployer tenants --changed -o json)" >> "$GITHUB_OUTPUT"
    """
    config = config_of(ctx)
    names = list(config.tenants) if not tenants else tenant_names(config, tenants, False)
    if changed:
        from ..workflow import for_each, plan_tenant

        context = context_of(ctx)
        kept = []
        for outcome in for_each(names, partial(plan_tenant, context)):
            if outcome.error is not None:
                reason = outcome.error.splitlines()[0]
                click.echo(f"{outcome.tenant}: kept, could not be planned: {reason}", err=True)
                kept.append(outcome.tenant)
            elif outcome.plan is not None and outcome.plan.unchecked_secrets:
                # A secret's value could not be compared here: it may differ, so the tenant's
                # own job, which has the values, decides.
                unchecked = ", ".join(outcome.plan.unchecked_secrets)
                click.echo(f"{outcome.tenant}: kept, secrets not checked: {unchecked}", err=True)
                kept.append(outcome.tenant)
            elif outcome.plan is not None and not outcome.plan.empty:
                kept.append(outcome.tenant)
        names = kept
    if fmt == "json":
        click.echo(json.dumps(names, separators=(",", ":")))
        return
    for name in names:
        settings = config.tenants[name]
        where = settings.domain or ("emulator" if settings.is_emulated else "")
        click.echo(f"{name}\t{where}")
