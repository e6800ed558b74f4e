"""`consent serve`: run the reference consent page under uvicorn. Parse, call, print, exit."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from ..consent.settings import ConsentSettings, SettingsError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def consent() -> None:
    """The reference consent page that the accept-terms Action sends users to.

    It follows docs/consent-contract.md (the round trip any consent page must implement).

    \b
    Configured by the environment:
      CONSENT_AUTH0_DOMAIN         the tenant's host name (the tokens' issuer; /continue is there)
      TERMS_TOKEN_SECRET           the Action's secret of the same name
      TERMS_TOKEN_SECRET_PREVIOUS  optional: also accepted during a rotation
      CONSENT_ACCEPTED_ISSUERS     optional: custom domains, comma-separated (login.acme.com)
      CONSENT_ISSUER               optional: `iss` of the answers (default: this page's host)
      CONSENT_TERMS_DIR            optional: Markdown files named VERSION.md
      CONSENT_CONTINUE_URL         optional: instead of https://DOMAIN/continue (an emulator)
      CONSENT_TERMS_PATH           optional: the page's path (default /terms)

    \b
    Example:
      CONSENT_AUTH0_DOMAIN=acme.eu.auth0.com TERMS_TOKEN_SECRET=... \\
        deployer consent serve --port 8400
    """


@consent.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8400, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--terms-dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Markdown terms, one VERSION.md per version (overrides CONSENT_TERMS_DIR).",
)
def serve(host: str, port: int, terms_dir: Path | None) -> None:
    """Serve the consent page until interrupted."""
    import uvicorn  # only the serving command needs it

    from ..consent.app import create_app

    try:
        settings = ConsentSettings.from_env(terms_dir=terms_dir)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    versions = sorted(p.stem for p in settings.terms_dir.glob("*.md"))
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"Consent page: http://{shown_host}:{port}{settings.terms_path}", err=True)
    click.echo(f"  issuers:         {', '.join(settings.issuers)}", err=True)
    click.echo(f"  answers go to:   {settings.resume_url}?state=...", err=True)
    click.echo(
        f"  terms:           {settings.terms_dir} ({', '.join(versions) or 'no versions'})",
        err=True,
    )
    rotation = "current and previous" if settings.previous_token_secret else "current"
    click.echo(f"  token secret:    {rotation} (from the environment)", err=True)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    # uvicorn's access log prints query strings, and /terms carries the session_token in one;
    # the app logs method, path and status instead.
    uvicorn.run(create_app(settings), host=host, port=port, server_header=False, access_log=False)
