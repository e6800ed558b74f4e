"""Every bad input the CLI reads ends in a located message and exit 1: no traceback, no request."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from support.project import REPO, Project

import deployer.targets
import deployer.workflow
from deployer.cli import cli
from deployer.config import load_config
from deployer.errors import ConfigError
from deployer.yamlsource import MAX_BYTES

CONFIGS = Path(__file__).parents[1] / "configs"


def _no_request(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object) -> None:
        raise AssertionError("a request was about to be made")

    monkeypatch.setattr(deployer.targets, "resolve_target", refuse)
    monkeypatch.setattr(deployer.workflow, "resolve_target", refuse)


@pytest.mark.parametrize("command", [["validate"], ["plan", "--all"]], ids=["validate", "plan"])
@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_bad_config_is_one_located_message(
    path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_request(monkeypatch)
    result = CliRunner().invoke(cli, ["--config", str(path), *command])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # reported, not raised
    assert "Traceback" not in result.output
    assert f"{path}:" in result.output


def test_a_file_over_the_size_bound_is_refused_by_name(tmp_path: Path) -> None:
    big = tmp_path / "tenants.yaml"
    big.write_text("version: 1\n# " + "x" * MAX_BYTES + "\n")
    with pytest.raises(ConfigError, match="larger than 256 KiB") as caught:
        load_config(big)
    assert caught.value.problems[0].file == str(big)


def test_a_non_utf8_saved_plan_is_refused_by_name(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_request(monkeypatch)
    plan = tmp_path / "dev.plan.json"
    plan.write_bytes(b'{"kind": "deployer-plan", "x": "\xff\xfe"}')
    result = CliRunner().invoke(
        cli, ["--config", str(project.tenants_file), "apply", str(plan)], env=project.environ
    )
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert str(plan) in result.output and "not UTF-8" in result.output


def test_a_url_over_the_length_bound_is_refused_before_any_request(tmp_path: Path) -> None:
    text = (CONFIGS / "url-with-space.yaml").read_text().replace("a ccept", "a" * 100_000)
    big = tmp_path / "tenants.yaml"
    big.write_text(text.replace("../../actions", str(REPO / "actions")))
    with pytest.raises(ConfigError, match=r"tenants\.dev\.action\.terms\.url: is 100026 char"):
        load_config(big)


def test_a_rendered_action_over_auth0s_limit_is_refused_by_validate(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_request(monkeypatch)
    project.template.write_text(project.template.read_text() + "\n//" + "x" * 110_000 + "\n")
    for command in (["validate"], ["plan", "-t", "dev"]):
        result = CliRunner().invoke(
            cli, ["--config", str(project.tenants_file), *command], env=project.environ
        )
        assert result.exit_code == 1, result.output
        assert "Traceback" not in result.output
        assert "Auth0 accepts at most 102400" in result.output


def test_an_auth0_message_ending_with_a_period_gets_no_second_one() -> None:
    from auth0.management.core.api_error import ApiError

    from deployer.client import explain

    body = {"message": "An action with the name 'X' already exists.", "statusCode": 409}
    text = str(explain(ApiError(status_code=409, body=body), "creating action 'X'"))
    assert text.endswith("already exists.") and ".." not in text
