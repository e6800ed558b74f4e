"""The `deployer` command line: parse, call, print, exit. No logic of its own."""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import click

from . import __version__, output
from .config import DEFAULT_CONFIG, Config, load_config
from .desired import desired_action
from .errors import DeployerError, RefusedError
from .plan import Plan
from .provenance import current_source
from .sources import Environment, resolve_secrets
from .workflow import Context, Outcome, RunOptions, deploy_tenant, for_each, plan_tenant

EXIT_CHANGES = 2


class _Group(click.Group):
    """Turns every DeployerError into one message and an exit code, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DeployerError as exc:
            if ctx.find_root().params.get("debug"):
                traceback.print_exc()
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_CONFIG,
    envvar="DEPLOYER_CONFIG",
    show_default=True,
    help="The tenants file.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks.")
@click.version_option(__version__, prog_name="deployer")
@click.pass_context
def cli(ctx: click.Context, config_path: Path, debug: bool) -> None:
    """Render, plan and deploy the accept-terms post-login Action to Auth0 tenants.

    \b
    Examples:
      deployer validate                        check every tenant, offline
      deployer plan --all                      what would change, in every tenant
      deployer deploy --tenant local --yes     deploy to the embedded emulator
      deployer render --tenant prod            print the Action's code for prod
    """
    ctx.obj = config_path


def _config(ctx: click.Context) -> Config:
    path: Path = ctx.find_root().obj
    return load_config(path)


def _context(ctx: click.Context, **options: Any) -> Context:
    config = _config(ctx)
    source = current_source(config.root)
    return Context(
        config=config,
        env=Environment(config.root),
        report=lambda line: click.echo(line, err=True),
        options=RunOptions(commit=source.commit, dirty=source.dirty, **options),
    )


def _tenants(config: Config, tenants: Sequence[str], all_tenants: bool) -> list[str]:
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


def _print(outcomes: Sequence[Outcome], fmt: str) -> None:
    if fmt == "json":
        click.echo(output.as_json(outcomes), nl=False)
    elif fmt == "markdown":
        click.echo(output.markdown(outcomes), nl=False)
    else:
        colour = sys.stdout.isatty()
        click.echo(output.text(outcomes, colour=colour), nl=False, color=colour)


def _worst(outcomes: Sequence[Outcome]) -> int:
    return 1 if any(o.error for o in outcomes) else 0


@cli.command()
@tenant_option
@all_option
@output_option
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would change, 2 when something would, 1 on errors.",
)
@adopt_option
@prune_option
@click.pass_context
def plan(
    ctx: click.Context,
    tenants: tuple[str, ...],
    all_tenants: bool,
    fmt: str,
    detailed_exitcode: bool,
    adopt: bool,
    prune_secrets: bool,
) -> None:
    """Show what a deploy would change, without changing anything.

    Reads each tenant (3 requests when nothing changed) and prints a diff: the code, the
    secrets (by fingerprint, never a value), the deploy and the binding.

    \b
    Examples:
      deployer plan                            the local tenant
      deployer plan --all --output markdown >> "$GITHUB_STEP_SUMMARY"
      deployer plan -t staging -t prod --detailed-exitcode
    """
    context = _context(ctx, adopt=adopt, prune_secrets=prune_secrets)
    names = _tenants(context.config, tenants, all_tenants)
    outcomes = for_each(names, partial(plan_tenant, context))
    _print(outcomes, fmt)
    worst = _worst(outcomes)
    if worst == 0 and detailed_exitcode and any(o.plan and not o.plan.empty for o in outcomes):
        worst = EXIT_CHANGES
    ctx.exit(worst)


@cli.command()
@tenant_option
@all_option
@click.option("-y", "--yes", is_flag=True, help="Apply without asking (needed without a terminal).")
@click.option("--dry-run", is_flag=True, help="Only print the plan (same as `deployer plan`).")
@output_option
@adopt_option
@prune_option
@click.pass_context
def deploy(
    ctx: click.Context,
    tenants: tuple[str, ...],
    all_tenants: bool,
    yes: bool,
    dry_run: bool,
    fmt: str,
    adopt: bool,
    prune_secrets: bool,
) -> None:
    """Plan, confirm, then create or update, build, deploy and bind the Action.

    Asks before changing anything when run on a terminal; without one, it needs --yes. A second
    run with nothing to change makes no write at all. Progress goes to standard error.

    \b
    Examples:
      deployer deploy --tenant local --yes
      deployer deploy --tenant prod            shows the plan, then asks
      deployer deploy --all --yes
    """
    context = _context(ctx, adopt=adopt, prune_secrets=prune_secrets)
    names = _tenants(context.config, tenants, all_tenants)
    if dry_run:
        ctx.invoke(plan, tenants=tuple(names), fmt=fmt)
        return
    colour = fmt == "text" and sys.stdout.isatty()
    printing = threading.Lock()

    def show(name: str, plan: Plan) -> bool:
        # With --yes each tenant's plan is printed just before it is applied.
        if fmt == "text":
            with printing:
                click.echo(output.text([Outcome(name, plan=plan)], colour=colour), nl=False)
        return True

    if yes:
        outcomes = for_each(names, lambda n: deploy_tenant(context, n, confirm=partial(show, n)))
    else:
        reviewed = {o.tenant: o for o in for_each(names, partial(plan_tenant, context))}
        _print(list(reviewed.values()), fmt)
        pending = [n for n, o in reviewed.items() if o.plan and not o.plan.empty and not o.error]
        if not pending:
            ctx.exit(_worst(list(reviewed.values())))
        if not sys.stdin.isatty():
            raise RefusedError("not applying: no terminal to ask for confirmation; add --yes")
        if not click.confirm(f"Apply these changes to {', '.join(pending)}?", default=False):
            click.echo("Nothing applied.", err=True)
            ctx.exit(1)

        def same_plan(name: str, fresh: Plan) -> bool:
            # The tenant must still be what was reviewed; otherwise stop and show it again.
            if fresh != reviewed[name].plan:
                raise RefusedError(f"{name} changed since the plan was shown; run deploy again")
            return True

        outcomes = for_each(
            pending, lambda n: deploy_tenant(context, n, confirm=partial(same_plan, n))
        )
    if fmt != "text":
        _print(outcomes, fmt)
    else:
        for o in outcomes:
            if o.error:
                click.echo(output.text([o], colour=colour), nl=False, color=colour)
            elif o.applied:
                click.echo(f"{o.tenant}: applied; the tenant now matches the configuration.")
            elif o.plan is not None and o.plan.empty:
                click.echo(f"{o.tenant}: No changes.")
    ctx.exit(_worst(outcomes))


@cli.command()
@click.option("-t", "--tenant", required=True, help="The tenant to render for.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_context
def render(ctx: click.Context, tenant: str, output: Path | None) -> None:
    """Print (or write) the Action's JavaScript for one tenant.

    The header carries the secrets' fingerprints when their values are available here.

    \b
    Examples:
      deployer render --tenant prod
      deployer render --tenant dev -o build/dev.js
    """
    config = _config(ctx)
    settings = config.tenant(tenant)
    secrets = resolve_secrets(config, settings, Environment(config.root), generate=False)
    code = desired_action(config, settings, secrets.values, check=True).code
    if output is None:
        click.echo(code, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(code, encoding="utf-8")
        click.echo(f"Wrote {output} ({len(code.encode())} bytes) for tenant {tenant}.", err=True)


@cli.command()
@click.option(
    "--strict", is_flag=True, help="Also fail when a tenant's secrets or credentials are not set."
)
@click.pass_context
def validate(ctx: click.Context, strict: bool) -> None:
    """Check tenants.yaml, render every tenant and run `node --check`; no network.

    Secrets and credentials that are not set here are reported; with --strict they fail the
    check (for a pipeline that has them). Exits 1 and lists every problem otherwise.

    \b
    Examples:
      deployer validate
      deployer --config other/tenants.yaml validate --strict
    """
    from .sources import resolve_credentials

    config = _config(ctx)
    env = Environment(config.root)
    not_ready = 0
    for name, settings in config.tenants.items():
        secrets = resolve_secrets(config, settings, env, generate=False)
        code = desired_action(config, settings, secrets.values, check=True).code
        click.echo(f"ok  {name}: {len(code.encode())} bytes of JavaScript, syntax checked")
        missing = [] if settings.is_emulated else [p.message for p in secrets.problems]
        try:
            resolve_credentials(settings, env)
        except DeployerError as exc:
            missing.append(str(exc))
        for message in missing:
            click.secho(f"    not ready to deploy: {message}", fg="yellow")
        not_ready += bool(missing)
    click.echo(f"{config.path}: {len(config.tenants)} tenants valid.")
    if strict and not_ready:
        raise DeployerError(f"{not_ready} tenant(s) are not ready to deploy (see above)")


def _register_emulator() -> None:
    try:
        from .emulator.cli import emulator
    except ImportError:  # pragma: no cover - the emulator is part of the package
        return
    cli.add_command(emulator)


_register_emulator()


def main() -> None:
    cli(prog_name="deployer")
