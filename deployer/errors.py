"""One exception hierarchy; the CLI turns each kind into an exit code and a short message."""

from __future__ import annotations

from dataclasses import dataclass


class DeployerError(Exception):
    """Base of every error this tool reports to a user (never with a traceback unless --debug)."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
        parts = [p for p in (where, self.field) if p]
        prefix = ": ".join(parts)
        return f"{prefix}: {self.message}" if prefix else self.message


class ConfigError(DeployerError):
    """The configuration (tenants.yaml, the manifest, the environment) is wrong.

    Carries every problem found, so a user fixes them all in one round.
    """

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        if len(problems) == 1:
            text = str(problems[0])
        else:
            text = f"{len(problems)} problems:\n" + "\n".join(f"  {p}" for p in problems)
        super().__init__(text)


class NotReadyError(ConfigError):
    """A tenant cannot be planned here: its credentials or secrets are not set."""

    def __str__(self) -> str:
        lines = "\n".join(f"  - {p.message}" for p in self.problems)
        # Each line says what is wrong (not set, too short, ...); the heading must not.
        return f"not ready: {len(self.problems)} value(s) cannot be used here\n{lines}"


class RenderError(DeployerError):
    """The Action could not be rendered, or the rendered code is not valid JavaScript."""


class Auth0Error(DeployerError):
    """Auth0 (or the emulator) refused a request or answered something we cannot use."""

    def __init__(
        self, message: str, *, status: int | None = None, error_code: str | None = None
    ) -> None:
        self.status = status
        self.error_code = error_code
        super().__init__(message)


class RefusedError(DeployerError):
    """The tool refuses to act: an unmanaged action of our name, a Marketplace action, limits."""


class ConcurrentChangeError(RefusedError):
    """The tenant changed under a running apply (another pipeline, a dashboard edit)."""


class BuildFailedError(DeployerError):
    """Auth0 could not build the Action (its build errors are in the message)."""


class WaitTimeoutError(DeployerError):
    """A wait (build, deploy, binding) ran past its deadline."""
