"""Recorded Auth0 traffic replayed against the emulator: the same status and the same shape.

The fixtures are real interactions from Auth0's own public test recordings (see each file's
`source`); support/replay.py says how they are replayed and compared, and
`PYTHONPATH=tests python tests/contract/figures.py` prints the figures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from support.replay import KNOWN_DIFFERENCES, fixtures, load, replay, shape_differences

FIXTURES = fixtures()


def test_the_recordings_are_there_with_their_source() -> None:
    assert len(FIXTURES) >= 20
    for path in FIXTURES:
        source = load(path)["source"]
        assert source["repository"] in {"auth0/terraform-provider-auth0", "auth0/go-auth0"}
        assert re.fullmatch(r"[0-9a-f]{40}", source["commit"]), path.name
        assert source["path"].startswith("test/data/recordings/")


def test_the_recordings_hold_no_credentials() -> None:
    for path in FIXTURES:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"eyJ[A-Za-z0-9_-]{8,}\.", text), path.name
        for item in load(path)["interactions"]:
            for secret in (item["request_body"] or {}).get("secrets", []):
                assert secret.get("value", "<redacted>") == "<redacted>", path.name
            if item["path"] == "/oauth/token":
                assert item["request_body"]["client_secret"] == "<redacted>"


def test_every_endpoint_in_scope_is_recorded() -> None:
    seen = {
        (i["method"], re.sub(r"[0-9a-f-]{36}|[A-Za-z0-9]{30,}", "{id}", i["path"]))
        for path in FIXTURES
        for i in load(path)["interactions"]
    }
    assert {
        ("POST", "/oauth/token"),
        ("GET", "/api/v2/actions/actions"),
        ("POST", "/api/v2/actions/actions"),
        ("GET", "/api/v2/actions/actions/{id}"),
        ("PATCH", "/api/v2/actions/actions/{id}"),
        ("DELETE", "/api/v2/actions/actions/{id}"),
        ("POST", "/api/v2/actions/actions/{id}/deploy"),
        ("GET", "/api/v2/actions/actions/{id}/versions"),
        ("GET", "/api/v2/actions/actions/{id}/versions/{id}"),
        ("POST", "/api/v2/actions/actions/{id}/versions/{id}/deploy"),
        ("GET", "/api/v2/actions/triggers"),
        ("GET", "/api/v2/actions/triggers/post-login/bindings"),
        ("PATCH", "/api/v2/actions/triggers/post-login/bindings"),
        ("GET", "/api/v2/actions/executions/{id}"),
    } <= seen


@pytest.mark.parametrize("path", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_emulator_answers_like_the_recording(path: Path) -> None:
    outcomes = replay(path)
    wrong = [str(o) for o in outcomes if o.skipped is None and not (o.status_ok and o.shape_ok)]
    assert wrong == []


def test_only_listed_cassettes_are_skipped_or_excused() -> None:
    skipped = {o.cassette for p in FIXTURES for o in replay(p) if o.skipped}
    assert skipped <= {"TestAccEventStreamAction"}
    prefixes = {prefix for prefix, _ in KNOWN_DIFFERENCES}
    assert all(p.startswith("go_TestActionManager_") for p in prefixes)


def test_the_comparison_sees_a_missing_key_an_extra_key_and_a_list_item() -> None:
    recorded = {"bindings": [{"display_name": "a", "action": {"id": "x", "name": "n"}}]}
    assert shape_differences(recorded, recorded) == []
    dropped = {"bindings": [{"display_name": "a", "action": {"id": "x"}}]}
    assert shape_differences(recorded, dropped) == ["body.bindings[a].action.name: missing"]
    extra = json.loads(json.dumps(recorded))
    extra["total"] = 1
    assert shape_differences(recorded, extra) == ["body.total: not in the recording"]
    assert shape_differences(recorded, {"bindings": []}) == ["body.bindings[a]: missing"]
    assert shape_differences({"a": [1, 2, 3]}, {"a": [1]}) == []  # values, not shape


def test_the_replay_fails_an_emulator_that_drops_empty_lists(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not vacuous: the old envelope (empty lists dropped) is caught."""
    from deployer.emulator import wire

    def old_envelope(
        key: str, items: list[object], total: int, page: int, per_page: int
    ) -> dict[str, object]:
        answer = {key: items, "total": total, "page": page, "per_page": per_page}
        return {k: v for k, v in answer.items() if v not in (0, [])}

    monkeypatch.setattr(wire, "envelope", old_envelope)
    outcomes = replay(next(p for p in FIXTURES if p.stem == "TestAccDataSourceAction"))
    assert any("body.actions: missing" in str(o) for o in outcomes)
