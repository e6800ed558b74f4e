"""A tenant that names a running emulator by URL and CA: the HTTPS path a real tenant takes."""

from __future__ import annotations

from pathlib import Path

from deployer.emulator import Emulator, serve
from deployer.workflow import deploy_tenant, guarded, plan_tenant

from .conftest import FAST, Project


def test_deploy_over_https_to_a_served_emulator(project: Project, tmp_path: Path) -> None:
    emulator = Emulator(FAST, domain="127.0.0.1")
    with serve(emulator, tls=True, tls_dir=tmp_path / "tls") as server:
        project.edit_tenants(
            lambda t: t.replace(
                "  local:\n    emulator: embedded\n",
                f"  local:\n    emulator: {{url: '{server.url}', ca: '{server.ca_path}'}}\n",
            )
        )
        context = project.context()
        context.transports = None  # real sockets, real TLS
        outcome = deploy_tenant(context, "local")
        assert outcome.error is None, outcome.error
        assert plan_tenant(context, "local").plan.empty  # type: ignore[union-attr]
        assert emulator.state.find_by_name("Accept Terms") is not None


def test_an_untrusted_certificate_is_refused(project: Project, tmp_path: Path) -> None:
    emulator = Emulator(FAST, domain="127.0.0.1")
    with serve(emulator, tls=True, tls_dir=tmp_path / "tls") as server:
        project.edit_tenants(
            lambda t: t.replace(
                "  local:\n    emulator: embedded\n",
                f"  local:\n    emulator: {{url: '{server.url}'}}\n",
            )
        )
        context = project.context()
        context.transports = None
        outcome = guarded("local", lambda: plan_tenant(context, "local"))
        assert (
            outcome.error is not None
            and "connection failed" in outcome.error
            or "token" in (outcome.error or "")
        )
