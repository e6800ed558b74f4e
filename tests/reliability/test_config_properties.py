"""Config loading, for any input: a valid Config or a ConfigError naming the file; nothing else.

Hypothesis writes arbitrary bytes, arbitrary text, YAML made of hostile pieces (anchors,
aliases, merge keys, tags, deep brackets) and valid configs with one part replaced by arbitrary
data. The deadline (a second per example) is the bound on time; no wall-clock asserts.
"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support.project import REPO

from deployer.config import Config, load_config
from deployer.errors import ConfigError

VALID: dict[str, Any] = {
    "version": 1,
    "action": "accept-terms",
    "defaults": {
        "action": {
            "terms": {"url": "https://terms.example.com/accept", "version": "2026-11-01"},
            "claims": {"namespace": "https://example.com/"},
        }
    },
    "tenants": {
        "local": {"emulator": "embedded", "binding": "last"},
        "prod": {
            "domain": "acme.eu.auth0.com",
            "credentials": {"client_id": "abc", "client_secret": {"env": "PROD_SECRET"}},
            "secrets": {
                "TERMS_TOKEN_SECRET": {"env": "PROD_TOKEN"},
                "TERMS_RECORD_KEY": {"file": "record.key"},
            },
        },
    },
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["first", "last", "embedded", "https://x.example.com/", "2026-11-01"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)
PIECES = [
    "&a ",
    "*a",
    "&b ",
    "*b",
    "<<: ",
    "!!int ",
    "!!timestamp ",
    "!!binary ",
    "!!python/object ",
    "!custom ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    ", ",
    "\n",
    "\n  ",
    "\n    ",
    "? ",
    "'",
    '"',
    "abc",
    "1e999",
    "0x1F",
    "2026-13-45",
    "tenants",
    "defaults",
    "version: 1",
    "...",
    "---",
    "\t",
    "\x00",
    "\ufeff",
    "#",
    "|",
    ">",
]
hostile = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)


def _replace_somewhere(base: Any, path: list[int], value: Any) -> Any:
    """`base` with the node reached by following `path` (indexes into keys) set to `value`."""
    if not path or not isinstance(base, dict) or not base:
        return value
    keys = sorted(base)
    key = keys[path[0] % len(keys)]
    return {**base, key: _replace_somewhere(base[key], path[1:], value)}


mutated = st.builds(
    lambda path, value: yaml.safe_dump(_replace_somewhere(VALID, path, value), sort_keys=False),
    st.lists(st.integers(min_value=0, max_value=10), max_size=5),
    values,
)
documents = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(str.encode),
    hostile.map(str.encode),
    mutated.map(str.encode),
)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("properties")
    shutil.copytree(REPO / "actions" / "accept-terms", root / "accept-terms")
    return root


def test_the_valid_base_loads(folder: Path) -> None:
    path = folder / "tenants.yaml"
    path.write_text(yaml.safe_dump(VALID))
    assert set(load_config(path).tenants) == {"local", "prod"}


@settings(
    max_examples=300,
    deadline=timedelta(seconds=1),
    suppress_health_check=[HealthCheck.too_slow],
)
@given(content=documents)
# The inputs of the issue, under the same deadline: the alias bomb, deep nesting, bad tags.
@example(content=(Path(__file__).parents[1] / "configs" / "alias-bomb.yaml").read_bytes())
@example(content=b"tenants: " + b"[" * 5000 + b"]" * 5000)
@example(content=b"a: &a [*a]\ntenants: {x: !!int abc, y: !!timestamp notadate, <<: {}}")
def test_any_input_gives_a_config_or_a_located_error(folder: Path, content: bytes) -> None:
    path = folder / "tenants.yaml"
    path.write_bytes(content)
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert exc.problems
        for problem in exc.problems:
            # Located: the file is named (manifest problems name the manifest); a YAML problem
            # also has its line.
            assert problem.file is not None, problem
            assert problem.file == str(path) or "accept-terms" in problem.file, problem
    else:
        assert isinstance(config, Config)
