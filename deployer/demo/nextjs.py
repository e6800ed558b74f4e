"""`deployer demo --app nextjs`: the Next.js example as the sample application AND consent page.

    app = find_app()                     # Node, npm and examples/nextjs, or DemoError saying
                                         # what is missing
    build(app, report)                   # npm ci + next build, only when the sources changed
    proc = NextProcess.start(app, env=..., host=..., port=..., log=...)

The app lives in the repository (examples/nextjs), not in the wheel: it is a Node project with
its own lockfile and a build step, and shipping it inside a Python package would mean shipping
a second copy that no one runs `npm audit` on. A wheel install therefore needs a checkout (or a
copy of examples/nextjs) named by DEPLOYER_NEXTJS_DIR; the error says so.

The build is cached in the app's own folder (node_modules/ and .next/, both git-ignored): a
stamp over the lockfile and the sources decides whether `npm ci` and `next build` run again.
Terms files (terms/*.md) are read per request and never need a rebuild.

The SDK (@auth0/nextjs-auth0 v4) builds its issuer as https://{AUTH0_DOMAIN}/ and refuses plain
http in production mode, so the demo serves the emulator over TLS with its local CA and hands
Node that CA with NODE_EXTRA_CA_CERTS (nothing is added to any system trust store).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from ..errors import DeployerError

APP_DIR_ENV = "DEPLOYER_NEXTJS_DIR"
REPO_APP_DIR = Path(__file__).resolve().parents[2] / "examples" / "nextjs"
MIN_NODE = (20, 9)  # Next.js 15's floor
# What a build depends on; terms/ is read at run time.
SOURCES = ("app", "lib", "middleware.ts", "next.config.ts", "tsconfig.json", "package.json")
STAMP = Path(".next") / "deployer-build-stamp"
LOCK_STAMP = Path("node_modules") / ".deployer-lock-stamp"
START_TIMEOUT_SECONDS = 60.0
BUILD_TIMEOUT_SECONDS = 900.0
# Variables of the app that must come from the demo only, never from the caller's shell.
_APP_VARIABLES = re.compile(r"^(AUTH0_|APP_BASE_URL$|TERMS_|CONSENT_|REQUIRED_TERMS_)")


class NextAppError(DeployerError):
    """Node, npm or the app is missing, or it would not build or start."""


@dataclass(frozen=True)
class NextApp:
    directory: Path
    node: str
    npm: str


def find_app(directory: Path | None = None, environ: Mapping[str, str] | None = None) -> NextApp:
    """The Node tools and the app's folder; every missing piece named in one message."""
    env = os.environ if environ is None else environ
    node, npm = shutil.which("node"), shutil.which("npm")
    missing = [name for name, path in (("node", node), ("npm", npm)) if path is None]
    if missing:
        raise NextAppError(
            f"the Next.js demo needs Node.js {MIN_NODE[0]}.{MIN_NODE[1]}+ and npm, but "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not on PATH: "
            "install Node.js 20 LTS (it includes npm), or run `deployer demo` without --app"
        )
    assert node is not None and npm is not None
    version = _node_version(node)
    if version < MIN_NODE:
        shown = ".".join(map(str, version))
        raise NextAppError(
            f"the Next.js demo needs Node.js {MIN_NODE[0]}.{MIN_NODE[1]} or later; "
            f"{node} is {shown}"
        )
    where = directory or (Path(env[APP_DIR_ENV]) if env.get(APP_DIR_ENV) else REPO_APP_DIR)
    if not (where / "package.json").is_file() or not (where / "package-lock.json").is_file():
        raise NextAppError(
            f"the Next.js app is not at {where}: it ships with the repository "
            "(examples/nextjs), not with the Python package. Run the demo from a clone "
            f"(pip install -e .), or set {APP_DIR_ENV} to a copy of examples/nextjs"
        )
    return NextApp(where.resolve(), node, npm)


def _node_version(node: str) -> tuple[int, ...]:
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise NextAppError(f"cannot run {node} --version: {exc}") from None
    found = re.match(r"v(\d+)\.(\d+)", out.strip())
    return (int(found.group(1)), int(found.group(2))) if found else (0,)


def _digest(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(paths):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def _source_files(root: Path) -> list[Path]:
    found: list[Path] = [root / "package-lock.json"]
    for name in SOURCES:
        path = root / name
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file())
    return found


@contextlib.contextmanager
def _build_lock(root: Path) -> Iterator[None]:
    """One build at a time per app folder (two demos, or a test and CI, may start together)."""
    with open(root / ".deployer-build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(app: NextApp, report: Callable[[str], None]) -> bool:
    """npm ci (when the lockfile changed) and next build (when any source did). True if built."""
    root = app.directory
    with _build_lock(root):
        lock_hash = _digest([root / "package-lock.json"], root)
        lock_stamp = root / LOCK_STAMP
        installed = lock_stamp.is_file() and lock_stamp.read_text() == lock_hash
        stamp = root / STAMP
        wanted = _digest(_source_files(root), root)
        if installed and stamp.is_file() and stamp.read_text() == wanted:
            return False
        if not installed:
            report(f"Installing the Next.js app's packages (npm ci in {root}) ...")
            _run([app.npm, "ci", "--no-audit", "--no-fund"], root, "npm ci")
            lock_stamp.write_text(lock_hash)
        report("Building the Next.js app (next build; once, then cached) ...")
        _run([app.node, "node_modules/next/dist/bin/next", "build"], root, "next build")
        stamp.write_text(wanted)
        return True


def _run(command: list[str], cwd: Path, what: str) -> None:
    env = {**_clean_env(os.environ), "NEXT_TELEMETRY_DISABLED": "1"}
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_SECONDS,
        )
    except subprocess.TimeoutExpired:
        raise NextAppError(f"{what} took longer than {BUILD_TIMEOUT_SECONDS:.0f} s") from None
    except OSError as exc:
        raise NextAppError(f"cannot run {what}: {exc}") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-20:])
        raise NextAppError(f"{what} failed (exit {done.returncode}) in {cwd}:\n{tail}")


def _clean_env(environ: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in environ.items() if not _APP_VARIABLES.match(k)}


class NextProcess:
    """`next start` in its own process group; `stop()` ends that group (only it)."""

    def __init__(self, proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self._proc, self.url, self.log = proc, url, log

    @classmethod
    def start(
        cls, app: NextApp, *, env: Mapping[str, str], host: str, port: int, log: Path
    ) -> NextProcess:
        next_bin = "node_modules/next/dist/bin/next"
        command = [app.node, next_bin, "start", "-H", host, "-p", str(port)]
        full_env = {**_clean_env(os.environ), "NEXT_TELEMETRY_DISABLED": "1", **env}
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                command,
                cwd=app.directory,
                env=full_env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C reaches the demo, which then stops the app in order.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        shown = f"[{host}]" if ":" in host else host
        running = cls(proc, f"http://{shown}:{port}", log)
        try:
            running._wait_until_up()
        except BaseException:
            running.stop()
            raise
        return running

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with httpx.Client(timeout=2.0) as http:
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    raise NextAppError(
                        f"the Next.js app exited (code {self._proc.returncode}) while starting; "
                        f"its log, {self.log}:\n{_tail(self.log)}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    http.get(f"{self.url}/auth-error")
                    return
                time.sleep(0.2)
        raise NextAppError(f"the Next.js app did not answer within {START_TIMEOUT_SECONDS:.0f} s")

    def stop(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._proc.pid, signal.SIGTERM)
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._proc.pid, signal.SIGKILL)
                self._proc.wait(timeout=5)


def _die_with_parent() -> None:
    """In the child, before exec: Linux sends it SIGTERM when the demo's process dies, so an
    abrupt end of the demo (kill -9, a crashed test run) cannot leave the app running."""
    if sys.platform != "linux":
        return
    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return "".join(handle.readlines()[-lines:]).rstrip()
    except OSError:
        return "(no log)"


@dataclass(frozen=True)
class DemoWiring:
    """What the running app must know of the demo: the tenant, the secrets, the terms."""

    tenant_url: str  # https://localhost:PORT: the SDK takes no IP address (see app_environment)
    ca_file: Path
    client_id: str
    client_secret: str
    app_url: str
    token_secret: str
    previous_token_secret: str | None
    terms_dir: Path
    claims_namespace: str
    version_file: Path  # holds the terms version in force; rewritten by RunningDemo.deploy()


def app_environment(wiring: DemoWiring) -> dict[str, str]:
    """The app's environment (its README documents each variable). Secrets go to the child
    process's environment only: never to a file, the log or the banner."""
    env = {
        "NODE_ENV": "production",
        "NODE_EXTRA_CA_CERTS": str(wiring.ca_file),
        # The SDK refuses IP addresses, localhost and ports in AUTH0_DOMAIN, except localhost
        # with a port under allowInsecureRequests (its src/utils/normalize.ts): so the tenant
        # is https://localhost:PORT and the app sets that flag for the demo only.
        "AUTH0_DOMAIN": wiring.tenant_url,
        "AUTH0_ALLOW_INSECURE_REQUESTS": "true",
        "AUTH0_CLIENT_ID": wiring.client_id,
        "AUTH0_CLIENT_SECRET": wiring.client_secret,
        # Encrypts the session cookie; new each start, so old demo sessions simply end.
        "AUTH0_SECRET": os.urandom(32).hex(),
        "APP_BASE_URL": wiring.app_url,
        "TERMS_TOKEN_SECRET": wiring.token_secret,
        # The `iss` of the Action's tokens: the host name (and port) without scheme.
        "CONSENT_ISSUERS": urlsplit(wiring.tenant_url).netloc,
        "TERMS_DIR": str(wiring.terms_dir),
        "TERMS_CLAIMS_NAMESPACE": wiring.claims_namespace,
        "REQUIRED_TERMS_VERSION_FILE": str(wiring.version_file),
    }
    if wiring.previous_token_secret:
        env["TERMS_TOKEN_SECRET_PREVIOUS"] = wiring.previous_token_secret
    return env
