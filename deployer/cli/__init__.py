"""The `deployer` command line: parse, call, print, exit. No logic of its own.

Start-up time matters (`deployer --help`, `validate` in every pull request), so this module
imports only click: the commands here import what they need when they run, and the commands
of other modules are loaded on first use through `LAZY_COMMANDS`. A test checks that neither
`--help` nor `validate` loads the Auth0 SDK, the web stack or the emulator.
"""

from __future__ import annotations

import importlib
from functools import partial
from pathlib import Path

import click

from .. import __version__
from ..errors import DeployerError
from .options import (
    EXIT_CHANGES,
    Group,
    adopt_option,
    all_option,
    apply_with_confirmation,
    config_of,
    context_of,
    output_option,
    print_outcomes,
    prune_option,
    tenant_names,
    tenant_option,
    worst,
    yes_option,
)

# config.DEFAULT_CONFIG, spelt out: importing config would load pydantic (a test checks both).
DEFAULT_CONFIG = "tenants.yaml"

# Commands defined in other modules: name -> ("module:attribute", the first line of its help).
# The help line is what `deployer --help` lists without importing the module; a test checks it
# against the command's own docstring. Adding a command is one line here.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "apply": (
        "deployer.cli.release:apply",
        "Apply exactly a plan saved by `deployer plan --out FILE`.",
    ),
    "promote": (
        "deployer.cli.release:promote",
        "Deploy a stage once the stage before it runs this very code.",
    ),
    "history": (
        "deployer.cli.release:history",
        "List the Action's versions on a tenant, with the commit each came from.",
    ),
    "rollback": (
        "deployer.cli.release:rollback",
        "Put an older version of the Action live again, through Auth0's version deploy.",
    ),
    "secrets": (
        "deployer.cli.secrets:secrets",
        "Where each secret comes from, and whether the deployed value is the local one.",
    ),
    "tenants": (
        "deployer.cli.tenants:tenants",
        "List the tenants, as text or as a GitHub Actions matrix.",
    ),
    "emulator": (
        "deployer.cli.emulator:emulator",
        "A local Auth0 tenant (token endpoint and Actions Management API) for development.",
    ),
    "consent": (
        "deployer.cli.consent:consent",
        "The reference consent page that the accept-terms Action sends users to.",
    ),
    "demo": (
        "deployer.cli.demo:demo",
        "Try the consent round trip in a browser, all on this machine.",
    ),
}


class LazyGroup(Group):
    """A group that imports a command's module only when that command is used (click's
    documented lazy-loading pattern), and lists them all from `LAZY_COMMANDS` without importing."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, _, attribute = LAZY_COMMANDS[cmd_name][0].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names), default=0)
        rows = []
        for name in names:
            command = self.commands.get(name)
            if command is None:
                rows.append((name, LAZY_COMMANDS[name][1]))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.command()
@tenant_option
@all_option
@output_option
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when nothing would change, 2 when something would, 1 on errors.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also save the plan, to apply exactly it later with `deployer apply FILE`.",
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
    out: Path | None,
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
      deployer plan -t prod --out prod.plan.json   then: deployer apply prod.plan.json
    """
    from ..saved import write_plan_file
    from ..workflow import for_each, plan_tenant

    context = context_of(ctx, adopt=adopt, prune_secrets=prune_secrets)
    names = tenant_names(context.config, tenants, all_tenants)
    outcomes = for_each(names, partial(plan_tenant, context))
    print_outcomes(outcomes, fmt)
    code = worst(outcomes)
    if out is not None:
        if code:
            raise DeployerError(f"not saving {out}: some tenants could not be planned")
        from ..output import outcome_json

        entries = [
            (o.desired, o.plan.basis, outcome_json(o)) for o in outcomes if o.plan and o.desired
        ]
        write_plan_file(out, entries, commit=context.options.commit, dirty=context.options.dirty)
        click.echo(
            f"Saved the plan to {out}; apply exactly it with: deployer apply {out}", err=True
        )
    if code == 0 and detailed_exitcode and any(o.plan and not o.plan.empty for o in outcomes):
        code = EXIT_CHANGES
    ctx.exit(code)


@cli.command()
@tenant_option
@all_option
@yes_option
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
    context = context_of(ctx, adopt=adopt, prune_secrets=prune_secrets)
    names = tenant_names(context.config, tenants, all_tenants)
    if dry_run:
        ctx.invoke(plan, tenants=tuple(names), fmt=fmt, adopt=adopt, prune_secrets=prune_secrets)
        return
    ctx.exit(worst(apply_with_confirmation(context, names, yes=yes, fmt=fmt)))


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
    from ..desired import desired_action
    from ..sources import Environment, resolve_secrets

    config = config_of(ctx)
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
    from .. import syntax

    syntax.start()  # Node starts while Python loads the config and renders
    from ..desired import desired_action
    from ..render import check_syntax
    from ..sources import Environment, missing_values

    config = config_of(ctx)
    env = Environment(config.root)
    rendered = {}
    for name, settings in config.tenants.items():
        values, missing = missing_values(config, settings, env, generate=False)
        rendered[name] = (desired_action(config, settings, values).code, missing)
    not_ready = 0
    for name, (code, missing) in rendered.items():
        check_syntax(code, name=name)
        settings = config.tenants[name]
        click.echo(f"ok  {name}: {len(code.encode())} bytes of JavaScript, syntax checked")
        if missing and not settings.is_emulated:
            not_ready += 1
            click.secho(f"    not ready to deploy from here ({len(missing)} not set):", fg="yellow")
            for problem in missing:
                click.echo(f"      - {problem.message}")
    click.echo(f"{config.path}: {len(config.tenants)} tenants valid.")
    if strict and not_ready:
        raise DeployerError(f"{not_ready} tenant(s) are not ready to deploy (see above)")


def main() -> None:
    cli(prog_name="deployer")
