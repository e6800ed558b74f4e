"""A tenant that answers with Auth0's recorded answers, through respx: for the client contract.

Every answer is one Auth0 really gave (tests/contract/recordings/), picked for the state this
tenant is in: a draft just written is `building` at the first poll, then `built` (or `failed`);
a deploy is not live at the first poll after it, then it is. Into the recorded answer only the
values of this tenant's action are written (id, name, code, runtime, dependencies, secret names,
trigger, version ids and numbers, binding ids and names): no key is added or dropped, so the
client meets Auth0's real shapes, odd parts included (`current_version` with an upper-case
status, no `total` on an empty list, no `errors` on a failed build, ...).

It is not an emulator: it keeps one action and one post-login binding, and raises when asked
for something no recording covers.
"""

from __future__ import annotations

import copy
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import respx
from support.replay import RECORDINGS

JSON = dict[str, Any]
_ACTION = r"/api/v2/actions/actions/[0-9a-f-]{36}"

# (cassette, interaction index) of each answer used, and what it is.
TEMPLATES: dict[str, tuple[str, int]] = {
    "token": ("go_token_Should_return_tokens", 0),
    "list_empty": ("TestAccDataSourceAction", 0),  # {"actions":[],"per_page":50}
    "list_one": ("TestAccDataSourceAction", 8),
    "create": ("TestAccActionWithSecretsWO", 0),  # 201, pending
    "patch_new": ("TestAccAction", 5),  # a draft never deployed, just written
    "building_new": ("TestAccAction", 6),
    "built_new": ("TestAccAction", 10),
    "patch": ("TestAccAction", 17),  # a deployed action's draft, just written
    "building": ("TestAccAction", 18),
    "built": ("TestAccAction", 22),
    "failed": ("TestAccAction", 43),  # crypto@17.7.1: failed, no `errors`
    "deploy": ("TestAccAction", 11),
    "settled": ("TestAccAction", 12),
    "bindings_empty": ("TestAccTriggerAction", 10),
    "bindings_one": ("TestAccTriggerAction", 36),
    "bind": ("TestAccTriggerAction", 12),
    "unbind": ("go_TestActionManager_Bindings", 5),  # {"bindings":[]}
    "versions": ("go_TestActionManager_Versions", 5),
    "rollback": ("go_TestActionManager_DeployVersion", 5),
}


def recorded(name: str) -> tuple[int, str, Any]:
    """(status, content type, body) of a template, a fresh copy."""
    cassette, index = TEMPLATES[name]
    data = json.loads((RECORDINGS / f"{cassette}.json").read_text(encoding="utf-8"))
    item = data["interactions"][index]
    return item["status"], item["content_type"], copy.deepcopy(item["response_body"])


@dataclass
class Version:
    id: str
    number: int
    code: str
    runtime: str
    dependencies: list[JSON]
    secrets: list[str]


@dataclass
class Draft:
    id: str
    name: str
    code: str
    runtime: str
    dependencies: list[JSON]
    secrets: list[str]
    triggers: list[JSON]


@dataclass
class RecordedAuth0:
    draft: Draft | None = None
    versions: list[Version] = field(default_factory=list)
    live: Version | None = None
    changed_since_deploy: bool = True
    # what the last write was, and how many GETs of the action came after it
    last_write: str = ""
    polls: int = 0
    bindings: list[tuple[str, str]] = field(default_factory=list)  # (binding id, display name)
    requests: list[str] = field(default_factory=list)
    router: respx.MockRouter = field(init=False)

    def __post_init__(self) -> None:
        self.router = respx.MockRouter(assert_all_called=False, assert_all_mocked=True)
        r = self.router
        r.post(path="/oauth/token").mock(side_effect=self._token)
        r.get(path="/api/v2/actions/actions").mock(side_effect=self._list)
        r.post(path="/api/v2/actions/actions").mock(side_effect=self._create)
        r.get(path__regex=f"^{_ACTION}$").mock(side_effect=self._get)
        r.patch(path__regex=f"^{_ACTION}$").mock(side_effect=self._patch)
        r.post(path__regex=f"^{_ACTION}/deploy$").mock(side_effect=self._deploy)
        r.get(path__regex=f"^{_ACTION}/versions$").mock(side_effect=self._versions)
        r.post(path__regex=f"^{_ACTION}/versions/[0-9a-f-]{{36}}/deploy$").mock(
            side_effect=self._rollback
        )
        bindings = "/api/v2/actions/triggers/post-login/bindings"
        r.get(path=bindings).mock(side_effect=self._get_bindings)
        r.patch(path=bindings).mock(side_effect=self._set_bindings)

    def transport(self) -> httpx.BaseTransport:
        return httpx.MockTransport(self.router.handler)

    def writes(self) -> list[str]:
        return [r for r in self.requests if not r.startswith("GET") and "oauth" not in r]

    # -- answers --------------------------------------------------------------------------------

    def _answer(self, name: str, fill: Any = None) -> httpx.Response:
        status, content_type, body = recorded(name)
        if fill is not None:
            body = fill(body)
        content = b"" if body is None else json.dumps(body).encode()
        return httpx.Response(status, content=content, headers={"content-type": content_type})

    def _seen(self, request: httpx.Request) -> None:
        self.requests.append(f"{request.method} {request.url.path}")

    def _token(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
        assert form["grant_type"] == "client_credentials"

        def fill(body: JSON) -> JSON:
            return {**body, "access_token": "recorded-answer-token"}

        return self._answer("token", fill)

    def _list(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        wanted = request.url.params.get("actionName")
        if self.draft is None or wanted != self.draft.name:
            return self._answer("list_empty")
        item = json.loads(self._current().content)
        return self._answer("list_one", lambda body: {**body, "actions": [item]})

    def _create(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        sent = json.loads(request.content)
        assert self.draft is None, "this tenant keeps one action"
        self.draft = Draft(
            id=str(uuid.uuid4()),
            name=sent["name"],
            code=sent.get("code", ""),
            runtime=sent.get("runtime", "node22"),
            dependencies=sent.get("dependencies", []),
            secrets=[s["name"] for s in sent.get("secrets", [])],
            triggers=sent["supported_triggers"],
        )
        self._wrote("create")
        return self._answer("create", self._fill_action)

    def _patch(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        draft = self._ours(request)
        sent = json.loads(request.content)
        for key in ("name", "code", "runtime", "dependencies"):
            if key in sent:
                setattr(draft, key, sent[key])
        if "supported_triggers" in sent:
            draft.triggers = sent["supported_triggers"]
        if "secrets" in sent:
            draft.secrets = [s["name"] for s in sent["secrets"]]
        self._wrote("patch")
        return self._answer("patch" if self.versions else "patch_new", self._fill_action)

    def _get(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        self._ours(request)
        self.polls += 1
        return self._current()

    def _current(self) -> httpx.Response:
        """The answer to GET the action now, from the phase it is in."""
        deployed = bool(self.versions)
        if self.last_write in ("create", "patch"):
            if self.polls <= 1:
                return self._answer("building" if deployed else "building_new", self._fill_action)
            broken = any("nonexistent" in d["version"] for d in self._draft().dependencies)
            if broken and deployed:
                return self._answer("failed", self._fill_action)
            assert not broken, "no recording of a failed first build"
            return self._answer("built" if deployed else "built_new", self._fill_action)
        if self.last_write in ("deploy", "rollback") and self.polls <= 1:
            # Not live yet at the first poll: the draft as it was before the deploy.
            return self._answer("built", lambda b: self._fill_action(b, live=self._previous))
        return self._answer("settled", self._fill_action)

    def _deploy(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        draft = self._ours(request)
        version = Version(
            str(uuid.uuid4()),
            len(self.versions) + 1,
            draft.code,
            draft.runtime,
            copy.deepcopy(draft.dependencies),
            list(draft.secrets),
        )
        self._release(version)
        self._wrote("deploy")
        return self._answer("deploy", lambda b: self._fill_version(b, version))

    def _versions(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        self._ours(request)

        def fill(body: JSON) -> JSON:
            (item,) = body["versions"]
            listed = [self._fill_version(copy.deepcopy(item), v) for v in reversed(self.versions)]
            return {**body, "versions": listed, "total": len(listed)}

        return self._answer("versions", fill)

    def _rollback(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        self._ours(request)
        wanted = request.url.path.split("/")[-2]
        source = next(v for v in self.versions if v.id == wanted)
        version = Version(
            str(uuid.uuid4()),
            len(self.versions) + 1,
            source.code,
            source.runtime,
            copy.deepcopy(source.dependencies),
            list(source.secrets),
        )
        self._release(version)
        self.changed_since_deploy = True  # the draft is not what is live any more
        self._wrote("rollback")
        return self._answer("rollback", lambda b: self._fill_version(b, version))

    def _get_bindings(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        if not self.bindings:
            return self._answer("bindings_empty")
        return self._answer("bindings_one", self._fill_bindings)

    def _set_bindings(self, request: httpx.Request) -> httpx.Response:
        self._seen(request)
        sent = json.loads(request.content)["bindings"]
        if not sent:
            self.bindings = []
            return self._answer("unbind")
        assert len(sent) == 1, "this tenant keeps one binding"
        ref = sent[0]["ref"]
        assert ref == {"type": "action_id", "value": self._draft().id}, ref
        assert self.live is not None
        self.bindings = [(str(uuid.uuid4()), sent[0].get("display_name") or self._draft().name)]
        return self._answer("bind", self._fill_bindings)

    # -- state --------------------------------------------------------------------------------

    _previous: Version | None = None

    def _release(self, version: Version) -> None:
        self._previous = self.live
        self.versions.append(version)
        self.live = version
        self.changed_since_deploy = False

    def _wrote(self, what: str) -> None:
        self.last_write, self.polls = what, 0
        if what in ("create", "patch"):
            self.changed_since_deploy = True

    def _draft(self) -> Draft:
        assert self.draft is not None
        return self.draft

    def _ours(self, request: httpx.Request) -> Draft:
        match = re.search(r"/actions/actions/([0-9a-f-]{36})", request.url.path)
        assert match and match.group(1) == self._draft().id, request.url.path
        return self._draft()

    # -- writing this tenant's values into a recorded answer ------------------------------------

    def _fill_action(self, body: JSON, live: Version | str | None = "now") -> JSON:
        draft = self._draft()
        shown = self.live if live == "now" else live
        body.update(id=draft.id, name=draft.name, supported_triggers=draft.triggers)
        if "code" in body:
            body.update(code=draft.code, runtime=draft.runtime)
            body["dependencies"] = _items(body["dependencies"], draft.dependencies)
            body["secrets"] = _secret_items(body["secrets"], draft.secrets, body["updated_at"])
        if "current_version" in body:
            newest = self.versions[-1] if self.versions else None
            assert newest is not None, "a recorded answer with versions, for an action without"
            body["current_version"].update(
                id=newest.id, code=newest.code, runtime=newest.runtime, number=newest.number
            )
        if "deployed_version" in body:
            if isinstance(shown, Version):
                body["deployed_version"] = self._fill_version(body["deployed_version"], shown)
            else:
                del body["deployed_version"]  # not deployed before: Auth0 has none then
        return body

    def _fill_version(self, body: JSON, version: Version) -> JSON:
        draft = self._draft()
        body.update(
            id=version.id,
            number=version.number,
            code=version.code,
            runtime=version.runtime,
            supported_triggers=draft.triggers,
        )
        body["dependencies"] = _items(body["dependencies"], version.dependencies)
        body["secrets"] = _secret_items(body["secrets"], version.secrets, body["created_at"])
        if "action" in body:
            body["action"].update(id=draft.id, name=draft.name, supported_triggers=draft.triggers)
        if "deployed" in body and self.last_write not in ("deploy", "rollback"):
            body["deployed"] = version is self.live
        return body

    def _fill_bindings(self, body: JSON) -> JSON:
        (item,) = body["bindings"]
        filled = []
        for binding_id, display_name in self.bindings:
            one = copy.deepcopy(item)
            one.update(id=binding_id, display_name=display_name)
            action = one["action"]
            action.update(id=self._draft().id, name=self._draft().name)
            action["supported_triggers"] = self._draft().triggers
            if self.live is not None and "deployed_version" in action:
                action["deployed_version"] = self._fill_version(
                    action["deployed_version"], self.live
                )
                action["current_version"].update(id=self.versions[-1].id)
            filled.append(one)
        answer = {**body, "bindings": filled}
        if "total" in answer:
            answer["total"] = len(filled)
        return answer


def _items(recorded_items: list[JSON], values: list[JSON]) -> list[JSON]:
    """Our dependencies in the recorded item shape ({name, version})."""
    keys = list(recorded_items[0]) if recorded_items else ["name", "version"]
    return [{k: v[k] for k in keys} for v in values]


def _secret_items(recorded_items: list[JSON], names: list[str], stamp: str) -> list[JSON]:
    when = recorded_items[0]["updated_at"] if recorded_items else stamp
    return [{"name": n, "updated_at": when} for n in names]
