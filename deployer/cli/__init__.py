"""The `deployer` command line: parse, call, print, exit. No logic of its own.

Start-up time matters (`deployer --help`, `validate` in every pull request), so this module
imports only click: the commands here import what they need when they run, and the commands
of other modules are loaded on first use through `LAZY_COMMANDS`. A test checks that neither
`--help` nor `validate` loads the Auth0 SDK, the web stack or the emulator.
"""

from __future__ import annotations

import gc
import importlib
import os
from functools import partial
from pathlib import Path

import click

from .. import __version__
from ..errors import DeployerError
from ..terminal import no_colour_requested
from .options import (
    EXIT_CHANGES,
    Group,
    Invocation,
    adopt_option,
    all_option,
    apply_with_confirmation,
    config_of,
    context_of,
    output_option,
    print_outcomes,
    prune_option,
    single_tenant_option,
    skip_not_ready_option,
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
    "show": (
        "deployer.cli.release:show",
        "Print a plan saved by `deployer plan --out FILE`, as `plan` printed it; "
        "no tenant is read.",
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
    "disable": (
        "deployer.cli.incident:disable",
        "Take the Action out of the login flow: remove only its post-login binding.",
    ),
    "destroy": (
        "deployer.cli.incident:destroy",
        "Remove the Action from a tenant: unbind it, then delete it and its versions.",
    ),
    "verify": (
        "deployer.cli.verify:verify",
        "Check the deployed Action with synthetic logins (Auth0's test endpoint).",
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
    "init": (
        "deployer.cli.init:init",
        "Start a configuration repository: tenants.yaml and what goes with it.",
    ),
    "schema": (
        "deployer.cli.init:schema",
        "Print the JSON Schema of tenants.yaml, for editors and checks.",
    ),
}


class LazyGroup(Group):
    """A group that imports a command's module only when that command is used (click's
    documented lazy-loading pattern), and lists them all from `LAZY_COMMANDS` without importing."""

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: ARG002 (click's signature)
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:  # noqa: ARG002
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
def cli(
    ctx: click.Context,
    config_path: Path,
    debug: bool,  # noqa: ARG001 (Group.invoke reads it from the root context's params)
) -> None:
    """Render, plan and deploy the accept-terms post-login Action to Auth0 tenants.

    \b
    Examples:
      deployer validate                        check every tenant, offline
      deployer plan --all                      what would change, in every tenant
      deployer deploy --tenant local --yes     deploy to the embedded emulator
      deployer render --tenant prod            print the Action's code for prod
    """
    ctx.obj = Invocation.start(ctx, config_path)
    if no_colour_requested():
        ctx.color = False  # every echo and secho below, subcommands included, strips colour


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
@click.option(
    "--verify", "then_verify", is_flag=True, help="Then run `deployer verify` on the tenants."
)
@skip_not_ready_option
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
    then_verify: bool,
    skip_not_ready: bool,
) -> None:
    """Plan, confirm, then create or update, build, deploy and bind the Action.

    Asks before changing anything when run on a terminal; without one, it needs --yes. A second
    run with nothing to change makes no write at all. Progress goes to standard error. Every
    tenant's secrets and credentials are checked before the first write: if one is not ready,
    nothing is applied (unless --skip-not-ready).

    \b
    Examples:
      deployer deploy --tenant local --yes
      deployer deploy --tenant prod            shows the plan, then asks
      deployer deploy --all --yes
      deployer deploy --tenant prod --yes --verify   then check it with synthetic logins
      deployer deploy --all --yes --skip-not-ready
    """
    context = context_of(ctx, adopt=adopt, prune_secrets=prune_secrets)
    names = tenant_names(context.config, tenants, all_tenants)
    if dry_run:
        ctx.invoke(plan, tenants=tuple(names), fmt=fmt, adopt=adopt, prune_secrets=prune_secrets)
        return
    outcomes = apply_with_confirmation(
        context, names, yes=yes, fmt=fmt, skip_not_ready=skip_not_ready
    )
    code = worst(outcomes)
    if then_verify and code == 0:
        from .verify import run_verify

        code = run_verify(context, names)
    ctx.exit(code)


@cli.command()
@single_tenant_option("The tenant to render for.")
@click.option(
    "--out",
    "output",
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
      deployer render --tenant dev --out build/dev.js
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
    from ..config import missing_terms
    from ..desired import desired_action
    from ..render import check_syntax
    from ..sources import Environment, missing_values

    config = config_of(ctx)
    env = Environment(config.root)
    rendered = {}
    for name, settings in config.tenants.items():
        values, missing = missing_values(config, settings, env, generate=False)
        if settings.is_emulated:
            # The emulator generates what the config gives no source for; a variable the
            # config does name must be set (and long enough) all the same.
            named = {f"tenants.{name}.secrets.{s}" for s in settings.secrets}
            creds = f"tenants.{name}.credentials"
            missing = [p for p in missing if p.field in named or (p.field or "").startswith(creds)]
        rendered[name] = (desired_action(config, settings, values).code, missing)
    not_ready = 0
    for name, (code, missing) in rendered.items():
        check_syntax(code, name=name)
        settings = config.tenants[name]
        click.echo(f"ok  {name}: {len(code.encode())} bytes of JavaScript, syntax checked")
        if (warning := missing_terms(config, settings)) is not None:
            click.secho(f"    warning: {warning}", fg="yellow")
        if missing:
            not_ready += 1
            # Each line says what is wrong: not set, too short, not a key of that kind.
            click.secho(f"    not ready to deploy from here ({len(missing)}):", fg="yellow")
            for problem in missing:
                click.echo(f"      - {problem.message}")
    if strict and not_ready:  # never "valid" first and then a failure
        raise DeployerError(
            f"{config.path}: {not_ready} of {len(config.tenants)} tenant(s) are not ready to "
            "deploy (see above)"
        )
    click.echo(f"{config.path}: {len(config.tenants)} tenants valid.")


def main() -> None:
    """The `deployer` program. Tests and other programs run `cli` in their own process instead:
    what follows is for this process alone."""
    # pydantic reads every installed distribution's entry points for plugins when it builds its
    # first model (3-5 ms here, more in a crowded environment); the deployer uses none. A value
    # the user set is kept (an empty one loads every plugin). The programs this process starts
    # (node, git, npm) inherit it and do not read it.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        cli(prog_name="deployer")
    finally:
        # The command is done and the process ends. Python's exit would now search every object
        # it made (click's, pydantic's, jinja2's: tens of thousands) for reference cycles, then
        # free them one by one: 40-70 ms of `deployer validate` on a shared 2-core machine.
        # Frozen, they are left to the operating system, which takes the memory back at once.
        # Exit handlers (Node's checker, thread pools) still run; none of our objects needs a
        # cycle's finalizer at exit (files are closed by `with`, Node by its exit handler).
        gc.freeze()
