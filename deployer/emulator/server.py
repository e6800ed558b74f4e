"""The emulator on a loopback socket, over HTTP or HTTPS, in a background thread."""

from __future__ import annotations

import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ..params import is_loopback_host
from .emulator import Emulator
from .faults import ConnectionDropped
from .tls import TlsFiles, ensure_certificates

DEFAULT_TLS_DIR = Path(".deployer/tls")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients expect of Auth0
    # TCP_NODELAY: the headers and the body go out in two writes; with Nagle's algorithm the
    # body waits for the client's delayed ACK: ~45 ms a request, 0.65 ms without (bench/served.py).
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        try:
            status, headers, content = self.server.emulator.handle(
                self.command, path, query, dict(self.headers.items()), body
            )
        except ConnectionDropped:
            # Close without a byte of answer: the client sees "server disconnected".
            self.close_connection = True
            return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("content-length", str(len(content)))
        self.end_headers()
        if status != 204:
            self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines are in emulator.request_log, and nothing else is logged."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.emulator = emulator
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet: a client that does not trust the CA or hangs up is not a server fault."""


class EmulatorServer:
    """A running emulator; `url` to talk to it, `ca_path` to trust it, `stop()` to end it."""

    def __init__(self, server: _Server, tls: TlsFiles | None) -> None:
        self._server = server
        self.tls = tls
        self.host, self.port = str(server.server_address[0]), int(server.server_address[1])
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"{'https' if tls else 'http'}://{shown}:{self.port}"
        # What ManagementClient(domain=...) wants: host and port, no scheme.
        self.domain = f"{shown}:{self.port}"
        # A short poll keeps stop() quick; serve_forever only polls to notice shutdown.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"auth0-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()

    @property
    def ca_path(self) -> Path | None:
        return self.tls.ca_cert if self.tls else None

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts this emulator's CA and nothing else."""
        if self.tls is None:
            raise ValueError("the emulator is not serving TLS")
        return ssl.create_default_context(cafile=str(self.tls.ca_cert))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()


def serve(
    emulator: Emulator,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: bool = False,
    tls_dir: Path | None = None,
) -> EmulatorServer:
    """Starts serving `emulator` on host:port (0: any free port) and returns at once.

    With TLS, a local CA and a certificate for localhost, 127.0.0.1 and ::1 are made once in
    `tls_dir` (default: `tls/` next to the state file, else `.deployer/tls/`) and reused.
    """
    if not is_loopback_host(host):
        # It answers to a published credential: never on an address others can reach.
        raise ValueError(f"the emulator serves on loopback only, not {host}")
    server = _Server((host, port), emulator)
    files = None
    if tls:
        if tls_dir is None:
            state = emulator.state_path
            tls_dir = state.parent / "tls" if state is not None else DEFAULT_TLS_DIR
        files = ensure_certificates(tls_dir)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(files.server_cert, files.server_key)
        # The handshake happens in the request's thread, so one slow client cannot stall accept.
        server.socket = context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
    running = EmulatorServer(server, files)
    # Login pages, redirects and token issuers must name the address browsers actually use.
    emulator.login.tenant.public_url = running.url
    return running
