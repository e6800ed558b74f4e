"""A project in tmp_path (tenants.yaml + a copy of the Action) deployed to in-memory emulators."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from deployer.apply import Waits
from deployer.config import TenantConfig, load_config
from deployer.emulator import Emulator, EmulatorSettings
from deployer.sources import Environment
from deployer.workflow import Context, RunOptions

REPO = Path(__file__).resolve().parents[2]
FAST = EmulatorSettings(build_seconds=0.05, deploy_settle_seconds=0.05, rate_limit_burst=None)
FAST_WAITS = Waits(build_timeout=10, deploy_timeout=10, bind_timeout=10, poll=0.01)

# Obviously fake, but long enough to fingerprint; tests scan every output for them.
SECRET_VALUES = {
    "DEV_TOKEN_SECRET": "dev-token-secret-VALUE-0123456789abcdefghijkl",
    "DEV_RECORD_KEY": "dev-record-key-VALUE-0123456789abcdefghijklmn",
    "DEV_PREVIOUS": "dev-previous-VALUE-0123456789abcdefghijklmnopq",
}

TENANTS_YAML = """\
version: 1
action: accept-terms
defaults:
  action:
    terms: {url: "https://terms.example.com/accept", version: "2026-11-01"}
    claims: {namespace: "https://example.com/"}
tenants:
  local:
    emulator: embedded
  dev:
    emulator: embedded
    secrets:
      TERMS_TOKEN_SECRET: {env: DEV_TOKEN_SECRET}
      TERMS_TOKEN_SECRET_PREVIOUS: {env: DEV_PREVIOUS}
      TERMS_RECORD_KEY: {env: DEV_RECORD_KEY}
"""


@dataclass
class Project:
    root: Path
    environ: dict[str, str] = field(default_factory=lambda: dict(SECRET_VALUES))
    emulators: dict[str, Emulator] = field(default_factory=dict)
    settings: EmulatorSettings = FAST

    @property
    def tenants_file(self) -> Path:
        return self.root / "tenants.yaml"

    @property
    def template(self) -> Path:
        return self.root / "accept-terms" / "action.js.j2"

    def emulator(self, tenant: str) -> Emulator:
        if tenant not in self.emulators:
            self.emulators[tenant] = Emulator(self.settings, domain=f"{tenant}.emulator")
        return self.emulators[tenant]

    def transport(self, tenant: TenantConfig) -> httpx.BaseTransport:
        return self.emulator(tenant.name).transport()

    def context(self, **options: object) -> Context:
        config = load_config(self.tenants_file)
        return Context(
            config=config,
            env=Environment(self.root, environ=self.environ),
            transports=self.transport,
            report=self.lines.append,
            options=RunOptions(waits=FAST_WAITS, **options),  # type: ignore[arg-type]
        )

    lines: list[str] = field(default_factory=list)

    def writes(self, tenant: str) -> list[str]:
        return [
            f"{e.method} {e.path}"
            for e in self.emulator(tenant).request_log
            if e.method != "GET" and e.path != "/oauth/token"
        ]

    def edit_tenants(self, change: Callable[[str], str]) -> None:
        self.tenants_file.write_text(change(self.tenants_file.read_text()))
