"""The consent page as a Starlette app: GET the terms, POST the answer, go back to Auth0.

It follows docs/consent-contract.md. `create_app(settings)` builds it; `deployer consent serve`
(deployer/cli/consent.py) runs it under uvicorn.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.datastructures import FormData, MutableHeaders, QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .settings import ConsentSettings
from .terms import render_terms, terms_file
from .tokens import (
    Refusal,
    TokenRefused,
    csrf_matches,
    csrf_token,
    is_csrf_nonce,
    is_safe_version,
    mint_answer,
    new_csrf_nonce,
    verify_session,
)

log = logging.getLogger("consent")
access_log = logging.getLogger("consent.access")

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CSRF_COOKIE = "consent-csrf"
# Over https the cookie gets the __Host- prefix: Secure, Path=/, no Domain, so a sibling
# subdomain cannot plant one. (Browsers refuse the prefix over plain http.)
CSRF_COOKIE_HTTPS = "__Host-consent-csrf"
CSRF_COOKIE_MAX_AGE = 3600
FORM_FIELDS = ("session_token", "state", "csrf", "decision")

# Every response; an HTML page replaces the CSP with one that allows its own nonce'd style.
BASE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def _page_csp(nonce: str) -> str:
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


def _continue_csp(nonce: str) -> str:
    # No form-action here: browsers apply it to the redirects that follow a form post, and
    # /continue redirects on to the application, whose origin this page cannot know.
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    """ASGI middleware: adds BASE_HEADERS to every response that does not set its own.

    It also writes the access log, by path only: the query string holds the session_token,
    which is why `consent serve` turns uvicorn's own access log off.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                access_log.info("%s %s %s", scope["method"], scope["path"], message["status"])
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass(frozen=True)
class _Problem:
    status: int
    title: str
    message: str
    advice: str


_SIGN_IN_AGAIN = "Go back to the application and sign in again."
_EXPIRED = _Problem(
    400,
    "This page has expired",
    "The link to the terms is only valid for a few minutes.",
    _SIGN_IN_AGAIN,
)
_INVALID = _Problem(
    400, "This link can’t be used", "The link to the terms is not valid.", _SIGN_IN_AGAIN
)
_FORGED = _Problem(
    403,
    "Your answer could not be checked",
    "The answer did not come from this page in this browser. Cookies must be enabled.",
    "Go back to the terms page, reload it, and answer again; or sign in again.",
)
_TERMS_MISSING = _Problem(
    503,
    "The terms are temporarily unavailable",
    "The terms you are asked to accept can’t be shown right now.",
    "Please try again in a few minutes.",
)
_UNAVAILABLE = _Problem(
    500,
    "The terms are not available",
    "Something went wrong on our side while loading the terms.",
    "Please try again in a few minutes.",
)


class _App:
    """The handlers, closed over one settings object."""

    def __init__(self, settings: ConsentSettings) -> None:
        self.settings = settings
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates = Jinja2Templates(env=env)
        self.answer_path = f"{settings.terms_path}/answer"

    def _html(
        self,
        request: Request,
        name: str,
        context: dict[str, object],
        *,
        status: int = 200,
        script: bool = False,
    ) -> Response:
        nonce = secrets.token_urlsafe(16)
        csp = _continue_csp(nonce) if script else _page_csp(nonce)
        return self.templates.TemplateResponse(
            request,
            name,
            {**context, "nonce": nonce},
            status_code=status,
            headers={"Content-Security-Policy": csp},
        )

    def _problem(self, request: Request, problem: _Problem) -> Response:
        context: dict[str, object] = {
            "title": problem.title,
            "message": problem.message,
            "advice": problem.advice,
        }
        return self._html(request, "error.html", context, status=problem.status)

    def _refused(self, request: Request, refusal: Refusal) -> Response:
        # The reason goes to the log; the token's contents go nowhere.
        log.info("refused a request: %s", refusal.value)
        return self._problem(request, _EXPIRED if refusal is Refusal.EXPIRED else _INVALID)

    def _terms_path(self, version: str) -> Path | None:
        """The file of a version from a verified token; a malformed version is refused."""
        if not is_safe_version(version):
            raise TokenRefused(Refusal.UNKNOWN_VERSION)
        return terms_file(self.settings.terms_dir, version)

    def _terms_missing(self, request: Request, version: str) -> Response:
        # A valid token for a version this page has no file for: the Action was deployed with
        # terms that were not published here. The operator's mistake, not the user's: an
        # ERROR with the version (safe to log: checked above), and a page saying to come back.
        log.error(
            "no terms file for version %s in %s: publish %s.md there",
            version,
            self.settings.terms_dir,
            version,
        )
        return self._problem(request, _TERMS_MISSING)

    @staticmethod
    def _cookie_name(request: Request) -> str:
        return CSRF_COOKIE_HTTPS if request.url.scheme == "https" else CSRF_COOKIE

    async def show_terms(self, request: Request) -> Response:
        query = request.query_params
        try:
            token, state = _single(query, "session_token"), _single(query, "state")
            session = verify_session(self.settings, token, state)
            path = self._terms_path(session.terms_version)
        except TokenRefused as exc:
            return self._refused(request, exc.refusal)
        if path is None:
            return self._terms_missing(request, session.terms_version)
        try:
            terms_html = render_terms(path)
        except (OSError, UnicodeDecodeError) as exc:
            log.error("cannot read the terms file %s: %s", path.name, type(exc).__name__)
            return self._problem(request, _UNAVAILABLE)

        # Reuse this browser's nonce if it has one, so two open tabs both stay answerable.
        cookie_name = self._cookie_name(request)
        nonce = request.cookies.get(cookie_name)
        if nonce is None or not is_csrf_nonce(nonce):
            nonce = new_csrf_nonce()
        context: dict[str, object] = {
            "version": session.terms_version,
            "terms_html": Markup(terms_html),  # rendered with raw HTML disabled
            "answer_path": self.answer_path,
            "session_token": session.token,
            "state": session.state,
            "csrf": csrf_token(self.settings, nonce, session.token, session.state),
        }
        response = self._html(request, "terms.html", context)
        response.set_cookie(
            cookie_name,
            nonce,
            max_age=CSRF_COOKIE_MAX_AGE,
            path="/",
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return response

    async def answer(self, request: Request) -> Response:
        # Browsers say where a request comes from; a cross-site post is refused outright.
        if request.headers.get("sec-fetch-site") == "cross-site":
            return self._problem(request, _FORGED)
        form = await request.form(max_files=0, max_fields=len(FORM_FIELDS), max_part_size=8192)
        try:
            token, state = _field(form, "session_token"), _field(form, "state")
            given_csrf, decision = _field(form, "csrf"), _field(form, "decision")
        except TokenRefused as exc:
            return self._refused(request, exc.refusal)
        if not token or not state:
            return self._refused(request, Refusal.MISSING)

        # CSRF first, on the raw strings: a forged post learns nothing about the token.
        nonce = request.cookies.get(self._cookie_name(request))
        if not csrf_matches(self.settings, nonce, token, state, given_csrf):
            log.info("refused an answer: CSRF token missing or wrong")
            return self._problem(request, _FORGED)
        try:
            session = verify_session(self.settings, token, state)
            path = self._terms_path(session.terms_version)
        except TokenRefused as exc:
            return self._refused(request, exc.refusal)
        if path is None:
            return self._terms_missing(request, session.terms_version)
        if decision not in ("accept", "decline"):
            log.info("refused an answer: no decision")
            return self._problem(request, _INVALID)

        accepted = decision == "accept"
        # The answer resumes the login at /continue on the domain it used, with the state in
        # the query (as every Auth0 example does) and in the body (contract, "Send it back").
        resume = self.settings.resume_url_for(session.login_host)
        issuer = self.settings.answer_issuer or request.url.netloc
        context: dict[str, object] = {
            "accepted": accepted,
            "version": session.terms_version,
            "continue_url": f"{resume}?{urlencode({'state': session.state})}",
            "state": session.state,
            "answer_token": mint_answer(self.settings, session, accepted=accepted, issuer=issuer),
        }
        log.info("answer minted (accepted=%s)", accepted)
        return self._html(request, "continue.html", context, script=True)

    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"status": "ok"})


def _single(query: QueryParams, name: str) -> str | None:
    values = query.getlist(name)
    if len(values) > 1:
        raise TokenRefused(Refusal.MALFORMED)  # which one would be meant is ambiguous
    return values[0] if values else None


def _field(form: FormData, name: str) -> str | None:
    values = form.getlist(name)
    if len(values) > 1 or any(not isinstance(v, str) for v in values):
        raise TokenRefused(Refusal.MALFORMED)
    value = values[0] if values else None
    return value if isinstance(value, str) else None


def create_app(settings: ConsentSettings) -> Starlette:
    """The consent page for one tenant's settings."""
    handlers = _App(settings)
    routes = [
        Route(settings.terms_path, handlers.show_terms, methods=["GET"]),
        Route(handlers.answer_path, handlers.answer, methods=["POST"]),
        Route("/healthz", handlers.healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.add_middleware(SecurityHeaders)
    return app
