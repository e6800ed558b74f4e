"""The HTML of the login flow: a login form and an error page.

Plain HTML that works without JavaScript and with a screen reader: labelled fields, the right
autocomplete hints, errors announced (role="alert") and tied to the fields they concern. Every
value is escaped: client names, emails and messages all come from outside.
"""

from __future__ import annotations

from html import escape

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 26rem; margin: 3rem auto; padding: 0 1rem;
       line-height: 1.5; color: #1b1b1b; background: #fff; }
label { display: block; margin-top: 1rem; font-weight: 600; }
input { box-sizing: border-box; width: 100%; padding: .5rem; font-size: 1rem;
        border: 1px solid #555; border-radius: 4px; }
input:focus, button:focus { outline: 3px solid #1a5fb4; outline-offset: 2px; }
button { margin-top: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; color: #fff;
         background: #1a5fb4; border: 0; border-radius: 4px; cursor: pointer; }
.error { color: #a51d2d; border-left: 4px solid #a51d2d; padding-left: .75rem; }
.note { color: #444; font-size: .9rem; margin-top: 2rem; }
"""


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def login_page(
    *, transaction: str, client_name: str, email: str = "", error: str | None = None
) -> str:
    """The form for one transaction; `error` is shown above it and announced."""
    described = ' aria-describedby="login-error" aria-invalid="true"' if error else ""
    alert = f'<p id="login-error" class="error" role="alert">{escape(error)}</p>\n' if error else ""
    body = (
        "<h1>Log in</h1>\n"
        f"<p>to continue to <strong>{escape(client_name)}</strong></p>\n"
        f"{alert}"
        '<form method="post" action="/u/login">\n'
        f'<input type="hidden" name="transaction" value="{escape(transaction)}">\n'
        '<label for="email">Email address</label>\n'
        f'<input id="email" name="email" type="email" value="{escape(email)}" '
        f'autocomplete="username" required autofocus{described}>\n'
        '<label for="password">Password</label>\n'
        '<input id="password" name="password" type="password" '
        f'autocomplete="current-password" required{described}>\n'
        '<button type="submit">Continue</button>\n'
        "</form>\n"
        '<p class="note">Local Auth0 emulator: not a real Auth0 tenant.</p>'
    )
    return _document("Log in", body)


def error_page(title: str, message: str) -> str:
    body = f'<h1>{escape(title)}</h1>\n<p class="error" role="alert">{escape(message)}</p>'
    return _document(title, body)
