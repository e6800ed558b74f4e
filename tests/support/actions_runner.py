"""Run a GitHub Actions workflow's commands on this machine, as a runner would run them.

Enough of GitHub's model to execute our example workflow for real: jobs in `needs:` order,
`if:` conditions, a fresh checkout per job, workflow/job/step `env`, `${{ }}` expressions
(`secrets.*` from the job's environment, `vars.*`, `env.*`, `github.*`, `||`, `==`), `run:`
steps in `bash --noprofile --norc -eo pipefail` (GitHub's default shell) with stdin closed, the
step summary file, and artifacts passed between jobs as files. Anything else it meets (an
action it does not know, an expression it cannot evaluate) fails loudly instead of being
skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
SHELL = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
# Steps that only prepare the runner: Python, Node and the package are already installed.
SETUP_ACTIONS = ("actions/setup-python@", "actions/setup-node@")


@dataclass
class StepResult:
    name: str
    returncode: int
    stdout: str
    stderr: str


@dataclass
class JobResult:
    name: str
    status: str  # "success", "failure" or "skipped"
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""
    secrets_read: set[str] = field(default_factory=set)


@dataclass
class Run:
    jobs: dict[str, JobResult]

    def failed(self) -> str:
        """The output of every failed step, for an assertion message."""
        out = []
        for job in self.jobs.values():
            for step in job.steps:
                if step.returncode:
                    out.append(f"[{job.name}] {step.name}: exit {step.returncode}")
                    out.append(step.stdout + step.stderr)
        return "\n".join(out)


@dataclass
class Runner:
    """`checkout(dest)` makes a fresh working copy; `bin_dirs` go first on PATH."""

    workflow: Mapping[str, Any]
    checkout: Callable[[Path], None]
    work: Path
    bin_dirs: list[Path]
    secrets: Mapping[str, Mapping[str, str]]  # environment name ("" the repository) -> secrets
    variables: Mapping[str, str] = field(default_factory=dict)
    extra_env: Mapping[str, str] = field(default_factory=dict)

    def run(self, event: str, ref: str = "refs/heads/main") -> Run:
        github = {"event_name": event, "ref": ref, "workspace": ""}
        jobs = self.workflow["jobs"]
        results: dict[str, JobResult] = {}
        for name in _order(jobs):
            spec = jobs[name]
            needs = _list(spec.get("needs"))
            condition = spec.get("if", "success()")
            blocked = any(results[n].status != "success" for n in needs)
            context = self._context(github, {}, None)
            if blocked or not _truthy(evaluate(str(condition), context)):
                results[name] = JobResult(name, "skipped")
                continue
            results[name] = self._job(name, spec, github)
        return Run(results)

    def _context(
        self, github: Mapping[str, str], env: Mapping[str, str], environment: str | None
    ) -> dict[str, Any]:
        # Repository secrets ("" here) reach every job; an environment's only its jobs.
        secrets = {**self.secrets.get("", {}), **self.secrets.get(environment or "", {})}
        return {
            "github": github,
            "env": env,
            "vars": self.variables,
            "secrets": secrets,
            "runner": {"temp": str(self.work / "runner-temp"), "os": "Linux"},
        }

    def _job(self, name: str, spec: Mapping[str, Any], github: Mapping[str, str]) -> JobResult:
        result = JobResult(name, "success")
        workspace = self.work / "jobs" / name
        self.checkout(workspace)
        summary = self.work / "summaries" / f"{name}.md"
        summary.parent.mkdir(parents=True, exist_ok=True)
        summary.touch()
        environment = spec.get("environment")
        if isinstance(environment, dict):
            environment = environment.get("name")
        github = {**github, "workspace": str(workspace)}
        reads: set[str] = set()

        def context(env: Mapping[str, str]) -> dict[str, Any]:
            ctx = self._context(github, env, environment)
            ctx["secrets"] = _Recording(ctx["secrets"], reads)
            return ctx

        env: dict[str, str] = {}
        for scope in (self.workflow.get("env") or {}, spec.get("env") or {}):
            for key, value in scope.items():
                env[key] = substitute(str(value), context(env))
        for index, step in enumerate(spec["steps"]):
            step_env = dict(env)
            for key, value in (step.get("env") or {}).items():
                step_env[key] = substitute(str(value), context(step_env))
            label = step.get("name") or step.get("run") or step.get("uses") or f"step {index}"
            outcome = self._step(step, step_env, workspace, summary, context(step_env))
            result.steps.append(StepResult(str(label).strip(), *outcome))
            if outcome[0] != 0:
                result.status = "failure"
                break
        result.summary = summary.read_text()
        result.secrets_read = reads
        return result

    def _step(
        self,
        step: Mapping[str, Any],
        env: Mapping[str, str],
        workspace: Path,
        summary: Path,
        context: Mapping[str, Any],
    ) -> tuple[int, str, str]:
        uses = step.get("uses")
        if uses is not None:
            with_ = {k: substitute(str(v), context) for k, v in (step.get("with") or {}).items()}
            return self._action(str(uses), with_, workspace)
        script = substitute(str(step["run"]), context)
        process_env = {
            "PATH": os.pathsep.join(
                [*map(str, self.bin_dirs), "/usr/local/bin", "/usr/bin", "/bin"]
            ),
            "HOME": str(self.work / "home"),
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": context["github"]["event_name"],
            "GITHUB_REF": context["github"]["ref"],
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": context["runner"]["temp"],
            **self.extra_env,
            **env,
        }
        Path(process_env["HOME"]).mkdir(parents=True, exist_ok=True)
        Path(process_env["RUNNER_TEMP"]).mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [*SHELL, "-c", script],
            cwd=workspace,
            env=process_env,
            stdin=subprocess.DEVNULL,  # no terminal, like a runner
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        return done.returncode, done.stdout, done.stderr

    def _action(self, uses: str, with_: Mapping[str, str], workspace: Path) -> tuple[int, str, str]:
        store = self.work / "artifacts"
        if uses.startswith("actions/checkout@"):
            return 0, "checked out at the start of the job", ""
        if uses.startswith(SETUP_ACTIONS):
            return 0, f"{uses}: this machine has it", ""
        if uses.startswith("actions/upload-artifact@"):
            source = workspace / with_["path"]
            if not source.exists():
                return 1, "", f"upload-artifact: no file at {with_['path']}"
            target = store / with_["name"]
            target.mkdir(parents=True, exist_ok=False)
            if source.is_dir():
                shutil.copytree(source, target, dirs_exist_ok=True)
            else:
                shutil.copy2(source, target / source.name)
            return 0, "", ""
        if uses.startswith("actions/download-artifact@"):
            source = store / with_["name"]
            if not source.is_dir():
                return 1, "", f"download-artifact: no artifact named {with_['name']}"
            shutil.copytree(source, workspace / with_.get("path", "."), dirs_exist_ok=True)
            return 0, "", ""
        raise AssertionError(f"the workflow uses {uses}, which this runner does not know")


class _Recording(dict[str, str]):
    """Secrets that note each name looked up (GitHub answers '' for one that is not set)."""

    def __init__(self, values: Mapping[str, str], reads: set[str]) -> None:
        super().__init__(values)
        self.reads = reads

    def lookup(self, name: str) -> str:
        value = self.get(name, "")
        if value:
            self.reads.add(name)
        return value


def _list(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _order(jobs: Mapping[str, Any]) -> list[str]:
    """Jobs in an order that respects `needs:` (file order among independent ones)."""
    done: list[str] = []
    pending = list(jobs)
    while pending:
        ready = [j for j in pending if all(n in done for n in _list(jobs[j].get("needs")))]
        if not ready:
            raise AssertionError(f"jobs with unmet or circular needs: {pending}")
        done.append(ready[0])
        pending.remove(ready[0])
    return done


def substitute(text: str, context: Mapping[str, Any]) -> str:
    return EXPRESSION.sub(lambda m: _string(evaluate(m.group(1), context)), text)


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:  # noqa: C901
    """The small part of GitHub's expression language this workflow uses."""
    expression = expression.strip()
    match = EXPRESSION.fullmatch(expression)
    if match:
        expression = match.group(1)
    if "||" in expression:
        for part in expression.split("||"):
            value = evaluate(part, context)
            if _truthy(value):
                return value
        return value
    if "&&" in expression:
        values = [evaluate(part, context) for part in expression.split("&&")]
        return next((v for v in values if not _truthy(v)), values[-1])
    if "==" in expression or "!=" in expression:
        op = "==" if "==" in expression else "!="
        left, right = (evaluate(p, context) for p in expression.split(op, 1))
        return (left == right) if op == "==" else (left != right)
    if expression in ("success()", "always()"):
        return True
    if re.fullmatch(r"'[^']*'", expression):
        return expression[1:-1]
    if re.fullmatch(r"[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)+", expression):
        scope, *path = expression.split(".")
        value: Any = context[scope]
        for key in path:
            if isinstance(value, _Recording):
                value = value.lookup(key)
            elif isinstance(value, Mapping):
                value = value.get(key, "")
            else:
                raise AssertionError(f"cannot evaluate {expression!r}")
        return value
    raise AssertionError(f"this runner cannot evaluate the expression {expression!r}")


def _truthy(value: Any) -> bool:
    return bool(value) and value != "false"


def _string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def load_workflow(path: Path) -> dict[str, Any]:
    # YAML 1.1 reads the key `on` as True; GitHub reads it as "on".
    data: dict[Any, Any] = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def pip_shim(directory: Path) -> Path:
    """A `pip` that accepts only what the workflow should run (`pip install .`): the package is
    already installed here, and a mistyped install line must still fail."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "pip"
    shim.write_text(
        "#!/bin/sh\n"
        'if [ "$*" = "install ." ]; then echo "(already installed)"; exit 0; fi\n'
        'echo "pip: unexpected arguments: $*" >&2; exit 2\n'
    )
    shim.chmod(0o755)
    return directory


def console_scripts() -> Path:
    """The directory holding this interpreter's `deployer` console script."""
    directory = Path(sys.executable).parent
    assert (directory / "deployer").exists(), f"no deployer console script in {directory}"
    return directory
