"""`deployer schema`: the JSON Schema of tenants.yaml, committed in docs/ and kept equal."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from deployer.cli import cli
from deployer.schema import tenants_schema

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "docs" / "tenants.schema.json"


def test_the_committed_schema_is_the_generated_one() -> None:
    printed = CliRunner().invoke(cli, ["schema"]).stdout
    assert json.loads(printed) == tenants_schema()
    assert COMMITTED.read_text() == printed, (
        "docs/tenants.schema.json is stale: deployer schema > docs/tenants.schema.json"
    )


@pytest.mark.parametrize("path", ["tenants.yaml", "examples/pipeline.yaml"])
def test_the_repository_files_pass_the_schema(path: str) -> None:
    data = yaml.safe_load((REPO / path).read_text())
    jsonschema.Draft202012Validator(tenants_schema()).validate(data)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["tenants"]["local"].update(emulatr="embedded"), "emulatr"),
        (lambda d: d["defaults"]["action"]["terms"].update(urll="x"), "urll"),
        (lambda d: d["tenants"]["prod"].update(binding="middle"), "middle"),
        (lambda d: d["tenants"].update({"Prod": {}}), "Prod"),
        (
            lambda d: d["tenants"]["prod"]["secrets"].update(TERMS_RECORD_KEY="literal"),
            "literal",
        ),
    ],
)
def test_the_schema_flags_what_validate_refuses(change: object, where: str) -> None:
    data = yaml.safe_load((REPO / "tenants.yaml").read_text())
    change(data)  # type: ignore[operator]
    errors = list(jsonschema.Draft202012Validator(tenants_schema()).iter_errors(data))
    assert errors and any(where in str(e.message) or where in str(e.path) for e in errors), [
        e.message for e in errors
    ]
