"""The CLI as a user runs it: exit codes, confirmation, formats, and no secret in any output."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.project import FAST, Project

from deployer.cli import cli


@pytest.fixture
def run(project: Project):  # type: ignore[no-untyped-def]
    runner = CliRunner()
    outputs: list[str] = []

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        result = runner.invoke(
            cli,
            ["--config", str(project.tenants_file), *args],
            env={**project.environ, **(env or {})},
            catch_exceptions=False,
            obj=FAST,  # the embedded emulators' settings
        )
        outputs.append(result.stdout + result.stderr)
        return result

    invoke.outputs = outputs  # type: ignore[attr-defined]
    return invoke


def test_plan_exit_codes(run) -> None:  # type: ignore[no-untyped-def]
    assert run("plan", "-t", "dev", "--detailed-exitcode").exit_code == 2
    assert run("plan", "-t", "dev").exit_code == 0
    deployed = run("deploy", "-t", "dev", "--yes")
    assert deployed.exit_code == 0, deployed.output
    result = run("plan", "-t", "dev", "--detailed-exitcode")
    assert result.exit_code == 0
    assert "No changes." in result.stdout


def test_deploy_then_no_changes(run) -> None:  # type: ignore[no-untyped-def]
    first = run("deploy", "--tenant", "local", "--yes")
    assert first.exit_code == 0, first.output
    assert "+ action 'Accept Terms' will be created" in first.stdout
    assert "Plan: 2 to add, 1 to change, 0 to destroy." in first.stdout
    second = run("deploy", "--tenant", "local", "--yes")
    assert second.exit_code == 0
    assert second.stdout.strip() == "local: No changes."


def test_deploy_without_a_terminal_needs_yes(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    result = run("deploy", "-t", "dev")
    assert result.exit_code == 1
    assert "add --yes" in result.stderr
    from deployer.emulator import Emulator

    state = project.root / ".deployer" / "dev" / "emulator.json"
    assert Emulator(FAST, state_path=state).state.actions == {}


def test_dry_run_changes_nothing(run) -> None:  # type: ignore[no-untyped-def]
    result = run("deploy", "-t", "dev", "--dry-run")
    assert result.exit_code == 0
    assert "will be created" in result.stdout
    assert run("plan", "-t", "dev", "--detailed-exitcode").exit_code == 2


def test_tenant_without_its_variables_says_so(run) -> None:  # type: ignore[no-untyped-def]
    # A plan needs no secret value: it says which it could not compare.
    result = run("plan", "--all", env={"DEV_TOKEN_SECRET": ""})
    assert result.exit_code == 0, result.output
    assert "secrets not checked (no value here): TERMS_TOKEN_SECRET" in result.stdout
    assert "Tenant local" in result.stdout
    # A deploy needs them all, and names what is missing before any write.
    deployed = run("deploy", "--all", "--yes", env={"DEV_TOKEN_SECRET": ""})
    assert deployed.exit_code == 1
    assert "not ready" in deployed.output
    assert "$DEV_TOKEN_SECRET" in deployed.output


def test_json_output_schema(run) -> None:  # type: ignore[no-untyped-def]
    result = run("plan", "--all", "--output", "json")
    document = json.loads(result.stdout)
    assert document["format_version"] == 1
    assert [t["tenant"] for t in document["tenants"]] == ["local", "dev"]
    dev = document["tenants"][1]
    assert dev["status"] == "changes"
    assert [c["type"] for c in dev["changes"]] == ["create_action", "deploy_action", "bind_action"]
    assert dev["summary"] == {"add": 2, "change": 1, "destroy": 0}


def test_markdown_output(run) -> None:  # type: ignore[no-untyped-def]
    result = run("plan", "--all", "--output", "markdown")
    assert result.stdout.startswith("## Auth0 accept-terms plan")
    assert "| `dev` | Plan: 2 to add, 1 to change, 0 to destroy. |" in result.stdout
    assert "```diff" in result.stdout


def test_config_error_is_one_clear_message_without_traceback(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    project.edit_tenants(lambda t: t.replace("https://example.com/", "https://x.auth0.com/"))
    result = run("validate")
    assert result.exit_code == 1
    assert (
        "tenants.yaml:6:" in result.stderr and "defaults.action.claims.namespace" in result.stderr
    )
    assert "Traceback" not in result.stderr
    debug = run("--debug", "validate")
    assert "Traceback" in debug.stderr


def test_unknown_tenant(run) -> None:  # type: ignore[no-untyped-def]
    result = run("plan", "-t", "nope")
    assert result.exit_code == 1
    assert "no tenant named 'nope' (known: local, dev)" in result.stderr


def test_no_secret_value_in_any_output(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    commands = [
        ("validate",),
        ("validate", "--strict"),
        ("render", "--tenant", "dev"),
        ("plan", "--all"),
        ("plan", "--all", "-o", "json"),
        ("plan", "--all", "-o", "markdown"),
        ("deploy", "--all", "--yes"),
        ("deploy", "--all", "--yes", "-o", "json"),
        ("plan", "--all", "-o", "markdown"),
        ("--debug", "plan", "-t", "dev"),
    ]
    for args in commands:
        run(*args)
    # A changed secret, the plan that shows it, and the deploy that sends it.
    changed = {"DEV_TOKEN_SECRET": "dev-token-secret-CHANGED-0123456789abcdefghij"}
    for args in [("plan", "-t", "dev"), ("deploy", "-t", "dev", "--yes", "-o", "markdown")]:
        result = run(*args, env=changed)
        assert result.exit_code == 0, result.output
    assert "~ secret TERMS_TOKEN_SECRET (value changed)" in run.outputs[-2]  # type: ignore[attr-defined]
    generated = json.loads((project.root / ".deployer" / "local" / "secrets.json").read_text())
    values = [*project.environ.values(), *changed.values(), *generated.values()]
    assert len(values) >= 6
    everything = "\n".join(run.outputs)  # type: ignore[attr-defined]
    for value in values:
        assert value not in everything


def test_render_writes_a_file(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out" / "dev.js"
    result = run("render", "-t", "dev", "--out", str(target))
    assert result.exit_code == 0
    assert target.read_text().startswith("// Managed by auth0-terms-deployer")


def test_corrupt_generated_secrets_stop_instead_of_replacing_them(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    store = project.root / ".deployer" / "local" / "secrets.json"
    store.write_text("{not json")
    result = run("plan", "-t", "local")
    assert result.exit_code == 1
    assert "cannot read the generated secrets" in result.output
    assert store.read_text() == "{not json"


def test_unreadable_secret_file_is_named(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    (project.root / "secret-dir").mkdir()
    project.edit_tenants(lambda t: t.replace("{env: DEV_RECORD_KEY}", "{file: secret-dir}"))
    result = run("plan", "-t", "dev")
    assert result.exit_code == 1
    assert "cannot read secret file" in result.output and "secret-dir" in result.output
    assert "Traceback" not in result.output


def test_dry_run_passes_adopt_on_to_the_plan(run, project: Project) -> None:  # type: ignore[no-untyped-def]
    from deployer.emulator import Emulator

    state = project.root / ".deployer" / "dev" / "emulator.json"
    state.parent.mkdir(parents=True)
    Emulator(FAST, state_path=state).seed_action("Accept Terms", code="// made by hand\n")
    refused = run("deploy", "-t", "dev", "--dry-run")
    assert refused.exit_code == 1 and "--adopt" in refused.stdout
    adopted = run("deploy", "-t", "dev", "--dry-run", "--adopt")
    assert adopted.exit_code == 0, adopted.output
    assert "adopting the existing action" in adopted.stdout


def test_embedded_emulator_settings_travel_as_the_cli_obj(project: Project) -> None:
    # Every connection dropped: the plan can only fail if these settings reached the emulator.
    broken = dataclasses.replace(FAST, drop_rate=1.0, seed=1)
    result = CliRunner().invoke(
        cli,
        ["--config", str(project.tenants_file), "plan", "-t", "dev"],
        env=project.environ,
        obj=broken,
    )
    assert result.exit_code == 1
    assert "cannot reach https://dev.emulator/oauth/token" in result.output
    # The same command with the fast settings plans fine: nothing else differs.
    fine = CliRunner().invoke(
        cli,
        ["--config", str(project.tenants_file), "plan", "-t", "dev"],
        env=project.environ,
        obj=FAST,
    )
    assert fine.exit_code == 0, fine.output
