"""The tool as a user installs it: the built wheel in a fresh virtual environment, used in an
empty folder outside the repository, from `deployer init` to a login that ends with the claims.

Speed and network: the wheel is built with pip (build isolation fetches setuptools once, then
pip's cache serves it); the fresh environment gets only the wheel, and finds its dependencies
through a .pth line pointing at the test environment's site-packages instead of downloading
them again. A .pth line adds a folder without running the .pth files inside it, so the
editable install of the repository there stays inert: the `deployer` package imported is the
wheel's, which the test checks.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
NOT_SOURCE = shutil.ignore_patterns(
    ".venv", ".git", ".deployer", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
    "test-artifacts", "tests",
)  # fmt: skip
VERSION = "2026-11-01"
NAMESPACE = "https://example.com/"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh venv holding only the wheel built from this checkout."""
    base = tmp_path_factory.mktemp("wheel")
    # A copy, so the in-tree build leaves no build/ or egg-info in the checkout.
    source = base / "source"
    shutil.copytree(REPO, source, symlinks=True, ignore=NOT_SOURCE)
    _check([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", source])
    (wheel,) = (base / "dist").glob("auth0_terms_deployer-*.whl")

    venv = base / "venv"
    _check([sys.executable, "-m", "venv", "--without-pip", venv])
    python = venv / "bin" / "python"
    _check([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", wheel])
    site = Path(_check([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]))
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def _clean_env(bin_dir: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DEPLOYER_"))}
    env["NO_COLOR"] = "1"
    if bin_dir is not None:
        env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    return env


def _check(
    args: list[str | Path], cwd: Path | None = None, env: dict[str, str] | None = None
) -> str:
    done = subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=env or _clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"{args}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout.strip()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    empty = tmp_path / "infra"
    empty.mkdir()
    assert not str(empty).startswith(str(REPO))
    return empty


@pytest.mark.slow
def test_the_wheel_alone_deploys_and_logs_a_user_in(installed: Path, folder: Path) -> None:
    env = _clean_env(installed)

    def deployer(*args: str) -> str:
        return _check([installed / "deployer", *args], cwd=folder, env=env)

    probe = "import deployer; print(deployer.__file__)"
    where = _check([installed / "python", "-c", probe], cwd=folder)
    assert where.startswith(str(installed.parent)), where  # the wheel's copy, not the checkout's

    assert "Created in ." in deployer("init")
    # The consent page listens where the terms url says: a free port, never a fixed one.
    port = _free_port()
    tenants = folder / "tenants.yaml"
    tenants.write_text(tenants.read_text().replace("127.0.0.1:8400", f"127.0.0.1:{port}"))

    assert "1 tenants valid" in deployer("validate")
    first = deployer("deploy", "--tenant", "local", "--yes")
    assert "local: applied" in first
    assert deployer("deploy", "--tenant", "local", "--yes") == "local: No changes."

    # The demo's consent page shows the team's terms, the file init wrote.
    terms = folder / "terms" / f"{VERSION}.md"
    terms.write_text(terms.read_text() + "\nClause 99: the marker of this test.\n")

    with _demo(installed, folder, env) as shown:
        app = _match(r"Open (http://127\.0\.0\.1:\d+)\n", shown)
        email = _match(r"sign in as (\S+)", shown)
        password = _match(r"with the password (\S+)", shown)
        pages = _log_in(app, email, password)
    home = pages[-1]
    assert any("Clause 99: the marker of this test." in page for page in pages)

    assert f"Signed in as {email}" in home
    assert re.search(rf'id="terms-version"[^>]*>\s*{VERSION}\s*<', home), home
    assert f"{NAMESPACE}terms_accepted_at" in home
    # The generated Action secrets never reach the screen.
    secrets = (folder / ".deployer" / "local" / "secrets.json").read_text()
    for value in re.findall(r'": "([^"]{32,})"', secrets):
        assert value not in first + shown


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _match(pattern: str, text: str) -> str:
    found = re.search(pattern, text)
    assert found, f"no {pattern!r} in:\n{text}"
    return found.group(1)


class _Forms(HTMLParser):
    """The forms of a page: action, method, hidden/filled fields and submit buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}, "buttons": {}})
        elif self.forms and tag == "input" and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")  # type: ignore[index]
        elif self.forms and tag == "button" and a.get("name"):
            self.forms[-1]["buttons"][a["value"]] = a["name"]  # type: ignore[index]


def _log_in(app: str, email: str, password: str) -> list[str]:
    """Sign in at the sample app and follow every page's form (accepting the terms) back;
    the pages seen, the app's signed-in page last."""
    seen: list[str] = []
    with httpx.Client(follow_redirects=True, timeout=30) as http:
        page = http.get(f"{app}/login")
        for _ in range(6):
            seen.append(page.text)
            if str(page.url).rstrip("/") == app and "Signed in as" in page.text:
                return seen
            assert page.status_code == 200, (page.url, page.text)
            parser = _Forms()
            parser.feed(page.text)
            assert parser.forms, f"no form at {page.url}:\n{page.text}"
            form = parser.forms[0]
            data = dict(form["fields"])  # type: ignore[call-overload]
            if "email" in data:
                data.update(email=email, password=password)
            buttons = form["buttons"]
            if "accept" in buttons:  # type: ignore[operator]
                data[buttons["accept"]] = "accept"  # type: ignore[index]
            page = http.post(urljoin(str(page.url), str(form["action"])), data=data)
        raise AssertionError(f"never got back to the app; last page {page.url}:\n{page.text}")


@contextmanager
def _demo(installed: Path, folder: Path, env: dict[str, str]) -> Iterator[str]:
    process = subprocess.Popen(
        [str(installed / "deployer"), "demo", "--app-port", "0", "--emulator-port", "0"],
        cwd=folder,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        shown = "".join(lines)
        assert "Press Ctrl-C to stop." in shown, (shown, process.stderr and process.stderr.read())
        yield shown
    finally:
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0, err
    assert "Traceback" not in err, err
