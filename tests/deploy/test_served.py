"""A tenant that names a running emulator by URL and CA: the HTTPS path a real tenant takes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.project import FAST, Project

from deployer.emulator import Emulator, EmulatorServer, serve
from deployer.workflow import Context, deploy_tenant, guarded, plan_tenant


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Emulator, EmulatorServer]]:
    emulator = Emulator(FAST, domain="127.0.0.1")
    with serve(emulator, tls=True, tls_dir=tmp_path / "tls") as server:
        yield emulator, server


def over_sockets(project: Project, emulator_entry: str) -> Context:
    project.edit_tenants(
        lambda t: t.replace(
            "  local:\n    emulator: embedded\n", f"  local:\n    emulator: {emulator_entry}\n"
        )
    )
    context = project.context()
    context.transports = None  # real sockets, real TLS
    return context


def test_deploy_over_https_to_a_served_emulator(
    project: Project, served: tuple[Emulator, EmulatorServer]
) -> None:
    emulator, server = served
    context = over_sockets(project, f"{{url: '{server.url}', ca: '{server.ca_path}'}}")
    outcome = deploy_tenant(context, "local")
    assert outcome.error is None, outcome.error
    assert plan_tenant(context, "local").plan.empty  # type: ignore[union-attr]
    assert emulator.state.find_by_name("Accept Terms") is not None


def test_an_untrusted_certificate_is_refused(
    project: Project, served: tuple[Emulator, EmulatorServer]
) -> None:
    context = over_sockets(project, f"{{url: '{served[1].url}'}}")
    outcome = guarded("local", lambda: plan_tenant(context, "local"))
    assert outcome.error is not None
    assert "TLS certificate is not trusted" in outcome.error
