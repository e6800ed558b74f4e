"""The endpoints beside the Actions API that clients of it touch: executions, modules, clients.

Handlers with the signature of management.ManagementApi's, listed in management.ROUTES.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import payloads, wire
from .records import JSON
from .wire import ApiError

if TYPE_CHECKING:
    from .management import ManagementApi

Result = tuple[int, JSON | list[JSON] | None]


def execution(_api: ManagementApi, _now: float, _ids: tuple[str, ...], _: Any, __: Any) -> Result:
    """GET /actions/executions/{id}. The emulator keeps no executions (its logins are not
    recorded as such): every id is unknown, with Auth0's answer for one (go-auth0
    TestActionManager_Execution.yaml)."""
    raise ApiError(404, "That execution does not exist.")


def modules(_api: ManagementApi, _now: float, _ids: tuple[str, ...], _: Any, __: Any) -> Result:
    """Any request under /actions/modules. Out of scope for this project: a clear refusal
    rather than a 404 that reads as "no such module" (Auth0 itself serves them)."""
    raise ApiError(
        400, "Action modules (/api/v2/actions/modules) are not supported by this emulator."
    )


def clients(
    api: ManagementApi, _now: float, _ids: tuple[str, ...], query: Mapping[str, str], _: Any
) -> Result:
    """GET /clients, read-only: the login flow's applications, then the M2M clients.

    A plain list, or with `include_totals=true` the envelope of the recorded listing
    (terraform-provider-auth0 TestAccDataClientByName.yaml): `{start, limit, length, total,
    clients}`. UNCONFIRMED: `length` (the one recorded listing says 0 beside 29 clients; here it
    counts the page's items).
    """
    page, per_page = payloads.paging(query)
    listed = wire.clients(api.state)
    items = listed[page * per_page : (page + 1) * per_page]
    if not payloads.flag(query, "include_totals"):
        return 200, items
    return 200, {
        "start": page * per_page,
        "limit": per_page,
        "length": len(items),
        "total": len(listed),
        "clients": items,
    }
