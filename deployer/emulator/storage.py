"""The state file: JSON, replaced atomically so a crash mid-write leaves the old state."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .records import TenantState


def load(path: Path) -> TenantState | None:
    if not path.exists():
        return None
    return TenantState.from_json(json.loads(path.read_text(encoding="utf-8")))


def save(state: TenantState, path: Path) -> None:
    # The file holds secret values and the token signing key: readable by its owner only.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(state.to_json(), out, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
