"""Secret values are checked here, as Auth0 and an attacker would see them, and never printed."""

from __future__ import annotations

import secrets
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.project import Project

from deployer.sources import (
    Environment,
    _repeats,
    generate_secret,
    resolve_secrets,
    secret_weakness,
)

WEAK = {
    "32 x a": "a" * 32,
    "a word repeated": "password" * 4,
    "digits repeated": "0123456789" * 4,
    "two letters": "ab" * 10 + "ba" * 6,
}


@pytest.mark.parametrize("value", list(WEAK.values()), ids=list(WEAK))
def test_low_entropy_values_are_refused(value: str) -> None:
    why = secret_weakness(value)
    assert why is not None and "too predictable" in why
    assert value not in why


def _repeated_part(value: str) -> bool:
    """The rule as written: the value is its first p characters over and over, for some p up
    to half its length (the last repeat may be cut short)."""
    n = len(value)
    return any(value == (value[:p] * (n // p + 1))[:n] for p in range(1, n // 2 + 1))


# Values made of a short part repeated, then often edited once: both sides of the rule.
parts = st.text(alphabet="ab-", min_size=1, max_size=6)
repeated = st.builds(lambda part, n: (part * 80)[:n], parts, st.integers(0, 80))
edited = st.builds(
    lambda value, at, char: value[:at] + char + value[at + 1 :],
    repeated,
    st.integers(0, 80),
    st.sampled_from("abc"),
)


@settings(max_examples=1000, deadline=None)
@given(value=repeated | edited | st.text(max_size=40))
def test_the_repeat_check_is_the_rule(value: str) -> None:
    assert _repeats(value) == _repeated_part(value)


def test_length_bounds_are_auth0s() -> None:
    assert "too short" in (secret_weakness(generate_secret()[:31]) or "")
    long = "".join(secrets.choice(string.ascii_letters) for _ in range(4097))
    assert "at most 4096" in (secret_weakness(long) or "")
    assert secret_weakness(long[:4096]) is None


def test_random_values_of_the_minimum_length_pass() -> None:
    # Whatever their alphabet: the estimator must not refuse honest random values.
    for alphabet in (string.hexdigits.lower()[:16], string.digits, string.ascii_lowercase):
        for _ in range(2000):
            value = "".join(secrets.choice(alphabet) for _ in range(32))
            assert secret_weakness(value) is None, value
    assert all(secret_weakness(generate_secret()) is None for _ in range(2000))


def test_a_weak_secret_stops_the_plan_naming_the_way_out(project: Project) -> None:
    project.environ["DEV_RECORD_KEY"] = "a" * 40
    config = project.context().config
    resolved = resolve_secrets(
        config, config.tenant("dev"), Environment(project.root, environ=project.environ)
    )
    (problem,) = resolved.problems
    assert "TERMS_RECORD_KEY" in problem.message and "$DEV_RECORD_KEY" in problem.message
    assert "`deployer secrets generate`" in problem.message
    assert "a" * 32 not in str(problem)
