"""tenants.yaml: a valid file loads; each config error (one file each) is named with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from deployer.config import load_config
from deployer.errors import ConfigError

CONFIGS = Path(__file__).parent / "configs"
REPO = Path(__file__).parent.parent


def test_repository_tenants_file_is_valid() -> None:
    config = load_config(REPO / "tenants.yaml")
    assert list(config.tenants) == ["local", "dev", "staging", "prod"]
    assert config.tenants["local"].is_emulated
    prod = config.tenants["prod"]
    assert prod.domain == "acme.eu.auth0.com"
    # defaults are deep-merged: prod keeps the shared namespace, overrides nothing else
    assert prod.action.claims.namespace == "https://example.com/"
    assert config.tenants["dev"].action.terms.url == "https://terms.dev.example.com/accept"


def _expectation(path: Path) -> tuple[int, str]:
    first = path.read_bytes().split(b"\n")[0].decode()  # some files are not UTF-8 on purpose
    match = re.match(r"# expect: (\d+): (.+)$", first)
    assert match, f"{path.name} needs a '# expect: LINE: TEXT' first line"
    return int(match.group(1)), match.group(2)


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.yaml")), ids=lambda p: p.stem)
def test_config_error_names_file_line_and_field(path: Path) -> None:
    line, text = _expectation(path)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    problems = caught.value.problems
    matching = [p for p in problems if text in str(p)]
    assert matching, f"expected {text!r} in:\n{caught.value}"
    assert matching[0].line == line, str(matching[0])
    assert matching[0].file == str(path)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    text = (CONFIGS / "unknown-key.yaml").read_text()
    text = text.replace("https://example.com/", "https://x.webtask.io/")
    text = text.replace('version: "1"', 'version: "1", extra: 1')
    bad = tmp_path / "tenants.yaml"
    bad.write_text(text.replace("../../deployer", str(REPO / "deployer")))
    with pytest.raises(ConfigError) as caught:
        load_config(bad)
    assert len(caught.value.problems) == 3
    assert str(caught.value).startswith("3 problems:")


def test_secret_values_in_the_file_never_reach_the_message() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(CONFIGS / "literal-secret.yaml")
    assert "correct-horse-battery-staple-literal" not in str(caught.value)


def test_missing_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml")
