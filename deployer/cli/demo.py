"""`deployer demo`: parse, start the demo (demo.py), print where to go, wait for Ctrl-C."""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click

from ..config import DEFAULT_CONFIG
from ..demo import APPS, DEFAULT_APP_PORT, DEFAULT_EMULATOR_PORT, RunningDemo, start_demo
from ..errors import DeployerError
from .options import Invocation, context_of, single_tenant_option

_port = click.IntRange(0, 65535)


@click.command(name="demo")
@single_tenant_option("A tenant of the embedded emulator, with an http://127.0.0.1:PORT terms url.")
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
    "--app",
    "app",
    type=click.Choice(APPS),
    default="python",
    show_default=True,
    help="The sample application and consent page: the built-in Python ones, or the Next.js "
    "example (examples/nextjs; needs Node 20.9+ and npm, builds once on first use, serves at "
    "the terms url's origin).",
)
@click.option(
    "--terms-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="The consent page's terms, one VERSION.md per version (default: terms/ beside "
    "tenants.yaml if it exists, else the example terms).",
)
@click.pass_context
def demo(
    ctx: click.Context,
    tenant: str,
    app_port: int,
    emulator_port: int,
    no_deploy: bool,
    app: str,
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
      deployer demo --app nextjs            the Next.js app; open http://127.0.0.1:8400
    """
    root = ctx.find_root()
    if not isinstance(root.obj, Invocation):  # run on its own, not under the `deployer` group
        root.obj = Invocation.start(ctx, Path(DEFAULT_CONFIG))
    click.echo(f"Starting the demo of tenant {tenant} ...", err=True)
    try:
        running = start_demo(
            context_of(ctx),
            tenant,
            app_port=app_port,
            emulator_port=emulator_port,
            deploy=not no_deploy,
            terms_dir=terms_dir,
            app=app,
            progress=lambda line: click.echo(line, err=True),
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
        _nextjs_lines(running)
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


def _nextjs_lines(running: RunningDemo) -> None:
    if running.app != "nextjs":
        return
    click.echo("  app           the Next.js example (examples/nextjs), also the consent page")
    if running.emulator.state_path is not None:
        click.echo(f"  app log       {running.emulator.state_path.parent / 'nextjs.log'}")
    click.secho(
        f"  The tenant is served over https with a local CA ({running.emulator_server.ca_path}): "
        "your browser warns once about its certificate; accept it for this address.",
        fg="yellow",
    )
