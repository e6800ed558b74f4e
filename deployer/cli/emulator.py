"""`deployer emulator serve`: the emulator on a loopback port until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from ..emulator.emulator import Emulator
from ..emulator.login.demo import seed_demo as seed_demo_user
from ..emulator.server import serve
from ..emulator.settings import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_SCOPES,
    EmulatorSettings,
)

DEFAULT_PORT = 8787
DEFAULT_STATE = Path(".deployer/emulator/state.json")
_share = click.FloatRange(0.0, 1.0)


def _rate_limit(_: click.Context, __: click.Parameter, value: str) -> tuple[int | None, float]:
    if value.lower() in ("off", "none", "0"):
        return None, 1.0
    burst, _sep, rate = value.partition("/")
    try:
        parsed = int(burst), float(rate or burst)
    except ValueError:
        raise click.BadParameter("use BURST/PER_SECOND, e.g. 2/2, or 'off'") from None
    if parsed[0] < 1 or parsed[1] <= 0:
        raise click.BadParameter("burst and rate must be positive")
    return parsed


@click.group(name="emulator")
def emulator() -> None:
    """A local Auth0 tenant (token endpoint and Actions Management API) for development."""


@emulator.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Loopback address.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, help="0 picks a free port.")
@click.option(
    "--state",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_STATE,
    show_default=True,
    help="State file (holds secret values; kept private).",
)
@click.option("--memory", is_flag=True, help="Keep no state file: forget everything on exit.")
@click.option("--tls", is_flag=True, help="Serve HTTPS with a local CA (made once, reused).")
@click.option(
    "--build-seconds", type=float, default=EmulatorSettings.build_seconds, show_default=True
)
@click.option(
    "--deploy-settle-seconds",
    type=float,
    default=EmulatorSettings.deploy_settle_seconds,
    show_default=True,
    help="How long after a deploy it becomes live (Auth0 was recorded at about 0.3 s).",
)
@click.option("--latency", type=float, default=0.0, show_default=True, help="Seconds per request.")
@click.option(
    "--rate-limit",
    default="2/2",
    show_default=True,
    callback=_rate_limit,
    help="Token bucket BURST/PER_SECOND (Auth0 free tier: 2/2), or 'off'.",
)
@click.option("--fault-429", type=_share, default=0.0, help="Share of requests answered 429.")
@click.option("--fault-5xx", type=_share, default=0.0, help="Share of requests answered 5xx.")
@click.option("--drop", type=_share, default=0.0, help="Share of connections dropped.")
@click.option("--seed", type=int, default=None, help="Makes random faults reproducible.")
@click.option(
    "--seed-demo",
    is_flag=True,
    help="Add demo@example.com (a new password, printed) and an application demo-app "
    "with the callback http://127.0.0.1:8401/callback, to log in by hand.",
)
def serve_command(
    host: str,
    port: int,
    state: Path,
    memory: bool,
    tls: bool,
    build_seconds: float,
    deploy_settle_seconds: float,
    latency: float,
    rate_limit: tuple[int | None, float],
    fault_429: float,
    fault_5xx: float,
    drop: float,
    seed: int | None,
    seed_demo: bool,
) -> None:
    """Serve an emulated Auth0 tenant on loopback until Ctrl-C.

    \b
    Examples:
      deployer emulator serve                        http://127.0.0.1:8787, state kept
      deployer emulator serve --tls --port 8443      HTTPS; prints the CA to trust
      deployer emulator serve --memory --rate-limit off --build-seconds 0
      deployer emulator serve --fault-5xx 0.1 --drop 0.05 --seed 1   an unreliable tenant
      deployer emulator serve --seed-demo --state .deployer/local/emulator.json
                                                     log in by hand through the local tenant's
                                                     deployed Actions (deploy --tenant local first)
    """
    burst, per_second = rate_limit
    settings = EmulatorSettings(
        build_seconds=build_seconds,
        deploy_settle_seconds=deploy_settle_seconds,
        rate_limit_burst=burst,
        rate_limit_per_second=per_second,
        latency_seconds=latency,
        fault_rate_429=fault_429,
        fault_rate_5xx=fault_5xx,
        drop_rate=drop,
        seed=seed,
    )
    tenant = Emulator(settings, state_path=None if memory else state)
    # Ctrl-C and SIGTERM only set an event, and from before the first line is printed: a
    # signal sent as soon as the address appears (a script, a test) stops the server cleanly,
    # instead of raising KeyboardInterrupt wherever the main thread happens to be.
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            server = serve(tenant, host=host, port=port, tls=tls)
        except (OSError, ValueError) as error:
            raise click.ClickException(f"cannot listen on {host}:{port}: {error}") from None
        try:
            click.echo(f"Auth0 emulator listening on {server.url}")
            click.echo(f"  token endpoint  {server.url}/oauth/token")
            click.echo(f"  audience        {server.url}/api/v2/")
            click.echo(f"  client_id       {DEFAULT_CLIENT_ID}")
            click.echo(f"  client_secret   {DEFAULT_CLIENT_SECRET}   (public local credential)")
            click.echo(f"  scopes          {' '.join(DEFAULT_SCOPES)}")
            click.echo(f"  state           {'memory only' if memory else state}")
            if server.ca_path is not None:
                click.echo(f"  CA certificate  {server.ca_path.resolve()}")
                click.echo(
                    f"  try: curl --cacert {server.ca_path} {server.url}/oauth/token "
                    f"-d grant_type=client_credentials -d client_id={DEFAULT_CLIENT_ID} "
                    f"-d client_secret={DEFAULT_CLIENT_SECRET} -d audience={server.url}/api/v2/"
                )
            click.echo(f"  login           {server.url}/.well-known/openid-configuration")
            if seed_demo:
                demo = seed_demo_user(tenant.login)
                click.echo(
                    f"  demo user       {demo.email}  password {demo.password}  (new each start)"
                )
                click.echo(
                    f"  demo app        client_id {demo.client_id}  client_secret "
                    f"{demo.client_secret} (public local credential)"
                )
                click.echo(f"  demo callback   {demo.callback}")
                click.echo(f"  log in at       {demo.authorize_url(server.url)}")
            click.echo("Press Ctrl-C to stop.")
            while not stopping.wait(0.5):
                pass
        finally:
            server.stop()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("Emulator stopped.")
