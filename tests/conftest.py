"""Fixtures shared by every test folder; the kits behind them live in tests/support/."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from support.project import TENANTS_YAML, Project

from deployer.manifest import BUILTIN_ACTION


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A tenants.yaml and a copy of the Action in tmp_path, deployed to in-memory emulators."""
    shutil.copytree(BUILTIN_ACTION, tmp_path / "accept-terms")
    (tmp_path / "tenants.yaml").write_text(TENANTS_YAML)
    return Project(root=tmp_path)
