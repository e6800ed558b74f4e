"""`deployer demo`: the whole consent round trip on this machine, to click through.

    start_demo(ctx)  ->  RunningDemo (app_url, user, stop())

1. The consent page's and the sample application's ports are taken first, so that a busy port
   fails before anything else happens. The consent page's address is the tenant's terms URL
   (`http://127.0.0.1:8400/terms` for `local`): the Action sends users exactly there.
2. The tenant's embedded emulator is loaded from its state file (.deployer/<tenant>/
   emulator.json) and served on loopback over HTTP. This one instance is the only writer of
   that file while the demo runs: the deploy goes through it (in process) and so does the login.
3. The Action is deployed with the deployer's own `deploy_tenant` (plan, apply, verify), as
   `deployer deploy --tenant local --yes` would.
4. A demo user (a fresh password each start) and the sample application are seeded.
5. The consent page (consent/) runs with the tenant's TERMS_TOKEN_SECRET (and the previous one,
   if set) and posts its answers to the emulator's /continue.
6. The sample application (demo_app.py) runs on its port; its callback is registered.

Every server runs in a thread of this process; `stop()` ends them all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn
from starlette.types import ASGIApp

from ..config import TenantConfig, load_config
from ..consent.app import create_app as create_consent_app
from ..consent.settings import DEFAULT_TERMS_DIR, ConsentSettings, SettingsError
from ..consent.terms import terms_file
from ..emulator import Emulator, EmulatorServer, EmulatorSettings, serve
from ..emulator.login.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_EMAIL
from ..errors import ConfigError, DeployerError, Problem
from ..params import is_loopback_host
from ..sources import tenant_dir
from ..targets import EMULATOR_STATE
from ..workflow import Context, Outcome, deploy_tenant, plan_tenant, prepare

HOST = "127.0.0.1"
DEFAULT_APP_PORT = 8401
DEFAULT_EMULATOR_PORT = 8402
START_TIMEOUT_SECONDS = 10.0


class DemoError(DeployerError):
    """The demo cannot start: a port is taken, the tenant does not fit, the deploy failed."""


@dataclass(frozen=True)
class DemoUser:
    email: str
    password: str = field(repr=False)  # demo data, printed for the person trying the demo


@dataclass(frozen=True)
class TermsAddress:
    host: str
    port: int
    path: str

    @property
    def url(self) -> str:
        return f"http://{_shown(self.host)}:{self.port}{self.path}"


def terms_address(tenant: TenantConfig) -> TermsAddress:
    """Where the consent page must listen: the tenant's terms URL (plain HTTP on loopback)."""
    url = tenant.action.terms.url
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or not is_loopback_host(host):
        raise DemoError(
            f"the demo serves the consent page over plain HTTP on loopback, but tenant "
            f"{tenant.name}'s terms url is {url}: give it one like http://127.0.0.1:8400/terms"
        )
    if parts.query:
        raise DemoError(f"tenant {tenant.name}'s terms url has a query; the demo cannot serve it")
    return TermsAddress(host, parts.port or 80, parts.path or "/")


def _shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def _bind(host: str, port: int, what: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise DemoError(
            f"cannot listen on {_shown(host)}:{port} for the {what}: {exc.strerror or exc}"
        ) from None
    sock.listen(128)
    return sock


class ThreadedServer:
    """An ASGI app under uvicorn in a background thread, on a socket bound beforehand."""

    def __init__(self, app: ASGIApp, sock: socket.socket, name: str) -> None:
        self._sock = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{_shown(str(host))}:{port}"
        config = uvicorn.Config(
            app,
            # Access logs would print query strings: the session_token, codes.
            access_log=False,
            log_level="warning",
            server_header=False,
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        # Signals belong to the main thread (uvicorn only installs handlers there anyway).
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=name, daemon=True
        )

    def start(self) -> None:
        self._thread.start()
        ended = threading.Event()
        for _ in range(int(START_TIMEOUT_SECONDS / 0.02)):
            if self._server.started:
                return
            if not self._thread.is_alive():
                break
            ended.wait(0.02)
        raise DemoError(f"{self._thread.name} did not start")

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()


@dataclass
class RunningDemo:
    """The demo's servers, running. `stop()` (or the context manager) ends every one."""

    tenant: str
    emulator: Emulator
    emulator_server: EmulatorServer
    consent_url: str
    app_url: str
    user: DemoUser
    deploy_outcome: Outcome | None
    notes: list[str]
    _context: Context
    _stops: list[Callable[[], None]]

    @property
    def emulator_url(self) -> str:
        return self.emulator_server.url

    def deploy(self) -> Outcome:
        """Deploys tenants.yaml as it is now into the served emulator (its only writer).

        The consent page and the application keep running: a new terms version, say, is asked
        for at the next login.
        """
        config = load_config(self._context.config.path)
        return _deploy(dataclasses.replace(self._context, config=config), self.tenant)

    def stop(self) -> None:
        while self._stops:
            with contextlib.suppress(Exception):
                self._stops.pop()()

    def __enter__(self) -> RunningDemo:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def _deploy(ctx: Context, tenant: str) -> Outcome:
    outcome = deploy_tenant(ctx, tenant)
    if outcome.error:
        raise DemoError(f"the deploy to {tenant} failed: {outcome.error}")
    return outcome


def start_demo(
    ctx: Context,
    tenant: str = "local",
    *,
    app_port: int = DEFAULT_APP_PORT,
    emulator_port: int = DEFAULT_EMULATOR_PORT,
    deploy: bool = True,
    terms_dir: Path | None = None,
    emulator_settings: EmulatorSettings | None = None,
) -> RunningDemo:
    """Deploys to `tenant` (an embedded emulator) and starts the three servers; see above.

    `emulator_settings`: None takes the deployer's embedded settings (Auth0's free tier).
    """
    from .. import targets  # read at call time: tests set faster embedded settings

    config = ctx.config
    tenant_config = config.tenant(tenant)
    if tenant_config.emulator != "embedded":
        raise DemoError(
            f"the demo runs a tenant of the embedded emulator (emulator: embedded); "
            f"{tenant} is not one"
        )
    address = terms_address(tenant_config)
    terms_dir = terms_dir or DEFAULT_TERMS_DIR
    stops: list[Callable[[], None]] = []
    notes: list[str] = []
    try:
        consent_sock = _bind(address.host, address.port, "consent page (the tenant's terms url)")
        stops.append(consent_sock.close)
        app_sock = _bind(HOST, app_port, "sample application")
        stops.append(app_sock.close)
        app_url = f"http://{HOST}:{app_sock.getsockname()[1]}"

        state = tenant_dir(config, tenant) / EMULATOR_STATE
        state.parent.mkdir(parents=True, exist_ok=True)
        emulator = Emulator(
            emulator_settings or targets.embedded_settings,
            state_path=state,
            domain=f"{tenant}.emulator",
        )
        try:
            server = serve(emulator, host=HOST, port=emulator_port)
        except OSError as exc:
            raise DemoError(
                f"cannot listen on {HOST}:{emulator_port} for the emulator: {exc.strerror or exc}"
            ) from None
        stops.append(server.stop)
        # The demo's own deploys and plans go to this very instance, in process. Other processes
        # (a deploy meanwhile) share the state file under its lock; the emulator reloads it.
        ctx = dataclasses.replace(ctx, transports=lambda _tenant: emulator.transport())

        outcome = _deploy(ctx, tenant) if deploy else None
        if not deploy:
            planned = plan_tenant(ctx, tenant)
            if planned.plan is not None and not planned.plan.empty:
                notes.append(
                    f"{tenant} differs from the configuration (run without --no-deploy to "
                    "deploy it); the demo runs what is deployed"
                )
        _, values = prepare(ctx, tenant_config)
        version = tenant_config.action.terms.version
        if terms_file(terms_dir, version) is None:
            notes.append(
                f"the consent page has no terms for version {version} in {terms_dir}: "
                "it will show an error instead of the terms"
            )

        user = _seed(emulator, f"{app_url}/callback")

        previous = values.get("TERMS_TOKEN_SECRET_PREVIOUS")
        try:
            consent_settings = ConsentSettings(
                auth0_domain=server.domain,
                token_secret=values["TERMS_TOKEN_SECRET"].reveal(),
                previous_token_secret=previous.reveal() if previous else None,
                terms_dir=terms_dir,
                continue_url=f"{server.url}/continue",
                terms_path=address.path,
            )
        except SettingsError as exc:
            raise ConfigError([Problem(f"the consent page cannot start: {exc}")]) from None
        consent = ThreadedServer(create_consent_app(consent_settings), consent_sock, "consent")
        consent.start()
        stops.append(consent.stop)

        from .app import SampleAppSettings, create_sample_app

        app = ThreadedServer(
            create_sample_app(
                SampleAppSettings(
                    tenant_url=server.url,
                    client_id=DEMO_CLIENT_ID,
                    client_secret=DEMO_CLIENT_SECRET,
                    callback=f"{app_url}/callback",
                    claims_namespace=tenant_config.action.claims.namespace,
                )
            ),
            app_sock,
            "sample-app",
        )
        app.start()
        stops.append(app.stop)
    except BaseException:
        while stops:
            with contextlib.suppress(Exception):
                stops.pop()()
        raise
    return RunningDemo(
        tenant=tenant,
        emulator=emulator,
        emulator_server=server,
        consent_url=address.url,
        app_url=app_url,
        user=user,
        deploy_outcome=outcome,
        notes=notes,
        _context=ctx,
        _stops=stops,
    )


def _seed(emulator: Emulator, callback: str) -> DemoUser:
    """The demo application with this callback, and the demo user with a fresh password."""
    password = secrets.token_urlsafe(12)
    emulator.login.add_application(
        DEMO_CLIENT_ID, name="Demo app", callbacks=[callback], client_secret=DEMO_CLIENT_SECRET
    )
    emulator.login.set_password(DEMO_EMAIL, password, create=True)
    return DemoUser(DEMO_EMAIL, password)
