"""The httpx client every request to a tenant goes through: httpx.Client, minus what a
Management API client never uses, which was most of a request's CPU.

Part of the one module that talks to Auth0 (deployer/client/).
"""

from __future__ import annotations

from typing import Any

import httpx
from httpx import USE_CLIENT_DEFAULT


class LeanClient(httpx.Client):
    """`request()` builds the request and hands it to the transport httpx would pick (proxies
    from the environment included), with the client's headers, timeout and event hooks, as
    `httpx.Client.send` does; the rest of `send` is left out:

    - no cookie jar: the Management API and the token endpoint need no cookie back (putting
      each answer through http.cookiejar cost ~14 µs);
    - no auth flow (the token is a header) and no redirects (httpx does not follow them by
      default either: a 3xx is returned as it is);
    - no `response.elapsed` and no httpx "HTTP Request" log line.

    `bench/served.py` (one GET at a time, the emulator's own work included): 105-118 µs a
    request through httpx.Client and 65-86 µs through this one in process; 620-860 µs and
    530-720 µs over HTTPS on loopback. Whatever this does not cover (files, cookies, auth,
    redirects followed, client-wide query parameters, a relative URL) goes through
    httpx.Client unchanged.
    """

    def request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        auth: Any = USE_CLIENT_DEFAULT,
        follow_redirects: Any = USE_CLIENT_DEFAULT,
        timeout: Any = USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Response:
        plain = (
            files is None
            and cookies is None
            and extensions is None
            and not self.cookies
            and not self.params
            and self.auth is None
            and auth is USE_CLIENT_DEFAULT
            and not self.follow_redirects
            and follow_redirects is not True
        )
        if plain:
            merged = httpx.Headers(self.headers)
            merged.update(headers)
            chosen = self.timeout if timeout is USE_CLIENT_DEFAULT else timeout
            request = httpx.Request(
                method,
                url,
                params=params,
                headers=merged,
                content=content,
                data=data,
                json=json,
                extensions={"timeout": httpx.Timeout(chosen).as_dict()},
            )
            if request.url.is_absolute_url:
                return self._direct(request)
        return super().request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    def _direct(self, request: httpx.Request) -> httpx.Response:
        # The steps of httpx.Client._send_handling_redirects and _send_single_request that a
        # Management API request needs, in their order.
        for hook in self.event_hooks["request"]:
            hook(request)
        # Private to httpx, pinned by constraints.txt (httpx 0.28.1); tests/contract/
        # test_lean_client.py checks that a mount (a proxy) is still chosen.
        transport = self._transport_for_url(request.url)
        try:
            response = transport.handle_request(request)
        except httpx.RequestError as exc:
            exc.request = request  # as httpx's request_context sets it
            raise
        response.request = request
        try:
            for hook in self.event_hooks["response"]:
                hook(response)
            response.read()
        except BaseException:
            response.close()
            raise
        return response
