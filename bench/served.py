"""Round trip of one Management API request: in process, and served over HTTP and HTTPS.

Run by hand (not in CI): `.venv/bin/python bench/served.py`. Prints microseconds per request
(median of 5 runs of 200 sequential GETs on one keep-alive connection) with no rate limit and
no injected latency: what the transport alone costs.
"""

from __future__ import annotations

import contextlib
import ssl
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from deployer.client.http import LeanClient
from deployer.emulator import Emulator, EmulatorSettings, serve

REQUESTS = 200
RUNS = 5
PATH = "/api/v2/actions/actions"
SETTINGS = EmulatorSettings(build_seconds=0, deploy_settle_seconds=0, rate_limit_burst=None)


def per_request(client: httpx.Client, url: str, headers: dict[str, str]) -> float:
    client.get(url, headers=headers).raise_for_status()  # connect and handshake first
    runs = []
    for _ in range(RUNS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(url, headers=headers).raise_for_status()
        runs.append((time.perf_counter() - started) / REQUESTS * 1e6)
    return statistics.median(runs)


def main() -> None:
    print(f"{'':<24} {'httpx.Client':>14} {'LeanClient':>14}")
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("in process (transport)", "served, http", "served, https"):
            emulator = Emulator(SETTINGS, domain="bench.emulator")
            headers = {"authorization": f"Bearer {emulator.issue_token()}"}
            figures = []
            with contextlib.ExitStack() as stack:
                if name.startswith("in process"):
                    base = "https://bench.emulator"
                    transport: httpx.BaseTransport | None = emulator.transport()
                    verify: ssl.SSLContext | bool = True
                else:
                    tls = name.endswith("https")
                    server = stack.enter_context(serve(emulator, tls=tls, tls_dir=Path(tmp)))
                    base, transport = server.url, None
                    verify = server.ssl_context() if tls else True
                for kind in (httpx.Client, LeanClient):
                    client = stack.enter_context(kind(transport=transport, verify=verify))
                    figures.append(per_request(client, base + PATH, headers))
            print(f"{name:<24} {figures[0]:>11.0f} us {figures[1]:>11.0f} us")


if __name__ == "__main__":
    main()
