"""secrets_report: one five-line case per status, the exit code, and what the views may show."""

from __future__ import annotations

import json

import pytest

from deployer.header import Header, fingerprint, format_header
from deployer.manifest import SecretSpec
from deployer.secret import Secret
from deployer.secrets_report import (
    LiveSide,
    LocalValue,
    Status,
    as_json,
    build_report,
    exit_code,
    text,
)
from deployer.state import LiveAction, LiveSecret

TENANT, ACTION = "dev", "Accept Terms"
VALUE = "a-local-value-long-enough-0123456789abcdef"
OTHER = "another-value-long-enough-0123456789abcdef"
SPECS = (SecretSpec(name="S"), SecretSpec(name="OPT", required=False))
UPDATED = "2026-05-29T10:46:02.594769+00:00"


def fp(value: str, name: str = "S") -> str:
    return fingerprint(value, tenant=TENANT, action=ACTION, name=name)


def live(secrets: dict[str, str | None], code: str | None = None) -> LiveSide:
    """A live action with these secret names; `secrets` maps name -> value fingerprinted in the
    header (None: set live, no fingerprint)."""
    prints = {n: fp(v, n) for n, v in secrets.items() if v is not None}
    if code is None:
        code = format_header(Header(TENANT, ACTION, prints)) + "exports.x = 1;\n"
    action = LiveAction(
        id="act_1",
        name=ACTION,
        code=code,
        runtime="node22",
        dependencies=(),
        secrets=tuple(LiveSecret(n, UPDATED) for n in secrets),
        status="built",
        all_changes_deployed=True,
    )
    return LiveSide(checked=True, action=action)


def local(value: str | None, name: str = "S") -> dict[str, LocalValue]:
    secret = Secret(value, "$DEV_S") if value is not None else None
    return {name: LocalValue("$DEV_S", secret)}


def status(local_values: dict[str, LocalValue], side: LiveSide, name: str = "S") -> Status:
    report = build_report(TENANT, ACTION, SPECS, local_values, side)
    return next(r.status for r in report.rows if r.name == name)


@pytest.mark.parametrize(
    ("local_values", "side", "name", "expected"),
    [
        pytest.param(local(VALUE), live({"S": VALUE}), "S", Status.IN_SYNC, id="in-sync"),
        pytest.param(local(VALUE), live({"S": OTHER}), "S", Status.DIFFERS, id="differs"),
        pytest.param(local(VALUE), live({"S": None}), "S", Status.UNKNOWN, id="no-fingerprint"),
        pytest.param(
            local(VALUE),
            live({"S": None}, code="exports.onExecutePostLogin = async () => {};"),
            "S",
            Status.UNKNOWN,
            id="not-our-code",
        ),
        pytest.param(local(VALUE), live({}), "S", Status.NOT_DEPLOYED, id="absent-live"),
        pytest.param(
            local(VALUE), LiveSide(checked=True), "S", Status.NOT_DEPLOYED, id="no-action"
        ),
        pytest.param(local(None), live({"S": VALUE}), "S", Status.MISSING_LOCALLY, id="missing"),
        pytest.param(local("short"), live({"S": "short"}), "S", Status.TOO_SHORT, id="short"),
        pytest.param(
            local(VALUE), live({"X": None}), "X", Status.UNKNOWN_TO_CONFIG, id="live-only"
        ),
        pytest.param({}, live({}), "OPT", Status.NOT_SET, id="optional-nowhere"),
        pytest.param({}, live({"OPT": VALUE}), "OPT", Status.TO_BE_REMOVED, id="optional-retired"),
        pytest.param(
            local(VALUE),
            LiveSide(checked=False, reason="r"),
            "S",
            Status.NOT_CHECKED,
            id="not-checked",
        ),
        pytest.param(
            local(None),
            LiveSide(checked=False, reason="r"),
            "S",
            Status.MISSING_LOCALLY,
            id="missing-known-without-reading",
        ),
    ],
)
def test_status(
    local_values: dict[str, LocalValue], side: LiveSide, name: str, expected: Status
) -> None:
    assert status(local_values, side, name) == expected


def test_fingerprint_is_bound_to_the_tenant() -> None:
    # The same value deployed for another tenant is not "in sync" here.
    other = fingerprint(VALUE, tenant="prod", action=ACTION, name="S")
    code = format_header(Header(TENANT, ACTION, {"S": other})) + "x\n"
    assert status(local(VALUE), live({"S": None}, code=code)) == Status.DIFFERS


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        pytest.param([(VALUE, {"S": VALUE})], 0, id="in-sync"),
        pytest.param([(VALUE, {"S": OTHER})], 2, id="differs"),
        pytest.param([(None, {"S": VALUE})], 2, id="missing"),
        pytest.param([(VALUE, {"S": VALUE}), (VALUE, None)], 1, id="one-tenant-unread"),
    ],
)
def test_exit_code(
    statuses: list[tuple[str | None, dict[str, str | None] | None]], expected: int
) -> None:
    reports = [
        build_report(
            TENANT,
            ACTION,
            SPECS,
            local(value),
            live(secrets) if secrets is not None else LiveSide(checked=False, reason="r"),
        )
        for value, secrets in statuses
    ]
    assert exit_code(reports) == expected


def test_text_masks_by_default_and_reveals_only_what_it_is_given() -> None:
    report = build_report(TENANT, ACTION, SPECS, local(VALUE), live({"S": VALUE}))
    masked = text([report])
    assert VALUE not in masked
    assert f"•••••••• ({len(VALUE)} chars)" in masked
    assert "set, updated 2026-05-29 10:46:02Z" in masked
    revealed = text([report], revealed={TENANT: {"S": VALUE}})
    assert VALUE in revealed


def test_json_never_has_a_value_nor_a_fingerprint() -> None:
    short = "guessable"
    report = build_report(TENANT, ACTION, SPECS, local(short), live({"S": short}))
    document = as_json([report])
    assert short not in document
    assert fp(short) not in document  # a short value's fingerprint could be brute-forced
    row = json.loads(document)["tenants"][0]["secrets"][0]
    assert row["local"] == {"present": True, "length": len(short), "long_enough": False}
    assert row["status"] == "too_short"


def test_not_checked_says_why_in_the_live_column() -> None:
    side = LiveSide(checked=False, reason="$AUTH0_DEV_CLIENT_SECRET is not set")
    report = build_report(TENANT, ACTION, SPECS, local(VALUE), side)
    assert "not checked: $AUTH0_DEV_CLIENT_SECRET is not set" in text([report])
    assert report.exit_code == 1
