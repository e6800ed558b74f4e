"""The emulator on loopback: plain HTTP, HTTPS with its own CA, unmodified clients, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from auth0.management import ManagementClient
from auth0.management.types import ActionBindingRef, ActionBindingWithRef, ActionTrigger
from click.testing import CliRunner
from cryptography import x509

from deployer.cli.emulator import emulator as emulator_cli
from deployer.emulator import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    Emulator,
    EmulatorServer,
    EmulatorSettings,
    serve,
)

# Real time here (sockets and threads); short enough to keep the tests quick.
Grant = Callable[..., dict[str, str]]
FAST = EmulatorSettings(build_seconds=0.2, deploy_settle_seconds=0.2, rate_limit_burst=None)


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[EmulatorServer]:
    with serve(Emulator(FAST), port=0, tls=True, tls_dir=tmp_path / "tls") as server:
        yield server


def test_plain_http_round_trip_and_network_drop(grant: Grant) -> None:
    emu = Emulator(FAST)
    with serve(emu, port=0) as server, httpx.Client(base_url=server.url) as http:
        assert server.url.startswith("http://127.0.0.1:")
        token = http.post("/oauth/token", data=grant(server.url)).json()["access_token"]
        headers = {"authorization": f"Bearer {token}"}
        assert http.get("/api/v2/actions/triggers", headers=headers).status_code == 200
        emu.inject_drop()
        with pytest.raises(httpx.RemoteProtocolError):
            http.get("/api/v2/actions/triggers", headers=headers)
        deleted = http.delete(f"/api/v2/actions/actions/{emu.seed_action('x')}", headers=headers)
        assert (deleted.status_code, deleted.content) == (204, b"")


def test_management_client_over_tls_trusting_the_ca(
    tls_server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unmodified ManagementClient: its TokenProvider makes its own httpx.Client, which trusts
    only what SSL_CERT_FILE names; the API calls use the client we pass."""
    assert tls_server.ca_path is not None
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_server.ca_path))
    client = ManagementClient(
        domain=tls_server.domain,
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        httpx_client=httpx.Client(verify=tls_server.ssl_context()),
    )
    action = client.actions.create(
        name="over-tls",
        supported_triggers=[ActionTrigger(id="post-login", version="v3")],
        code="exports.onExecutePostLogin = async () => {};",
    )
    assert action.id is not None
    deadline = time.monotonic() + 5
    while client.actions.get(action.id).status != "built":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert client.actions.deploy(action.id).number == 1
    ref = ActionBindingWithRef(ref=ActionBindingRef(type="action_id", value=action.id))
    while True:  # the deploy settles a moment later: Auth0's eventual consistency
        try:
            bound = client.actions.triggers.bindings.update_many("post-login", bindings=[ref])
            break
        except Exception as error:
            assert "not been deployed yet" in str(error) and time.monotonic() < deadline
            time.sleep(0.05)
    assert bound.bindings is not None and bound.bindings[0].action is not None
    assert bound.bindings[0].action.id == action.id


def test_token_callable_needs_no_environment(tls_server: EmulatorServer, grant: Grant) -> None:
    """The alternative without SSL_CERT_FILE: fetch the token with our own trusting client."""
    http = httpx.Client(verify=tls_server.ssl_context())
    token = http.post(f"{tls_server.url}/oauth/token", data=grant(tls_server.url))
    client = ManagementClient(
        domain=tls_server.domain, token=token.json()["access_token"], httpx_client=http
    )
    assert client.actions.triggers.list().triggers


def test_untrusted_client_is_refused(tls_server: EmulatorServer) -> None:
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{tls_server.url}/oauth/token", verify=ssl.create_default_context())


def test_certificates_are_made_once_and_reused(tmp_path: Path) -> None:
    tls_dir = tmp_path / "tls"
    with serve(Emulator(FAST), port=0, tls=True, tls_dir=tls_dir):
        first = (tls_dir / "ca.pem").read_bytes(), (tls_dir / "server.pem").read_bytes()
    with serve(Emulator(FAST), port=0, tls=True, tls_dir=tls_dir) as again:
        assert again.ca_path is not None
        assert (again.ca_path.read_bytes(), (tls_dir / "server.pem").read_bytes()) == first
    assert oct((tls_dir / "ca-key.pem").stat().st_mode & 0o777) == "0o600"


def test_ipv6_loopback_and_localhost_are_in_the_certificate(tmp_path: Path, grant: Grant) -> None:
    with serve(Emulator(FAST), host="::1", port=0, tls=True, tls_dir=tmp_path) as server:
        assert server.url.startswith("https://[::1]:")
        answer = httpx.post(
            f"{server.url}/oauth/token", data=grant(server.url), verify=server.ssl_context()
        )
        assert answer.status_code == 200
    cert = x509.load_pem_x509_certificate((tmp_path / "server.pem").read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert {str(ip) for ip in names.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "::1"}


def test_refuses_non_loopback_address() -> None:
    with pytest.raises(ValueError, match="loopback"):
        serve(Emulator(FAST), host="0.0.0.0", port=0)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_with_cacert(tls_server: EmulatorServer, grant: Grant) -> None:
    def curl(*args: str) -> str:
        done = subprocess.run(
            ["curl", "--silent", "--show-error", "--cacert", str(tls_server.ca_path), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        )
        return done.stdout

    form = [
        arg for k, v in grant(tls_server.url).items() for arg in ("--data-urlencode", f"{k}={v}")
    ]
    token = json.loads(curl(*form, f"{tls_server.url}/oauth/token"))["access_token"]
    answer = curl(
        "-H", f"Authorization: Bearer {token}", f"{tls_server.url}/api/v2/actions/triggers"
    )
    assert "post-login" in json.loads(answer)["triggers"][0]["id"]


def test_cli_help_has_examples() -> None:
    result = CliRunner().invoke(emulator_cli, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--tls" in result.output and "Examples" in result.output


def test_cli_rejects_a_bad_rate_limit() -> None:
    result = CliRunner().invoke(emulator_cli, ["serve", "--rate-limit", "fast"])
    assert result.exit_code == 2
    assert "BURST/PER_SECOND" in result.output


def test_a_ctrl_c_as_soon_as_the_address_is_printed_stops_cleanly(tmp_path: Path) -> None:
    """The race behind a flaky run: the signal came before the handler was in place."""
    for _ in range(3):
        process = subprocess.Popen(
            [sys.executable, "-m", "deployer.emulator", "serve", "--port", "0", "--memory"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            assert process.stdout is not None
            assert process.stdout.readline().startswith("Auth0 emulator listening on")
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, err
        assert out.endswith("Emulator stopped.\n")


def test_python_m_serves_until_ctrl_c(tmp_path: Path, grant: Grant) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "deployer.emulator", "serve", "--port", "0", "--tls", "--memory"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        # Up to the readiness line, whatever the banner holds before it.
        lines = [process.stdout.readline()]
        while lines[-1] and not lines[-1].startswith("Press Ctrl-C"):
            lines.append(process.stdout.readline())
        url = lines[0].split()[-1]
        ca = next(line.split()[-1] for line in lines if "CA certificate" in line)
        assert DEFAULT_CLIENT_SECRET in "".join(lines)
        answer = httpx.post(
            f"{url}/oauth/token", data=grant(url), verify=ssl.create_default_context(cafile=ca)
        )
        assert answer.status_code == 200
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Emulator stopped." in out
    assert Path(ca).is_relative_to(tmp_path / ".deployer")
