"""Turn Auth0's public go-vcr cassettes into the fixtures under tests/contract/recordings/.

Not run in CI: the fixtures are committed. Run it again to refresh them from newer recordings:

    python tests/contract/extract.py TERRAFORM_GIT_DIR GO_AUTH0_GIT_DIR

where each argument is the git directory of a clone of `auth0/terraform-provider-auth0` and
`auth0/go-auth0`. The cassettes are read straight from git (`git show COMMIT:PATH`), so the
header of every fixture names the exact repository, path and commit it came from.

Kept: the interactions in scope for this project, in recorded order: the Actions endpoints
(`/api/v2/actions/...`: actions, versions, deploys, triggers, bindings, executions) and the
token endpoint. Left out: `/actions/modules` (out of scope: the emulator refuses it), the test
endpoint (`POST .../test`, another part of the project), and everything else the cassettes hold
(event streams, connections, ...). Of each interaction only what a replay needs is kept: method,
path, query, request body, status, response Content-Type and body, and the recorded duration.

The recorders already removed tokens and credentials; this script removes what is left that
could look like one (secret values in request bodies, the token endpoint's client secret and
access token) and refuses to write a fixture that still holds a JWT.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

OUT = Path(__file__).parent / "recordings"
REDACTED = "<redacted>"

TERRAFORM = "auth0/terraform-provider-auth0"
GO_AUTH0 = "auth0/go-auth0"
# go-auth0 deleted its Management API cassettes when it moved to a generated v2 SDK
# (be54012c, "feat(sdk): initialize v2 version"); they are read from the commit before it.
GO_AUTH0_V1 = "df1084db909530241b4d1165438324b7601a6386"

TERRAFORM_CASSETTES = (
    "TestAccAction",
    "TestAccActionWithSecretsWO",
    "TestAccDataSourceAction",
    "TestAccTriggerAction",
    "TestAccTriggerActions",
    "TestAccEventStreamAction",
    "TestTokenExchangeProfile",
    "TestAccConnectionPasswordHash",
)
GO_AUTH0_CASSETTES = (
    "TestActionManager_Bindings",
    "TestActionManager_Create",
    "TestActionManager_CreateWithDeploy",
    "TestActionManager_Delete",
    "TestActionManager_Deploy",
    "TestActionManager_DeployVersion",
    "TestActionManager_Execution",
    "TestActionManager_List",
    "TestActionManager_Read",
    "TestActionManager_Test",
    "TestActionManager_Triggers",
    "TestActionManager_Update",
    "TestActionManager_Version",
    "TestActionManager_Versions",
)
GO_AUTH0_TOKEN = "test/data/recordings/authentication/TestLoginWithClientCredentials/"
GO_AUTH0_TOKEN_CASSETTES = ("Should_return_tokens",)

# Interactions whose answer depends on traffic left out: not replayed, with the reason.
SKIPPED = {
    ("TestAccEventStreamAction", "DELETE"): (
        "the recorder deleted the event stream first (not in scope), which deleted its action"
    ),
}

_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def in_scope(method: str, path: str) -> bool:
    if path == "/oauth/token":
        return True
    if not path.startswith("/api/v2/actions/") or path.startswith("/api/v2/actions/modules"):
        return False
    return not (method == "POST" and path.endswith("/test"))


def _body(text: str | None, content_type: str) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    if "x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(text))
    try:
        return json.loads(text)
    except ValueError:
        return text


def _redact_request(path: str, body: Any) -> Any:
    if isinstance(body, dict) and path == "/oauth/token":
        return {
            k: REDACTED if k in ("client_secret", "client_assertion") else v
            for k, v in body.items()
        }
    if isinstance(body, dict) and isinstance(body.get("secrets"), list):
        body = dict(body)
        body["secrets"] = [
            {**s, "value": REDACTED} if isinstance(s, dict) and "value" in s else s
            for s in body["secrets"]
        ]
    return body


def _redact_response(body: Any) -> Any:
    if isinstance(body, dict):
        return {
            k: REDACTED if k in ("access_token", "id_token", "refresh_token") else v
            for k, v in body.items()
        }
    return body


def _header(headers: dict[str, list[str]] | None, name: str) -> str:
    for key, values in (headers or {}).items():
        if key.lower() == name and values:
            return str(values[0])
    return ""


def convert(text: str, repository: str, path: str, commit: str, name: str = "") -> dict[str, Any]:
    cassette = yaml.safe_load(text)
    interactions = []
    for item in cassette["interactions"]:
        request, response = item["request"], item["response"]
        url = urlsplit(request["url"])
        if not in_scope(request["method"], url.path):
            continue
        request_type = _header(request.get("headers"), "content-type")
        response_type = _header(response.get("headers"), "content-type")
        duration = str(response.get("duration", "0ms"))
        skipped = SKIPPED.get((name, request["method"]))
        interactions.append(
            {
                **({"skip": skipped} if skipped else {}),
                "method": request["method"],
                "path": url.path,
                "query": url.query,
                "request_body": _redact_request(url.path, _body(request.get("body"), request_type)),
                "status": int(response["code"]),
                "content_type": response_type,
                "response_body": _redact_response(_body(response.get("body"), response_type)),
                "duration_ms": round(_milliseconds(duration), 3),
            }
        )
    return {
        "source": {"repository": repository, "path": path, "commit": commit},
        "note": "Recorded Auth0 traffic, extracted by tests/contract/extract.py; do not edit.",
        "interactions": interactions,
    }


def _milliseconds(duration: str) -> float:
    match = re.fullmatch(r"([0-9.]+)(ms|s|µs)", duration)
    if not match:
        return 0.0
    value, unit = float(match.group(1)), match.group(2)
    return value * {"ms": 1.0, "s": 1000.0, "µs": 0.001}[unit]


def _git(git_dir: str, *args: str) -> str:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True, text=True
    ).stdout


def write(name: str, fixture: dict[str, Any]) -> None:
    text = json.dumps(fixture, indent=1, ensure_ascii=False) + "\n"
    if _JWT.search(text):
        raise SystemExit(f"{name}: something that looks like a token is left; not written")
    if not fixture["interactions"]:
        return
    (OUT / f"{name}.json").write_text(text, encoding="utf-8")
    print(f"{name}: {len(fixture['interactions'])} interactions")


def main(terraform_git: str, go_auth0_git: str) -> None:
    OUT.mkdir(exist_ok=True)
    head = _git(terraform_git, "rev-parse", "HEAD").strip()
    for name in TERRAFORM_CASSETTES:
        path = f"test/data/recordings/{name}.yaml"
        write(
            name,
            convert(_git(terraform_git, "show", f"{head}:{path}"), TERRAFORM, path, head, name),
        )
    for name in GO_AUTH0_CASSETTES:
        path = f"test/data/recordings/{name}.yaml"
        text = _git(go_auth0_git, "show", f"{GO_AUTH0_V1}:{path}")
        write(f"go_{name}", convert(text, GO_AUTH0, path, GO_AUTH0_V1))
    go_head = _git(go_auth0_git, "rev-parse", "HEAD").strip()
    for name in GO_AUTH0_TOKEN_CASSETTES:
        path = f"{GO_AUTH0_TOKEN}{name}.yaml"
        text = _git(go_auth0_git, "show", f"{go_head}:{path}")
        write(f"go_token_{name}", convert(text, GO_AUTH0, path, go_head))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
