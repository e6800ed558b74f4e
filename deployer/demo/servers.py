"""The demo's web servers: sockets bound before anything starts, and uvicorn in a thread."""

from __future__ import annotations

import socket
import threading
from typing import TYPE_CHECKING

from ..errors import DeployerError

if TYPE_CHECKING:
    from starlette.types import ASGIApp

START_TIMEOUT_SECONDS = 10.0


class DemoError(DeployerError):
    """The demo cannot start: a port is taken, the tenant does not fit, the deploy failed."""


def shown(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def bind_socket(host: str, port: int, what: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise DemoError(
            f"cannot listen on {shown(host)}:{port} for the {what}: {exc.strerror or exc}"
        ) from None
    sock.listen(128)
    return sock


class ThreadedServer:
    """An ASGI app under uvicorn in a background thread, on a socket bound beforehand."""

    def __init__(self, app: ASGIApp, sock: socket.socket, name: str) -> None:
        import uvicorn

        self._sock = sock
        host, port = sock.getsockname()[:2]
        self.url = f"http://{shown(str(host))}:{port}"
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
