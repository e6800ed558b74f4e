"""`deployer verify`: synthetic logins against the deployed Action. Parse, call, print, exit."""

from __future__ import annotations

from collections.abc import Sequence

import click

from ..errors import DeployerError
from ..verify import VerifyReport, verify_tenant
from ..workflow import Context
from .options import all_option, context_of, tenant_names, tenant_option


def run_verify(context: Context, names: Sequence[str]) -> int:
    """Verify each tenant in turn, print a pass/fail line per case; 0 if all passed, else 1."""
    code = 0
    for name in names:
        try:
            report = verify_tenant(context, name)
        except DeployerError as exc:
            click.secho(f"{name}: cannot verify: {exc}", fg="red")
            code = 1
            continue
        _print(report)
        if not report.passed:
            code = 1
    return code


def _print(report: VerifyReport) -> None:
    click.echo(f"Verifying {report.tenant}: {report.subject}, through Auth0's test endpoint")
    for case in report.cases:
        mark = click.style("PASS", fg="green") if case.passed else click.style("FAIL", fg="red")
        click.echo(f"  {mark}  {case.name}: {case.detail}")
    passed = sum(c.passed for c in report.cases)
    verdict = "verified" if report.passed else "NOT verified"
    click.echo(f"{report.tenant}: {passed} of {len(report.cases)} checks passed; {verdict}.")


@click.command()
@tenant_option
@all_option
@click.pass_context
def verify(ctx: click.Context, tenants: tuple[str, ...], all_tenants: bool) -> None:
    """Check the deployed Action with synthetic logins (Auth0's test endpoint).

    The test endpoint runs the action's draft, so verify first checks that the draft is the
    deployed version and that the action is bound to the login trigger. Then: a user with no
    acceptance and a user with a forged acceptance record must be sent to the terms page; with
    `non_interactive: deny` a refresh-token login must be denied; a silent login (prompt=none)
    must not get through. One PASS/FAIL line per check; exit 0 when all pass, 1 otherwise.
    Needs the create:actions scope (the test endpoint's). No user is read or changed.

    \b
    Examples:
      deployer verify --tenant local
      deployer verify --all
      deployer deploy --tenant prod --yes --verify      deploy, then verify
    """
    context = context_of(ctx)
    names = tenant_names(context.config, tenants, all_tenants)
    ctx.exit(run_verify(context, names))
