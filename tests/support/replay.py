"""Replay recorded Auth0 traffic (tests/contract/recordings/) against the emulator, in process.

Each fixture is one cassette: interactions in recorded order against a fresh tenant. Per
interaction the emulator's answer is compared with the recorded one on two counts:

- status: the same HTTP status code;
- shape: the same Content-Type and the same recursive key shape of the JSON body: the same keys
  at every level, objects where Auth0 had objects, lists where it had lists, and list items paired
  by `name` (else `display_name`, a trigger's `id`+`version`, a version's `number`, else position).
  Values are not compared: ids, timestamps and build statuses differ run to run.

Ids. Recorded ids in paths and bodies are replaced with the ones the emulator handed out for the
same thing, learnt by walking each recorded answer beside the emulator's.

Time. The emulator's clock is set to when each request was sent, rebuilt from the recording as
the earliest moment it allows: the previous request plus its recorded duration, but never
before the newest timestamp in its own recorded answer less its duration (a deploy's answer
carries the moment it was made, so a pause of the recorder before it is taken into account).

Settings. The replay turns the rate limit off (the recorded tenants were not on the free tier;
no recording shows a 429) and builds in 0.3 s, the quickest build recorded (a draft without
dependencies was `built` at the first poll, 0.33 s after its PATCH). The emulator's default,
2 s, is slower than that on purpose: a client must poll for a build, and one recorded build
with an npm dependency took about 2 s.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from deployer.emulator import Emulator, EmulatorSettings

RECORDINGS = Path(__file__).resolve().parents[1] / "contract" / "recordings"
TOKEN_CLIENT_ID = "test-client_id"
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def fixtures() -> list[Path]:
    return sorted(RECORDINGS.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


@dataclass
class Outcome:
    cassette: str
    index: int
    method: str
    path: str
    recorded_status: int
    status: int
    differences: list[str] = field(default_factory=list)
    # differences explained by KNOWN_DIFFERENCES, with the reason
    known: list[str] = field(default_factory=list)
    skipped: str | None = None

    @property
    def status_ok(self) -> bool:
        return self.recorded_status == self.status

    @property
    def shape_ok(self) -> bool:
        return not self.differences

    def __str__(self) -> str:
        head = f"{self.cassette}#{self.index} {self.method} {self.path}"
        status = f"status {self.status} (recorded {self.recorded_status})"
        return f"{head}: {status}; " + ("; ".join(self.differences) or "same shape")


# -- time -------------------------------------------------------------------------------------


def _stamps(body: Any) -> Iterator[float]:
    if isinstance(body, dict):
        for value in body.values():
            yield from _stamps(value)
    elif isinstance(body, list):
        for value in body:
            yield from _stamps(value)
    elif isinstance(body, str):
        match = _STAMP.match(body)
        if match:
            whole = datetime.fromisoformat(match.group(1) + "+00:00").timestamp()
            yield whole + float("0." + (match.group(2) or "0"))


def request_times(interactions: list[dict[str, Any]]) -> list[float]:
    """When each request was sent, as early as the recording allows (module docstring)."""
    times: list[float] = []
    for i, item in enumerate(interactions):
        newest = max(_stamps(item["response_body"]), default=None)
        if i == 0:
            times.append((newest if newest is not None else 1_700_000_000.0) - 0.001)
            continue
        at = times[-1] + interactions[i - 1]["duration_ms"] / 1000.0
        if newest is not None:
            # The answer was made during the request: it cannot have been sent much before.
            at = max(at, newest - item["duration_ms"] / 1000.0)
        times.append(at)
    return times


# -- ids and shapes -----------------------------------------------------------------------------


def _pair_key(item: Any, index: int) -> Any:
    if isinstance(item, dict):
        for key in ("name", "display_name"):
            if isinstance(item.get(key), str):
                return (key, item[key])
        if "version" in item and isinstance(item.get("id"), str) and not _UUID.match(item["id"]):
            return ("trigger", item["id"], item["version"])
        if isinstance(item.get("number"), int):
            return ("number", item["number"])
    return ("at", index)


def _paired(recorded: list[Any], got: list[Any]) -> Iterator[tuple[Any, Any, Any]]:
    """(key, recorded item or None, emulator item or None) for the union of both lists."""
    mine = {_pair_key(g, i): g for i, g in enumerate(got)}
    seen = set()
    for i, r in enumerate(recorded):
        key = _pair_key(r, i)
        seen.add(key)
        yield key, r, mine.get(key)
    for key, g in mine.items():
        if key not in seen:
            yield key, None, g


def learn_ids(recorded: Any, got: Any, ids: dict[str, str]) -> None:
    if isinstance(recorded, dict) and isinstance(got, dict):
        for key in recorded.keys() & got.keys():
            r, g = recorded[key], got[key]
            if (key == "id" or key.endswith("_id")) and isinstance(r, str) and isinstance(g, str):
                if r != g and _UUID.match(r):
                    ids.setdefault(r, g)
            else:
                learn_ids(r, g, ids)
    elif isinstance(recorded, list) and isinstance(got, list):
        for _, r, g in _paired(recorded, got):
            if r is not None and g is not None:
                learn_ids(r, g, ids)


def shape_differences(recorded: Any, got: Any, where: str = "body") -> list[str]:  # noqa: C901
    if isinstance(recorded, dict):
        if not isinstance(got, dict):
            return [f"{where}: an object in the recording, {type(got).__name__} here"]
        found = [f"{where}.{k}: missing" for k in recorded if k not in got]
        found += [f"{where}.{k}: not in the recording" for k in got if k not in recorded]
        for key in recorded.keys() & got.keys():
            found += shape_differences(recorded[key], got[key], f"{where}.{key}")
        return found
    if isinstance(recorded, list):
        if not isinstance(got, list):
            return [f"{where}: a list in the recording, {type(got).__name__} here"]
        if not any(isinstance(x, dict | list) for x in [*recorded, *got]):
            return []  # a list of values (runtimes, ...): its length is a value too
        found = []
        for key, r, g in _paired(recorded, got):
            label = f"{where}[{key[-1]}]"
            if g is None:
                found.append(f"{label}: missing")
            elif r is None:
                found.append(f"{label}: not in the recording")
            else:
                found += shape_differences(r, g, label)
        return found
    if isinstance(got, dict | list):
        return [f"{where}: a value in the recording, {type(got).__name__} here"]
    if (recorded is None) != (got is None) and where == "body":
        return [f"{where}: {'no body' if recorded is None else 'a body'} in the recording"]
    return []


def _swap(text: str, ids: dict[str, str]) -> str:
    for recorded, mine in ids.items():
        text = text.replace(recorded, mine)
    return text


# -- the replay ---------------------------------------------------------------------------------


# Differences between recordings of different years, where the emulator follows the newest:
# (cassette name prefix, pattern of the difference) -> why.
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    ("go_TestActionManager_", r"\.dependencies\[[^]]+\]\.registry_url: missing$"): (
        "2023: actions were created on node16 by default and showed registry_url while "
        "building; in 2026 the default is node22 and no answer has it "
        "(terraform-provider-auth0 TestAccAction.yaml polls a building node18-actions action)"
    ),
    ("go_TestActionManager_Triggers", r"^body\.triggers\[v1\]: not in the recording$"): (
        "2023's trigger list predates the later trigger ids (v1 of each) that the published "
        "API enum lists (node-auth0 types.ts, ActionTriggerTypeEnum: 14 ids)"
    ),
}


def _explain(cassette: str, differences: list[str]) -> tuple[list[str], list[str]]:
    """(differences left, differences known) for one interaction."""
    left, known = [], []
    for difference in differences:
        explained = any(
            cassette.startswith(prefix) and re.search(pattern, difference)
            for prefix, pattern in KNOWN_DIFFERENCES
        )
        (known if explained else left).append(difference)
    return left, known


REPLAY_SETTINGS = EmulatorSettings(rate_limit_burst=None, build_seconds=0.3)


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def replay(path: Path, settings: EmulatorSettings | None = None) -> list[Outcome]:
    """Every interaction of one fixture against a fresh emulator."""
    fixture = load(path)
    interactions = fixture["interactions"]
    clock = _Clock()
    emulator = Emulator(settings or REPLAY_SETTINGS, clock=clock)
    emulator.add_client(TOKEN_CLIENT_ID, "test-client_secret", ())
    ids: dict[str, str] = {}
    outcomes = []
    created: set[str] = set()
    for index, (item, at) in enumerate(zip(interactions, request_times(interactions), strict=True)):
        clock.now = at
        if "skip" in item:
            outcomes.append(
                Outcome(
                    path.stem,
                    index,
                    item["method"],
                    item["path"],
                    item["status"],
                    0,
                    skipped=item["skip"],
                )
            )
            continue
        _seed_foreign_bindings(emulator, item, created, ids)
        headers = {"host": emulator.domain}
        body = b""
        if item["path"] == "/oauth/token":
            form = dict(item["request_body"] or {})
            form["client_secret"] = "test-client_secret"
            form["audience"] = f"https://{emulator.domain}/api/v2/"
            headers["content-type"] = "application/x-www-form-urlencoded"
            body = urlencode(form).encode()
        else:
            # Issued at the replay's clock, so it is valid at the recorded time.
            headers["authorization"] = f"Bearer {emulator.issue_token()}"
            if item["request_body"] is not None:
                headers["content-type"] = "application/json"
                body = _swap(json.dumps(item["request_body"]), ids).encode()
        status, answer_headers, content = emulator.handle(
            item["method"],
            _swap(item["path"], ids),
            _swap(item["query"], ids),
            headers,
            body,
        )
        got = json.loads(content) if content.strip() else None
        differences = shape_differences(item["response_body"], got)
        recorded_type = item["content_type"].lower()
        got_type = answer_headers.get("content-type", "").lower()
        if recorded_type and recorded_type != got_type:
            differences.insert(0, f"Content-Type {got_type!r} (recorded {recorded_type!r})")
        learn_ids(item["response_body"], got, ids)
        if item["method"] == "POST" and item["path"] == "/api/v2/actions/actions":
            created.add(str((item["response_body"] or {}).get("id")))
        left, known = _explain(path.stem, differences)
        outcomes.append(
            Outcome(
                path.stem, index, item["method"], item["path"], item["status"], status, left, known
            )
        )
    return outcomes


def _seed_foreign_bindings(
    emulator: Emulator, item: dict[str, Any], created: set[str], ids: dict[str, str]
) -> None:
    """Bindings of actions the cassette never made (another test's, sharing the recorded
    tenant) are put in the emulator's tenant just before the first answer that lists them."""
    body = item["response_body"]
    if item["method"] != "GET" or not isinstance(body, dict) or "bindings" not in body:
        return
    trigger = item["path"].split("/")[-2]
    for binding in body["bindings"]:
        action = binding.get("action") or {}
        recorded_id = str(action.get("id"))
        if recorded_id in created or recorded_id in ids:
            continue
        mine = emulator.seed_action(str(action.get("name")), trigger=trigger)
        ids[recorded_id] = mine
        emulator.seed_binding(trigger, mine, str(binding.get("display_name")))


def figures(outcomes: list[Outcome]) -> tuple[int, int, int]:
    """(interactions replayed, status matches, shape matches); shape as KNOWN_DIFFERENCES
    allows."""
    played = [o for o in outcomes if o.skipped is None]
    return (
        len(played),
        sum(o.status_ok for o in played),
        sum(o.shape_ok for o in played),
    )
