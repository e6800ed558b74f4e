"""`deployer init`: the files of a configuration repository, and ejecting the Action.

A platform team keeps tenants.yaml in its own repository and installs this tool at a pinned
version; `init` writes a working start (a `local` tenant on the emulator, a commented real one),
and `init --eject-action` copies the built-in Action there for a team that changes it.
Nothing that exists is ever overwritten: the whole write is refused, naming what is there.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from ..consent.settings import DEFAULT_TERMS_DIR
from ..errors import DeployerError
from ..manifest import BUILTIN_ACTION, MANIFEST_NAME, TEMPLATE_NAME
from ..schema import schema_text

FILES = Path(__file__).resolve().parent / "files"
EJECTED_ACTION = "actions/accept-terms"
SCHEMA_FILE = "tenants.schema.json"
TERMS_VERSION = "2026-11-01"
# Where the composite GitHub Action lives: this tool's repository at a tag or commit.
DEFAULT_ACTION_REF = "your-org/auth0-terms-deployer@v0.1.0"


class ScaffoldError(DeployerError):
    """init would overwrite something, or cannot eject into this configuration."""


@dataclass(frozen=True)
class Written:
    root: Path
    paths: tuple[str, ...]
    ejected_into_existing: bool = False


def _template(name: str) -> str:
    return (FILES / name).read_text(encoding="utf-8")


def _files(eject: bool, action_ref: str) -> dict[str, str | Path]:
    action_line = f"action: {EJECTED_ACTION}   # the ejected Action; remove to use the built-in one"
    tenants = _template("tenants.yaml").replace("@ACTION@\n", f"{action_line}\n" if eject else "")
    files: dict[str, str | Path] = {
        "tenants.yaml": tenants,
        SCHEMA_FILE: schema_text(),
        ".gitignore": _template("gitignore"),
        ".env.example": _template("env.example"),
        f"terms/{TERMS_VERSION}.md": DEFAULT_TERMS_DIR / f"{TERMS_VERSION}.md",
        ".github/workflows/auth0-terms.yml": _template("auth0-terms.yml").replace(
            DEFAULT_ACTION_REF, action_ref
        ),
    }
    if eject:
        files.update(_action_files())
    return files


def _action_files() -> dict[str, str | Path]:
    return {
        f"{EJECTED_ACTION}/{name}": BUILTIN_ACTION / name for name in (TEMPLATE_NAME, MANIFEST_NAME)
    }


def _write(root: Path, files: dict[str, str | Path]) -> None:
    for relative, content in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_text(content, encoding="utf-8")


def _refuse_existing(root: Path, paths: list[str], hint: str = "") -> None:
    present = [p for p in paths if (root / p).exists() or (root / p).is_symlink()]
    if present:
        listed = "".join(f"\n  {root / p}" for p in present)
        raise ScaffoldError(f"not overwriting what exists:{listed}{hint}")


def init(root: Path, *, eject: bool = False, action_ref: str = DEFAULT_ACTION_REF) -> Written:
    """Write a new configuration repository into `root` (created if missing)."""
    if root.exists() and not root.is_dir():
        raise ScaffoldError(f"{root} is a file, not a folder")
    if eject and (root / "tenants.yaml").is_file():
        return eject_action(root)
    files = _files(eject, action_ref)
    _refuse_existing(root, list(files))
    _write(root, files)
    return Written(root, tuple(files))


def eject_action(root: Path) -> Written:
    """Copy the built-in Action into actions/accept-terms/ of an existing configuration and
    point its tenants.yaml there."""
    config = root / "tenants.yaml"
    text = config.read_text(encoding="utf-8")
    if re.search(r"^action:", text, flags=re.MULTILINE):
        raise ScaffoldError(f"{config} already names an Action folder (action:); nothing to eject")
    files = _action_files()
    _refuse_existing(root, list(files))
    line = f"action: {EJECTED_ACTION}   # the ejected Action; remove to use the built-in one\n"
    version = re.search(r"^version:.*\n", text, flags=re.MULTILINE)
    at = version.end() if version else 0
    _write(root, files)
    config.write_text(text[:at] + line + text[at:], encoding="utf-8")
    return Written(root, tuple(files), ejected_into_existing=True)
