"""The emulator's answer bodies are json.dumps's bytes, whatever the payload (encoding.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deployer.emulator.encoding import LONG_STRING, LONG_STRINGS, dumps

# Long strings are the ones whose escaped form is remembered: draw them often.
texts = st.text() | st.text(min_size=LONG_STRING, max_size=LONG_STRING + 50)
scalars = st.none() | st.booleans() | st.integers() | st.floats() | texts
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)


def reference(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


@settings(max_examples=300, deadline=None)
@given(payload=values)
def test_same_bytes_as_json_dumps(payload: Any) -> None:
    assert dumps(payload) == reference(payload)


def test_a_long_text_seen_before_is_written_the_same_everywhere() -> None:
    code = 'exports.onExecutePostLogin = async () => {\n  "\u00e9\u2028\\";\n};\n' * 40
    assert len(code) >= LONG_STRING
    payload = {"code": code, "current_version": {"code": code}, "deployed": [code, code]}
    first = dumps(payload)
    assert dumps(payload) == first == reference(payload)


def test_more_long_texts_than_are_remembered_are_all_right() -> None:
    texts = [f"{n:04d}" + '\n\u00fc"' * LONG_STRING for n in range(LONG_STRINGS * 2)]
    for _ in range(2):
        assert dumps(texts) == reference(texts)


@pytest.mark.parametrize("payload", [{"a": object()}, [{1, 2}], {"n": {"b": b"x"}}])
def test_what_json_refuses_is_refused_alike(payload: Any) -> None:
    with pytest.raises(TypeError) as ours:
        dumps(payload)
    with pytest.raises(TypeError) as theirs:
        reference(payload)
    assert str(ours.value) == str(theirs.value)


def test_a_cycle_is_refused_alike() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference detected"):
        dumps(loop)
