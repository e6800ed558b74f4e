"""Which commit the Action is rendered from, recorded in the header of what is deployed."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Source:
    commit: str | None
    dirty: bool = False


def _git(root: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def current_source(root: Path) -> Source:
    """The checkout's HEAD and whether a tracked file has uncommitted changes (None outside git).

    Untracked files do not count: a pipeline writes plan files and downloads artifacts into
    its checkout, and what is deployed is rendered from tracked files only (a new, untracked
    template file would not be rendered without a tracked change that uses it).
    """
    commit = _git(root, "rev-parse", "HEAD")
    if not commit:
        return Source(None)
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return Source(commit, dirty=bool(status))
