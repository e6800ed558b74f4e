"""`deployer tenants`: the list a GitHub Actions matrix takes, all or only what changed."""

from __future__ import annotations

import json


def test_json_is_one_line_list_of_every_tenant(run) -> None:  # type: ignore[no-untyped-def]
    result = run("tenants", "--output", "json")
    assert result.exit_code == 0
    assert result.stdout == '["local","dev"]\n'


def test_text_names_each_tenant_and_its_target(run) -> None:  # type: ignore[no-untyped-def]
    result = run("tenants")
    assert result.stdout.splitlines() == ["local\temulator", "dev\temulator"]


def test_tenant_option_limits_and_checks_names(run) -> None:  # type: ignore[no-untyped-def]
    assert run("tenants", "-t", "dev", "-o", "json").stdout == '["dev"]\n'
    unknown = run("tenants", "-t", "nope")
    assert unknown.exit_code == 1
    assert "no tenant named 'nope'" in unknown.stderr


def test_changed_keeps_only_tenants_whose_plan_has_changes(run) -> None:  # type: ignore[no-untyped-def]
    assert json.loads(run("tenants", "--changed", "-o", "json").stdout) == ["local", "dev"]
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    assert json.loads(run("tenants", "--changed", "-o", "json").stdout) == ["local"]
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    assert run("tenants", "--changed", "-o", "json").stdout == "[]\n"


def test_changed_keeps_a_tenant_whose_secrets_it_cannot_check(run) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", "--all", "--yes").exit_code == 0
    result = run("tenants", "--changed", "-o", "json", env={"DEV_TOKEN_SECRET": ""})
    assert result.exit_code == 0
    assert json.loads(result.stdout) == ["dev"]
    assert "dev: kept, secrets not checked: " in result.stderr
    assert "TERMS_TOKEN_SECRET" in result.stderr
