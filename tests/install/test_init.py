"""`deployer init`: a configuration repository that works as written, and never an overwrite."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner

from deployer.cli import cli
from deployer.config import load_config
from deployer.manifest import BUILTIN_ACTION
from deployer.schema import tenants_schema

EXPECTED = [
    "tenants.yaml",
    "tenants.schema.json",
    ".gitignore",
    ".env.example",
    "terms/2026-11-01.md",
    ".github/workflows/auth0-terms.yml",
]


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_a_configuration_that_validates(tmp_path: Path) -> None:
    code, out, _ = _run("init", str(tmp_path / "infra"))
    root = tmp_path / "infra"
    assert code == 0, out
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == sorted(
        EXPECTED
    )
    assert "deployer deploy --tenant local --yes" in out

    config = load_config(root / "tenants.yaml")
    assert list(config.tenants) == ["local"]  # the real tenant is commented out
    assert config.manifest.directory == BUILTIN_ACTION

    text = (root / "tenants.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=tenants.schema.json\n")
    schema = json.loads((root / "tenants.schema.json").read_text())
    assert schema == tenants_schema()
    jsonschema.validate(yaml.safe_load(text), schema)

    ignored = (root / ".gitignore").read_text().split()
    assert {".deployer/", ".env", "*.plan.json"} <= set(ignored)
    names = [line for line in (root / ".env.example").read_text().splitlines() if "=" in line]
    assert names and all(line.endswith("=") for line in names)  # names only, no values
    workflow = yaml.safe_load((root / ".github/workflows/auth0-terms.yml").read_text())
    uses = [s.get("uses", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert "your-org/auth0-terms-deployer@v0.1.0" in uses


def test_the_commented_real_tenant_is_valid_once_uncommented(tmp_path: Path) -> None:
    _run("init", str(tmp_path))
    lines = (tmp_path / "tenants.yaml").read_text().splitlines()
    start = lines.index("  # prod:")
    uncommented = [
        line.replace("  # ", "  ", 1) if i >= start and not line.startswith("  #     #") else line
        for i, line in enumerate(lines)
    ]
    (tmp_path / "tenants.yaml").write_text("\n".join(uncommented) + "\n")
    config = load_config(tmp_path / "tenants.yaml")
    assert config.tenants["prod"].domain == "acme.eu.auth0.com"


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("mine\n")
    (tmp_path / "terms").mkdir()
    (tmp_path / "terms" / "2026-11-01.md").write_text("our terms\n")

    code, _, err = _run("init", str(tmp_path))

    assert code == 1
    assert "not overwriting" in err
    assert str(tmp_path / ".gitignore") in err and str(tmp_path / "terms/2026-11-01.md") in err
    assert "Traceback" not in err
    assert (tmp_path / ".gitignore").read_text() == "mine\n"
    assert not (tmp_path / "tenants.yaml").exists()


def test_init_with_eject_copies_the_action_and_points_there(tmp_path: Path) -> None:
    code, out, _ = _run("init", "--eject-action", "--action-ref", "acme/tools@v1", str(tmp_path))
    assert code == 0, out
    ejected = tmp_path / "actions" / "accept-terms"
    for name in ("action.js.j2", "action.yaml"):
        assert (ejected / name).read_bytes() == (BUILTIN_ACTION / name).read_bytes()
    config = load_config(tmp_path / "tenants.yaml")
    assert config.manifest.directory == ejected
    assert "acme/tools@v1" in (tmp_path / ".github/workflows/auth0-terms.yml").read_text()


def test_eject_later_into_an_existing_configuration(tmp_path: Path) -> None:
    _run("init", str(tmp_path))
    code, out, _ = _run("init", "--eject-action", str(tmp_path))
    assert code == 0, out
    config = load_config(tmp_path / "tenants.yaml")
    assert config.manifest.directory == tmp_path / "actions" / "accept-terms"
    # An edit to the ejected template is what gets rendered.
    template = config.manifest.template_path
    template.write_text(template.read_text().replace("const ", "const /*ejected*/ ", 1))
    code, out, _ = _run("-c", str(tmp_path / "tenants.yaml"), "render", "-t", "local")
    assert code == 0 and "/*ejected*/" in out

    code, _, err = _run("init", "--eject-action", str(tmp_path))
    assert code == 1 and "already names an Action folder" in err
