"""`deployer secrets`: what is set where, checked by fingerprint; `deployer secrets generate`.

Thin: `workflow.check_secrets` reads each tenant's local values and its live action (a token
and one list request) and builds the report; this module parses, prints and exits.
"""

from __future__ import annotations

import sys
from functools import partial
from secrets import token_urlsafe

import click

from .. import secrets_report
from ..errors import DeployerError
from ..sources import GENERATED_BYTES
from ..terminal import columns, no_colour_requested
from ..workflow import check_secrets, concurrently
from .options import all_option, context_of, tenant_names, tenant_option

JSON_HELP = """\b
JSON (--output json), format_version 1; never a value, whatever the flags:
  {"format_version": 1, "exit_code": 0|1|2,
   "tenants": [{"tenant": "dev",
     "action": {"name": "Accept Terms", "id": "..."|null},
     "live": {"checked": bool, "reason": "..."|null,
              "action_found": bool|null, "fingerprinted": bool},
     "secrets": [{"name": "TERMS_TOKEN_SECRET", "known_to_config": bool,
       "required": bool, "source": "$VAR"|"file PATH"|"generated (...)"|null,
       "local": {"present": bool, "length": int|null, "long_enough": bool},
       "live": {"present": bool, "updated_at": "..."|null} | null (not checked),
       "status": "in_sync"|"differs"|"unknown"|"not_deployed"|"missing_locally"
                 |"too_short"|"weak"|"unknown_to_config"|"not_set"|"to_be_removed"
                 |"not_checked"}],
     "exit_code": 0|1|2}]}"""


def _stdout_is_terminal() -> bool:
    # One place to ask, so tests can stand in for a terminal.
    return sys.stdout.isatty()


def _check_reveal(fmt: str, reveal: bool, force: bool) -> None:
    """Refuse, before reading anything, every way of printing values where they would stay."""
    if force and not reveal:
        raise DeployerError("--force only goes with --reveal")
    if not reveal:
        return
    if fmt == "json":
        raise DeployerError(
            "--reveal is for the text table only: the JSON output never carries a value"
        )
    if not _stdout_is_terminal() and not force:
        raise DeployerError(
            "--reveal refused: standard output is not a terminal, so the values would land in "
            "a log, a pipe or a file. Run it in a terminal, or add --force if that is really "
            "what you want."
        )


@click.group(
    "secrets",
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=JSON_HELP,
)
@tenant_option
@all_option
@click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="A table per tenant, or JSON (never with values).",
)
@click.option(
    "--reveal",
    is_flag=True,
    help="Show the local values in the table; only on a terminal (see --force).",
)
@click.option("--force", is_flag=True, help="With --reveal: show values even without a terminal.")
@click.pass_context
def secrets(
    ctx: click.Context,
    tenants: tuple[str, ...],
    all_tenants: bool,
    fmt: str,
    reveal: bool,
    force: bool,
) -> None:
    """Where each secret comes from, and whether the deployed value is the local one.

    Auth0 never shows a secret's value. The deployed code's header carries a keyed fingerprint
    of each value this tool sent, so the local value's fingerprint tells whether they match;
    no value leaves this machine. Values are masked unless --reveal. Reads a token and the
    action (2 requests per tenant); a tenant that cannot be read still shows the local side.
    A value changed in the Auth0 dashboard after a deploy is not seen (the header describes
    what this tool sent): compare the LIVE update times.

    Status: in sync, differs, unknown (the live code has no fingerprint for it), not deployed,
    missing locally, too short, weak (predictable), unknown to config (live only), not set
    (optional, set nowhere), to be removed (optional, unset here, still live), not checked.

    Exit code: 0 when every secret is in sync (or an optional one is set nowhere); 2 when any
    other status needs a look (missing, too short, differs, ...); 1 when a tenant could not be
    read or on any other error.

    \b
    Examples:
      deployer secrets                          the local tenant
      deployer secrets --all --output json      every tenant, for a pipeline
      deployer secrets -t prod --reveal         show the local values, on a terminal
      deployer secrets generate                 a new value for a secret
    """
    if ctx.invoked_subcommand is not None:
        return
    _check_reveal(fmt, reveal, force)
    context = context_of(ctx)
    names = tenant_names(context.config, tenants, all_tenants)
    checked = concurrently(names, partial(check_secrets, context))
    reports = [c.report for c in checked]
    if fmt == "json":
        click.echo(secrets_report.as_json(reports), nl=False)
    else:
        revealed = None
        if reveal:
            revealed = {
                c.report.tenant: {n: v.secret.reveal() for n, v in c.local.items() if v.secret}
                for c in checked
            }
        terminal = _stdout_is_terminal()
        colour = terminal and not no_colour_requested()
        # On a terminal the table fits its width (long cells wrap); a log keeps whole lines,
        # and so does --reveal, so that each value can be copied in one piece.
        width = columns() if terminal and not reveal else None
        shown = secrets_report.text(reports, revealed=revealed, colour=colour, width=width)
        click.echo(shown, nl=False, color=colour)
    ctx.exit(secrets_report.exit_code(reports))


@secrets.command()
@click.option(
    "--length",
    "length",
    type=click.IntRange(min=GENERATED_BYTES),
    default=GENERATED_BYTES,
    show_default=True,
    help=f"Random bytes (at least {GENERATED_BYTES}); printed URL-safe base64, unpadded.",
)
def generate(length: int) -> None:
    """Print a new random value for a secret (URL-safe, from the OS's CSPRNG).

    Only the value goes to standard output, so it can go straight into a secret store.

    \b
    Examples:
      deployer secrets generate
      deployer secrets generate | gh secret set PROD_TERMS_TOKEN_SECRET
      deployer secrets generate --length 48
    """
    click.echo(token_urlsafe(length))
