"""A project whose `dev` tenant answers with Auth0's recorded answers (support/recorded.py)."""

from __future__ import annotations

import pytest
from support.project import Project
from support.recorded import RecordedAuth0


@pytest.fixture
def auth0(project: Project) -> RecordedAuth0:
    fake = RecordedAuth0()
    project.transport = lambda tenant: fake.transport()  # type: ignore[method-assign]
    return fake
