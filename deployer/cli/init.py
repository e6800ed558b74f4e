"""`deployer init` and `deployer schema`: start a configuration repository. Parse, call, print."""

from __future__ import annotations

from pathlib import Path

import click

from ..scaffold import DEFAULT_ACTION_REF, EJECTED_ACTION
from ..scaffold import init as scaffold


@click.command()
@click.argument(
    "directory",
    default=".",
    type=click.Path(path_type=Path, file_okay=False),
)
@click.option(
    "--eject-action",
    is_flag=True,
    help=f"Also copy the built-in Action into {EJECTED_ACTION}/ to change it; in a folder that "
    "has a tenants.yaml already, only that (and tenants.yaml then points there).",
)
@click.option(
    "--action-ref",
    default=DEFAULT_ACTION_REF,
    show_default=True,
    help="The composite GitHub Action the workflow uses: this tool's repository@tag.",
)
def init(directory: Path, eject_action: bool, action_ref: str) -> None:
    """Start a configuration repository: tenants.yaml and what goes with it.

    Writes tenants.yaml (a `local` tenant on the emulator, a commented real one), its JSON
    Schema for editors, .gitignore, .env.example, the example terms and a GitHub workflow.
    Overwrites nothing: if any of them exists, it lists them and writes nothing.

    \b
    Examples:
      deployer init                     in the current folder
      deployer init infra/auth0         in a new folder
      deployer init --eject-action      then edit actions/accept-terms/action.js.j2
    """
    written = scaffold(directory, eject=eject_action, action_ref=action_ref)
    if written.ejected_into_existing:
        click.echo(f"Copied the built-in Action into {directory / EJECTED_ACTION}/:")
    else:
        click.echo(f"Created in {directory}:")
    for path in written.paths:
        click.echo(f"  {path}")
    if written.ejected_into_existing:
        click.echo(f"{directory / 'tenants.yaml'} now points there (action: {EJECTED_ACTION}).")
        return
    click.echo("Next:")
    if directory != Path("."):
        click.echo(f"  cd {directory}")
    click.echo("  deployer deploy --tenant local --yes    the Action on the local emulator")
    click.echo("  deployer demo                           a login through it, in a browser")


@click.command()
def schema() -> None:
    """Print the JSON Schema of tenants.yaml, for editors and checks.

    `deployer init` writes it beside tenants.yaml; refresh that copy after an upgrade.

    \b
    Examples:
      deployer schema > tenants.schema.json
      check-jsonschema --schemafile tenants.schema.json tenants.yaml
    """
    from ..schema import schema_text

    click.echo(schema_text(), nl=False)
