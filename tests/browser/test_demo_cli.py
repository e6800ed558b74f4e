"""`deployer demo` as a process: what it prints, what it never prints, and how it stops."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from support.browser import Project

# `deployer demo`, with fast emulator builds: settings travel as click's `obj`.
SCRIPT = """
import sys
from deployer.cli import cli
from deployer.emulator import EmulatorSettings
fast = EmulatorSettings(build_seconds=0.05, deploy_settle_seconds=0.05, rate_limit_burst=None)
cli(["demo", *sys.argv[1:]], prog_name="deployer", obj=fast)
"""


def _start(project: Project) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", SCRIPT, "--app-port", "0", "--emulator-port", "0"],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float = 30) -> str:
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return "".join(lines)
    process.kill()
    _, err = process.communicate()
    raise AssertionError(f"no {marker!r} in:\n{''.join(lines)}\nstderr:\n{err}")


def _refused(url: str) -> bool:
    host, port = url.removeprefix("http://").split(":")
    with socket.socket() as sock:
        return sock.connect_ex((host, int(port))) != 0


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_the_demo_prints_one_address_and_the_user_then_stops_cleanly(
    project: Project, stop: signal.Signals
) -> None:
    process = _start(project)
    shown = _read_until(process, "Press Ctrl-C to stop.")

    app = re.search(r"Open (http://127\.0\.0\.1:\d+)\n", shown)
    password = re.search(r"with the password (\S+)", shown)
    assert app and password, shown
    assert "sign in as demo@example.com" in shown
    assert httpx.get(app.group(1)).status_code == 200
    tenant = re.search(r"tenant\s+(http://127\.0\.0\.1:\d+)", shown)
    consent = re.search(r"consent page\s+(http://127\.0\.0\.1:\d+)/terms", shown)
    assert tenant and consent, shown
    assert consent.group(1) == project.terms_url.removesuffix("/terms")

    process.send_signal(stop)
    out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert "Demo stopped." in out
    assert "Traceback" not in err
    for url in (app.group(1), tenant.group(1), consent.group(1)):
        assert _refused(url), url

    # The tenant's Action secrets (generated for `local`) are never printed.
    secrets = json.loads((project.root / ".deployer" / "local" / "secrets.json").read_text())
    assert secrets and all(len(v) >= 32 for v in secrets.values())
    for value in secrets.values():
        assert value not in shown + out + err


def test_a_busy_port_is_named_before_anything_is_deployed(project: Project) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = subprocess.run(
            [sys.executable, "-c", SCRIPT, "--app-port", str(port)],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert process.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port} for the sample application" in process.stderr
    assert "Traceback" not in process.stderr
    assert not (project.root / ".deployer" / "local" / "emulator.json").exists()


def test_help_has_an_example(project: Project) -> None:
    shown = subprocess.run(
        [sys.executable, "-c", SCRIPT, "--help"],
        cwd=Path(project.root),
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert "Examples:" in shown and "deployer demo --no-deploy" in shown
