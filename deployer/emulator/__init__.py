"""A local emulator of the Auth0 endpoints this project uses.

One `Emulator` is one tenant: the client-credentials token endpoint (`POST /oauth/token`) and
the Actions part of the Management API v2 (`/api/v2/actions/...`, and a read-only
`/api/v2/clients`), answering like the real Auth0 as recorded in Auth0's public test cassettes
(docs/emulator-fidelity.md), awkward parts included: asynchronous builds, deploys that become
visible a moment after they are answered, bindings replaced wholesale with new ids, write-only
secrets, rate limits, Auth0's error bodies and limits.

Credentials. A well-known local client always exists (a public development credential that
only ever opens this emulator):

    client_id     local-deployer
    client_secret local-deployer-secret
    scopes        read:actions create:actions update:actions delete:actions read:clients

More clients come from `EmulatorSettings.clients`, `Emulator.add_client` or the state file.
The token audience is `https://{domain}/api/v2/`, where domain is the emulator's `domain` or
the Host the request was sent to (so `ManagementClient(domain="127.0.0.1:PORT")` works).

Time. Builds and deploys store timestamps; statuses are computed from the clock when read.
A build goes pending -> building -> built over `build_seconds`; a deploy is visible
(`deployed_version.deployed`, `all_changes_deployed`, bindings allowed) after
`deploy_settle_seconds`. Inject `clock=` to move time in tests without sleeping.

Failing builds. The emulator has no npm registry. A dependency does not resolve when its name
is not a valid npm name, its version is not a plain npm version or range (`4.17.21`, `^4`,
`~1.2`, `1.0.0-beta.1`, `latest`), or its name or version contains `nonexistent` (e.g.
`lodash@0.0.0-nonexistent`). Such a build goes pending -> building <-> retrying -> failed,
and, as on Auth0, the failed action carries no `errors`: only its status says so.

Persistence. With `state_path` the whole tenant (actions, versions, bindings, clients, secret
values, the token signing key) is loaded on construction and saved atomically after every
change. The file holds secret values: it is created readable by its owner only.

Talking to it in process (no socket):

    emu = Emulator()
    http = httpx.Client(transport=emu.transport(), base_url="https://local.emulator")
    token = http.post("/oauth/token", data={...}).json()["access_token"]  # or emu.issue_token()
    client = Auth0(base_url="https://local.emulator/api/v2", token=token,
                   httpx_client=httpx.Client(transport=emu.transport()))

Over the network, see `serve()` and `deployer emulator serve --help`.

Logins. Outside /api/v2 the tenant also runs a real authorization code login through the
post-login Actions it holds (deployed code, live secrets, binding order): seed users and
applications with `Emulator.add_user` / `Emulator.add_application`, or `serve --seed-demo`.
See `login/__init__.py`.
"""

from __future__ import annotations

from .emulator import Emulator, EmulatorTransport, RequestLogEntry
from .faults import ConnectionDropped
from .server import EmulatorServer, serve
from .settings import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, ClientSpec, EmulatorSettings

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "ClientSpec",
    "ConnectionDropped",
    "Emulator",
    "EmulatorServer",
    "EmulatorSettings",
    "EmulatorTransport",
    "RequestLogEntry",
    "serve",
]
