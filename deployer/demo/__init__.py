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

With `app="nextjs"` (nextjs.py), the Next.js example replaces both the consent page and the
sample application: one `next start` process at the terms url's origin (its /terms is the
consent page), and the emulator is served over TLS, as the SDK requires.
"""

from __future__ import annotations

import contextlib
import dataclasses
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..config import Config, TenantConfig, load_config
from ..consent.settings import DEFAULT_TERMS_DIR, ConsentSettings, SettingsError
from ..emulator import Emulator, EmulatorServer, serve
from ..emulator.login.demo import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_EMAIL
from ..errors import ConfigError, Problem
from ..params import is_loopback_host
from ..secret import Secret
from ..sources import tenant_dir
from ..targets import EMULATOR_STATE
from ..workflow import Context, Outcome, deploy_tenant, plan_tenant, prepare
from .nextjs import DemoWiring, NextApp, NextProcess, app_environment, build, find_app
from .servers import DemoError, ThreadedServer, bind_socket, shown

if TYPE_CHECKING:
    from starlette.types import ASGIApp

# The web stack (uvicorn, starlette, the consent page) is imported when a demo starts, not
# when the CLI loads this module: commands that serve no page never pay for it.
HOST = "127.0.0.1"
DEFAULT_APP_PORT = 8401
DEFAULT_EMULATOR_PORT = 8402
APPS = ("python", "nextjs")
NEXT_TERMS_PATH = "/terms"  # the Next.js app's consent route


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
        return f"http://{shown(self.host)}:{self.port}{self.path}"


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
    app: str = "python"
    # The Next.js app reads the terms version in force from this file on every request.
    version_file: Path | None = None

    @property
    def emulator_url(self) -> str:
        """Where browsers reach the tenant (its issuer without the final slash)."""
        return self.emulator.login.tenant.base_url

    def deploy(self) -> Outcome:
        """Deploys tenants.yaml as it is now into the served emulator (its only writer).

        The consent page and the application keep running: a new terms version, say, is asked
        for at the next login.
        """
        config = load_config(self._context.config.path)
        outcome = _deploy(dataclasses.replace(self._context, config=config), self.tenant)
        if self.version_file is not None:
            self.version_file.write_text(config.tenant(self.tenant).action.terms.version)
        return outcome

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


def _note_drift(ctx: Context, tenant: str, notes: list[str]) -> None:
    """--no-deploy: say so when the tenant is not what the configuration says."""
    planned = plan_tenant(ctx, tenant)
    if planned.plan is not None and not planned.plan.empty:
        notes.append(
            f"{tenant} differs from the configuration (run without --no-deploy to "
            "deploy it); the demo runs what is deployed"
        )


def start_demo(
    ctx: Context,
    tenant: str = "local",
    *,
    app_port: int = DEFAULT_APP_PORT,
    emulator_port: int = DEFAULT_EMULATOR_PORT,
    deploy: bool = True,
    terms_dir: Path | None = None,
    app: str = "python",
    progress: Callable[[str], None] = lambda _line: None,
) -> RunningDemo:
    """Deploys to `tenant` (an embedded emulator) and starts the three servers; see above.

    The emulator runs with `ctx.emulator_settings` (None: Auth0's free tier).
    `app`: "python" (the sample app and consent page in this process) or "nextjs".
    `progress`: told about slow steps (the Next.js build).
    """
    if app not in APPS:
        raise DemoError(f"unknown demo app {app!r}: one of {', '.join(APPS)}")
    # Node, npm and the app first: nothing is started when one is missing.
    next_app = find_app() if app == "nextjs" else None
    from ..consent.app import create_app as create_consent_app
    from ..consent.terms import terms_file

    config = ctx.config
    tenant_config, address = _demo_tenant(config, tenant, nextjs=next_app is not None)
    # `deployer init` puts the team's terms in terms/ beside tenants.yaml; else the example.
    own_terms = config.root / "terms"
    terms_dir = terms_dir or (own_terms if own_terms.is_dir() else DEFAULT_TERMS_DIR)
    stops: list[Callable[[], None]] = []
    notes: list[str] = []
    try:
        consent_sock = bind_socket(
            address.host, address.port, "consent page (the tenant's terms url)"
        )
        stops.append(consent_sock.close)
        if next_app is None:
            app_sock = bind_socket(HOST, app_port, "sample application")
            stops.append(app_sock.close)
            app_url = f"http://{HOST}:{app_sock.getsockname()[1]}"
        else:
            # One server: the app at the terms url's port, its consent page at /terms. Named
            # localhost: Next.js rewrites 127.0.0.1 to localhost in its redirects anyway.
            app_url = f"http://localhost:{address.port}"
            if app_port not in (0, DEFAULT_APP_PORT):
                notes.append("--app-port is not used: the Next.js app serves the terms url's port")
            build(next_app, progress)  # a NextAppError is a DeployerError, said as it is

        state = tenant_dir(config, tenant) / EMULATOR_STATE
        state.parent.mkdir(parents=True, exist_ok=True)
        emulator = Emulator(
            ctx.emulator_settings,
            state_path=state,
            domain=f"{tenant}.emulator",
        )
        try:
            server = serve(emulator, host=HOST, port=emulator_port, tls=next_app is not None)
        except OSError as exc:
            raise DemoError(
                f"cannot listen on {HOST}:{emulator_port} for the emulator: {exc.strerror or exc}"
            ) from None
        stops.append(server.stop)
        if next_app is not None:  # browsers and the SDK reach it by name (see nextjs.py)
            emulator.login.tenant.public_url = f"https://localhost:{server.port}"
        # The demo's own deploys and plans go to this very instance, in process. Other processes
        # (a deploy meanwhile) share the state file under its lock; the emulator reloads it.
        ctx = dataclasses.replace(ctx, transports=lambda _tenant: emulator.transport())

        if deploy:
            outcome: Outcome | None = _deploy(ctx, tenant)
        else:
            outcome = None
            _note_drift(ctx, tenant, notes)
        _, values = prepare(ctx, tenant_config)
        version = tenant_config.action.terms.version
        if terms_file(terms_dir, version) is None:
            notes.append(
                f"the consent page has no terms for version {version} in {terms_dir}: "
                "it will show an error instead of the terms"
            )

        wiring = _Wiring(emulator, server, address, tenant_config, values, terms_dir, stops)
        if next_app is not None:
            consent_sock.close()  # `next start` binds the port itself, right now
            user, version_file = _start_next_app(wiring, next_app, app_url, state.parent)
        else:
            version_file = None
            user = _start_python_app(wiring, consent_sock, app_sock, app_url, create_consent_app)
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
        app=app,
        version_file=version_file,
    )


def _demo_tenant(config: Config, tenant: str, *, nextjs: bool) -> tuple[TenantConfig, TermsAddress]:
    tenant_config = config.tenant(tenant)
    if tenant_config.emulator != "embedded":
        raise DemoError(
            f"the demo runs a tenant of the embedded emulator (emulator: embedded); "
            f"{tenant} is not one"
        )
    address = terms_address(tenant_config)
    if nextjs and address.path != NEXT_TERMS_PATH:
        raise DemoError(
            f"the Next.js app serves its consent page at {NEXT_TERMS_PATH}, but tenant "
            f"{tenant}'s terms url is {address.url}"
        )
    return tenant_config, address


@dataclass(frozen=True)
class _Wiring:
    """What both kinds of sample app are started from."""

    emulator: Emulator
    server: EmulatorServer
    address: TermsAddress
    tenant: TenantConfig
    values: dict[str, Secret]
    terms_dir: Path
    stops: list[Callable[[], None]]

    def previous_secret(self) -> str | None:
        previous = self.values.get("TERMS_TOKEN_SECRET_PREVIOUS")
        return previous.reveal() if previous else None


def _start_next_app(
    w: _Wiring, next_app: NextApp, app_url: str, state_dir: Path
) -> tuple[DemoUser, Path]:
    user = _seed(w.emulator, f"{app_url}/auth/callback", [app_url, f"{app_url}/"])
    version_file = state_dir / "nextjs-terms-version"
    version_file.write_text(w.tenant.action.terms.version)
    process = NextProcess.start(
        next_app,
        host=w.address.host,
        port=w.address.port,
        log=state_dir / "nextjs.log",
        env=app_environment(
            DemoWiring(
                tenant_url=w.emulator.login.tenant.base_url,
                ca_file=w.server.ca_path or Path(),
                client_id=DEMO_CLIENT_ID,
                client_secret=DEMO_CLIENT_SECRET,
                app_url=app_url,
                token_secret=w.values["TERMS_TOKEN_SECRET"].reveal(),
                previous_token_secret=w.previous_secret(),
                terms_dir=w.terms_dir.resolve(),
                claims_namespace=w.tenant.action.claims.namespace,
                version_file=version_file,
            )
        ),
    )
    w.stops.append(process.stop)
    return user, version_file


def _start_python_app(
    w: _Wiring,
    consent_sock: socket.socket,
    app_sock: socket.socket,
    app_url: str,
    create_consent_app: Callable[[ConsentSettings], ASGIApp],
) -> DemoUser:
    user = _seed(w.emulator, f"{app_url}/callback")
    try:
        consent_settings = ConsentSettings(
            auth0_domain=w.server.domain,
            token_secret=w.values["TERMS_TOKEN_SECRET"].reveal(),
            previous_token_secret=w.previous_secret(),
            terms_dir=w.terms_dir,
            continue_url=f"{w.server.url}/continue",
            terms_path=w.address.path,
        )
    except SettingsError as exc:
        raise ConfigError([Problem(f"the consent page cannot start: {exc}")]) from None
    consent = ThreadedServer(create_consent_app(consent_settings), consent_sock, "consent")
    consent.start()
    w.stops.append(consent.stop)

    from .app import SampleAppSettings, create_sample_app

    sample = ThreadedServer(
        create_sample_app(
            SampleAppSettings(
                tenant_url=w.server.url,
                client_id=DEMO_CLIENT_ID,
                client_secret=DEMO_CLIENT_SECRET,
                callback=f"{app_url}/callback",
                claims_namespace=w.tenant.action.claims.namespace,
            )
        ),
        app_sock,
        "sample-app",
    )
    sample.start()
    w.stops.append(sample.stop)
    return user


def _seed(emulator: Emulator, callback: str, logout_urls: list[str] | None = None) -> DemoUser:
    """The demo application with this callback, and the demo user with a fresh password."""
    password = secrets.token_urlsafe(12)
    emulator.login.add_application(
        DEMO_CLIENT_ID,
        name="Demo app",
        callbacks=[callback],
        client_secret=DEMO_CLIENT_SECRET,
        logout_urls=logout_urls,
    )
    emulator.login.set_password(DEMO_EMAIL, password, create=True)
    return DemoUser(DEMO_EMAIL, password)
