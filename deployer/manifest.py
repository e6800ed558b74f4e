"""The Action's manifest (action.yaml beside action.js.j2): its Auth0 identity and its needs.

The accept-terms Action ships inside the package (BUILTIN_ACTION), so an installed tool works
in any folder; a team that changes the template ejects a copy (`deployer init --eject-action`)
and points `action:` in tenants.yaml at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from .errors import ConfigError
from .params import StrictModel
from .validation import problems_from_validation
from .yamlsource import load_yaml

# Package data (pyproject.toml lists it), next to this module in an installed wheel too.
BUILTIN_ACTION = Path(__file__).resolve().parent / "actions" / "accept-terms"
TEMPLATE_NAME = "action.js.j2"
MANIFEST_NAME = "action.yaml"


class Trigger(StrictModel):
    id: str = "post-login"
    version: str = "v3"


class Dependency(StrictModel):
    name: str
    version: str


class SecretSpec(StrictModel):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
    required: bool = True
    description: str = ""


class Manifest(StrictModel):
    name: str = Field(min_length=1, max_length=255)
    trigger: Trigger = Trigger()
    runtime: Literal["node18", "node22"] = "node22"
    dependencies: tuple[Dependency, ...] = ()
    secrets: tuple[SecretSpec, ...] = ()
    parameters: dict[str, str] = Field(default_factory=dict)
    # Not in the YAML: where the manifest was read from, so the template sits beside it.
    directory: Path = Field(default=Path("."), exclude=True)

    @property
    def template_path(self) -> Path:
        return self.directory / TEMPLATE_NAME

    def secret(self, name: str) -> SecretSpec | None:
        return next((s for s in self.secrets if s.name == name), None)


def load_manifest(directory: Path) -> Manifest:
    doc = load_yaml(directory / MANIFEST_NAME)
    if not isinstance(doc.data, dict):
        raise ConfigError([doc.problem((), "the manifest must be a mapping")])
    try:
        return Manifest.model_validate({**doc.data, "directory": directory})
    except ValidationError as exc:
        raise ConfigError(problems_from_validation(exc, doc, ())) from None
