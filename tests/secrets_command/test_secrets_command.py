"""`deployer secrets` against the embedded emulator, as a user runs it."""

from __future__ import annotations

import json
import re
import string
from collections.abc import Callable

import httpx
import pytest
from support.secrets_command import SECRET_VALUES, Runner, rows, status_of

import deployer.cli.secrets
from deployer.emulator import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, Emulator
from deployer.header import MARKER, Header, fingerprint, format_header

CHANGED = "dev-record-key-CHANGED-0123456789abcdefghijklm"
BODY = "exports.onExecutePostLogin = async (event, api) => {};\n"


def test_local_in_sync_after_deploy_then_one_differs_and_plan_says_so(run: Runner, project) -> None:
    assert run("deploy", "-t", "local", "--yes").exit_code == 0
    after = run("secrets", "--tenant", "local")
    assert after.exit_code == 0, after.output
    table = rows(after)
    assert table["TERMS_TOKEN_SECRET"][-1] == "in sync"
    assert table["TERMS_RECORD_KEY"][-1] == "in sync"
    assert table["TERMS_TOKEN_SECRET"][1] == "generated (.deployer/local/secrets.json)"
    assert table["TERMS_TOKEN_SECRET_PREVIOUS"][-1] == "not set"  # optional, set nowhere

    # Change one value where the local tenant keeps it.
    store = project.root / ".deployer" / "local" / "secrets.json"
    values = json.loads(store.read_text())
    values["TERMS_RECORD_KEY"] = CHANGED
    store.write_text(json.dumps(values))

    changed = run("secrets", "--tenant", "local")
    assert changed.exit_code == 2
    table = rows(changed)
    assert table["TERMS_RECORD_KEY"][-1] == "differs"
    assert table["TERMS_TOKEN_SECRET"][-1] == "in sync"
    plan = run("plan", "--tenant", "local")
    assert "~ secret TERMS_RECORD_KEY (value changed)" in plan.stdout
    assert "TERMS_TOKEN_SECRET (value changed)" not in plan.stdout


def test_missing_locally_and_unreachable_tenant_still_shows_the_local_side(run: Runner) -> None:
    result = run("secrets", "-t", "dev", env={"DEV_RECORD_KEY": None})
    assert result.exit_code == 2  # the dev tenant is embedded: it was read
    assert rows(result)["TERMS_RECORD_KEY"][2:4] == ["missing", "-"]
    assert rows(result)["TERMS_RECORD_KEY"][-1] == "missing locally"


def test_tenant_without_credentials_is_not_checked_but_shown(run: Runner, project) -> None:
    project.edit_tenants(
        lambda t: t.replace(
            "  dev:\n    emulator: embedded\n",
            "  dev:\n    domain: acme-dev.eu.auth0.com\n"
            "    credentials:\n"
            "      client_id: {env: AUTH0_DEV_CLIENT_ID}\n"
            "      client_secret: {env: AUTH0_DEV_CLIENT_SECRET}\n",
        )
    )
    result = run(
        "secrets", "--all", env={"AUTH0_DEV_CLIENT_ID": "id", "AUTH0_DEV_CLIENT_SECRET": None}
    )
    assert result.exit_code == 1  # a tenant could not be read
    table = rows(result)  # dev's rows come last, and the local tenant was still read
    assert table["TERMS_TOKEN_SECRET"][2:] == [
        "ok",
        f"•••••••• ({len(SECRET_VALUES['DEV_TOKEN_SECRET'])} chars)",
        "not checked: $AUTH0_DEV_CLIENT_SECRET is not set",
        "not checked",
    ]
    assert "Tenant local" in result.stdout


def dashboard_patch(emulator: Emulator, body: dict[str, object]) -> None:
    """PATCH the action through the Management API, as the dashboard would."""
    with httpx.Client(transport=emulator.transport(), base_url="https://dev.emulator") as http:
        token = http.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": DEFAULT_CLIENT_ID,
                "client_secret": DEFAULT_CLIENT_SECRET,
                "audience": "https://dev.emulator/api/v2/",
            },
        ).json()["access_token"]
        headers = {"authorization": f"Bearer {token}"}
        (action,) = http.get("/api/v2/actions/actions", headers=headers).json()["actions"]
        answer = http.patch(f"/api/v2/actions/actions/{action['id']}", json=body, headers=headers)
        assert answer.status_code == 200, answer.text


def test_live_secret_unknown_to_config(run: Runner, embedded: Callable[[str], Emulator]) -> None:
    assert run("deploy", "-t", "dev", "--yes").exit_code == 0
    # Someone adds a secret in the dashboard: Auth0 takes the whole list, the code stays as it was.
    names = {
        "TERMS_TOKEN_SECRET": "DEV_TOKEN_SECRET",
        "TERMS_TOKEN_SECRET_PREVIOUS": "DEV_PREVIOUS",
        "TERMS_RECORD_KEY": "DEV_RECORD_KEY",
    }
    listed = [{"name": n, "value": SECRET_VALUES[var]} for n, var in names.items()]
    dashboard_patch(
        embedded("dev"), {"secrets": [*listed, {"name": "LEGACY_API_KEY", "value": "x" * 40}]}
    )
    result = run("secrets", "-t", "dev", "-o", "json")
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert status_of(document, "dev") == {
        "TERMS_TOKEN_SECRET": "in_sync",
        "TERMS_TOKEN_SECRET_PREVIOUS": "in_sync",
        "TERMS_RECORD_KEY": "in_sync",
        "LEGACY_API_KEY": "unknown_to_config",
    }
    (legacy,) = [s for s in document["tenants"][0]["secrets"] if s["name"] == "LEGACY_API_KEY"]
    assert legacy["known_to_config"] is False and legacy["source"] is None


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(f"{MARKER}\n{BODY}", id="managed-header-without-fingerprints"),
        pytest.param(format_header(Header("dev", "Accept Terms")) + BODY, id="empty-fingerprints"),
        pytest.param(BODY, id="plain-code"),
    ],
)
def test_action_without_fingerprints_is_unknown(
    run: Runner, embedded: Callable[[str], Emulator], code: str
) -> None:
    embedded("dev").seed_action(
        "Accept Terms",
        code=code,
        secrets={"TERMS_TOKEN_SECRET": SECRET_VALUES["DEV_TOKEN_SECRET"]},
    )
    result = run("secrets", "-t", "dev")
    assert result.exit_code == 2
    table = rows(result)
    assert table["TERMS_TOKEN_SECRET"][-1] == "unknown"
    assert table["TERMS_RECORD_KEY"][-1] == "not deployed"
    assert "the live code carries no fingerprint" in result.stdout


def test_seeded_fingerprints_are_compared(run: Runner, embedded: Callable[[str], Emulator]) -> None:
    # What another checkout of this tool left behind: the header is all there is to compare.
    def fp(value: str, name: str) -> str:
        return fingerprint(value, tenant="dev", action="Accept Terms", name=name)

    prints = {
        "TERMS_TOKEN_SECRET": fp(SECRET_VALUES["DEV_TOKEN_SECRET"], "TERMS_TOKEN_SECRET"),
        "TERMS_RECORD_KEY": fp("an-older-record-key-0123456789abcdefghij", "TERMS_RECORD_KEY"),
    }
    embedded("dev").seed_action(
        "Accept Terms",
        code=format_header(Header("dev", "Accept Terms", prints)) + BODY,
        secrets={name: "whatever Auth0 holds" for name in prints},
    )
    document = json.loads(run("secrets", "-t", "dev", "-o", "json").stdout)
    assert status_of(document, "dev") == {
        "TERMS_TOKEN_SECRET": "in_sync",
        "TERMS_TOKEN_SECRET_PREVIOUS": "not_deployed",
        "TERMS_RECORD_KEY": "differs",
    }


def test_masked_by_default(run: Runner) -> None:
    result = run("secrets", "-t", "dev")
    for value in SECRET_VALUES.values():
        assert value not in result.stdout
        assert f"•••••••• ({len(value)} chars)" in result.stdout


def test_reveal_needs_a_terminal(run: Runner) -> None:
    refused = run("secrets", "-t", "dev", "--reveal")
    assert refused.exit_code == 1
    assert "not a terminal" in refused.stderr and "log" in refused.stderr
    assert refused.stdout == ""  # refused before anything was read or printed
    forced = run("secrets", "-t", "dev", "--reveal", "--force")
    assert forced.exit_code == 2  # not deployed yet
    for value in SECRET_VALUES.values():
        assert value in forced.stdout


def test_reveal_on_a_terminal(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deployer.cli.secrets, "_stdout_is_terminal", lambda: True)
    result = run("secrets", "-t", "dev", "--reveal")
    assert rows(result)["TERMS_TOKEN_SECRET"][3] == SECRET_VALUES["DEV_TOKEN_SECRET"]


def test_json_never_reveals(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deployer.cli.secrets, "_stdout_is_terminal", lambda: True)
    for flags in [(), ("--reveal",), ("--reveal", "--force")]:
        result = run("secrets", "--all", "-o", "json", *flags)
        assert all(v not in result.output for v in SECRET_VALUES.values())
        if flags:
            assert result.exit_code == 1
            assert "JSON output never carries a value" in result.stderr
    document = json.loads(run("secrets", "--all", "-o", "json").stdout)
    assert document["format_version"] == 1
    assert [t["tenant"] for t in document["tenants"]] == ["local", "dev"]
    dev = document["tenants"][1]
    assert dev["live"] == {
        "checked": True,
        "reason": None,
        "action_found": False,
        "fingerprinted": False,
    }
    token = dev["secrets"][0]
    assert token == {
        "name": "TERMS_TOKEN_SECRET",
        "known_to_config": True,
        "required": True,
        "source": "$DEV_TOKEN_SECRET",
        "local": {
            "present": True,
            "length": len(SECRET_VALUES["DEV_TOKEN_SECRET"]),
            "long_enough": True,
        },
        "live": {"present": False, "updated_at": None},
        "status": "not_deployed",
    }


def test_force_alone_is_refused(run: Runner) -> None:
    result = run("secrets", "--force")
    assert result.exit_code == 1
    assert "--force only goes with --reveal" in result.stderr


def test_too_short_is_reported_with_its_length(run: Runner) -> None:
    result = run("secrets", "-t", "dev", env={"DEV_RECORD_KEY": "short-value"})
    assert result.exit_code == 2
    assert rows(result)["TERMS_RECORD_KEY"][2] == "too short (11 < 32)"
    assert rows(result)["TERMS_RECORD_KEY"][-1] == "too short"
    assert "short-value" not in result.output


def test_a_predictable_value_is_reported_weak(run: Runner) -> None:
    weak = "a" * 40
    result = run("secrets", "-t", "dev", env={"DEV_RECORD_KEY": weak})
    assert result.exit_code == 2
    assert rows(result)["TERMS_RECORD_KEY"][2] == "weak"
    assert rows(result)["TERMS_RECORD_KEY"][-1] == "weak"
    assert "deployer secrets generate" in result.stdout
    assert weak not in result.output


URLSAFE = set(string.ascii_letters + string.digits + "-_")


@pytest.mark.parametrize(("args", "random_bytes"), [((), 32), (("--length", "48"), 48)])
def test_generate(run: Runner, args: tuple[str, ...], random_bytes: int) -> None:
    first = run("secrets", "generate", *args)
    second = run("secrets", "generate", *args)
    assert first.exit_code == 0
    value = first.stdout.strip()
    assert first.stdout == value + "\n"  # only the value, so it pipes into a secret store
    assert set(value) <= URLSAFE
    assert len(value) == -(-random_bytes * 4 // 3)  # unpadded base64 of N bytes
    assert value != second.stdout.strip()


def test_generate_refuses_fewer_than_32_bytes(run: Runner) -> None:
    result = run("secrets", "generate", "--length", "16")
    assert result.exit_code != 0
    assert re.search(r"16 is not in the range x>=32", result.stderr)
