"""The state file: JSON, replaced atomically so a crash mid-write leaves the old state.

Several processes may share one file (two deploys to `local`, a deploy while `deployer demo`
serves the tenant): the emulator takes the file's lock (deployer.locks) around every request
and reloads the file first when another process replaced it since (see `signature`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import DeployerError
from .records import TenantState

FORMAT = 1

Signature = tuple[int, int, int]


class StateFileError(DeployerError):
    """The state file cannot be read back: truncated, not JSON, or not an emulator's state."""


def signature(path: Path) -> Signature | None:
    """Changes whenever the file is replaced (save() always writes a new inode)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_mtime_ns, st.st_size)


def load(path: Path) -> TenantState | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(f"{path}: cannot read the emulator's state: {exc.strerror}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _broken(path, "not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise _broken(path, f"truncated or not JSON ({exc.msg}: {where})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _broken(path, f"not an emulator state file (format {FORMAT} expected)")
    try:
        return TenantState.from_json(data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _broken(path, f"not an emulator state file ({type(exc).__name__}: {exc})") from None


def _broken(path: Path, reason: str) -> StateFileError:
    # Never start afresh silently: the file is the tenant's whole history (and its secrets).
    return StateFileError(
        f"{path}: the emulator's state file is unusable: {reason}. Restore it, or delete it to "
        "start the tenant afresh (its actions, versions and users are lost then)"
    )


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
