"""The browser side of a login: /authorize, the login form, /continue, and the way back.

The authorization code flow as Auth0 runs it with a post-login trigger: validate the client and
its callback, authenticate (a form, or an existing session), run the bound Actions, follow a
redirect out to an external page and back in through /continue, then send the browser back to
the application with a code, or with an error.
"""

from __future__ import annotations

import functools

from .context import Tenant
from .crypto import check_password, digest, hash_password, new_credential
from .pages import error_page, login_page
from .pipeline import Pipeline
from .records import AuthRequest, Grant, Session, Transaction
from .web import (
    BROWSER_COOKIE,
    SESSION_COOKIE,
    Answer,
    Request,
    browser_cookie,
    page,
    redirect,
    session_cookie,
    with_query,
)

PROTOCOL = "oidc-basic-profile"
SUPPORTED_SCOPES = ("openid", "profile", "email", "offline_access")
# UNCONFIRMED (still unknown: not recorded): Auth0's lifetimes for a login transaction and an
# authorization code; a session lasts as long as Auth0's default inactivity timeout (3 days).
TRANSACTION_SECONDS = 3600
CODE_SECONDS = 300
SESSION_SECONDS = 3 * 86400
WRONG_CREDENTIALS = "Wrong email or password."


@functools.cache
def _dummy_hash() -> str:
    """Checked when no user has the email, so a miss costs as much time as a wrong password."""
    return hash_password("no user has this password")


class Flow:
    def __init__(self, tenant: Tenant, pipeline: Pipeline) -> None:
        self._tenant = tenant
        self._pipeline = pipeline

    # -- GET /authorize -------------------------------------------------------------------

    def authorize(self, req: Request) -> Answer:
        q = req.query
        with self._tenant.lock:
            app = self._tenant.login.applications.get(q.get("client_id", ""))
        if app is None:
            return _refused("Unknown application", "The client_id is not known to this tenant.")
        redirect_uri = q.get("redirect_uri", "")
        if redirect_uri not in app.callbacks:
            # Never redirect to a URL the application did not register: show the error here.
            return _refused(
                "Callback URL mismatch",
                "The provided redirect_uri is not in the list of allowed callback URLs.",
            )
        state = q.get("state")

        def fail(error: str, description: str) -> Answer:
            params = {"error": error, "error_description": description, "state": state}
            return redirect(with_query(redirect_uri, params))

        if q.get("response_type") != "code":
            return fail("unsupported_response_type", "Only response_type=code is supported.")
        challenge = q.get("code_challenge")
        method = q.get("code_challenge_method") or ("plain" if challenge else None)
        if method not in (None, "S256", "plain"):
            return fail("invalid_request", "Unsupported code_challenge_method.")
        prompt = q.get("prompt", "").split()
        request = AuthRequest(
            client_id=app.client_id,
            redirect_uri=redirect_uri,
            scope=[s for s in q.get("scope", "").split() if s in SUPPORTED_SCOPES],
            state=state,
            nonce=q.get("nonce"),
            prompt=prompt,
            query=dict(q),
            code_challenge=challenge,
            code_challenge_method=method if challenge else None,
        )
        now = self._tenant.now()
        txn = Transaction(new_credential(), request, now + TRANSACTION_SECONDS)
        session = None if "login" in prompt else self._session(req)
        if session is not None:
            txn.user_id = session.user_id
            return self._start(txn)
        if "none" in prompt:
            return fail("login_required", "Login required")
        # The login is bound to this browser, as Auth0 binds its transaction (`state`) to the
        # browser with a cookie set here: a form posted by another browser, or from another site
        # with an attacker-started login, does not match. UNCONFIRMED: Auth0's cookie name and
        # the status and page of its refusal (here 403 and "Login refused").
        browser, headers = req.cookie(BROWSER_COOKIE), {}
        if not browser or len(browser) > 128:
            browser = new_credential()
            headers = browser_cookie(browser, secure=self._tenant.secure)
        txn.browser = digest(browser)
        with self._tenant.lock:
            self._tenant.login.forget_expired(now)
            self._tenant.login.transactions[txn.id] = txn
            self._tenant.save()
        return page(200, login_page(transaction=txn.id, client_name=app.name), headers)

    def _session(self, req: Request) -> Session | None:
        cookie = req.cookie(SESSION_COOKIE)
        if not cookie:
            return None
        with self._tenant.lock:
            session = self._tenant.login.sessions.get(digest(cookie))
            if session is None or session.expires_at <= self._tenant.now():
                return None
            return session if session.user_id in self._tenant.login.users else None

    # -- POST /u/login --------------------------------------------------------------------

    def login(self, req: Request) -> Answer:
        txn_id, email = req.form.get("transaction", ""), req.form.get("email", "")
        with self._tenant.lock:
            txn = self._pending(txn_id, started=False)
            app = self._tenant.login.applications.get(txn.request.client_id) if txn else None
            user = self._tenant.login.user_by_email(email)
            stored = user.password_hash if user is not None else _dummy_hash()
        if txn is None or app is None:
            return _refused("Login expired", "This login has expired. Start again from the app.")
        browser = req.cookie(BROWSER_COOKIE)
        if txn.browser is None or browser is None or digest(browser) != txn.browser:
            return page(
                403,
                error_page(
                    "Login refused",
                    "This login was started in another browser or from another site. "
                    "Start again from the app.",
                ),
            )
        # scrypt runs outside the lock: it is slow on purpose.
        if not check_password(req.form.get("password", ""), stored) or user is None:
            html = login_page(
                transaction=txn_id, client_name=app.name, email=email, error=WRONG_CREDENTIALS
            )
            return page(400, html)
        with self._tenant.lock:
            if self._tenant.login.transactions.pop(txn_id, None) is None:
                return _refused("Login expired", "This login was already used.")
            user.logins_count += 1
            user.last_login = self._tenant.now()
            self._tenant.save()
        txn.user_id, txn.new_session = user.user_id, True
        return self._start(txn)

    def _pending(self, txn_id: str, *, started: bool) -> Transaction | None:
        txn = self._tenant.login.transactions.get(txn_id)
        if txn is None or txn.expires_at <= self._tenant.now():
            return None
        return txn if (txn.user_id is not None) == started else None

    # -- /continue ------------------------------------------------------------------------

    def resume(self, req: Request) -> Answer:
        in_body, in_query = req.form.get("state"), req.query.get("state")
        if in_body is not None and in_query is not None and in_body != in_query:
            return _refused("Invalid request", "The state in the body and the URL differ.")
        state = in_body or in_query or ""
        with self._tenant.lock:
            txn = self._pending(state, started=True)
            if txn is None or txn.waiting_on is None:
                return _refused("Invalid state", "This login is unknown, expired or finished.")
            # Taken out while it runs: a replayed /continue finds nothing.
            del self._tenant.login.transactions[state]
        continue_request = {"body": dict(req.form), "query": dict(req.query)}
        return self._drive(txn, continue_request)

    # -- running the Actions and going back to the application ----------------------------

    def _start(self, txn: Transaction) -> Answer:
        txn.action_ids, txn.next_index = self._pipeline.bound_action_ids(), 0
        return self._drive(txn, None)

    def _drive(
        self, txn: Transaction, continue_request: dict[str, dict[str, str]] | None
    ) -> Answer:
        outcome = self._pipeline.run(txn, protocol=PROTOCOL, continue_request=continue_request)
        request, now = txn.request, self._tenant.now()
        with self._tenant.lock:
            if outcome.kind == "redirect" and outcome.location is not None:
                txn.expires_at = now + TRANSACTION_SECONDS
                self._tenant.login.transactions[txn.id] = txn
                self._tenant.save()
                return redirect(outcome.location)
            if outcome.kind != "passed":
                params = {
                    "error": outcome.error,
                    "error_description": outcome.reason or "Access denied",
                    "state": request.state,
                }
                return redirect(with_query(request.redirect_uri, params))
            code = new_credential()
            self._tenant.login.codes[digest(code)] = Grant(
                client_id=request.client_id,
                user_id=txn.user_id or "",
                scope=list(request.scope),
                expires_at=now + CODE_SECONDS,
                redirect_uri=request.redirect_uri,
                nonce=request.nonce,
                code_challenge=request.code_challenge,
                code_challenge_method=request.code_challenge_method,
                id_claims=dict(txn.id_claims),
                access_claims=dict(txn.access_claims),
            )
            headers: dict[str, str] = {}
            if txn.new_session and txn.user_id is not None:
                session_id = new_credential()
                self._tenant.login.sessions[digest(session_id)] = Session(
                    txn.user_id, now, now + SESSION_SECONDS
                )
                headers = session_cookie(
                    session_id, secure=self._tenant.secure, max_age=SESSION_SECONDS
                )
            self._tenant.save()
        location = with_query(request.redirect_uri, {"code": code, "state": request.state})
        return redirect(location, headers)


def _refused(title: str, message: str) -> Answer:
    return page(400, error_page(title, message))
