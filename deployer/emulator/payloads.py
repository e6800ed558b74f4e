"""Validation of request bodies and query strings, with Auth0-shaped 400 answers.

Auth0 validates bodies against its JSON schema and rejects unknown properties. Where the exact
message text was not recorded it is marked UNCONFIRMED; the status and errorCode are the parts
a client should depend on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from . import settings as limits
from .records import JSON, Secret
from .wire import ApiError, bad_body, bad_query


def _trigger(
    trigger_id: str,
    version: str,
    status: str = "CURRENT",
    *,
    runtimes: tuple[str, ...] = ("node18-actions", "node22"),
    default: str | None = "node22",
    compatible: tuple[tuple[str, str], ...] = (),
    binding_policy: str | None = None,
) -> JSON:
    entry: JSON = {"id": trigger_id, "version": version, "status": status, "runtimes": [*runtimes]}
    if default is not None:
        entry["default_runtime"] = default
    entry["compatible_triggers"] = [{"id": i, "version": v} for i, v in compatible]
    if binding_policy is not None:
        entry["binding_policy"] = binding_policy
    return entry


def _deprecated_v1(trigger_id: str, *, default: str | None = "node12") -> JSON:
    return _trigger(trigger_id, "v1", "DEPRECATED", runtimes=("node12",), default=default)


# GET /actions/triggers. The entries, their order and their keys are those of the recorded
# answer (go-auth0 TestActionManager_Triggers.yaml, 2023): deprecated v1 entries, post-login v3
# compatible with post-login v2, no `default_runtime` on send-phone-message v1, no
# `binding_policy` on these. The later trigger ids follow, from the API's published enum of 14
# (node-auth0 src/management/api/types/types.ts, ActionTriggerTypeEnum), with the versions
# recorded for three of them (custom-token-exchange, event-stream, password-hash-migration: v1).
# UNCONFIRMED: today's runtime lists (the 2023 answer listed node12/16/18; actions recorded in
# 2026 run node18-actions and node22), the versions of the other new triggers, and which
# entries carry the optional `binding_policy` (event streams and token exchange profiles bind
# their action themselves, hence entity-bound).
TRIGGERS: tuple[JSON, ...] = (
    _deprecated_v1("post-login"),
    _trigger("post-login", "v2", "DEPRECATED"),
    _trigger("post-login", "v3", compatible=(("post-login", "v2"),)),
    _trigger("credentials-exchange", "v2"),
    _deprecated_v1("credentials-exchange"),
    _deprecated_v1("pre-user-registration"),
    _trigger("pre-user-registration", "v2"),
    _deprecated_v1("post-user-registration"),
    _trigger("post-user-registration", "v2"),
    _trigger("post-change-password", "v2"),
    _deprecated_v1("post-change-password"),
    _deprecated_v1("send-phone-message", default=None),
    _trigger("send-phone-message", "v2"),
    _trigger("custom-phone-provider", "v1"),
    _trigger("custom-email-provider", "v1"),
    _trigger("password-reset-post-challenge", "v1"),
    _trigger("custom-token-exchange", "v1", binding_policy="entity-bound"),
    _trigger("event-stream", "v1", binding_policy="entity-bound"),
    _trigger("password-hash-migration", "v1"),
    _trigger("login-post-identifier", "v1"),
    _trigger("signup-post-identifier", "v1"),
)
TRIGGER_IDS = frozenset(t["id"] for t in TRIGGERS)
# The runtimes seen on the wire, each stored as asked: `node18` stays `node18` (go-auth0
# TestActionManager_CreateWithDeploy.yaml, 2025: asked node18, answered node18; a 2025 tenant
# listing, TestApplyActionsListDefaultsWithNilOptions.yaml, holds both node18 and
# node18-actions actions).
RUNTIMES = {
    "node12": "node12",
    "node16": "node16",
    "node18": "node18",
    "node18-actions": "node18-actions",
    "node22": "node22",
}
DEFAULT_RUNTIME = "node22"

CREATE_FIELDS = frozenset(
    {
        "name",
        "supported_triggers",
        "code",
        "dependencies",
        "runtime",
        "secrets",
        "modules",
        "deploy",
    }
)
UPDATE_FIELDS = CREATE_FIELDS - {"deploy"}
BINDING_REF_TYPES = frozenset({"action_id", "action_name", "binding_id"})


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return "object"


def _expect(value: Any, kind: str, prop: str) -> None:
    if _type_name(value) != kind:
        raise bad_body(f"Expected type {kind} but found type {_type_name(value)}", prop)


def _require(item: JSON, key: str, kind: str, prop: str) -> Any:
    if key not in item:
        raise bad_body(f"Missing required property: {key}", prop)
    _expect(item[key], kind, f"{prop}.{key}")
    return item[key]


def _max_items(items: list[Any], maximum: int, prop: str) -> None:
    if len(items) > maximum:
        raise bad_body(f"Array is too long ({len(items)}), maximum {maximum}", prop)


def _max_length(text: str, maximum: int, prop: str) -> None:
    if len(text) > maximum:
        raise bad_body(f"String is too long ({len(text)} chars), maximum {maximum}", prop)


def action_fields(body: Any, *, creating: bool) -> JSON:
    """Checks a create or update body; returns its fields with the runtime normalised."""
    if not isinstance(body, dict):
        raise bad_body(f"Expected type object but found type {_type_name(body)}")
    unknown = sorted(set(body) - (CREATE_FIELDS if creating else UPDATE_FIELDS))
    if unknown:
        raise bad_body(f"Additional properties not allowed: {','.join(unknown)}")
    if creating:
        for required in ("name", "supported_triggers"):
            if required not in body:
                raise bad_body(f"Missing required property: {required}")
    fields: JSON = {}
    # In this order, so that the first problem reported stays the same.
    for name, check in _FIELD_CHECKS:
        if name in body:
            value = check(body[name])
            if value is not _NOT_STORED:
                fields[name] = value
    return fields


_NOT_STORED = object()


def _name(value: Any) -> Any:
    _expect(value, "string", "name")
    if not value.strip():
        raise bad_body("String is too short (0 chars), minimum 1", "name")
    return value


def _code(value: Any) -> Any:
    _expect(value, "string", "code")
    # The limit is 100 kB of code, in UTF-8 bytes. UNCONFIRMED (still unknown): the text.
    size = len(value.encode())
    if size > limits.MAX_CODE_BYTES:
        raise bad_body(
            f"String is too long ({size} bytes), maximum {limits.MAX_CODE_BYTES}", "code"
        )
    return value


def _runtime(value: Any) -> Any:
    _expect(value, "string", "runtime")
    if value not in RUNTIMES:
        raise bad_body(f'No enum match for: "{value}"', "runtime")
    return RUNTIMES[value]


def _modules(value: Any) -> Any:
    _expect(value, "array", "modules")
    if value:
        raise ApiError(400, "Action modules are not supported by this emulator.", "invalid_body")
    return _NOT_STORED


def _deploy(value: Any) -> Any:
    _expect(value, "boolean", "deploy")
    return value


def _triggers(value: Any) -> list[JSON]:
    _expect(value, "array", "supported_triggers")
    if not value:
        raise bad_body("Array is too short (0), minimum 1", "supported_triggers")
    triggers = []
    for i, item in enumerate(value):
        prop = f"supported_triggers[{i}]"
        _expect(item, "object", prop)
        if _require(item, "id", "string", prop) not in TRIGGER_IDS:
            raise bad_body(f'No enum match for: "{item["id"]}"', f"{prop}.id")
        version = item.get("version", _current_version(item["id"]))
        _expect(version, "string", f"{prop}.version")
        triggers.append({"id": item["id"], "version": version})
    return triggers


def _current_version(trigger_id: str) -> str:
    # UNCONFIRMED: that a trigger sent without a version gets its CURRENT one.
    return next(
        str(t["version"]) for t in TRIGGERS if t["id"] == trigger_id and t["status"] == "CURRENT"
    )


def _dependencies(value: Any) -> list[JSON]:
    _expect(value, "array", "dependencies")
    _max_items(value, limits.MAX_DEPENDENCIES, "dependencies")
    deps = []
    for i, item in enumerate(value):
        prop = f"dependencies[{i}]"
        _expect(item, "object", prop)
        deps.append({k: _require(item, k, "string", prop) for k in ("name", "version")})
    return deps


def _secrets(value: Any) -> list[tuple[str, str | None]]:
    _expect(value, "array", "secrets")
    _max_items(value, limits.MAX_SECRETS, "secrets")
    seen: set[str] = set()
    pairs: list[tuple[str, str | None]] = []
    for i, item in enumerate(value):
        prop = f"secrets[{i}]"
        _expect(item, "object", prop)
        _max_length(_require(item, "name", "string", prop), limits.MAX_SECRET_NAME, f"{prop}.name")
        secret = item.get("value")
        if secret is not None:
            _expect(secret, "string", f"{prop}.value")
            _max_length(secret, limits.MAX_SECRET_VALUE, f"{prop}.value")
        if item["name"] in seen:
            # UNCONFIRMED (still unknown: not recorded): a repeated secret name.
            raise bad_body(f"Duplicate secret name: {item['name']}", prop)
        seen.add(item["name"])
        pairs.append((item["name"], secret))
    return pairs


def binding_refs(body: Any) -> list[tuple[str, str, str | None]]:
    """(ref type, ref value, display name) for each binding of a PATCH bindings body."""
    if not isinstance(body, dict):
        raise bad_body(f"Expected type object but found type {_type_name(body)}")
    if "bindings" not in body:
        raise bad_body("Missing required property: bindings")
    items = body["bindings"]
    _expect(items, "array", "bindings")
    refs = []
    for i, item in enumerate(items):
        ref = item.get("ref") if isinstance(item, dict) else None
        display = item.get("display_name") if isinstance(item, dict) else None
        if (
            not isinstance(ref, dict)
            or ref.get("type") not in BINDING_REF_TYPES
            or not isinstance(ref.get("value"), str)
            or not isinstance(display, str | None)
        ):
            # The one message recorded from Auth0 for any malformed binding item.
            raise bad_body("Data does not match any schemas from 'oneOf'", f"bindings[{i}]")
        refs.append((ref["type"], ref["value"], display))
    return refs


def flag(query: Mapping[str, str], name: str) -> bool | None:
    if name not in query:
        return None
    if query[name] not in ("true", "false"):
        raise bad_query(f"Expected type boolean but found type string: {query[name]}", name)
    return query[name] == "true"


def paging(query: Mapping[str, str]) -> tuple[int, int]:
    page, per_page = 0, limits.DEFAULT_PER_PAGE
    for name in ("page", "per_page"):
        if name not in query:
            continue
        try:
            number = int(query[name])
        except ValueError:
            raise bad_query("Expected type integer but found type string", name) from None
        if number < 0 or (name == "per_page" and number > limits.MAX_PER_PAGE):
            bound = "minimum 0" if number < 0 else f"maximum {limits.MAX_PER_PAGE}"
            raise bad_query(f"Value {number} is out of range, {bound}", name)
        if name == "page":
            page = number
        else:
            per_page = number
    return page, per_page


_FIELD_CHECKS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("name", _name),
    ("supported_triggers", _triggers),
    ("code", _code),
    ("dependencies", _dependencies),
    ("runtime", _runtime),
    ("secrets", _secrets),
    ("modules", _modules),
    ("deploy", _deploy),
)


def replace_secrets(
    current: list[Secret], wanted: list[tuple[str, str | None]], now: float
) -> list[Secret]:
    """The whole list is replaced and every secret gets a new updated_at.

    Order as recorded: names that already existed keep their place, new names follow in
    request order (live [foo] + PATCH [bar, foo] gives [foo, bar]).
    """
    old = {s.name: s.value for s in current}
    values = dict(wanted)
    for name, value in wanted:
        if value is None and name not in old:
            raise bad_body("Missing required property: value", f"secrets ({name})")
    ordered = [s.name for s in current if s.name in values]
    ordered += [n for n, _ in wanted if n not in old]
    replaced = []
    for name in ordered:
        value = values[name]
        # UNCONFIRMED (still unknown: every recorded PATCH sends values): a known name sent
        # without a value keeps its value.
        replaced.append(Secret(name, old[name] if value is None else value, now))
    return replaced
