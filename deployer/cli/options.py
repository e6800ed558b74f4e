"""What the command modules share: the root group's error handling, options, printing, and
the confirm-then-apply loop used by deploy, promote and apply."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import click

from ..errors import DeployerError, RefusedError

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from ..config import Config
    from ..emulator import EmulatorSettings
    from ..plan import Plan
    from ..state import DesiredAction
    from ..workflow import Context, Outcome

# The root group imports this module, so everything heavier than click is imported inside the
# functions that need it: `deployer --help` and `validate` start without the Auth0 SDK.

EXIT_CHANGES = 2


class UsageError(click.UsageError):
    """Click's usage error, shown as click shows it, exiting 1: 2 means something else to the
    commands that document it."""

    exit_code = 1

    def __init__(self, original: click.UsageError) -> None:
        super().__init__(original.message, original.ctx)
        self.original = original

    def show(self, file: IO[Any] | None = None) -> None:
        self.original.show(file)


class Group(click.Group):
    """Turns every DeployerError into one message and an exit code, in one place.

    Exit 2 is reserved for what a command documents (`plan --detailed-exitcode`: changes
    pending; `secrets`: problems), so a pipeline can tell it apart from a failure. Click exits
    2 on a usage error (a mistyped flag, `-o yaml`); here it exits 1 like every other error, or
    a typo in a CI step would read as "changes pending" and pass.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:  # a bad option before the command
            raise UsageError(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:  # a command's or subcommand's, raised while parsing it
            raise UsageError(exc) from None
        except DeployerError as exc:
            if ctx.find_root().params.get("debug"):
                import traceback

                traceback.print_exc()
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(exc.exit_code)


@dataclass(frozen=True)
class Invocation:
    """What the root group hands its commands (as click's `ctx.obj`)."""

    config_path: Path
    # The embedded emulator's settings; None is Auth0's free tier. Only a program that runs the
    # CLI in process sets them, by passing EmulatorSettings as `obj` (tests: faster builds).
    emulator_settings: EmulatorSettings | None = None

    @classmethod
    def start(cls, ctx: click.Context, config_path: Path) -> Invocation:
        given = ctx.find_root().obj
        if given is None:
            return cls(config_path)
        from ..emulator import EmulatorSettings  # only a program running the CLI passes one

        return cls(config_path, given if isinstance(given, EmulatorSettings) else None)


def invocation_of(ctx: click.Context) -> Invocation:
    invocation = ctx.find_root().obj
    if not isinstance(invocation, Invocation):  # a programming error, not a user's
        raise RuntimeError("a command ran outside the `deployer` group")
    return invocation


def config_of(ctx: click.Context) -> Config:
    from ..config import load_config

    return load_config(invocation_of(ctx).config_path)


def context_of(ctx: click.Context, **options: Any) -> Context:
    from ..provenance import current_source
    from ..sources import Environment
    from ..workflow import Context, RunOptions

    invocation = invocation_of(ctx)
    config = config_of(ctx)
    source = current_source(config.root)
    return Context(
        config=config,
        env=Environment(config.root),
        report=lambda line: click.echo(line, err=True),
        options=RunOptions(commit=source.commit, dirty=source.dirty, **options),
        emulator_settings=invocation.emulator_settings,
    )


def tenant_names(config: Config, tenants: Sequence[str], all_tenants: bool) -> list[str]:
    if all_tenants:
        return list(config.tenants)
    names = list(dict.fromkeys(tenants)) or ["local"]
    for name in names:
        config.tenant(name)  # a clear error for an unknown name, before any request
    return names


def complete_tenants(
    ctx: click.Context, _param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """Tenant names for shell completion of -t, read leniently from the config file."""
    import yaml
    from click.shell_completion import CompletionItem

    from ..config import DEFAULT_CONFIG

    root = ctx.find_root()
    path = Path(root.params.get("config_path") or DEFAULT_CONFIG)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        names = list(data["tenants"])
    except Exception:  # completion must never print a traceback into the shell
        return []
    return [CompletionItem(str(n)) for n in names if str(n).startswith(incomplete)]


# One rule for -t/--tenant in every command: it names a tenant from tenants.yaml, `local` when
# not given; commands that can act on several take it repeatedly, or --all.
tenant_option = click.option(
    "-t",
    "--tenant",
    "tenants",
    multiple=True,
    shell_complete=complete_tenants,
    help="A tenant from tenants.yaml (repeatable; default: local).",
)


def single_tenant_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "-t",
        "--tenant",
        default="local",
        show_default=True,
        shell_complete=complete_tenants,
        help=help_text,
    )


all_option = click.option("--all", "all_tenants", is_flag=True, help="Every tenant in the file.")
output_option = click.option(
    "-o",
    "--output",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="How to print the plan.",
)
adopt_option = click.option(
    "--adopt",
    is_flag=True,
    help="Take over an existing action of our name that this tool did not deploy.",
)
prune_option = click.option(
    "--prune-secrets",
    is_flag=True,
    help="Delete live secrets that the config does not know (kept by default).",
)
skip_not_ready_option = click.option(
    "--skip-not-ready",
    is_flag=True,
    help="Deploy the tenants that are ready and skip the others (default: refuse the run).",
)
yes_option = click.option(
    "-y", "--yes", is_flag=True, help="Apply without asking (needed without a terminal)."
)


def print_outcomes(outcomes: Sequence[Outcome], fmt: str) -> None:
    from .. import output
    from ..terminal import colour_allowed

    if fmt == "json":
        click.echo(output.as_json(outcomes), nl=False)
    elif fmt == "markdown":
        click.echo(output.markdown(outcomes), nl=False)
    else:
        colour = colour_allowed(sys.stdout)
        click.echo(output.text(outcomes, colour=colour), nl=False, color=colour)


def worst(outcomes: Sequence[Outcome]) -> int:
    return 1 if any(o.error for o in outcomes) else 0


Check = Callable[[str, "Plan", "DesiredAction"], None]


def _ready(context: Context, names: Sequence[str], skip_not_ready: bool) -> list[str]:
    """The tenants to apply: all of them, or refuse, unless `skip_not_ready` drops those
    that are not ready."""
    from ..workflow import not_ready, readiness_message

    missing = not_ready(context, names)
    if missing and not skip_not_ready:
        raise RefusedError(
            f"not applying anything: {readiness_message(missing)}\n"
            "Set them, or add --skip-not-ready to deploy the tenants that are ready."
        )
    if missing:
        click.secho(f"Skipping: {readiness_message(missing)}", fg="yellow", err=True)
    return [n for n in names if n not in missing]


def apply_with_confirmation(
    context: Context,
    names: Sequence[str],
    *,
    yes: bool,
    fmt: str,
    check: Check | None = None,
    skip_not_ready: bool = False,
) -> list[Outcome]:
    """Check that every tenant is ready, then plan, show, ask (or --yes), apply each tenant,
    and print how it ended.

    Readiness first: a run that would deploy some tenants and then find the next one has no
    secrets here is a partial rollout nobody asked for. `skip_not_ready` deploys the others.
    `check` may refuse a tenant (by raising) after its fresh plan is made, before any write.
    """
    from .. import output
    from ..terminal import colour_allowed
    from ..workflow import Outcome, deploy_tenant, for_each, plan_tenant

    names = _ready(context, names, skip_not_ready)
    colour = fmt == "text" and colour_allowed(sys.stdout)
    printing = threading.Lock()

    def show(name: str, plan: Plan, desired: DesiredAction) -> bool:
        if check is not None:
            check(name, plan, desired)
        if fmt == "text" and not plan.empty:  # with --yes, printed just before it is applied
            with printing:
                click.echo(output.text([Outcome(name, plan=plan)], colour=colour), nl=False)
        return True

    if yes:
        outcomes = for_each(names, lambda n: deploy_tenant(context, n, confirm=partial(show, n)))
    else:
        reviewed = {o.tenant: o for o in for_each(names, partial(plan_tenant, context))}
        print_outcomes(list(reviewed.values()), fmt)
        pending = [n for n, o in reviewed.items() if o.plan and not o.plan.empty and not o.error]
        if not pending:
            return list(reviewed.values())
        if not sys.stdin.isatty():
            raise RefusedError("not applying: no terminal to ask for confirmation; add --yes")
        if not click.confirm(f"Apply these changes to {', '.join(pending)}?", default=False):
            raise RefusedError("nothing applied")

        def same_plan(name: str, fresh: Plan, desired: DesiredAction) -> bool:
            # The tenant must still be what was reviewed; otherwise stop and show it again.
            if fresh != reviewed[name].plan:
                raise RefusedError(f"{name} changed since the plan was shown; run again")
            if check is not None:
                check(name, fresh, desired)
            return True

        outcomes = for_each(
            pending, lambda n: deploy_tenant(context, n, confirm=partial(same_plan, n))
        )
    report_applied(outcomes, fmt, colour)
    return outcomes


def report_applied(outcomes: Sequence[Outcome], fmt: str, colour: bool) -> None:
    from .. import output

    if fmt in ("json", "markdown"):
        print_outcomes(outcomes, fmt)
        return
    for o in outcomes:
        if o.error:
            click.echo(output.text([o], colour=colour), nl=False, color=colour)
        elif o.applied:
            click.echo(f"{o.tenant}: applied; the tenant now matches the configuration.")
        elif o.plan is not None and o.plan.empty:
            click.echo(f"{o.tenant}: No changes.")
