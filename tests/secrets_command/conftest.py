"""Fixtures of the `deployer secrets` tests: the CLI on a project with fast embedded emulators."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from support.project import FAST, Project
from support.secrets_command import Runner

from deployer.emulator import Emulator


@pytest.fixture
def run(project: Project) -> Runner:
    return Runner(project)


@pytest.fixture
def embedded(project: Project) -> Callable[[str], Emulator]:
    """The emulator the CLI will find for an embedded tenant (same state file), to seed it."""

    def open_(tenant: str) -> Emulator:
        state = project.root / ".deployer" / tenant / "emulator.json"
        state.parent.mkdir(parents=True, exist_ok=True)
        return Emulator(FAST, state_path=state, domain=f"{tenant}.emulator")

    return open_
