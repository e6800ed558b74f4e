"""The `deployer` command line: parse, call, print, exit. No logic of its own."""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from . import __version__
from .config import DEFAULT_CONFIG, Config, load_config
from .errors import DeployerError
from .header import Header
from .render import check_syntax, render_action


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
      deployer validate                  check every tenant offline
      deployer render --tenant prod      print the Action's code for prod
    """
    ctx.obj = config_path


def _config(ctx: click.Context) -> Config:
    path: Path = ctx.find_root().obj
    return load_config(path)


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

    \b
    Examples:
      deployer render --tenant prod
      deployer render --tenant dev -o build/dev.js
    """
    config = _config(ctx)
    settings = config.tenant(tenant)
    code = render_action(
        config.manifest, settings.action, Header(tenant=tenant, action=config.manifest.name)
    )
    check_syntax(code, name=tenant)
    if output is None:
        click.echo(code, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(code, encoding="utf-8")
        click.echo(f"Wrote {output} ({len(code.encode())} bytes) for tenant {tenant}.", err=True)


@cli.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check tenants.yaml, render every tenant and run `node --check`, all offline.

    Exits 1 and lists every problem when anything is wrong.
    """
    config = _config(ctx)
    for name, settings in config.tenants.items():
        code = render_action(
            config.manifest, settings.action, Header(tenant=name, action=config.manifest.name)
        )
        check_syntax(code, name=name)
        click.echo(f"ok  {name}: {len(code.encode())} bytes of JavaScript, syntax checked")
    click.echo(f"{config.path}: {len(config.tenants)} tenants valid.")


def main() -> None:
    cli(prog_name="deployer")
