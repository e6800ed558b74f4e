"""Provenance: a plan file or a downloaded artifact in the checkout does not make it dirty."""

from __future__ import annotations

import subprocess
from pathlib import Path

from deployer.provenance import current_source


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def test_only_tracked_changes_make_the_tree_dirty(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    (tmp_path / "tenants.yaml").write_text("version: 1\n")
    git(tmp_path, "add", "tenants.yaml")
    git(tmp_path, "commit", "-q", "-m", "first")
    head = git(tmp_path, "rev-parse", "HEAD")
    assert current_source(tmp_path).commit == head
    (tmp_path / "staging.plan.json").write_text("{}")
    (tmp_path / "artifacts").mkdir()
    (tmp_path / "artifacts" / "prod.plan.json").write_text("{}")
    assert current_source(tmp_path).dirty is False
    (tmp_path / "tenants.yaml").write_text("version: 1\n# edited\n")
    assert current_source(tmp_path) == current_source(tmp_path)
    assert current_source(tmp_path).dirty is True


def test_outside_git_there_is_no_commit(tmp_path: Path) -> None:
    assert current_source(tmp_path).commit is None
