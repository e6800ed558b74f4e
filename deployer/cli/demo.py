"""`deployer demo`: parse, start the demo (demo.py), print where to go, wait for Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from ..config import DEFAULT_CONFIG
from ..demo import DEFAULT_APP_PORT, DEFAULT_EMULATOR_PORT, start_demo
from ..errors import DeployerError
from .options import context_of

_port = click.IntRange(0, 65535)


@click.command(name="demo")
@click.option(
    "-t",
    "--tenant",
    default="local",
    show_default=True,
    help="A tenant of the embedded emulator, with an http://127.0.0.1:PORT terms url.",
)
@click.option(
    "--app-port",
    type=_port,
    default=DEFAULT_APP_PORT,
    show_default=True,
    help="The sample application's port (0: any free port).",
)
@click.option(
    "--emulator-port",
    type=_port,
    default=DEFAULT_EMULATOR_PORT,
    show_default=True,
    help="The emulated tenant's port (0: any free port).",
)
@click.option("--no-deploy", is_flag=True, help="Run what is deployed already; deploy nothing.")
@click.option(
    "--terms-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The consent page's terms, one VERSION.md per version (default: consent/terms).",
)
@click.pass_context
def demo(
    ctx: click.Context,
    tenant: str,
    app_port: int,
    emulator_port: int,
    no_deploy: bool,
    terms_dir: Path | None,
) -> None:
    """Try the consent round trip in a browser, all on this machine.

    Deploys the Action to the local tenant (the embedded emulator), then serves on loopback,
    until Ctrl-C: the tenant with its login pages, the consent page at the tenant's terms
    url (http://127.0.0.1:8400/terms for `local`), and a sample application, with a demo user.
    Open the printed address, sign in with the printed email and password, and accept or
    decline the terms.

    \b
    Examples:
      deployer demo                         deploy, then serve; open http://127.0.0.1:8401
      deployer demo --no-deploy             serve what is deployed already
      deployer demo --app-port 9401 --emulator-port 0
    """
    root = ctx.find_root()
    if root.obj is None:  # run on its own, not under the `deployer` group
        root.obj = Path(DEFAULT_CONFIG)
    click.echo(f"Starting the demo of tenant {tenant} ...", err=True)
    try:
        running = start_demo(
            context_of(ctx),
            tenant,
            app_port=app_port,
            emulator_port=emulator_port,
            deploy=not no_deploy,
            terms_dir=terms_dir,
        )
    except DeployerError as exc:
        # As the `deployer` group reports errors, also when this command runs on its own.
        if root.params.get("debug"):
            raise
        click.secho(f"Error: {exc}", fg="red", err=True)
        sys.exit(exc.exit_code)
    try:
        for note in running.notes:
            click.secho(f"Note: {note}", fg="yellow", err=True)
        click.echo("")
        click.secho(f"  Open {running.app_url}", bold=True)
        click.echo(f"  and sign in as {running.user.email}")
        click.echo(f"  with the password {running.user.password}   (demo user; new each start)")
        click.echo("")
        click.echo(f"  tenant        {running.emulator_url}  ({tenant}, the embedded emulator)")
        click.echo(f"  consent page  {running.consent_url}")
        click.echo(f"  state         {running.emulator.state_path}  (shared under a lock: a")
        click.echo("                `deployer deploy` to this tenant meanwhile is served here too)")
        click.echo("Press Ctrl-C to stop.")
        _wait_for_stop()
    finally:
        running.stop()
    click.echo("Demo stopped.")


def _wait_for_stop() -> None:
    """Until Ctrl-C (SIGINT) or SIGTERM."""
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
